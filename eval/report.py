"""An HTML evaluation report with PNG plots: PR curve, calibration, score histograms, per-group bars."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from .metrics import ScoredSet


def _figure():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt, fig, path: Path) -> None:  # type: ignore[no-untyped-def]
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_pr_curve(scored: ScoredSet, path: Path) -> None:
    from sklearn.metrics import precision_recall_curve

    plt = _figure()
    precision, recall, _ = precision_recall_curve(scored.labels, scored.risks)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(recall, precision, color="#1f5f99")
    flags = scored.flags == 1
    tp = (flags & (scored.labels == 1)).sum()
    if flags.any():
        ax.scatter([tp / max(1, scored.labels.sum())], [tp / flags.sum()], color="#c0392b", zorder=3,
                   label=f"threshold {scored.threshold:.2f}")
        ax.legend(loc="lower left")
    ax.axhline(0.95, color="grey", linestyle=":", linewidth=1)
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1.01), ylim=(0, 1.01),
           title="Precision-recall")
    _save(plt, fig, path)


def plot_calibration(report: dict[str, Any], path: Path) -> None:
    plt = _figure()
    table = report["calibration"]["reliability"]
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":")
    ax.plot([t["mean_risk"] for t in table], [t["positive_rate"] for t in table], marker="o", color="#1f5f99")
    ax.set(xlabel="mean predicted risk", ylabel="observed infringing rate", xlim=(0, 1), ylim=(0, 1),
           title=f"Calibration (ECE {report['calibration']['ece']:.3f})")
    _save(plt, fig, path)


def plot_histograms(scored: ScoredSet, path: Path) -> None:
    plt = _figure()
    fig, ax = plt.subplots(figsize=(5, 4))
    bins = np.linspace(0, 1, 21)
    ax.hist(scored.risks[scored.labels == 0], bins=bins, alpha=0.7, label="label 0 (not infringing)", color="#7f8c8d")
    ax.hist(scored.risks[scored.labels == 1], bins=bins, alpha=0.7, label="label 1 (infringing)", color="#c0392b")
    ax.axvline(scored.threshold, color="black", linestyle="--", linewidth=1)
    ax.set(xlabel="risk", ylabel="listings", title="Scores by label", yscale="log")
    ax.legend()
    _save(plt, fig, path)


def plot_groups(report: dict[str, Any], path: Path) -> None:
    plt = _figure()
    groups = report["groups"]
    names = list(groups)
    rates = [groups[n]["flag_rate"] for n in names]
    colours = ["#c0392b" if groups[n]["label_rate"] >= 0.5 else "#7f8c8d" for n in names]
    fig, ax = plt.subplots(figsize=(6, max(3, 0.3 * len(names) + 1)))
    bars = ax.barh(names, rates, color=colours)
    ax.bar_label(bars, labels=[f"{r:.0%}" for r in rates], padding=3, fontsize=8)
    ax.set(xlim=(0, 1), xlabel="flag rate (red: infringing families, grey: negatives)", title="By group")
    ax.invert_yaxis()
    _save(plt, fig, path)


def write_report(report: dict[str, Any], scored: ScoredSet, out: Path) -> Path:
    """Write ``index.html``, the PNG plots and ``report.json`` into ``out``; returns the HTML path."""
    out.mkdir(parents=True, exist_ok=True)
    plots = {
        "pr_curve.png": lambda p: plot_pr_curve(scored, p),
        "calibration.png": lambda p: plot_calibration(report, p),
        "histograms.png": lambda p: plot_histograms(scored, p),
        "groups.png": lambda p: plot_groups(report, p),
    }
    for name, draw in plots.items():
        draw(out / name)
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")

    def row(cells: list[object]) -> str:
        return "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>"

    headline = [("n", report["n"]), ("precision / 精确率", report["precision"]), ("recall / 召回率", report["recall"]),
                ("F1", report["f1"]), ("PR-AUC", report["pr_auc"]), ("ROC-AUC", report["roc_auc"]),
                ("recall @ P≥0.95", report["recall_at_precision_95"]), ("Brier", report["brier"]),
                ("ECE", report["ece"]), ("threshold / 阈值", report["threshold"]),
                ("recommended threshold", report["recommended_threshold"])]
    groups = "".join(row([g, v["n"], v["label_rate"], v["flag_rate"]]) for g, v in report["groups"].items())
    sweep = "".join(row([s["threshold"], s["precision"], s["recall"], s["f1"], s["flag_rate"]])
                    for s in report["threshold_sweep"])
    errors = "".join(row([e["label"], f"{e['risk']:.3f}", e["group"], e["title"]]) for e in report["errors"])
    images = "".join(f'<figure><img src="{name}" alt="{name}"></figure>' for name in plots)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ipwatch evaluation / 评估报告</title>
<style>body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}}
figure{{display:inline-block;margin:0 1em 1em 0}}img{{max-width:560px}}</style></head><body>
<h1>ipwatch evaluation / 评估报告</h1>
<p>model <code>{html.escape(report["model_version"])}</code>,
library <code>{html.escape(report["library_version"])}</code></p>
<table><tr><th>figure</th><th>value</th></tr>{"".join(row([k, v]) for k, v in headline)}</table>
<p>confusion: TP {report["tp"]}, FP {report["fp"]}, FN {report["fn"]}, TN {report["tn"]}</p>
{images}
<h2>By group / 分组</h2><table><tr><th>group</th><th>n</th><th>label rate</th><th>flag rate</th></tr>{groups}</table>
<h2>Threshold sweep / 阈值扫描</h2>
<table><tr><th>threshold</th><th>precision</th><th>recall</th><th>F1</th><th>flag rate</th></tr>{sweep}</table>
<h2>Errors / 错例</h2><table><tr><th>label</th><th>risk</th><th>group</th><th>title</th></tr>{errors}</table>
</body></html>"""
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
