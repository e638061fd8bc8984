"""Typed dependencies: the stores, the detector and the caller's role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from detector import Detector
from feature_store import LibraryStore
from feature_store.review import Principal, ReviewStore


def get_review(request: Request) -> ReviewStore:
    return request.app.state.review


def get_library_store(request: Request) -> LibraryStore:
    return request.app.state.library_store


def get_detector(request: Request) -> Detector:
    return request.app.state.detector


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
