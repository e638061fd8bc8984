"""Brand-agnostic features of an assessed listing, for trained scorers.

Every feature describes *how* a listing relates to some mark (the kind of match, the signal
terms, the price against that mark's reference), never *which* mark, so a brand added to the
protection list today is scored by a model trained before it existed.
"""

from __future__ import annotations

from typing import Protocol

from .scoring import Assessment

BRAND_KINDS = (
    "name", "alias", "variant", "obfuscated", "lookalike", "homophone", "pinyin", "initials", "near_name", "mixed",
    "shape", "semantic",
)
TERM_CATEGORIES = (
    "self_declaration", "provenance", "quality_claim", "brand_riding", "advertising_ban", "evasion_hint",
    "learned_claim",
)

FEATURE_NAMES: tuple[str, ...] = (
    "has_brand",
    *(f"brand_{kind}" for kind in BRAND_KINDS),
    "needs_context",
    "brand_hits",
    "alias_without_mark",
    *(f"term_{category}" for category in TERM_CATEGORIES),
    "term_other",
    "price_ratio",
    "price_log_ratio",
    "second_hand",
    "accessory",
    "category_context",
    "authorized_seller",
    "nominative_use",
    "other_product_kind",
    "semantic_support",
    "semantic_genuine",
    "semantic_counterfeit_sim",
    "semantic_margin",
    "rule_logit",  # the rule scorer's log-odds: signals rare in training still count through it
)
_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}


def feature_vector(assessment: Assessment) -> list[float]:
    """The feature values of one assessment, in FEATURE_NAMES order."""
    values = [0.0] * len(FEATURE_NAMES)
    values[_INDEX["rule_logit"]] = assessment.logit
    for name, value in assessment.indicators.items():
        values[_INDEX[name]] = value
    for group, value in assessment.parts.items():
        index = _INDEX.get(group)
        if index is None:
            index = _INDEX["term_other"]  # a lexicon category the features do not know yet
        values[index] += value
    return values


def feature_of(group: str | None) -> str | None:
    """The feature a reason's group feeds (unknown term categories share term_other)."""
    if group is None:
        return None
    return group if group in _INDEX else "term_other"


class TrainedModel(Protocol):
    """What the detector needs from a trained scorer (implemented in ``models``)."""

    version: str
    threshold: float
    feature_names: tuple[str, ...]

    def explain(self, features: list[float]) -> tuple[float, list[float]]:
        """The log-odds risk and each feature's contribution to it."""
        ...
