"""The trained scorer: a calibrated logistic regression over brand-agnostic features.

Logistic regression keeps every score explainable: after Platt calibration the risk is still
the logistic of a linear function, so each feature's contribution in log-odds is exact.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from detector import FEATURE_NAMES, Detector, Listing


class ListingFeatures(BaseEstimator, TransformerMixin):
    """Listings → brand-agnostic feature matrix, through a detector (lexical stage + rule assessment)."""

    def __init__(self, detector: Detector | None = None) -> None:
        self.detector = detector

    def fit(self, X: Sequence[Listing], y: object = None) -> ListingFeatures:  # noqa: N803 - sklearn naming
        self.feature_names_in_ = np.array(FEATURE_NAMES)
        return self

    def transform(self, X: Sequence[Listing]) -> np.ndarray:  # noqa: N803
        if self.detector is None:
            raise ValueError("ListingFeatures needs a detector to read listings")
        return np.array(list(self.detector.features(X)), dtype=float).reshape(len(X), len(FEATURE_NAMES))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array(FEATURE_NAMES)


class CalibratedRiskModel(BaseEstimator, ClassifierMixin):
    """Logistic regression with sigmoid (Platt) calibration on cross-validated predictions.

    ``anchor`` names a column the penalty should all but spare (the rule scorer's log-odds): it is fitted
    at ``anchor_scale`` times its size, so its weight costs ``anchor_scale``² less, while every other
    weight is a correction the data must pay for. Trained on generated listings, a model is then the
    rules plus what the data shows clearly, not a new reading of shortcuts only the generator has
    (there a listed name at a low price is nearly always a counterfeit; on lists written elsewhere not).
    """

    def __init__(self, C: float = 1.0, cv: int = 5, class_weight: str | None = "balanced",  # noqa: N803
                 anchor: int | None = None, anchor_scale: float = 10.0, label_noise: float = 0.0) -> None:
        self.C = C
        self.cv = cv
        self.class_weight = class_weight
        self.anchor = anchor
        self.anchor_scale = anchor_scale
        self.label_noise = label_noise

    def fit(self, X: np.ndarray, y: np.ndarray) -> CalibratedRiskModel:  # noqa: N803
        X = np.array(X, dtype=float)  # noqa: N806 - a copy: the anchor column is rescaled below
        y = np.asarray(y, dtype=int)
        scale = np.ones(X.shape[1])
        if self.anchor is not None:
            scale[self.anchor] = self.anchor_scale
        X *= scale  # noqa: N806
        folds = max(2, min(self.cv, int(np.bincount(y, minlength=2).min())))
        counts = np.bincount(y, minlength=2).astype(float)
        weight = (len(y) / (2 * counts))[y] if self.class_weight == "balanced" else np.ones(len(y))
        if self.label_noise:
            # Each row also counted with the other label at weight ε: the targets are 1-ε and ε, so a set the
            # features separate cannot drive the log-odds to infinity (and every risk to 0 or 1).
            eps = float(self.label_noise)
            X = np.vstack([X, X])  # noqa: N806
            weight = np.concatenate([weight * (1 - eps), weight * eps])
            y = np.concatenate([y, 1 - y])
        base = LogisticRegression(C=self.C, max_iter=5000)
        calibrated = CalibratedClassifierCV(base, method="sigmoid", cv=folds, ensemble=False).fit(
            X, y, sample_weight=weight)
        fitted = calibrated.calibrated_classifiers_[0]
        lr: LogisticRegression = fitted.estimator
        sigmoid = fitted.calibrators[0]
        # sklearn's sigmoid calibration: p = 1 / (1 + exp(a * d + b)) with d the LR decision value.
        a, b = float(sigmoid.a_), float(sigmoid.b_)
        self.coef_ = -a * lr.coef_[0] * scale  # back to the columns as given
        self.intercept_ = float(-a * lr.intercept_[0] - b)
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        check_is_fitted(self, "coef_")
        return np.asarray(X, dtype=float) @ self.coef_ + self.intercept_

    def predict_proba(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        p = 1.0 / (1.0 + np.exp(-np.clip(self.decision_function(X), -50, 50)))
        return np.column_stack([1 - p, p])

    def predict(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def contributions(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """Each feature's contribution to the log-odds (the intercept is the baseline)."""
        check_is_fitted(self, "coef_")
        return np.asarray(X, dtype=float) * self.coef_
