"""Analyst tooling: labelled-set generation, loading and metrics."""

from .generator import DERIVED_FAMILIES, NEGATIVE_KINDS, POSITIVE_FAMILIES, generate_labelled_set
from .metrics import (
    LabelledSetError,
    ScoredSet,
    binary_metrics,
    choose_threshold,
    compare,
    evaluate,
    load_labelled_set,
    recall_at_precision,
    render_summary,
    score_rows,
    summarise,
)
from .real_titles import real_titles

__all__ = [
    "DERIVED_FAMILIES",
    "NEGATIVE_KINDS",
    "POSITIVE_FAMILIES",
    "LabelledSetError",
    "ScoredSet",
    "choose_threshold",
    "compare",
    "score_rows",
    "summarise",
    "binary_metrics",
    "evaluate",
    "generate_labelled_set",
    "load_labelled_set",
    "real_titles",
    "recall_at_precision",
    "render_summary",
]
