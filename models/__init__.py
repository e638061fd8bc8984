"""Trained scorers: features as an sklearn transformer, a calibrated estimator, training, the registry."""

from .estimator import CalibratedRiskModel, ListingFeatures
from .registry import ModelRegistry, ModelRegistryError, TrainedScorer
from .training import TrainingResult, cross_validate, train_model

__all__ = [
    "CalibratedRiskModel",
    "ListingFeatures",
    "ModelRegistry",
    "ModelRegistryError",
    "TrainedScorer",
    "TrainingResult",
    "cross_validate",
    "train_model",
]
