"""The library store: protection list, lexicon and versions in SQL (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

import logging
import os
import pickle
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session

from detector import Brand, BrandNames, LexiconTerm, Library, library_version
from detector.library import Knowledge

from .knowledge import BrandKnowledge
from .schema import BrandRow, LexiconRow, LibraryVersionRow, VariantProposalRow
from .sessions import StoreSessions

log = logging.getLogger(__name__)
_LATEST_VERSION = select(LibraryVersionRow.version).order_by(LibraryVersionRow.created_at.desc()).limit(1)


@dataclass(frozen=True)
class ImportReport:
    """What an import changed."""

    added: int
    updated: int
    unchanged: int
    total: int
    version: str


def normalise_url(url: str) -> str:
    """PostgreSQL URLs without a driver use psycopg 3, the driver ipwatch installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def sqlite_file(url: str) -> Path | None:
    """The database file a SQLite URL names; None for a server URL."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode and foreign keys.

    SQLite commits with synchronous=NORMAL, the setting WAL is designed for: a commit survives the process
    being killed (tests/test_crash.py kills it mid-write) but not a power cut of the machine, which may
    undo the last commits (never corrupt the file). Where that matters, use PostgreSQL.
    """
    url = normalise_url(url)
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        _sqlite_pragmas(engine)
    else:
        _ping_when_idle(engine)
    return engine


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


IDLE_PING_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a server connection's liveness when it comes out of the pool after a rest.

    ``pool_pre_ping`` pings on every checkout: a round trip per request, a tenth of a busy API's database
    time. A connection the server or a network device dropped has usually sat idle; one in steady use is
    checked by its own statements, and a disconnect they meet invalidates the whole pool.
    """
    @event.listens_for(engine, "checkin")
    def _rested_since(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        if time.monotonic() - record.info.get("checked_in", 0.0) < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"a pooled connection was dropped while idle: {exc}") from exc


class LibraryStore:
    """Persistent protection list and lexicon; hands out compiled libraries by version."""

    def __init__(self, url: str, cache_dir: Path | None = None, knowledge_files: Sequence[Path] = (),
                 apply_knowledge: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        path = sqlite_file(normalise_url(url))
        self.sessions = StoreSessions(self.engine, None if path is None else path.with_name(path.name + ".writer"))
        self.cache_dir = cache_dir
        self.knowledge_files = tuple(knowledge_files)
        self.apply_knowledge = apply_knowledge
        self._knowledge: BrandKnowledge | None = None
        self.migrate()

    @property
    def knowledge(self) -> BrandKnowledge:
        """The brand knowledge base (bundled, and the extra files), read once."""
        if self._knowledge is None:
            self._knowledge = BrandKnowledge.load(self.knowledge_files)
        return self._knowledge

    def undecided_knowledge(self, session: Session, brands: list[Brand]) -> Knowledge:
        """What the knowledge base knows of listed brands that no admin has approved or rejected.

        It is matched until decided (weakly, and saying so): a brand added today is protected
        today by its product lines, while the list itself stays what its owner wrote.
        """
        if not self.apply_knowledge or not brands:
            return {}
        rejected = {(r.brand_id, r.variant) for r in session.scalars(
            select(VariantProposalRow).where(VariantProposalRow.status == "rejected"))}
        out: Knowledge = {}
        for brand in brands:
            found = [(text, kind) for text, kind in self.knowledge.proposals(brand) if (brand.id, text) not in rejected]
            if found:
                out[brand.id] = found
        return out

    def _inputs(self, session: Session) -> tuple[list[Brand], list[LexiconTerm], Knowledge]:
        brands = [_brand_of(row) for row in session.scalars(select(BrandRow).order_by(BrandRow.id))]
        rows = session.scalars(select(LexiconRow).order_by(LexiconRow.category, LexiconRow.term))
        terms = [_term_of(row) for row in rows] or _bundled_terms()
        return brands, terms, self.undecided_knowledge(session, brands)

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        config = Config()
        config.set_main_option("script_location", str(resources.files("feature_store") / "migrations"))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        self.sessions.close()
        self.engine.dispose()

    # -- brands -------------------------------------------------------------------------------

    def import_brands(self, brands: list[Brand], note: str | None = None,
                      session: Session | None = None) -> ImportReport:
        """Merge brands by id in one transaction (``session``'s, when given) and record the new library version."""
        if session is None:
            with self.sessions.begin() as own:
                return self.import_brands(brands, note, own)
        added = updated = unchanged = 0
        now = datetime.now(UTC)
        existing = {row.id: row for row in session.scalars(select(BrandRow))}
        for brand in brands:
            row = existing.get(brand.id)
            if row is None:
                session.add(_brand_row(brand, now))
                added += 1
            elif _brand_of(row) == brand:
                unchanged += 1
            else:
                _fill_brand_row(row, brand, now)
                updated += 1
        session.flush()
        version = self.record_version(session, note)
        total = session.scalar(select(func.count()).select_from(BrandRow)) or 0
        return ImportReport(added, updated, unchanged, total, version)

    def brands(self) -> list[Brand]:
        with self.sessions() as session:
            return [_brand_of(row) for row in session.scalars(select(BrandRow).order_by(BrandRow.id))]

    # -- lexicon ------------------------------------------------------------------------------

    def import_terms(self, terms: list[LexiconTerm], note: str | None = None) -> ImportReport:
        """Merge lexicon terms by term text in one transaction and record the new library version."""
        added = updated = unchanged = 0
        now = datetime.now(UTC)
        with self.sessions.begin() as session:
            existing = {row.term: row for row in session.scalars(select(LexiconRow))}
            if not existing:  # the first import extends the bundled lexicon rather than replacing it
                for term in _bundled_terms():
                    row = LexiconRow(**term.model_dump(), updated_at=now)
                    session.add(row)
                    existing[term.term] = row
            for term in terms:
                row = existing.get(term.term)
                if row is None:
                    session.add(LexiconRow(**term.model_dump(), updated_at=now))
                    added += 1
                elif _term_of(row) == term:
                    unchanged += 1
                else:
                    for key, value in term.model_dump().items():
                        setattr(row, key, value)
                    row.updated_at = now
                    updated += 1
            session.flush()
            version = self.record_version(session, note)
            total = session.scalar(select(func.count()).select_from(LexiconRow)) or 0
        return ImportReport(added, updated, unchanged, total, version)

    def terms(self) -> list[LexiconTerm]:
        """The stored lexicon; until one is imported, the bundled counterfeit-signal lexicon."""
        with self.sessions() as session:
            rows = session.scalars(select(LexiconRow).order_by(LexiconRow.category, LexiconRow.term))
            stored = [_term_of(row) for row in rows]
        return stored or _bundled_terms()

    # -- versions and compiled libraries ------------------------------------------------------

    def current_version(self) -> str:
        with self.sessions() as session:
            return library_version(*self._inputs(session))

    def versions(self) -> list[LibraryVersionRow]:
        with self.sessions() as session:
            return list(session.scalars(select(LibraryVersionRow).order_by(LibraryVersionRow.created_at)))

    def load_library(self) -> Library:
        """The compiled library for the stored list and lexicon, from the on-disk cache when fresh."""
        with self.sessions() as session:
            brands, terms, knowledge = self._inputs(session)
        version = library_version(brands, terms, knowledge)
        cached = self._cache_path(version)
        if cached is not None and cached.exists():
            try:
                with cached.open("rb") as handle:
                    library = pickle.load(handle)
                if isinstance(library, Library) and library.version == version:
                    return library
            except Exception as exc:  # a stale or truncated cache is rebuilt, never trusted
                log.warning("ignoring unreadable library cache %s: %s", cached, exc)
        library = Library.compile(brands, terms, knowledge)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            # a file of its own: API workers starting together compile the same version at the same time
            tmp = cached.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            try:
                with tmp.open("wb") as handle:
                    pickle.dump(library, handle, protocol=pickle.HIGHEST_PROTOCOL)
                tmp.replace(cached)
            finally:
                tmp.unlink(missing_ok=True)
            self._prune_cache(keep=cached)
        return library

    CACHED_LIBRARIES = 4  # compiled versions kept on disk (about 200 MB each for the bundled list)

    def _prune_cache(self, keep: Path) -> None:
        """Remove all but the newest compiled libraries: every list change writes one, and a server that
        changed its list a hundred times would otherwise hold 20 GB of them. A worker still reading a
        removed file keeps its open handle; one that finds it gone compiles."""
        cached = sorted(keep.parent.glob("library-*.pkl"), key=_modified, reverse=True)
        for old in [path for path in cached if path != keep][self.CACHED_LIBRARIES - 1:]:
            old.unlink(missing_ok=True)

    def _cache_path(self, version: str) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / f"library-{version}.pkl"

    def record_version(self, session: Session, note: str | None) -> str:
        """Record the library version the stored list, lexicon and undecided knowledge make (in ``session``).

        A version made current again (a change undone) is stamped again, so the newest row is always the
        current version: what every API worker polls to reload (``latest_version``).
        """
        brands, terms, knowledge = self._inputs(session)
        version = library_version(brands, terms, knowledge)
        row = session.get(LibraryVersionRow, version)
        if row is None:
            session.add(
                LibraryVersionRow(
                    version=version, created_at=datetime.now(UTC), brands=len(brands), terms=len(terms), note=note
                )
            )
        else:
            row.created_at, row.note = datetime.now(UTC), note or row.note
        return version

    def latest_version(self) -> str | None:
        """The library version recorded last (one indexed row): cheap enough to poll every second."""
        with self.sessions() as session:
            return session.scalar(_LATEST_VERSION)


@lru_cache(maxsize=1)
def _bundled_terms_cached() -> tuple[LexiconTerm, ...]:
    from . import bundled_lexicon
    from .files import read_terms

    return tuple(read_terms(bundled_lexicon()))


def _bundled_terms() -> list[LexiconTerm]:
    """The counterfeit-signal lexicon shipped with ipwatch: every store starts with it."""
    return list(_bundled_terms_cached())


def _brand_row(brand: Brand, now: datetime) -> BrandRow:
    row = BrandRow(id=brand.id)
    _fill_brand_row(row, brand, now)
    return row


def _fill_brand_row(row: BrandRow, brand: Brand, now: datetime) -> None:
    row.names_zh = list(brand.names.zh)
    row.names_en = list(brand.names.en)
    row.aliases = list(brand.aliases)
    row.known_variants = list(brand.known_variants)
    row.owner = brand.owner
    row.registration = brand.registration
    row.categories = list(brand.categories)
    row.tier = brand.tier
    row.authorized_sellers = list(brand.authorized_sellers)
    row.reference_prices = dict(brand.reference_prices)
    row.updated_at = now


def _brand_of(row: BrandRow) -> Brand:
    return Brand(
        id=row.id,
        names=BrandNames(zh=row.names_zh, en=row.names_en),
        aliases=row.aliases,
        owner=row.owner,
        registration=row.registration,
        categories=row.categories,
        tier=row.tier,  # type: ignore[arg-type]
        authorized_sellers=row.authorized_sellers,
        reference_prices=row.reference_prices,
        known_variants=row.known_variants,
    )


def _term_of(row: LexiconRow) -> LexiconTerm:
    return LexiconTerm(
        term=row.term, language=row.language, strength=row.strength, category=row.category, source=row.source  # type: ignore[arg-type]
    )


def _modified(path: Path) -> float:
    """A file's modification time; one another process removed meanwhile sorts as oldest."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0
