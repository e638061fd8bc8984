"""False positives on real marketplace titles that name no listed brand (data read in place)."""

from __future__ import annotations

import pytest

from detector import Detector, Listing
from eval import real_titles
from eval.real_titles import listed_forms, names_listed_brand


@pytest.mark.parametrize("source", ["taobao", "jd", "walmart"])
def test_false_positive_rate_on_real_titles(detector: Detector, source: str) -> None:
    rows = real_titles(source)
    if not rows:
        pytest.skip(f"../shared/data for {source} is absent (set IPWATCH_SHARED_DATA to point at it)")
    forms = listed_forms(detector.library.brands)
    clean = [r for r in rows if not names_listed_brand(r, forms)]
    assert len(clean) > 300
    results = list(detector.score_many(Listing(title=str(r["title"])[:2000]) for r in clean))
    rate = sum(r.flagged for r in results) / len(results)
    assert rate <= 0.005, f"{source}: {rate:.3%} of {len(results)} clean real titles flagged"
