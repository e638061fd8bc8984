"""Versioned model artifacts (joblib + JSON metadata) under IPWATCH_HOME/models, and promotion."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib

from detector import FEATURE_NAMES

from .estimator import CalibratedRiskModel

PROMOTED_FILE = "PROMOTED"


class ModelRegistryError(ValueError):
    """A model version that does not exist or cannot be used."""


@dataclass
class TrainedScorer:
    """A registered model as the detector uses it (implements detector.TrainedModel)."""

    version: str
    threshold: float
    estimator: CalibratedRiskModel
    metadata: dict[str, Any]
    feature_names: tuple[str, ...] = FEATURE_NAMES

    def explain(self, features: list[float]) -> tuple[float, list[float]]:
        contributions = [float(c) * x for c, x in zip(self.estimator.coef_, features, strict=True)]
        return float(self.estimator.intercept_) + sum(contributions), contributions


class ModelRegistry:
    """Model versions on disk; one of them may be promoted to score by default."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def register(self, estimator: CalibratedRiskModel, metadata: dict[str, Any]) -> str:
        """Write a new version atomically; returns its name."""
        version = metadata["version"]
        final = self.root / version
        if final.exists():
            raise ModelRegistryError(f"model {version} is already registered")
        staging = self.root / f".{version}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        joblib.dump(estimator, staging / "model.joblib")
        (staging / "meta.json").write_text(json.dumps(metadata, ensure_ascii=False, indent=1), encoding="utf-8")
        staging.rename(final)
        return version

    def versions(self) -> list[dict[str, Any]]:
        """Metadata of every registered version, oldest first."""
        if not self.root.exists():
            return []
        metas = []
        for meta in self.root.glob("*/meta.json"):
            metas.append(json.loads(meta.read_text(encoding="utf-8")))
        return sorted(metas, key=lambda m: m["created_at"])

    def promote(self, version: str) -> None:
        self.load(version)  # refuse a version that cannot be used
        tmp = self.root / f".{PROMOTED_FILE}.tmp"
        tmp.write_text(version, encoding="utf-8")
        os.replace(tmp, self.root / PROMOTED_FILE)

    def promoted_version(self) -> str | None:
        path = self.root / PROMOTED_FILE
        return path.read_text(encoding="utf-8").strip() if path.exists() else None

    def load(self, version: str) -> TrainedScorer:
        folder = self.root / version
        if not (folder / "meta.json").exists():
            known = ", ".join(m["version"] for m in self.versions()) or "none"
            raise ModelRegistryError(f"no model version {version!r} (registered: {known})")
        metadata = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if tuple(metadata["feature_names"]) != FEATURE_NAMES:
            raise ModelRegistryError(f"model {version} was trained on other features; retrain it")
        estimator = joblib.load(folder / "model.joblib")
        return TrainedScorer(version, float(metadata["threshold"]), estimator, metadata)

    def load_promoted(self) -> TrainedScorer | None:
        version = self.promoted_version()
        return None if version is None else self.load(version)
