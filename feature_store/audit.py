"""The tamper-evident audit log: each row carries the hash of the row before it.

A row's hash covers its sequence number, time, actor, action, case and the before/after states, plus the
previous row's hash, so editing, deleting or reordering any row breaks the chain from that row on.
Rows are appended under a lock (PostgreSQL: a transaction advisory lock; SQLite: the store's writer lock,
feature_store/sessions.py), so concurrent writers never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from .schema import AuditRow
from .sessions import StoreSessions

GENESIS = "0" * 64
_PG_LOCK = 0x1F0A0D17  # advisory lock key held while a transaction appends audit rows
_HEAD = "ipwatch_audit_head"  # session.info key (SQLite): (id, hash) of the last row this transaction appended


_AUDIT = AuditRow.__table__
_LAST_ROW = select(_AUDIT.c.id, _AUDIT.c.row_hash).order_by(_AUDIT.c.id.desc()).limit(1)
_INSERT = insert(_AUDIT)


def _moment(at: datetime) -> str:
    """One spelling of a time on every database (SQLite returns it naive, PostgreSQL aware)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_digest(prev_hash: str, row_id: int, at: datetime, actor: str, action: str, case_id: int | None,
               before: Any, after: Any) -> str:
    body = _body([row_id, _moment(at), actor, action, case_id, before, after])
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _body(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _digest_of(row: AuditRow, prev_hash: str) -> str:
    return row_digest(prev_hash, row.id, row.at, row.actor, row.action, row.case_id, row.before, row.after)


def append(session: Session, actor: str, action: str, case_id: int | None,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> int:
    """Add one audit row to the session's transaction, chained to the row before it; its id.

    PostgreSQL: one call of ``ipwatch_audit_append`` (migration 0007) takes the advisory lock, reads the
    head, hashes and inserts, so the lock is held for that statement and the commit. SQLite: the caller
    holds the store's writer lock (``sessions.begin()`` takes it), so the head read here is the head when
    the row commits. Either way the row gets the next id explicitly and one INSERT writes it whole.
    """
    at = datetime.now(UTC)
    if session.get_bind().dialect.name == "postgresql":
        return _append_postgresql(session, at, actor, action, case_id, before, after)
    head = session.info.get(_HEAD)
    if head is None:
        last = session.execute(_LAST_ROW).first()
        head = (0, GENESIS) if last is None else (last.id, last.row_hash or GENESIS)
    row_id = head[0] + 1
    digest = row_digest(head[1], row_id, at, actor, action, case_id, before, after)
    session.execute(_INSERT, {"id": row_id, "at": at, "actor": actor, "action": action, "case_id": case_id,
                              "before": before, "after": after, "prev_hash": head[1], "row_hash": digest})
    session.info[_HEAD] = (row_id, digest)
    return row_id


_PG_APPEND = text("SELECT ipwatch_audit_append(:at, :actor, :action, :case_id, CAST(:before AS json), "
                  "CAST(:after AS json), :tail, :lock)")


def _append_postgresql(session: Session, at: datetime, actor: str, action: str, case_id: int | None,
                       before: dict[str, Any] | None, after: dict[str, Any] | None) -> int:
    """The database picks the id and the previous hash; it hashes ``head + "\\n[" + id + "," + tail``,
    where tail is :func:`row_digest`'s JSON array after its first element, written here."""
    tail = _body([0, _moment(at), actor, action, case_id, before, after])[len("[0,"):]
    return int(session.scalar(_PG_APPEND, {
        "at": at, "actor": actor, "action": action, "case_id": case_id, "tail": tail, "lock": _PG_LOCK,
        "before": None if before is None else _body(before), "after": None if after is None else _body(after)}))


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking the chain: rows read, the head, and the first row that does not hold."""

    rows: int
    head_id: int | None
    head_hash: str
    broken_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_id is None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "rows": self.rows, "head_id": self.head_id, "head_hash": self.head_hash,
                "broken_id": self.broken_id, "problem": self.problem}


def check_rows(rows: Iterable[AuditRow]) -> ChainReport:
    """Walk rows in id order; the first whose link or content does not match is named."""
    prev_hash, count, head_id = GENESIS, 0, None
    for row in rows:
        if row.prev_hash != prev_hash:
            return ChainReport(count, head_id, prev_hash, row.id,
                               f"row {row.id} links to {str(row.prev_hash)[:12]}…, but the row before it hashes to "
                               f"{prev_hash[:12]}… (a row before it was edited, removed or inserted)")
        expected = _digest_of(row, prev_hash)
        if row.row_hash != expected:
            return ChainReport(count, head_id, prev_hash, row.id,
                               f"row {row.id}'s content does not match its hash (the row was edited)")
        prev_hash, head_id, count = expected, row.id, count + 1
    return ChainReport(count, head_id, prev_hash)


def verify(sessions: StoreSessions) -> ChainReport:
    """Check the whole stored chain, streaming rows in id order (a server-side cursor on PostgreSQL)."""
    with sessions.snapshot() as session:
        rows = session.scalars(select(AuditRow).order_by(AuditRow.id).execution_options(yield_per=2000))
        try:
            return check_rows(rows)
        finally:
            rows.close()  # a break stops early: close PostgreSQL's server-side cursor now


def head(session: Session) -> dict[str, Any]:
    """The latest row's id and hash: what an evidence package quotes to anchor itself in the log."""
    last = session.execute(select(AuditRow.id, AuditRow.row_hash).order_by(AuditRow.id.desc()).limit(1)).first()
    return {"row": None, "hash": GENESIS} if last is None else {"row": last.id, "hash": last.row_hash}
