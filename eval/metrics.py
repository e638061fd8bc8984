"""Metrics of a detector on a labelled set: overall, by group and by brand."""

from __future__ import annotations

import json
from collections import defaultdict
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


def evaluate(detector: Detector, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Score every row and compute the DESIGN.md evaluation contract."""
    results = [detector.score(Listing.model_validate(row)) for row in rows]
    labels = np.array([int(row["label"]) for row in rows])
    scores = np.array([r.risk for r in results])
    flags = np.array([int(r.flagged) for r in results])
    report: dict[str, Any] = {"n": len(rows), **binary_metrics(labels, scores, flags)}
    report["threshold"] = detector.scorer.threshold
    report["recall_at_precision_95"] = round(recall_at_precision(labels, scores, 0.95), 4)
    report["library_version"] = detector.library.version
    report["model_version"] = detector.scorer.version

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
        {"title": rows[i]["title"], "label": int(labels[i]), "risk": float(scores[i]), "group": rows[i].get("group")}
        for i in np.flatnonzero(flags != labels)[:50]
    ]
    return report


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
