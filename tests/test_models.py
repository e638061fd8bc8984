"""The trained scorer: estimator contract, exact explanations, registry, and the CLI around them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from detector import FEATURE_NAMES, Detector, Listing
from eval import generate_labelled_set
from models import CalibratedRiskModel, ListingFeatures, ModelRegistry, ModelRegistryError, train_model


@pytest.fixture(scope="session")
def labelled(detector: Detector) -> list[dict]:
    return generate_labelled_set(detector.library.brands, seed=21, per_family=30)


@pytest.fixture(scope="session")
def trained(detector: Detector, labelled: list[dict]):  # type: ignore[no-untyped-def]
    return train_model(detector, labelled)


def test_estimators_follow_the_sklearn_contract(detector: Detector, labelled: list[dict]) -> None:
    model = CalibratedRiskModel(C=0.5)
    assert clone(model).get_params() == {"C": 0.5, "cv": 5, "class_weight": "balanced", "anchor": None,
                                         "anchor_scale": 10.0, "label_noise": 0.0}
    listings = [Listing.model_validate(r) for r in labelled]
    features = ListingFeatures(detector).fit(listings).transform(listings)
    assert features.shape == (len(listings), len(FEATURE_NAMES))
    y = np.array([r["label"] for r in labelled])
    fitted = model.fit(features, y)
    assert fitted is model and hasattr(model, "coef_")
    p = model.predict_proba(features)[:, 1]
    assert np.allclose(np.log(p / (1 - p)), model.decision_function(features), atol=1e-6)
    assert np.allclose(model.contributions(features).sum(axis=1) + model.intercept_,
                       model.decision_function(features))


def test_the_anchor_column_escapes_the_penalty(detector: Detector, labelled: list[dict]) -> None:
    """Strongly regularised, a model anchored on the rules' log-odds stays the rules plus small corrections;
    unanchored, the penalty shrinks the rules' weight like any other and the corrections weigh more."""
    listings = [Listing.model_validate(r) for r in labelled]
    features = ListingFeatures(detector).fit(listings).transform(listings)
    y = np.array([r["label"] for r in labelled])
    anchor = FEATURE_NAMES.index("rule_logit")
    anchored = CalibratedRiskModel(C=0.01, anchor=anchor).fit(features, y).coef_
    plain = CalibratedRiskModel(C=0.01).fit(features, y).coef_

    def largest_other(coef: np.ndarray) -> float:  # the largest correction, relative to the rules' weight
        return float(np.delete(np.abs(coef), anchor).max() / coef[anchor])

    # Measured 2026-12-06 with the generator's swapped-character family (positives the rules see only in part,
    # which ask for a small correction on the number of brand hits): anchored 0.039, plain 0.155.
    assert anchored[anchor] > 1.0 and largest_other(anchored) < 0.05
    assert largest_other(plain) > 3 * largest_other(anchored)


def test_label_noise_keeps_a_separable_set_from_saturating(detector: Detector, labelled: list[dict]) -> None:
    """The rules separate a generated set: fitted as if its labels were all right, the anchored model's
    risks pile up at 0 and 1 (ranking lost to rounding); with 5% label noise they stay inside."""
    listings = [Listing.model_validate(r) for r in labelled]
    features = ListingFeatures(detector).fit(listings).transform(listings)
    y = np.array([r["label"] for r in labelled])
    anchor = FEATURE_NAMES.index("rule_logit")

    def saturated(noise: float) -> float:  # the share of risks that round to 0 or 1 at four places
        risks = CalibratedRiskModel(anchor=anchor, label_noise=noise).fit(features, y).predict_proba(features)[:, 1]
        return float(np.mean((np.round(risks, 4) == 0.0) | (np.round(risks, 4) == 1.0)))

    assert saturated(0.0) > 0.05
    assert saturated(0.05) == 0.0


def test_a_trained_model_keeps_the_default_threshold_when_held_out_brands_allow(trained) -> None:  # type: ignore[no-untyped-def]
    meta = trained.metadata
    if meta["metrics"]["precision"] >= meta["target_precision"]:
        assert meta["threshold"] == 0.5
    assert meta["params"]["label_noise"] == 0.05


def test_model_explanations_come_from_the_model(detector: Detector, trained) -> None:  # type: ignore[no-untyped-def]
    from models import TrainedScorer

    scorer = TrainedScorer(trained.metadata["version"], trained.metadata["threshold"], trained.estimator,
                           trained.metadata)
    with_model = Detector(detector.library, model=scorer)
    listing = Listing(title="耐克 AJ1 高仿 莆田", price=199.0)
    result = with_model.score(listing)
    assert result.flagged and result.model_version == trained.metadata["version"]
    rule_result = detector.score(listing)
    assert [r.signal for r in result.reasons if r.weight] != [] and result.risk != rule_result.risk
    # reasons + intercept reproduce the model's log-odds (compared as risks: the risk is rounded to 4 places)
    total = sum(r.weight for r in result.reasons) + trained.estimator.intercept_
    assert abs(1.0 / (1.0 + np.exp(-total)) - result.risk) < 2e-4
    assert "model_adjustment" in {r.signal for r in result.reasons}  # what no other reason carries, said
    assert not with_model.score(Listing(title="适用于苹果 iPhone 15 手机壳", price=19.0)).flagged


def test_training_metadata(trained) -> None:  # type: ignore[no-untyped-def]
    meta = trained.metadata
    assert meta["feature_names"] == list(FEATURE_NAMES)
    assert 0.2 <= meta["threshold"] <= 0.8
    assert meta["held_out_brands"] and meta["metrics"]["precision"] >= 0.95
    assert len(meta["training_data_hash"]) == 64 and meta["library_version"].startswith("lib-")


def test_a_model_on_other_features_is_another_version(detector: Detector, labelled: list[dict], trained,  # type: ignore[no-untyped-def]
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The same rows, list and parameters read by a detector upgraded since give other features: the model trained
    on them is another model, registered beside the first rather than refused as already there."""
    read = ListingFeatures.transform

    def upgraded(self, X):  # type: ignore[no-untyped-def]  # noqa: N803
        features = read(self, X)
        features[:, FEATURE_NAMES.index("brand_hits")] += 1.0
        return features

    monkeypatch.setattr(ListingFeatures, "transform", upgraded)
    other = train_model(detector, labelled)
    assert other.metadata["training_data_hash"] == trained.metadata["training_data_hash"]
    assert other.metadata["features_hash"] != trained.metadata["features_hash"]
    assert other.metadata["version"] != trained.metadata["version"]


def test_registry(tmp_path: Path, trained) -> None:  # type: ignore[no-untyped-def]
    registry = ModelRegistry(tmp_path / "models")
    assert registry.load_promoted() is None and registry.versions() == []
    version = registry.register(trained.estimator, trained.metadata)
    with pytest.raises(ModelRegistryError, match="already registered"):
        registry.register(trained.estimator, trained.metadata)
    with pytest.raises(ModelRegistryError, match="no model version 'nope'"):
        registry.promote("nope")
    registry.promote(version)
    loaded = registry.load_promoted()
    assert loaded is not None and loaded.version == version
    assert np.allclose(loaded.estimator.coef_, trained.estimator.coef_)


def test_train_promote_and_eval_cli(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from feature_store import bundled_lexicon, bundled_protection_list

    cli("brands", "import", str(bundled_protection_list()))
    cli("lexicon", "import", str(bundled_lexicon()))
    labels = tmp_path / "labels.jsonl"
    cli("labels", "generate", "--out", str(labels), "--per-family", "25", "--seed", "4")
    assert "rule scorer is in use" in cli("models", "list").output
    result = cli("train", "--labels", str(labels), "--promote")
    assert result.exit_code == 0 and "(promoted)" in result.output
    listed = json.loads(cli("models", "list", "--json").output)
    version = listed["promoted"]
    assert version and listed["models"][0]["version"] == version
    scored = json.loads(cli("score", "-", input='{"title": "耐克 AJ1 高仿 莆田"}\n').stdout)
    assert scored["model_version"] == version
    report = json.loads(cli("eval", "--labels", str(labels), "--json").stdout)
    assert report["model_version"] == version and "brier" in report and "threshold_sweep" in report
    compared = json.loads(cli("eval", "--labels", str(labels), "--compare", "rules", version, "--json").stdout)
    low, high = compared["ci95"]
    assert low <= compared["pr_auc_difference"] <= high
    cv = json.loads(cli("eval", "--labels", str(labels), "--cv", "3", "--json").stdout)
    assert len(cv["folds"]) == 3 and cv["summary"]["pr_auc"]["mean"] > 0.9
    assert cli("models", "promote", "model-missing").exit_code != 0
    out = tmp_path / "report"
    assert cli("eval", "--labels", str(labels), "--report", str(out)).exit_code == 0
    assert {p.name for p in out.iterdir()} >= {"index.html", "pr_curve.png", "calibration.png", "histograms.png",
                                               "groups.png", "report.json"}


def test_a_listing_naming_no_listed_mark_is_never_flagged(detector: Detector, trained) -> None:  # type: ignore[no-untyped-def]
    from models import TrainedScorer

    low = TrainedScorer("low-threshold", 0.05, trained.estimator, trained.metadata)
    strict = Detector(detector.library, model=low)
    for title in ("高仿真绿植 仿真花 客厅摆件", "1:1 复刻 手办 模型", "replica movie prop sword"):
        result = strict.score(Listing(title=title))
        assert not result.flagged and result.brand_id is None and result.risk < 0.05


def test_an_authorised_seller_is_cleared_by_any_scorer(detector: Detector, trained) -> None:  # type: ignore[no-untyped-def]
    """A generated set never shows an authorised seller beside a low price, so a model may weigh the price above
    the seller; the owner's own seller infringes nothing of its mark, whichever scorer reads the listing."""
    from models import TrainedScorer

    model = Detector(detector.library, model=TrainedScorer("m", 0.5, trained.estimator, trained.metadata))
    listing = Listing(title="耐克 速干袜 3双装 运动", price=19.0, currency="CNY", seller_id="nike-official")
    for scorer in (detector, model):
        result = scorer.score(listing)
        assert not result.flagged and "authorized_seller" in {r.signal for r in result.reasons}, result
    # ...and ranks where the rules put it: below the risk of a listing the rules leave open, not at a third of a
    # flag, which in an evaluation would stand above counterfeits both scorers miss
    cleared, by_rules = model.score(listing), detector.score(listing)
    assert cleared.risk == by_rules.risk < 0.05 and cleared.model_version == "m", (cleared, by_rules)
    # training's held-out figures (and the threshold chosen on them) read such a listing the same way
    from models.training import served_risks

    features = ListingFeatures(detector).fit([listing]).transform([listing])
    assert trained.estimator.predict_proba(features)[0, 1] > 0.1  # the model alone would put it up there
    assert served_risks(trained.estimator, features)[0] == pytest.approx(by_rules.risk, abs=1e-4)
    assert model.score(listing.model_copy(update={"seller_id": None})).flagged  # the price speaks otherwise
