"""Sessions whose write transactions queue for SQLite's single writer on an OS file lock.

SQLite admits one writer at a time. Left alone, a second writer spins in SQLite's busy handler, which
sleeps 1, 2, 5 … 100 ms between tries: under load, tails of seconds. Here every ``sessions.begin()``
(the write transactions) first takes a lock: a thread lock inside the process, then ``flock`` on a file
beside the database across processes (API workers, CLI, crawler). Waiters are woken by the kernel the
moment the writer commits. Reads (``sessions()``) never wait: WAL readers see the last commit.
PostgreSQL needs no writer lock. There, reads run without a transaction (autocommit): at READ COMMITTED,
the store's level, every statement takes its own snapshot inside a transaction too, so a read sees the same
rows and saves the BEGIN and ROLLBACK round trips. A read that needs a transaction (a server-side cursor)
asks for ``snapshot()``.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker


class StoreSessions(sessionmaker[Session]):
    """``sessionmaker`` whose ``begin()`` serialises writers when ``writer_lock`` names a lock file."""

    def __init__(self, engine: Engine, writer_lock: Path | None) -> None:
        super().__init__(engine, expire_on_commit=False)
        self._engine = engine
        self._read_bind = engine.execution_options(isolation_level="AUTOCOMMIT") \
            if engine.dialect.name == "postgresql" else engine
        self._writer_lock = writer_lock
        self._thread_lock = threading.RLock()
        self._held = threading.local()
        self._fd: int | None = None

    def __call__(self, **local_kw: Any) -> Session:
        """A session for reads (autocommit on PostgreSQL)."""
        local_kw.setdefault("bind", self._read_bind)
        return super().__call__(**local_kw)

    def snapshot(self) -> Session:
        """A read session inside a transaction, for server-side cursors."""
        return super().__call__(bind=self._engine)

    @contextmanager
    def begin(self) -> Iterator[Session]:  # type: ignore[override]
        with self.writing(), self.snapshot() as session, session.begin():
            yield session

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the writer lock (re-entrant within a thread); a no-op on PostgreSQL."""
        if self._writer_lock is None or getattr(self._held, "depth", 0):
            self._held.depth = getattr(self._held, "depth", 0) + 1
            try:
                yield
            finally:
                self._held.depth -= 1
            return
        with self._thread_lock:
            if self._fd is None:
                self._fd = os.open(self._writer_lock, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            self._held.depth = 1
            try:
                yield
            finally:
                self._held.depth = 0
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
