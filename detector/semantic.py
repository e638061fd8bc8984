"""Stage 2 of the cascade, as the detector sees it: similarity to a brand's exemplars.

The detector stays pure: it receives an object implementing :class:`SemanticStage` (built in
feature_store from embeddings and FAISS indices already in memory) and asks it about candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class SemanticEvidence:
    """How close a listing sits to one brand's confirmed counterfeits and genuine catalogue."""

    brand_id: str | None
    counterfeit_sim: float = 0.0
    genuine_sim: float = 0.0
    runner_up_sim: float = 0.0  # the best counterfeit similarity of any other brand
    neighbours: list[int] = field(default_factory=list)  # ids of the nearest counterfeit exemplars
    model_numbers: list[str] = field(default_factory=list)  # shared with this brand's counterfeit exemplars
    own_model_number: bool = False  # the title holds a model number of this brand's counterfeits and no other's
    background_sim: float = 0.0  # the best similarity to ordinary wording for kinds of product (the taxonomy's words)
    shared_terms: list[str] = field(default_factory=list)  # words and character pairs of this brand's exemplars
    genuine_known: bool = False  # whether the brand has a genuine catalogue to weigh closeness against
    # the shared terms that are no ordinary wording: no taxonomy keyword, English or dictionary word (洛达, itype)
    distinctive_terms: list[str] = field(default_factory=list)
    # the title's word nearest one of the named brand's category labels, asked where the taxonomy leaves the kind
    # open (卷纸 to "toilet paper" beside 维大, 杂粮 to "apparel" beside 红豆): the word, the label and their cosine
    label_word: str = ""
    label: str = ""
    label_sim: float = 0.0
    label_gloss: str = ""  # where the word was read as the label by the dictionary: its gloss or pinyin reading
    # counterfeit claims the embedding claim model read in the title: normalised spans and probabilities
    claims: list[tuple[int, int, float]] = field(default_factory=list)

    @property
    def margin(self) -> float:
        return self.counterfeit_sim - self.genuine_sim


class SemanticStage(Protocol):
    """What the detector needs from the semantic stage."""

    version: str

    def candidates(self, texts: Sequence[str]) -> set[int]:
        """Indices of normalised titles that share the exemplars' vocabulary (worth embedding)."""
        ...

    def assess(self, titles: Sequence[str], brand_ids: Sequence[str | None]) -> list[SemanticEvidence]:
        """Evidence per title: against the named brand, or the nearest brand when none is named."""
        ...

    def label_kinds(self, unknown: dict[str, list[str]]) -> dict[str, frozenset[str]]:
        """Brand id → the kinds its category labels name, for labels the taxonomy does not know."""
        ...

    def nearest_label(self, words: Sequence[str], labels: Sequence[str]) -> tuple[int, int, float] | None:
        """The word and the label nearest each other (indices) and their cosine; None for no words or labels."""
        ...

    def claim_probabilities(self, windows: Sequence[str], positives: Sequence[str],
                            negatives: Sequence[str]) -> list[float]:
        """Per window of title text, the probability that it claims to be (like) the genuine article, from a
        classifier over embeddings trained on ``positives`` (claims) against ``negatives`` (ordinary wording)."""
        ...
