"""False positives on real marketplace titles that name no listed brand (data read in place)."""

from __future__ import annotations

import pytest

from detector import Detector, Listing
from detector.text import normalise_term
from eval import real_titles


def names_a_listed_brand(title: str, entities: list[str], forms: set[str]) -> bool:
    text = normalise_term(title)
    return any(form in text for form in forms) or any(normalise_term(e) in forms for e in entities if e)


@pytest.mark.parametrize("source", ["taobao", "jd", "walmart"])
def test_false_positive_rate_on_real_titles(detector: Detector, source: str) -> None:
    rows = real_titles(source)
    if not rows:
        pytest.skip(f"../shared/data for {source} is absent (set IPWATCH_SHARED_DATA to point at it)")
    forms = {
        normalise_term(w)
        for b in detector.library.brands
        for w in [*b.all_names(), *b.aliases, *b.known_variants]
        if len(normalise_term(w)) >= 2
    }
    clean = [r for r in rows if not names_a_listed_brand(str(r["title"]), list(r.get("brands", [])), forms)]
    assert len(clean) > 300
    results = list(detector.score_many(Listing(title=str(r["title"])[:2000]) for r in clean))
    rate = sum(r.flagged for r in results) / len(results)
    assert rate <= 0.01, f"{source}: {rate:.3%} of {len(results)} clean real titles flagged"
