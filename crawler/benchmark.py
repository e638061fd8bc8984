"""Extraction quality on a saved page set with ground truth (the Zyte product-extraction benchmark)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from price_parser import Price

from .currency import currency_codes
from .extract import extract_product


def load_pages(folder: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(page id, html, ground truth) for each page of a benchmark folder."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, expected in sorted(truth.items()):
        path = folder / "html" / f"{page_id}.html.gz"
        if path.exists():
            html = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
            pages.append((page_id, html, expected))
    return pages


def _first(expected: dict[str, Any], key: str) -> str | None:
    value = expected.get(key)
    return str(value[0]) if isinstance(value, list) and value else (str(value) if value else None)


def score_pages(pages: list[tuple[str, str, dict[str, Any]]], known_brands: Sequence[str] = ()) -> dict[str, Any]:
    """Title found, price+currency matched, brand matched, as shares of the pages that have each.

    ``known_brands``: the marks the extractor may recognise in a title (as a crawl passes the protection list).
    """
    title = price = price_n = brand = brand_n = 0
    misses: list[dict[str, Any]] = []
    for page_id, html, expected in pages:
        got = extract_product(html, expected["url"], known_brands)
        title += bool(got.title)
        want_price = _first(expected, "price")
        if want_price:
            price_n += 1
            amount = Price.fromstring(want_price).amount
            want_currency = _first(expected, "currency")
            price_ok = amount is not None and got.price is not None and abs(float(amount) - got.price) < 0.011
            currency_ok = want_currency is None or (got.currency is not None and (
                got.currency in currency_codes(want_currency) or got.currency == want_currency))
            price += price_ok and currency_ok
            if not (price_ok and currency_ok):
                misses.append({"page": page_id[:10], "url": expected["url"], "field": "price",
                               "want": f"{want_price} {want_currency}", "got": f"{got.price} {got.currency}"})
        want_brand = _first(expected, "brand")
        if want_brand:
            brand_n += 1
            ok = got.brand is not None and _same_brand(got.brand, want_brand)
            brand += ok
            if not ok:
                misses.append({"page": page_id[:10], "url": expected["url"], "field": "brand", "want": want_brand,
                               "got": got.brand})
    n = len(pages)
    return {
        "pages": n,
        "title_found": round(title / n, 4) if n else 0.0,
        "price_currency_match": round(price / price_n, 4) if price_n else 0.0,
        "price_pages": price_n,
        "brand_match": round(brand / brand_n, 4) if brand_n else 0.0,
        "brand_pages": brand_n,
        "misses": misses,
    }


def _same_brand(got: str, want: str) -> bool:
    """Equal up to case, spacing and punctuation (TP-Link ~ TP Link, De’Longhi ~ DeLonghi)."""
    def squeeze(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isalnum())

    return squeeze(got) == squeeze(want) and bool(squeeze(want))
