"""Reading protection lists and lexicons from JSON, YAML or CSV, validated whole before use."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from detector import Brand, LexiconTerm

Model = TypeVar("Model", bound=BaseModel)
LIST_SEPARATORS = ("|", ";")


class LibraryFileError(ValueError):
    """A file that cannot be imported; the message names the record and field at fault."""


def read_brands(path: Path) -> list[Brand]:
    """Parse and validate a protection-list file; refuse it whole on the first bad record."""
    records = _records(path, "brands", _brand_from_csv)
    return _validate(path, records, Brand, key="id")


def read_terms(path: Path) -> list[LexiconTerm]:
    """Parse and validate a lexicon file; refuse it whole on the first bad record."""
    records = _records(path, "terms", _term_from_csv)
    return _validate(path, records, LexiconTerm, key="term")


def _records(path: Path, top_key: str, from_csv: Any) -> list[Any]:
    if not path.exists():
        raise LibraryFileError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LibraryFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            data = json.loads(text)
        elif suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        elif suffix == ".csv":
            return [from_csv(row, i) for i, row in enumerate(csv.DictReader(io.StringIO(text)), start=1)]
        else:
            raise LibraryFileError(f"{path}: unknown format {suffix or '(none)'}; use .json, .yaml, .yml or .csv")
    except json.JSONDecodeError as exc:
        raise LibraryFileError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    except yaml.YAMLError as exc:
        raise LibraryFileError(f"{path}: invalid YAML: {exc}") from exc
    if isinstance(data, dict) and top_key in data:
        data = data[top_key]
    if not isinstance(data, list):
        raise LibraryFileError(f"{path}: expected a list of records or an object with a '{top_key}' list")
    if not data:
        raise LibraryFileError(f"{path}: no records")
    return data


def _validate(path: Path, records: list[Any], model: type[Model], key: str) -> list[Model]:
    seen: dict[str, int] = {}
    out: list[Model] = []
    for number, record in enumerate(records, start=1):
        label = f"record {number}"
        if isinstance(record, dict) and record.get(key):
            label += f" ({key} {record[key]!r})"
        if not isinstance(record, dict):
            raise LibraryFileError(f"{path}: {label}: expected an object, got {type(record).__name__}")
        try:
            item = model.model_validate(record)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "(record)"
            raise LibraryFileError(f"{path}: {label}: field '{field}': {first['msg']}") from exc
        ident = str(getattr(item, key))
        if ident in seen:
            raise LibraryFileError(f"{path}: {label}: duplicate {key} {ident!r} (first in record {seen[ident]})")
        seen[ident] = number
        out.append(item)
    return out


def _split(value: str | None) -> list[str]:
    if not value:
        return []
    for sep in LIST_SEPARATORS:
        if sep in value:
            return [part.strip() for part in value.split(sep) if part.strip()]
    return [value.strip()]


def _brand_from_csv(row: dict[str, str], number: int) -> dict[str, Any]:
    """CSV columns: id, names_zh, names_en, aliases, owner, categories, tier, authorized_sellers,
    reference_prices (CNY:899|USD:130), known_variants; lists separated by | or ;."""
    prices: dict[str, Any] = {}
    for part in _split(row.get("reference_prices")):
        currency, _, amount = part.partition(":")
        try:
            prices[currency.strip()] = float(amount)
        except ValueError:
            prices[currency.strip()] = amount  # left for validation to name the field
    record: dict[str, Any] = {
        "id": (row.get("id") or "").strip(),
        "names": {"zh": _split(row.get("names_zh")), "en": _split(row.get("names_en"))},
        "aliases": _split(row.get("aliases")),
        "owner": row.get("owner") or None,
        "categories": _split(row.get("categories")),
        "authorized_sellers": _split(row.get("authorized_sellers")),
        "reference_prices": prices,
        "known_variants": _split(row.get("known_variants")),
    }
    if row.get("tier"):
        record["tier"] = row["tier"].strip()
    if row.get("registration"):
        record["registration"] = row["registration"].strip()
    unknown = set(row) - set(record) - {"names_zh", "names_en", "registration", "tier"}
    if unknown - {None}:
        record["unknown_columns"] = sorted(str(u) for u in unknown)
    return record


def _term_from_csv(row: dict[str, str], number: int) -> dict[str, Any]:
    """CSV columns: term, language, strength, category, source."""
    return {k: v for k, v in row.items() if v not in (None, "")}
