"""The pure detector core: a listing and a loaded library in, a scored result with evidence out.

Nothing here touches a database, the network or the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .lexical import LexicalEvidence, LexicalMatcher
from .library import Library, library_version
from .scoring import RuleScorer
from .text import NormalisedText, normalise
from .types import Brand, BrandNames, LexiconTerm, Listing, Reason, ScoreResult

__all__ = [
    "Brand",
    "BrandNames",
    "Detector",
    "LexicalEvidence",
    "LexicalMatcher",
    "LexiconTerm",
    "Library",
    "Listing",
    "NormalisedText",
    "Reason",
    "RuleScorer",
    "ScoreResult",
    "library_version",
    "normalise",
]


class Detector:
    """The cascade over one library: lexical matching, then the scorer."""

    def __init__(self, library: Library, threshold: float | None = None, default_currency: str = "CNY") -> None:
        self.library = library
        self.matcher = LexicalMatcher(library)
        self.scorer = RuleScorer(library, threshold)
        self.default_currency = default_currency

    def analyse(self, listing: Listing) -> LexicalEvidence:
        return self.matcher.analyse(listing.title, listing.category)

    def score(self, listing: Listing) -> ScoreResult:
        """Score one listing."""
        return self.scorer.score(listing, self.analyse(listing), self.default_currency)

    def score_many(self, listings: Iterable[Listing], batch_size: int = 512) -> Iterator[ScoreResult]:
        """Score listings in input order, matching them a batch at a time."""
        batch: list[Listing] = []
        for listing in listings:
            batch.append(listing)
            if len(batch) >= batch_size:
                yield from self._score_batch(batch)
                batch = []
        if batch:
            yield from self._score_batch(batch)

    def _score_batch(self, batch: list[Listing]) -> list[ScoreResult]:
        need = self.matcher.candidates([x.title for x in batch])
        clear = self.scorer.clear_result
        results = [clear(x.listing_id) for x in batch]
        if need:
            chosen = [batch[i] for i in need]
            evidence = self.matcher.analyse_full([x.title for x in chosen], [x.category for x in chosen])
            for i, listing, found in zip(need, chosen, evidence, strict=True):
                results[i] = self.scorer.score(listing, found, self.default_currency)
        return results
