"""The review store: API keys, listing revisions, review cases, decisions and the audit log."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, Text, and_, bindparam, cast, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import audit
from .faults import crash_point
from .schema import ApiKeyRow, AuditRow, CaseRow, ListingRow
from .store import LibraryStore

ROLES = ("submitter", "reviewer", "analyst", "admin")
DECISIONS = ("infringing", "not_infringing", "needs_info")
OPEN = "open"
MIN_RETENTION_DAYS = 1096  # three years, counting a leap day (E-Commerce Law art. 31)
COUNTER_NOTICE_WINDOW = timedelta(days=15)  # E-Commerce Law art. 43
NOTICE_ACTIONS = ("notice_sent", "taken_down", "counter_notice", "complaint_filed", "restored")
NOTICE_STATE = {"notice_sent": "notice_sent", "taken_down": "taken_down", "counter_notice": "counter_notice",
                "complaint_filed": "complaint_filed", "restored": "restored"}
NOTICE_TRANSITIONS = {
    "none": ("notice_sent",),
    "notice_sent": ("taken_down",),
    "taken_down": ("counter_notice",),
    "counter_notice": ("complaint_filed", "restored"),
    "complaint_filed": (),
    "restored": (),
}


_LISTINGS, _CASES = ListingRow.__table__, CaseRow.__table__
# Statements built once: executed with parameters, they hit SQLAlchemy's compiled cache on every call.
_REVISIONS = select(_LISTINGS.c.id, _LISTINGS.c.content_hash, _LISTINGS.c.revision).where(
    _LISTINGS.c.platform == bindparam("platform"), _LISTINGS.c.listing_id == bindparam("listing_id"))
_CASE_OF_LISTING = select(_CASES.c.id).where(_CASES.c.listing_row == bindparam("row"))
_INSERT_LISTING = insert(_LISTINGS).returning(_LISTINGS.c.id)
_INSERT_CASE = insert(_CASES).returning(_CASES.c.id)
_CASE_STATE = select(_CASES.c.status, _CASES.c.version, _CASES.c.note, _CASES.c.decided_by).where(
    _CASES.c.id == bindparam("case_id"))
_QUEUE_FIELDS = ("id", "version", "status", "risk", "level", "brand_id", "revision")  # a queue item, then its
# listing and result
_QUEUE_HEAD = (*(_CASES.c[f] for f in _QUEUE_FIELDS[:-1]), _LISTINGS.c.revision)
_QUEUE = select(*_QUEUE_HEAD, _CASES.c.result, _LISTINGS.c.data).join(_LISTINGS, _LISTINGS.c.id == _CASES.c.listing_row)
# the same page with the listing and result as their stored JSON text, for a response that sends them as they are
_QUEUE_TEXT = select(*_QUEUE_HEAD, cast(_CASES.c.result, Text).label("result"),
                     cast(_LISTINGS.c.data, Text).label("data")).join(_LISTINGS, _LISTINGS.c.id == _CASES.c.listing_row)
_DECIDE = update(_CASES).where(_CASES.c.id == bindparam("case_id"), _CASES.c.version == bindparam("read_version"))


class ReviewError(ValueError):
    """A request the review store refuses; ``status`` is the HTTP status it maps to."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Principal:
    name: str
    role: str


@dataclass(frozen=True)
class Submitted:
    case_id: int
    revision: int
    created: bool


def hash_key(key: str) -> str:
    """Keys are 256-bit random tokens, so one SHA-256 is enough to store them safely."""
    return hashlib.sha256(key.encode()).hexdigest()


def content_hash(listing: dict[str, Any]) -> str:
    """Hash of what a listing says (not when it was crawled), for idempotent submission."""
    content = {k: v for k, v in listing.items() if k not in ("crawled_at",)}
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


class ReviewStore:
    """Review data beside the library in the same database."""

    KEY_CACHE_SECONDS = 10.0  # a key revoked by another process stops working within this time
    _key_cache: dict[tuple[str, str], tuple[Principal | None, float]] = {}  # shared within the process

    def __init__(self, library: LibraryStore) -> None:
        self.sessions = library.sessions
        self.url = library.url

    # -- keys ---------------------------------------------------------------------------------

    def create_key(self, name: str, role: str) -> str:
        """Create a key and return it; only its hash is stored, so it is shown once."""
        if role not in ROLES:
            raise ReviewError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
        if not name.strip():
            raise ReviewError("a key needs a name")
        key = "ipw_" + secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            if session.scalar(select(ApiKeyRow).where(ApiKeyRow.name == name)) is not None:
                raise ReviewError(f"a key named {name!r} exists already", 409)
            session.add(ApiKeyRow(name=name, role=role, key_hash=hash_key(key), created_at=_now()))
            self._audit(session, "admin", "key_created", None, None, {"name": name, "role": role})
        return key

    def revoke_key(self, name: str, actor: str = "admin") -> None:
        with self.sessions.begin() as session:
            row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.name == name, ApiKeyRow.revoked_at.is_(None)))
            if row is None:
                raise ReviewError(f"no active key named {name!r}", 404)
            row.revoked_at = _now()
            self._audit(session, actor, "key_revoked", None, {"name": name}, None)
        self._key_cache.clear()

    def authenticate(self, key: str) -> Principal | None:
        digest = (self.url, hash_key(key))
        cached = self._key_cache.get(digest)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        with self.sessions() as session:
            row = session.scalar(
                select(ApiKeyRow).where(ApiKeyRow.key_hash == digest[1], ApiKeyRow.revoked_at.is_(None))
            )
        principal = None if row is None else Principal(row.name, row.role)
        if len(self._key_cache) > 10_000:
            self._key_cache.clear()
        self._key_cache[digest] = (principal, now + self.KEY_CACHE_SECONDS)
        return principal

    # -- listings and cases -------------------------------------------------------------------

    def submit(self, items: list[tuple[dict[str, Any], dict[str, Any]]], actor: str) -> list[Submitted]:
        """Store (listing, result) pairs as revisions and cases in one transaction.

        The same content again returns its existing case; changed content is a new revision.
        """
        out: list[Submitted] = []
        now = _now()
        with self.sessions.begin() as session:
            for listing, result in items:
                result = {**result, "title": listing["title"]}  # the queue and evidence show it with the result
                platform = str(listing.get("platform") or "unknown")
                listing_id = str(listing["listing_id"])
                digest = content_hash(listing)
                # every revision of this listing in one query: the same content again, or the next revision
                revisions = session.execute(_REVISIONS, {"platform": platform, "listing_id": listing_id}).all()
                same = next((r for r in revisions if r.content_hash == digest), None)
                if same is not None:
                    case_id = session.scalar(_CASE_OF_LISTING, {"row": same.id})
                    assert case_id is not None
                    out.append(Submitted(case_id, same.revision, False))
                    continue
                revision = max((r.revision for r in revisions), default=0) + 1
                row_id = session.scalar(_INSERT_LISTING, {
                    "platform": platform, "listing_id": listing_id, "content_hash": digest, "revision": revision,
                    "seller_id": listing.get("seller_id"), "data": listing, "created_at": now})
                case_id = session.scalar(_INSERT_CASE, {
                    "listing_row": row_id, "status": OPEN, "version": 1, "risk": float(result["risk"]),
                    "level": str(result["level"]), "brand_id": result.get("brand_id"), "platform": platform,
                    "seller_id": listing.get("seller_id"), "result": result, "note": None, "decided_by": None,
                    "created_at": now, "updated_at": now})
                assert case_id is not None
                self._audit(session, actor, "case_created", case_id, None,
                            {"status": OPEN, "version": 1, "note": None, "decided_by": None})
                crash_point("submit.before_commit")
                out.append(Submitted(case_id, revision, True))
        return out

    def list_cases(
        self, *, status: str | None = OPEN, brand_id: str | None = None, level: str | None = None,
        platform: str | None = None, seller_id: str | None = None, cursor: str | None = None, limit: int = 50,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The queue, highest risk first, with an opaque cursor for the next page."""
        query = _queue_page(_QUEUE, status, brand_id, level, platform, seller_id, cursor, limit)
        with self.sessions() as session:  # plain rows, not ORM objects: the queue is read on every page view
            rows = session.execute(query).all()
        items = [{**_queue_head(row), "listing": row.data, "result": row.result} for row in rows[:limit]]
        next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
        return items, next_cursor

    def queue_page_json(
        self, *, status: str | None = OPEN, brand_id: str | None = None, level: str | None = None,
        platform: str | None = None, seller_id: str | None = None, cursor: str | None = None, limit: int = 50,
    ) -> bytes:
        """:meth:`list_cases` as the JSON body of ``GET /v1/cases``, each listing and result spliced in as the
        JSON text the database holds: the page is read on every queue view, and decoding and encoding 40
        objects was two thirds of its time."""
        query = _queue_page(_QUEUE_TEXT, status, brand_id, level, platform, seller_id, cursor, limit)
        with self.sessions() as session:
            rows = session.execute(query).all()
        items = []
        for row in rows[:limit]:
            head = json.dumps(_queue_head(row), ensure_ascii=False, separators=(",", ":"))
            items.append(f'{head[:-1]},"listing":{row.data},"result":{row.result}}}')
        next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
        return f'{{"items":[{",".join(items)}],"next_cursor":{json.dumps(next_cursor)}}}'.encode()

    def get_case(self, case_id: int) -> dict[str, Any]:
        """A case with its listing, result, the seller's history and similar confirmed cases."""
        with self.sessions() as session:
            case = session.get(CaseRow, case_id)
            if case is None:
                raise ReviewError(f"no case {case_id}", 404)
            listing = session.get(ListingRow, case.listing_row)
            assert listing is not None
            item = _case_item(case, listing)
            item["seller_history"] = self._seller_history(session, case.seller_id)
            similar = session.scalars(select(CaseRow).where(
                CaseRow.brand_id == case.brand_id, CaseRow.status == "infringing", CaseRow.id != case.id,
            ).order_by(CaseRow.updated_at.desc()).limit(5)) if case.brand_id else []
            item["similar_confirmed"] = [{"id": c.id, "risk": c.risk, "title": c.result.get("title")} for c in similar]
            item["audit"] = [
                {"at": a.at.isoformat(), "actor": a.actor, "action": a.action, "before": a.before, "after": a.after}
                for a in session.scalars(select(AuditRow).where(AuditRow.case_id == case_id).order_by(AuditRow.id))
            ]
            return item

    def decide(self, case_id: int, decision: str, note: str | None, version: int, actor: str) -> dict[str, Any]:
        """Record a decision if ``version`` is current (optimistic concurrency), else refuse with 409."""
        if decision not in DECISIONS:
            raise ReviewError(f"unknown decision {decision!r}; use one of {', '.join(DECISIONS)}", 422)
        with self.sessions.begin() as session:
            state = session.execute(_CASE_STATE, {"case_id": case_id}).first()
            if state is None:
                raise ReviewError(f"no case {case_id}", 404)
            if state.version != version:
                raise ReviewError(
                    f"case {case_id} is at version {state.version}, not {version}: someone decided it meanwhile", 409)
            after = {"status": decision, "version": version + 1, "note": note, "decided_by": actor}
            # "... WHERE version = <the version read>": of two reviewers deciding at once, one changes no row
            changed = session.execute(_DECIDE, {"case_id": case_id, "read_version": version, **after,
                                                "updated_at": _now()}).rowcount
            if changed != 1:
                raise ReviewError(f"case {case_id} was changed by someone else meanwhile; reload it", 409)
            self._audit(session, actor, "decision", case_id, dict(state._mapping), after)
            crash_point("decide.before_commit")
            return {"id": case_id, "version": version + 1, "status": decision}

    @contextmanager
    def _changing_case(self, case_id: int) -> Iterator[Session]:
        """A transaction changing a case; losing a race with another writer of the case is a 409."""
        try:
            with self.sessions.begin() as session:
                yield session
        except StaleDataError as exc:
            raise ReviewError(f"case {case_id} was changed by someone else meanwhile; reload it", 409) from exc

    def record_notice(self, case_id: int, action: str, note: str | None, actor: str,
                      at: datetime | None = None) -> dict[str, Any]:
        """Move a confirmed case through notice → takedown / counter-notice → restored or kept down.

        Under E-Commerce Law art. 43 a counter-notice opens a 15-day window for the right holder to
        complain or sue; when it lapses the listing may be restored. ``notice`` (and ``clock``) keep
        the state and the deadline.
        """
        if action not in NOTICE_ACTIONS:
            raise ReviewError(f"unknown notice action {action!r}; use one of {', '.join(NOTICE_ACTIONS)}", 422)
        now = at or _now()
        with self._changing_case(case_id) as session:
            case = session.get(CaseRow, case_id)
            if case is None:
                raise ReviewError(f"no case {case_id}", 404)
            notice = dict(case.result.get("notice") or {"state": "none", "history": []})
            allowed = NOTICE_TRANSITIONS[notice["state"]]
            if action not in allowed:
                raise ReviewError(f"case {case_id} is in notice state {notice['state']!r}; "
                                  f"allowed next: {', '.join(allowed) or 'none'}", 409)
            if action == "notice_sent" and case.status != "infringing":
                raise ReviewError(f"case {case_id} must be decided infringing before a notice", 409)
            before = dict(notice)
            notice["state"] = NOTICE_STATE[action]
            notice["history"] = [*notice["history"], {"action": action, "at": now.isoformat(), "by": actor,
                                                      "note": note}]
            if action == "counter_notice":
                notice["deadline"] = (now + COUNTER_NOTICE_WINDOW).isoformat()
            case.result = {**case.result, "notice": notice}
            case.version += 1
            case.updated_at = now
            session.flush()
            self._audit(session, actor, f"notice:{action}", case.id, {"notice": before.get("state")},
                        {"notice": notice["state"]})
            return {"id": case.id, "version": case.version, "notice": notice}

    def notice_clock(self, case_id: int, now: datetime | None = None) -> dict[str, Any]:
        """The notice state, and for a counter-notice the days left and whether the window has lapsed."""
        case = self.get_case(case_id)
        notice = case["result"].get("notice") or {"state": "none", "history": []}
        out = {"id": case_id, **notice}
        if notice.get("deadline"):
            left = datetime.fromisoformat(notice["deadline"]) - (now or _now())
            out["days_left"] = round(max(left.total_seconds(), 0) / 86400, 2)
            out["lapsed"] = left.total_seconds() <= 0
        return out

    def reviewed_training_rows(self, high_risk: float = 0.5) -> list[dict[str, Any]]:
        """Decided cases as labelled listings for the next training set.

        ``infringing`` → label 1; ``not_infringing`` → label 0, and those the detector had scored at
        ``high_risk`` or above are kept apart as group ``reviewed_false_positive``.
        """
        with self.sessions() as session:
            rows = session.execute(select(CaseRow, ListingRow).join(ListingRow, ListingRow.id == CaseRow.listing_row)
                                   .where(CaseRow.status.in_(("infringing", "not_infringing")))
                                   .order_by(CaseRow.id)).all()
        out = []
        for case, listing in rows:
            label = int(case.status == "infringing")
            group = ("reviewed_infringing" if label else
                     "reviewed_false_positive" if case.risk >= high_risk else "reviewed_not_infringing")
            out.append({**listing.data, "label": label, "group": group, "brand_id": case.brand_id,
                        "case_id": case.id, "risk_at_review": case.risk})
        return out

    def audit_log(self) -> list[dict[str, Any]]:
        with self.sessions() as session:
            return [{"actor": a.actor, "action": a.action, "case_id": a.case_id, "before": a.before, "after": a.after}
                    for a in session.scalars(select(AuditRow).order_by(AuditRow.id))]

    def seller_view(self, seller_id: str) -> dict[str, Any]:
        """A repeat-infringer view: confirmed cases, platforms, first and last seen."""
        with self.sessions() as session:
            rows = session.execute(select(CaseRow).where(CaseRow.seller_id == seller_id)
                                   .order_by(CaseRow.created_at)).scalars().all()
        if not rows:
            raise ReviewError(f"no cases for seller {seller_id!r}", 404)
        confirmed = [c for c in rows if c.status == "infringing"]
        return {
            "seller_id": seller_id,
            "cases": len(rows),
            "confirmed": len(confirmed),
            "repeat_infringer": len(confirmed) >= 2,
            "platforms": sorted({c.platform for c in rows}),
            "brands": sorted({c.brand_id for c in confirmed if c.brand_id}),
            "first_seen": rows[0].created_at.isoformat(),
            "last_seen": rows[-1].created_at.isoformat(),
            "confirmed_case_ids": [c.id for c in confirmed],
        }

    def stats(self) -> dict[str, Any]:
        """Queue size by level, decisions per day, reviewer-judged precision of flags, time to decision."""
        with self.sessions() as session:
            cases = session.execute(select(CaseRow)).scalars().all()
            decisions = session.execute(select(AuditRow).where(AuditRow.action == "decision")).scalars().all()
        created = {c.id: c.created_at for c in cases}
        per_day: dict[str, int] = defaultdict(int)
        waits = []
        for entry in decisions:
            per_day[entry.at.date().isoformat()] += 1
            if entry.case_id in created and (entry.before or {}).get("status") == OPEN:
                waits.append((_aware(entry.at) - _aware(created[entry.case_id])).total_seconds())
        judged = [c for c in cases if c.status in ("infringing", "not_infringing") and c.result.get("flagged")]
        return {
            "queue": {level: sum(1 for c in cases if c.status == OPEN and c.level == level)
                      for level in ("high", "medium", "low", "none")},
            "open": sum(1 for c in cases if c.status == OPEN),
            "decided": sum(1 for c in cases if c.status in DECISIONS),
            "decisions_per_day": dict(sorted(per_day.items())),
            "flag_precision": round(sum(c.status == "infringing" for c in judged) / len(judged), 4) if judged else None,
            "median_seconds_to_decision": round(statistics.median(waits), 1) if waits else None,
        }

    def queue_size(self) -> dict[str, int]:
        with self.sessions() as session:
            rows = session.execute(
                select(CaseRow.level, func.count()).where(CaseRow.status == OPEN).group_by(CaseRow.level)).all()
        return {level: count for level, count in rows}

    # -- helpers ------------------------------------------------------------------------------

    def _seller_history(self, session: Session, seller_id: str | None) -> dict[str, Any] | None:
        if not seller_id:
            return None
        rows = session.execute(select(CaseRow.status, func.count(), func.min(CaseRow.created_at),
                                      func.max(CaseRow.created_at)).where(CaseRow.seller_id == seller_id)
                               .group_by(CaseRow.status)).all()
        return {
            "seller_id": seller_id,
            "cases": {status: count for status, count, _first, _last in rows},
            "first_seen": min(r[2] for r in rows).isoformat() if rows else None,
            "last_seen": max(r[3] for r in rows).isoformat() if rows else None,
        }

    @staticmethod
    def _audit(session: Session, actor: str, action: str, case_id: int | None,
               before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        audit.append(session, actor, action, case_id, before, after)

    def rescore(self, score: Any, current_version: str, since: list[str] | None = None, batch: int = 1000,
                actor: str = "rescore", progress: Any = None) -> dict[str, int]:
        """Score open cases again after a list change; update (and audit) only those whose outcome changed.

        ``score`` maps listings (dicts) to result dicts; ``since``: only cases scored with these library
        versions (default: any version but ``current_version``). Cases are read in id order, ``batch`` at
        a time, each batch in its own transaction; a case changed meanwhile by a reviewer is left alone
        (compare-and-set on its version) and counted as ``skipped``.
        """
        counts = {"read": 0, "changed": 0, "unchanged": 0, "skipped": 0}
        last_id = 0
        while True:
            with self.sessions() as session:
                rows = session.execute(select(_CASES.c.id, _CASES.c.version, _CASES.c.result, _LISTINGS.c.data)
                                       .join(_LISTINGS, _LISTINGS.c.id == _CASES.c.listing_row)
                                       .where(_CASES.c.status == OPEN, _CASES.c.id > last_id)
                                       .order_by(_CASES.c.id).limit(batch)).all()
            if not rows:
                return counts
            last_id = rows[-1].id
            stale = [r for r in rows if r.result.get("library_version") != current_version
                     and (since is None or r.result.get("library_version") in since)]
            counts["read"] += len(rows)
            counts["unchanged"] += len(rows) - len(stale)
            fresh = score([r.data for r in stale]) if stale else []
            with self.sessions.begin() as session:
                for row, result in zip(stale, fresh, strict=True):
                    old = row.result
                    if _judgement(old) == _judgement(result):
                        counts["unchanged"] += 1
                        continue
                    result = {**result, "title": row.data["title"],
                              **({"notice": old["notice"]} if "notice" in old else {})}
                    changed = session.execute(_DECIDE, {
                        "case_id": row.id, "read_version": row.version, "version": row.version + 1,
                        "result": result, "risk": float(result["risk"]), "level": str(result["level"]),
                        "brand_id": result.get("brand_id"), "updated_at": _now()}).rowcount
                    if changed != 1:
                        counts["skipped"] += 1
                        continue
                    self._audit(session, actor, "rescored", row.id, _outcome(old), _outcome(result))
                    counts["changed"] += 1
            if progress is not None:
                progress(len(rows))

    def purge_expired(self, retention_days: int, now: datetime | None = None, dry_run: bool = True,
                      actor: str = "retention") -> list[int]:
        """Decided cases (and their listing revisions) last changed more than ``retention_days`` ago.

        Open cases and cases inside a notice or counter-notice are kept whatever their age. Unless ``dry_run``,
        they are deleted in one transaction with one audit row naming them; the audit log itself is never purged.
        """
        if retention_days < MIN_RETENTION_DAYS:
            raise ReviewError("retention shorter than 3 years is not allowed (E-Commerce Law art. 31)", 422)
        cutoff = (now or _now()) - timedelta(days=retention_days)
        with self.sessions.begin() as session:
            expired = [case for case in session.scalars(
                select(CaseRow).where(CaseRow.status != OPEN, CaseRow.updated_at < cutoff).order_by(CaseRow.id))
                if (case.result.get("notice") or {}).get("state", "none") in ("none", "restored", "complaint_filed")]
            ids = [case.id for case in expired]
            if dry_run or not ids:
                return ids
            listing_rows = [case.listing_row for case in expired]
            for case in expired:
                session.delete(case)
            session.flush()
            session.execute(ListingRow.__table__.delete().where(ListingRow.id.in_(listing_rows)))
            self._audit(session, actor, "retention_purge", None, {"cases": ids},
                        {"retention_days": retention_days, "cutoff": cutoff.isoformat()})
        return ids

    def verify_audit(self) -> audit.ChainReport:
        """Check the audit log's hash chain end to end."""
        return audit.verify(self.sessions)

    def audit_head(self) -> dict[str, Any]:
        """The audit log's latest row and hash."""
        with self.sessions() as session:
            return audit.head(session)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _outcome(result: dict[str, Any]) -> dict[str, Any]:
    """What a rescore compares and the audit log keeps: the judgement, not the library it came from."""
    return {"risk": round(float(result["risk"]), 4), "flagged": result.get("flagged"), "level": result.get("level"),
            "brand_id": result.get("brand_id"), "library_version": result.get("library_version"),
            "signals": sorted({r.get("signal") for r in result.get("reasons", [])} - {None})}


def _judgement(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in _outcome(result).items() if k != "library_version"}


def _case_state(case: CaseRow) -> dict[str, Any]:
    return {"status": case.status, "version": case.version, "note": case.note, "decided_by": case.decided_by}


def _case_item(case: CaseRow, listing: ListingRow) -> dict[str, Any]:
    return {"id": case.id, "version": case.version, "status": case.status, "risk": case.risk, "level": case.level,
            "brand_id": case.brand_id, "revision": listing.revision, "listing": listing.data, "result": case.result}


def _queue_head(row: Any) -> dict[str, Any]:
    return {field: getattr(row, field) for field in _QUEUE_FIELDS}


def _queue_page(query: Select[Any], status: str | None, brand_id: str | None, level: str | None,
                platform: str | None, seller_id: str | None, cursor: str | None, limit: int) -> Select[Any]:
    """``query`` filtered, after ``cursor``, highest risk first, one row past the page (is there a next?)."""
    for column, value in ((_CASES.c.status, status), (_CASES.c.brand_id, brand_id), (_CASES.c.level, level),
                          (_CASES.c.platform, platform), (_CASES.c.seller_id, seller_id)):
        if value is not None:
            query = query.where(column == value)
    if cursor:
        risk, case_id = _decode_cursor(cursor)
        query = query.where(or_(_CASES.c.risk < risk, and_(_CASES.c.risk == risk, _CASES.c.id < case_id)))
    return query.order_by(_CASES.c.risk.desc(), _CASES.c.id.desc()).limit(limit + 1)


def _encode_cursor(case: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([case.risk, case.id]).encode()).decode()


def _decode_cursor(cursor: str) -> tuple[float, int]:
    try:
        risk, case_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return float(risk), int(case_id)
    except (ValueError, TypeError) as exc:
        raise ReviewError("cursor: not a cursor this server issued", 422) from exc
