"""Reading listings from JSONL or CSV, one result per input line, bad lines reported not fatal."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from pydantic import ValidationError

from detector import Detector, Listing, ScoreResult


@dataclass(frozen=True)
class ParsedLine:
    """One input record: a listing, or the reason it could not be read."""

    line: int
    listing: Listing | None
    listing_id: str | None
    error: str | None
    raw: dict[str, Any] | None = None


def detect_format(first_line: str) -> str:
    return "jsonl" if first_line.lstrip().startswith("{") else "csv"


def read_listings(stream: TextIO, fmt: str = "auto") -> Iterator[ParsedLine]:
    """Yield every record of ``stream`` in order; ``fmt`` is jsonl, csv or auto."""
    lines = iter(stream)
    first = ""
    for first in lines:
        if first.strip():
            break
    else:
        return
    if fmt == "auto":
        fmt = detect_format(first)
    rest = _chain(first, lines)
    if fmt == "jsonl":
        yield from _read_jsonl(rest)
    elif fmt == "csv":
        yield from _read_csv(rest)
    else:
        raise ValueError(f"unknown input format {fmt!r}; use jsonl, csv or auto")


def _chain(first: str, rest: Iterable[str]) -> Iterator[str]:
    yield first
    yield from rest


def _read_jsonl(lines: Iterable[str]) -> Iterator[ParsedLine]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ParsedLine(number, None, None, f"line {number}: invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(record, dict):
            yield ParsedLine(number, None, None, f"line {number}: expected a JSON object, got {type(record).__name__}")
            continue
        yield parse_record(record, number)


def _read_csv(lines: Iterable[str]) -> Iterator[ParsedLine]:
    reader = csv.DictReader(io.StringIO("".join(lines)))
    for number, row in enumerate(reader, start=2):
        record: dict[str, Any] = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
        if "image_urls" in record:
            record["image_urls"] = [u for u in str(record["image_urls"]).split("|") if u]
        if "price" in record:
            try:
                record["price"] = float(str(record["price"]).replace(",", ""))
            except ValueError:
                pass  # validation names the field
        yield parse_record(record, number)


def parse_record(record: dict[str, Any], number: int) -> ParsedLine:
    """Validate one listing object against the contract."""
    listing_id = record.get("listing_id")
    listing_id = None if listing_id is None else str(listing_id)
    try:
        listing = Listing.model_validate(record)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(listing)"
        return ParsedLine(number, None, listing_id, f"line {number}: field '{field}': {first['msg']}", record)
    return ParsedLine(number, listing, listing_id, None, record)


def score_stream(
    detector: Detector, parsed: Iterable[ParsedLine], batch_size: int = 512
) -> Iterator[tuple[ParsedLine, ScoreResult | None]]:
    """Score parsed lines in batches, keeping input order; bad lines pass through with no result."""
    batch: list[ParsedLine] = []

    def flush() -> Iterator[tuple[ParsedLine, ScoreResult | None]]:
        good = [p.listing for p in batch if p.listing is not None]
        results = iter(detector.score_many(good, batch_size=batch_size))
        for p in batch:
            yield p, (next(results) if p.listing is not None else None)

    for line in parsed:
        batch.append(line)
        if len(batch) >= batch_size:
            yield from flush()
            batch = []
    if batch:
        yield from flush()
