"""Typed dependencies: the stores, the detector and the caller's role."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from detector import Detector
from feature_store import LibraryStore
from feature_store.review import Principal, ReviewStore
from ipwatch.running import running_detector, warm_up


def get_review(request: Request) -> ReviewStore:
    return request.app.state.review


def get_library_store(request: Request) -> LibraryStore:
    return request.app.state.library_store


log = logging.getLogger(__name__)

VERSION_CHECK_SECONDS = 1.0  # how often a worker looks for a list change made through another worker or the CLI


def reload_detector(app: Any) -> str:
    """Recompile the detector when the newest recorded library version is not the one it runs, keeping the
    loaded model and semantic stage; the version it runs afterwards.

    The check and the recompile hold the worker's reload lock: one at a time (the admin route and the
    watcher may both see a change), and a worker shutting down waits for them before it closes the store,
    so no database connection is left checked out of a closed pool.
    """
    with app.state.reload_lock:
        old: Detector = app.state.detector
        if app.state.closing:
            return old.library.version
        latest = app.state.library_store.latest_version()
        if latest is None or latest == old.library.version:
            return old.library.version
        new = running_detector(app.state.settings, app.state.library_store, trained=old.model, stage=old.semantic,
                               model="rules" if old.model is None else None, semantic=old.semantic is not None)
        warm_up(new)  # requests keep the old detector until the new one has scored once
        app.state.detector = new
        return new.library.version


async def refresh_detector(app: Any) -> None:
    """Reload the detector when the stored library version moved on (checked at most once a second).

    Every worker process polls one indexed row, so a change made through any worker or the CLI is scored
    by all of them within about a second of its recompile; the check and the recompile run off the event
    loop while requests keep the old detector, and the compiled library often comes from the on-disk cache
    the changing process wrote.
    """
    state = app.state
    now = time.monotonic()
    if now < state.next_version_check or state.reloading:
        return
    state.next_version_check = now + VERSION_CHECK_SECONDS
    state.reloading = True
    try:
        await run_in_threadpool(reload_detector, app)
    finally:
        state.reloading = False


async def watch_library(app: Any) -> None:
    """Run for a worker's lifetime: look for a list change every second whether or not requests arrive,
    so a quiet worker is current before its next request rather than recompiling while it waits."""
    while True:
        try:
            await refresh_detector(app)
        except Exception:  # a database hiccup: requests keep the loaded detector; the next tick tries again
            log.exception("library version check failed")
        await asyncio.sleep(VERSION_CHECK_SECONDS)


async def get_detector(request: Request) -> Detector:
    """The detector; without the lifespan's watcher (an app driven outside a server), checked per request."""
    state = request.app.state
    if state.watcher is None:
        await refresh_detector(request.app)
    return state.detector


ReviewDep = Annotated[ReviewStore, Depends(get_review)]
DetectorDep = Annotated[Detector, Depends(get_detector)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def require(*roles: str) -> Callable[..., Principal]:
    """A dependency admitting a bearer key of one of ``roles``: 401 without one, 403 for another role.

    Only the Authorization header counts: the triage page's session cookie is not a key, so a page on
    another site cannot ride a reviewer's browser session into the API.
    """

    async def check(request: Request) -> Principal:
        # Async on purpose: a cached key check is microseconds, cheaper than a thread hand-off.
        # The header is read directly (no HTTPBearer sub-dependency): it runs on every request.
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        key = token.strip() if scheme.lower() == "bearer" else ""
        principal = request.app.state.review.authenticate(key) if key else None
        limiter = request.app.state.rate_limiter
        if principal is None:
            limiter.take(f"address:{client_address(request)}")  # guessing keys is limited per address
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid API key is required (Authorization: Bearer …)",
                                headers={"WWW-Authenticate": "Bearer"})
        limiter.take(f"key:{principal.name}")
        if principal.role not in roles:
            needed = " or ".join(roles)
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {principal.role!r} may not do this; needs {needed}")
        return principal

    return check


Submitter = Annotated[Principal, Depends(require("submitter", "admin"))]
Reviewer = Annotated[Principal, Depends(require("reviewer", "admin"))]
Viewer = Annotated[Principal, Depends(require("reviewer", "analyst", "admin"))]
