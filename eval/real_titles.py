"""Real marketplace titles from ../shared/data, read in place (their licences forbid copying them in)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detector import Brand

SHARED_DATA_ENV = "IPWATCH_SHARED_DATA"


def shared_data_dir() -> Path | None:
    """The shared data folder: $IPWATCH_SHARED_DATA, or ../shared/data beside the checkout."""
    candidates = [os.environ.get(SHARED_DATA_ENV)]
    here = Path(__file__).resolve().parent.parent
    candidates += [str(here.parent / "shared" / "data"), str(Path.cwd().parent / "shared" / "data")]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def listed_forms(brands: list[Brand]) -> set[str]:
    """Normal forms of every name, alias and known variant on a protection list (two characters or more)."""
    from detector.text import normalise_term

    forms = {normalise_term(w) for b in brands for w in [*b.all_names(), *b.aliases, *b.known_variants]}
    return {f for f in forms if len(f) >= 2}


def names_listed_brand(record: dict[str, object], forms: set[str]) -> bool:
    """Whether a real title names a listed mark, in its text or in its annotated brand entities."""
    from detector.text import normalise_term

    text = normalise_term(str(record["title"]))
    entities = [normalise_term(str(e)) for e in record.get("brands", []) or [] if e]  # type: ignore[union-attr]
    return any(f in text for f in forms) or any(e in forms for e in entities)


def real_titles(source: str) -> list[dict[str, object]]:
    """Titles of one source: ``taobao`` (with brand spans), ``jd`` or ``walmart``; [] when absent."""
    base = shared_data_dir()
    if base is None:
        return []
    if source == "taobao":
        path = base / "taobao_ecommerce_ner" / "sentences_with_entities.jsonl"
        if not path.exists():
            return []
        rows = []
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                brands = [e["text"] for e in record.get("entities", []) if e.get("type") == "HPPX"]
                rows.append({"title": record["text"], "brands": brands})
        return rows
    if source == "walmart":
        path = base / "magellan_walmart_amazon_products" / "Walmart-Amazon_tableA.csv"
        if not path.exists():
            return []
        with path.open(encoding="utf-8", errors="replace") as handle:
            return [{"title": r["title"], "brands": [r.get("brand") or ""], "price": r.get("price")}
                    for r in csv.DictReader(handle) if r.get("title")]
    if source == "jd":
        path = base / "gaiic2022_jd_title_ner_sample" / "titles_with_entities.jsonl"
        if not path.exists():
            return []
        rows = []
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                rows.append({"title": record.get("text", ""), "brands": record.get("brand", []),
                             "compatible": record.get("compatible_brand", [])})
        return rows
    raise ValueError(f"unknown real-title source {source!r}")
