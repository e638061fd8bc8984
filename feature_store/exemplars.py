"""Exemplar listings (confirmed counterfeits and the genuine catalogue) with embeddings and indices."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

from .faults import crash_point
from .files import LibraryFileError
from .index import APPROXIMATE_ABOVE, ExemplarIndex
from .schema import BrandRow, ExemplarRow
from .store import LibraryStore

KINDS = ("counterfeit", "genuine")


@dataclass(frozen=True)
class ExemplarReport:
    kind: str
    added: int
    duplicates: int
    total: int


def exemplar_text(record: dict[str, Any]) -> str:
    """What is embedded: the title, and the start of the description when there is one."""
    text = str(record.get("title") or "").strip()
    description = str(record.get("description") or "").strip()
    return f"{text} {description[:200]}".strip() if description else text


def read_exemplar_file(path: Path, known_brands: set[str]) -> list[dict[str, Any]]:
    """JSONL listings, each with a title and the brand_id of a listed brand; refused whole if one is bad."""
    if not path.exists():
        raise LibraryFileError(f"{path}: no such file")
    records = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LibraryFileError(f"{path}: line {number}: invalid JSON: {exc.msg}") from exc
            if not isinstance(record, dict):
                raise LibraryFileError(f"{path}: line {number}: expected a JSON object")
            if not str(record.get("title") or "").strip():
                raise LibraryFileError(f"{path}: line {number}: field 'title' is required")
            brand = record.get("brand_id")
            if not brand:
                raise LibraryFileError(f"{path}: line {number}: field 'brand_id' is required")
            if brand not in known_brands:
                raise LibraryFileError(
                    f"{path}: line {number}: field 'brand_id': {brand!r} is not on the protection list")
            records.append(record)
    if not records:
        raise LibraryFileError(f"{path}: no exemplars")
    return records


class ExemplarStore:
    """Exemplars in the database; FAISS indices under ``index_dir`` follow them."""

    def __init__(self, library: LibraryStore, index_dir: Path, model: str | None = None,
                 approximate_above: int = APPROXIMATE_ABOVE) -> None:
        from .embedding import embedding_model_name

        self.sessions = library.sessions
        self.model = model
        self.model_name = embedding_model_name(model)
        self.index_dir = index_dir / hashlib.sha1(self.model_name.encode()).hexdigest()[:8]
        self.approximate_above = approximate_above

    def known_brands(self) -> set[str]:
        with self.sessions() as session:
            return set(session.scalars(select(BrandRow.id)))

    def add(self, records: list[dict[str, Any]], kind: str, source: str | None = None) -> ExemplarReport:
        """Embed and store exemplars in one transaction, then extend the kind's index."""
        from .embedding import encode

        if kind not in KINDS:
            raise LibraryFileError(f"unknown exemplar kind {kind!r}; use counterfeit or genuine")
        texts = [exemplar_text(r) for r in records]
        vectors = encode(texts, self.model)
        now = datetime.now(UTC)
        added_rows: list[ExemplarRow] = []
        with self.sessions.begin() as session:
            seen = {(r[0], r[1]) for r in session.execute(select(ExemplarRow.brand_id, ExemplarRow.text_hash).where(
                ExemplarRow.kind == kind, ExemplarRow.model == self.model_name))}
            for record, text, vector in zip(records, texts, vectors, strict=True):
                digest = hashlib.sha256(text.encode()).hexdigest()
                if (record["brand_id"], digest) in seen:
                    continue
                seen.add((record["brand_id"], digest))
                row = ExemplarRow(kind=kind, brand_id=record["brand_id"], listing_id=record.get("listing_id"),
                                  text=text, text_hash=digest, source=source or record.get("source"),
                                  model=self.model_name, embedding=vector.tobytes(), created_at=now)
                session.add(row)
                added_rows.append(row)
            session.flush()
            new_ids = np.array([r.id for r in added_rows], dtype=np.int64)
            total = session.scalar(select(func.count()).select_from(ExemplarRow).where(
                ExemplarRow.kind == kind, ExemplarRow.model == self.model_name)) or 0
            crash_point("exemplars_add.before_commit")
        crash_point("exemplars_add.after_commit")  # the rows stored, the index not yet extended
        if len(new_ids):
            self._extend_index(kind, np.stack([np.frombuffer(r.embedding, dtype=np.float32) for r in added_rows]),
                               new_ids)
        return ExemplarReport(kind, len(added_rows), len(records) - len(added_rows), int(total))

    def rows(self, kind: str) -> tuple[np.ndarray, list[str], np.ndarray, list[str]]:
        """(ids, brand ids, vectors, texts) of one kind, in id order."""
        with self.sessions() as session:
            rows = session.execute(select(ExemplarRow.id, ExemplarRow.brand_id, ExemplarRow.embedding,
                                          ExemplarRow.text).where(
                ExemplarRow.kind == kind, ExemplarRow.model == self.model_name).order_by(ExemplarRow.id)).all()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        vectors = (np.stack([np.frombuffer(r[2], dtype=np.float32) for r in rows]) if rows
                   else np.zeros((0, 512), dtype=np.float32))
        return ids, [r[1] for r in rows], vectors, [r[3] for r in rows]

    def index(self, kind: str) -> ExemplarIndex:
        """The kind's index from disk when it matches the database, else rebuilt from the database."""
        ids, _brands, vectors, _texts = self.rows(kind)
        loaded = ExemplarIndex.load(self.index_dir, kind)
        if loaded is not None and loaded.agrees_with(ids):
            return loaded
        built = ExemplarIndex.build(vectors, ids, self.approximate_above)
        built.manifest.update(kind=kind, model=self.model_name)
        built.save(self.index_dir, kind)
        return built

    def counts(self) -> dict[str, dict[str, int]]:
        with self.sessions() as session:
            rows = session.execute(select(ExemplarRow.kind, ExemplarRow.brand_id, func.count()).where(
                ExemplarRow.model == self.model_name).group_by(ExemplarRow.kind, ExemplarRow.brand_id)).all()
        out: dict[str, dict[str, int]] = {}
        for kind, brand, count in rows:
            out.setdefault(kind, {})[brand] = count
        return out

    def _extend_index(self, kind: str, vectors: np.ndarray, ids: np.ndarray) -> None:
        existing = ExemplarIndex.load(self.index_dir, kind)
        with self.sessions() as session:
            stored = np.array(session.scalars(select(ExemplarRow.id).where(
                ExemplarRow.kind == kind, ExemplarRow.model == self.model_name).order_by(ExemplarRow.id)).all(),
                dtype=np.int64)
        before = stored[: len(stored) - len(ids)]
        if existing is not None and np.array_equal(stored[len(before):], ids) and existing.agrees_with(before):
            existing.add(vectors, ids)
            existing.save(self.index_dir, kind)
        else:
            self.index(kind)  # missing or out of step (another writer, a crash): rebuild from the database
