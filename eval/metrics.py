"""Metrics of a detector on a labelled set: overall, by group and by brand."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from detector import Detector, Listing


class LabelledSetError(ValueError):
    """A labelled file that cannot be evaluated; the message names the line at fault."""


def load_labelled_set(path: Path) -> list[dict[str, Any]]:
    """Read a labelled JSONL set: listings with ``label`` 0/1 and optional ``brand_id`` and ``group``."""
    if not path.exists():
        raise LabelledSetError(f"{path}: no such file")
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LabelledSetError(f"{path}: line {number}: invalid JSON: {exc.msg}") from exc
            if not isinstance(row, dict) or row.get("label") not in (0, 1, True, False):
                raise LabelledSetError(f"{path}: line {number}: field 'label' must be 0 or 1")
            try:
                Listing.model_validate(row)
            except ValidationError as exc:
                field = ".".join(str(p) for p in exc.errors()[0]["loc"])
                raise LabelledSetError(f"{path}: line {number}: field '{field}': {exc.errors()[0]['msg']}") from exc
            rows.append(row)
    if not rows:
        raise LabelledSetError(f"{path}: no labelled listings")
    return rows


def recall_at_precision(labels: np.ndarray, scores: np.ndarray, target: float) -> float:
    """The highest recall at any threshold whose precision is at least ``target``."""
    from sklearn.metrics import precision_recall_curve

    if labels.sum() == 0:
        return 0.0
    precision, recall, _ = precision_recall_curve(labels, scores)
    ok = precision >= target
    return float(recall[ok].max()) if ok.any() else 0.0


def binary_metrics(labels: np.ndarray, scores: np.ndarray, flags: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, roc_auc_score

    tp = int(((flags == 1) & (labels == 1)).sum())
    fp = int(((flags == 1) & (labels == 0)).sum())
    fn = int(((flags == 0) & (labels == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    both = 0 < labels.sum() < len(labels)
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "pr_auc": round(float(average_precision_score(labels, scores)), 4) if both else 0.0,
        "roc_auc": round(float(roc_auc_score(labels, scores)), 4) if both else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": int(((flags == 0) & (labels == 0)).sum()),
    }


@dataclass
class ScoredSet:
    """A labelled set and the detector's results on it."""

    rows: list[dict[str, Any]]
    labels: np.ndarray
    risks: np.ndarray
    flags: np.ndarray
    threshold: float
    library_version: str
    model_version: str


def score_rows(detector: Detector, rows: list[dict[str, Any]]) -> ScoredSet:
    """Score every labelled row with ``detector``."""
    results = list(detector.score_many(Listing.model_validate(row) for row in rows))
    return ScoredSet(
        rows=rows,
        labels=np.array([int(row["label"]) for row in rows]),
        risks=np.array([r.risk for r in results]),
        flags=np.array([int(r.flagged) for r in results]),
        threshold=detector.threshold,
        library_version=detector.library.version,
        model_version=detector.model_version,
    )


def choose_threshold(
    labels: np.ndarray, risks: np.ndarray, target: float = 0.95, default: float | None = None
) -> float:
    """A threshold with precision ≥ ``target`` on this set.

    ``default`` (a model's 0.5: for calibrated risks, "more likely infringing than not") is kept when
    it reaches the target here: a set that its features separate (a generated one) would otherwise
    pull the threshold down to its easiest positives, and new listings are not that easy. Otherwise
    the most recall at precision ≥ ``target``, in the middle (in log-odds) of the safe interval: any
    threshold above the highest risk left out and up to the lowest risk let in gives the same figures
    on this set, and the middle leaves room on both sides for new data.
    """
    from sklearn.metrics import precision_recall_curve

    if default is not None:
        flagged = risks >= default
        if flagged.any() and float(np.mean(labels[flagged])) >= target:
            return default
    precision, recall, thresholds = precision_recall_curve(labels, risks)
    ok = np.flatnonzero(precision[:-1] >= target)
    if len(ok) == 0:
        return 0.5
    best = ok[np.argmax(recall[ok])]
    high = float(thresholds[best])  # the lowest risk still flagged
    below = risks[risks < high]
    low = float(below.max()) if len(below) else 0.01  # the highest risk left out

    def logit(p: float) -> float:
        p = min(max(p, 1e-4), 1 - 1e-4)
        return float(np.log(p / (1 - p)))

    middle = 1.0 / (1.0 + np.exp(-(logit(low) + logit(high)) / 2))
    return float(min(0.8, max(0.2, middle)))


def calibration(labels: np.ndarray, risks: np.ndarray, bins: int = 10) -> dict[str, Any]:
    """Brier score, expected calibration error and the reliability table (equal-width bins)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(risks, edges[1:-1]), 0, bins - 1)
    table, ece = [], 0.0
    for b in range(bins):
        mask = index == b
        if not mask.any():
            continue
        mean_risk, rate = float(risks[mask].mean()), float(labels[mask].mean())
        ece += mask.sum() / len(risks) * abs(mean_risk - rate)
        table.append(
            {"bin": b, "n": int(mask.sum()), "mean_risk": round(mean_risk, 4), "positive_rate": round(rate, 4)}
        )
    brier = float(np.mean((risks - labels) ** 2))
    return {"brier": round(brier, 4), "ece": round(float(ece), 4), "reliability": table}


def threshold_sweep(labels: np.ndarray, risks: np.ndarray, steps: int = 19) -> list[dict[str, float]]:
    out = []
    for threshold in np.linspace(0.05, 0.95, steps):
        flags = risks >= threshold
        tp = int((flags & (labels == 1)).sum())
        fp = int((flags & (labels == 0)).sum())
        fn = int((~flags & (labels == 1)).sum())
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 0.0
        out.append({"threshold": round(float(threshold), 3), "precision": round(p, 4), "recall": round(r, 4),
                    "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0, "flag_rate": round(float(flags.mean()), 4)})
    return out


def precision_at_k(labels: np.ndarray, risks: np.ndarray, ks: tuple[int, ...] = (10, 50, 100, 500)) -> dict[str, float]:
    order = np.argsort(-risks, kind="stable")
    return {str(k): round(float(labels[order[:k]].mean()), 4) for k in ks if k <= len(labels)}


def summarise(scored: ScoredSet) -> dict[str, Any]:
    """The DESIGN.md evaluation contract, plus calibration, sweeps and per-group tables."""
    labels, risks, flags, rows = scored.labels, scored.risks, scored.flags, scored.rows
    report: dict[str, Any] = {"n": len(rows), **binary_metrics(labels, risks, flags)}
    report["threshold"] = scored.threshold
    report["recall_at_precision_95"] = round(recall_at_precision(labels, risks, 0.95), 4)
    report["library_version"] = scored.library_version
    report["model_version"] = scored.model_version
    report["confusion"] = {k: report[k] for k in ("tp", "fp", "fn", "tn")}
    report["calibration"] = calibration(labels, risks)
    report["brier"] = report["calibration"]["brier"]
    report["ece"] = report["calibration"]["ece"]
    report["precision_at_k"] = precision_at_k(labels, risks)
    report["threshold_sweep"] = threshold_sweep(labels, risks)
    both = 0 < labels.sum() < len(labels)
    report["recommended_threshold"] = round(choose_threshold(labels, risks), 4) if both else None

    groups: dict[str, list[int]] = defaultdict(list)
    brands: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[str(row.get("group") or "(none)")].append(i)
        if row.get("brand_id"):
            brands[str(row["brand_id"])].append(i)
    report["groups"] = {
        name: {
            "n": len(idx),
            "flag_rate": round(float(flags[idx].mean()), 4),
            "label_rate": round(float(labels[idx].mean()), 4),
        }
        for name, idx in sorted(groups.items())
    }
    report["brands"] = {}
    for name, idx in sorted(brands.items()):
        tp = int(((flags[idx] == 1) & (labels[idx] == 1)).sum())
        fp = int(((flags[idx] == 1) & (labels[idx] == 0)).sum())
        fn = int(((flags[idx] == 0) & (labels[idx] == 1)).sum())
        report["brands"][name] = {
            "n": len(idx),
            "precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "recall": round(tp / (tp + fn), 4) if tp + fn else None,
        }
    report["errors"] = [
        {"title": rows[i]["title"], "label": int(labels[i]), "risk": float(risks[i]), "group": rows[i].get("group")}
        for i in np.flatnonzero(flags != labels)[:50]
    ]
    return report


def evaluate(detector: Detector, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Score every row and compute the DESIGN.md evaluation contract."""
    return summarise(score_rows(detector, rows))


def compare(a: ScoredSet, b: ScoredSet, resamples: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Two models on the same set: PR-AUC of each and a paired bootstrap 95% interval on the difference."""
    from sklearn.metrics import average_precision_score

    labels = a.labels
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(resamples):
        idx = rng.integers(0, len(labels), len(labels))
        if 0 < labels[idx].sum() < len(idx):
            sample = labels[idx]
            diffs.append(average_precision_score(sample, b.risks[idx]) - average_precision_score(sample, a.risks[idx]))
    pr_a, pr_b = average_precision_score(labels, a.risks), average_precision_score(labels, b.risks)
    low, high = (np.percentile(diffs, [2.5, 97.5]) if diffs else (float("nan"), float("nan")))
    return {
        "a": {"model_version": a.model_version, "pr_auc": round(float(pr_a), 4), **summarise(a)["confusion"]},
        "b": {"model_version": b.model_version, "pr_auc": round(float(pr_b), 4), **summarise(b)["confusion"]},
        "pr_auc_difference": round(float(pr_b - pr_a), 4),
        "ci95": [round(float(low), 4), round(float(high), 4)],
        "resamples": len(diffs),
    }


def render_summary(report: dict[str, Any]) -> None:
    """A readable summary of an evaluation report on the terminal."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"n={report['n']}  precision={report['precision']:.3f}  recall={report['recall']:.3f}  f1={report['f1']:.3f}  "
        f"PR-AUC={report['pr_auc']:.3f}  ROC-AUC={report['roc_auc']:.3f}  "
        f"recall@P95={report['recall_at_precision_95']:.3f}  threshold={report['threshold']}"
    )
    table = Table(title="By group / 分组")
    for column in ("group", "n", "label rate", "flag rate"):
        table.add_column(column)
    for name, g in report["groups"].items():
        table.add_row(name, str(g["n"]), f"{g['label_rate']:.2f}", f"{g['flag_rate']:.3f}")
    console.print(table)
    if report["errors"]:
        console.print("Some errors / 错例:")
        for e in report["errors"][:15]:
            console.print(f"  label={e['label']} risk={e['risk']:.2f} [{e['group']}] {e['title']}")
