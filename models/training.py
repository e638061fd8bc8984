"""Training a scorer on a labelled set: features, a brand-held-out split, calibration, threshold."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import GroupKFold, GroupShuffleSplit

from detector import FEATURE_NAMES, Detector, Listing
from detector.scoring import CLEARING
from eval.metrics import binary_metrics, choose_threshold

from .estimator import CalibratedRiskModel, ListingFeatures

TARGET_PRECISION = 0.95
ANCHOR = FEATURE_NAMES.index("rule_logit")  # the model corrects the rules rather than replacing them
# The labels of a generated set are right about the generator, not about every marketplace: fitted as if one in
# twenty were wrong, the model keeps its log-odds finite where the features separate the set, so its risks
# still rank listings instead of rounding to 0 and 1.
LABEL_NOISE = 0.05
DEFAULT_THRESHOLD = 0.5  # kept when the held-out brands allow it (eval.metrics.choose_threshold)
_CLEARED = [FEATURE_NAMES.index(part) for part in CLEARING]


def served_risks(estimator: CalibratedRiskModel, X: np.ndarray) -> np.ndarray:  # noqa: N803
    """A model's risks as the detector serves them: a listing the rules clear (the owner's own seller, the mark's
    everyday sense) keeps the rules' risk, the logistic of their log-odds (Detector._score_assessment), so the
    held-out figures and the threshold chosen on them are those of the scores users see."""
    risks = estimator.predict_proba(X)[:, 1]
    cleared = (X[:, _CLEARED] != 0).any(axis=1)
    risks[cleared] = 1.0 / (1.0 + np.exp(-np.clip(X[cleared, ANCHOR], -50, 50)))
    return risks


@dataclass
class TrainingResult:
    estimator: CalibratedRiskModel
    metadata: dict[str, Any]


def data_hash(rows: list[dict[str, Any]]) -> str:
    """Content hash of a labelled set (order-sensitive, as the split depends on it)."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, ensure_ascii=False, sort_keys=True).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def groups_of(rows: list[dict[str, Any]]) -> np.ndarray:
    """Split groups: the brand when a row names one, else the row itself."""
    return np.array([str(r.get("brand_id") or f"row-{i}") for i, r in enumerate(rows)])


def held_out_metrics(labels: np.ndarray, risks: np.ndarray, threshold: float) -> dict[str, float]:
    found = binary_metrics(labels, risks, (risks >= threshold).astype(int))
    return {"n": int(len(labels)), **{k: found[k] for k in ("precision", "recall", "pr_auc", "roc_auc")},
            "brier": round(float(brier_score_loss(labels, risks)), 4)}


def featurize(detector: Detector, rows: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    listings = [Listing.model_validate(r) for r in rows]
    features = ListingFeatures(detector).fit(listings).transform(listings)
    return features, np.array([int(r["label"]) for r in rows])


def train_model(
    detector: Detector, rows: list[dict[str, Any]], *, holdout: float = 0.25, seed: int = 0, C: float = 1.0  # noqa: N803
) -> TrainingResult:
    """Fit on brands the held-out split never sees; choose the threshold for precision ≥ 0.95 there."""
    started = time.perf_counter()
    X, y = featurize(detector, rows)  # noqa: N806
    if len(set(y)) < 2:
        raise ValueError("the labelled set needs both labels (1 infringing and 0 not) to train")
    groups = groups_of(rows)
    splitter = GroupShuffleSplit(n_splits=1, test_size=holdout, random_state=seed)
    train_idx, test_idx = next(splitter.split(X, y, groups))
    if len(set(y[test_idx])) < 2 or len(set(y[train_idx])) < 2:
        raise ValueError("the held-out split lacks one of the labels; add rows or change --seed")
    estimator = CalibratedRiskModel(C=C, anchor=ANCHOR, label_noise=LABEL_NOISE).fit(X[train_idx], y[train_idx])
    risks = served_risks(estimator, X[test_idx])
    threshold = choose_threshold(y[test_idx], risks, default=DEFAULT_THRESHOLD)
    hashed = data_hash(rows)
    params = {"C": C, "holdout": holdout, "seed": seed, "calibration": "sigmoid", "estimator": "logistic_regression",
              "anchor": FEATURE_NAMES[ANCHOR], "anchor_scale": estimator.anchor_scale,
              "label_noise": estimator.label_noise}
    # the features too: a detector upgraded since reads the same rows otherwise, and its model is another model
    features_hash = hashlib.sha256(np.ascontiguousarray(X, dtype=float).tobytes()).hexdigest()[:16]
    version = "model-" + hashlib.sha256(
        json.dumps([hashed, params, detector.library.version, FEATURE_NAMES, features_hash]).encode()
    ).hexdigest()[:10]
    metadata = {
        "version": version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "feature_names": list(FEATURE_NAMES),
        "coefficients": dict(zip(FEATURE_NAMES, (round(float(c), 4) for c in estimator.coef_), strict=True)),
        "intercept": round(estimator.intercept_, 4),
        "training_data_hash": hashed,
        "features_hash": features_hash,
        "library_version": detector.library.version,
        "params": params,
        "n_train": int(len(train_idx)),
        "n_held_out": int(len(test_idx)),
        "held_out_brands": sorted({g for g in groups[test_idx] if not g.startswith("row-")}),
        "threshold": round(threshold, 4),
        "target_precision": TARGET_PRECISION,
        "metrics": held_out_metrics(y[test_idx], risks, threshold),
        "train_seconds": round(time.perf_counter() - started, 2),
    }
    return TrainingResult(estimator, metadata)


def cross_validate(detector: Detector, rows: list[dict[str, Any]], folds: int = 5, C: float = 1.0) -> dict[str, Any]:  # noqa: N803
    """K folds grouped by brand: each fold's model is scored on brands it never saw."""
    X, y = featurize(detector, rows)  # noqa: N806
    groups = groups_of(rows)
    per_fold = []
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(X, y, groups):
        if len(set(y[train_idx])) < 2 or len(set(y[test_idx])) < 2:
            continue
        estimator = CalibratedRiskModel(C=C, anchor=ANCHOR, label_noise=LABEL_NOISE).fit(X[train_idx], y[train_idx])
        risks = served_risks(estimator, X[test_idx])
        threshold = choose_threshold(y[test_idx], risks, default=DEFAULT_THRESHOLD)
        per_fold.append(held_out_metrics(y[test_idx], risks, threshold))
    if not per_fold:
        raise ValueError("no fold had both labels; the set is too small for cross-validation")
    keys = ("precision", "recall", "pr_auc", "roc_auc", "brier")
    summary = {k: {"mean": round(float(np.mean([f[k] for f in per_fold])), 4),
                   "std": round(float(np.std([f[k] for f in per_fold])), 4)} for k in keys}
    return {"folds": per_fold, "summary": summary, "k": folds}
