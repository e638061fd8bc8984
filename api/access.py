"""Who may call what: the declared access rule of every route, checked against the app at start-up.

API routes take a bearer key of the listed roles and nothing else (the UI's session cookie is refused).
UI routes take the session cookie; their POSTs also need a same-site Origin and, once logged in, the
page's CSRF token. A route missing here stops the app from starting (and fails tests/test_access.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

VIEWERS = frozenset({"reviewer", "analyst", "admin"})
REVIEWERS = frozenset({"reviewer", "admin"})
SUBMITTERS = frozenset({"submitter", "admin"})
ADMINS = frozenset({"admin"})
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rule:
    """``roles`` may call it with ``credential`` ("key": bearer header; "session": UI cookie; "none": anyone)."""

    credential: str
    roles: frozenset[str] = NOBODY


PUBLIC = Rule("none")

POLICY: dict[tuple[str, str], Rule] = {
    ("POST", "/v1/score"): Rule("key", SUBMITTERS),
    ("POST", "/v1/listings"): Rule("key", SUBMITTERS),
    ("GET", "/v1/cases"): Rule("key", VIEWERS),
    ("POST", "/v1/cases/decisions"): Rule("key", REVIEWERS),
    ("GET", "/v1/cases/{case_id}"): Rule("key", VIEWERS),
    ("POST", "/v1/cases/{case_id}/decision"): Rule("key", REVIEWERS),
    ("GET", "/v1/cases/{case_id}/notice"): Rule("key", VIEWERS),
    ("POST", "/v1/cases/{case_id}/notice"): Rule("key", REVIEWERS),
    ("GET", "/v1/cases/{case_id}/evidence"): Rule("key", VIEWERS),
    ("GET", "/v1/sellers/{seller_id}"): Rule("key", VIEWERS),
    ("GET", "/v1/stats"): Rule("key", VIEWERS),
    ("GET", "/v1/admin/brands"): Rule("key", ADMINS),
    ("POST", "/v1/admin/brands"): Rule("key", ADMINS),
    ("GET", "/v1/admin/lexicon"): Rule("key", ADMINS),
    ("POST", "/v1/admin/lexicon"): Rule("key", ADMINS),
    ("POST", "/v1/admin/keys"): Rule("key", ADMINS),
    ("DELETE", "/v1/admin/keys/{name}"): Rule("key", ADMINS),
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/ui/login"): PUBLIC,
    ("POST", "/ui/login"): PUBLIC,  # same-site Origin only: no login CSRF
    ("GET", "/ui/logout"): PUBLIC,
    ("GET", "/ui"): Rule("session", VIEWERS),
    ("GET", "/ui/stats"): Rule("session", VIEWERS),
    ("GET", "/ui/cases/{case_id}/evidence"): Rule("session", VIEWERS),
    ("POST", "/ui/cases/{case_id}/decision"): Rule("session", REVIEWERS),
}


def route_methods(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app answers, from its own route table."""
    out = []
    for route in iter_route_contexts(app.routes):  # included routers flattened, prefixes applied
        out.extend((method, route.path or "") for method in sorted(route.methods or ()) if method != "HEAD")
    return out


def undeclared(app: FastAPI) -> list[tuple[str, str]]:
    """Routes with no rule in POLICY."""
    return [pair for pair in route_methods(app) if pair not in POLICY]


def csrf_token(session_key: str) -> str:
    """The UI's CSRF token: derived from the session key, which a cross-site page cannot read (HttpOnly)."""
    return hashlib.sha256(f"ipwatch-csrf\n{session_key}".encode()).hexdigest()
