"""The triage web page: server-rendered, a session cookie holding the key, keyboard decisions.

The cookie is HttpOnly and SameSite=Strict, and is accepted only by /ui routes (never by the API). Every
UI POST needs a same-site Origin (when the browser sends one) and, past login, the page's CSRF token.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Header, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from feature_store.review import Principal

from ..access import REVIEWERS, VIEWERS, csrf_token
from ..deps import ReviewDep, client_address
from ..highlight import highlight
from ..schemas import CaseId, DecisionIn, DecisionOut
from .cases import _decide
from .enforcement import evidence_package, evidence_page

router = APIRouter(prefix="/ui", include_in_schema=False)
COOKIE = "ipwatch_session"


def _session(request: Request, roles: frozenset[str] = VIEWERS) -> Principal | None:
    key = request.cookies.get(COOKIE)
    principal = request.app.state.review.authenticate(key) if key else None
    if principal is not None:
        request.app.state.rate_limiter.take(f"key:{principal.name}")
    return principal if principal is not None and principal.role in roles else None


def _same_site(request: Request) -> None:
    """Refuse a cross-site POST: a browser names the page's origin, which must be this host."""
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(403, f"cross-site request refused: origin {origin!r} is not this site")


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return request.app.state.templates.TemplateResponse(request, "login.html", {"error": None})


@router.post("/login")
def login(request: Request, key: Annotated[str, Form(max_length=200)]) -> Response:
    _same_site(request)
    principal = request.app.state.review.authenticate(key.strip())
    if principal is None or principal.role not in VIEWERS:
        request.app.state.rate_limiter.take(f"address:{client_address(request)}")
        return request.app.state.templates.TemplateResponse(
            request, "login.html", {"error": "not a reviewer, analyst or admin key / 密钥无效"}, status_code=401)
    response = RedirectResponse("/ui", status_code=303)
    response.set_cookie(COOKIE, key.strip(), httponly=True, samesite="strict", max_age=8 * 3600)
    return response


@router.get("/logout")
def logout() -> Response:
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("", response_class=HTMLResponse)
def queue(request: Request, brand_id: str | None = None, level: str | None = None, platform: str | None = None,
          seller_id: str | None = None) -> Response:
    who = _session(request)
    if who is None:
        return RedirectResponse("/ui/login", status_code=303)
    review = request.app.state.review
    filters = {"brand_id": brand_id or None, "level": level or None, "platform": platform or None,
               "seller_id": seller_id or None}
    items, _ = review.list_cases(limit=100, **filters)
    seller_counts: dict[str, int] = {}
    for item in items:
        seller = item["listing"].get("seller_id")
        if seller and seller not in seller_counts:
            seller_counts[seller] = len(review.list_cases(status=None, seller_id=seller, limit=200)[0])
        item["seller_cases"] = seller_counts.get(seller or "", 0)
        item["title_html"] = highlight(item["listing"]["title"], item["result"].get("reasons", []))
    return request.app.state.templates.TemplateResponse(request, "queue.html", {
        "items": items, "f": filters, "who": who, "csrf": csrf_token(request.cookies[COOKIE])})


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request) -> Response:
    if _session(request) is None:
        return RedirectResponse("/ui/login", status_code=303)
    return request.app.state.templates.TemplateResponse(request, "stats.html", {"s": request.app.state.review.stats()})


@router.get("/cases/{case_id}/evidence", response_class=HTMLResponse)
def evidence(case_id: CaseId, request: Request, review: ReviewDep) -> Response:
    if _session(request) is None:
        return RedirectResponse("/ui/login", status_code=303)
    return evidence_page(request, evidence_package(request, review.get_case(case_id)))


def _reviewer_session(request: Request, x_csrf_token: Annotated[str | None, Header()] = None) -> Principal:
    """A reviewer's session, a same-site origin and the page's CSRF token; checked before the body is read."""
    _same_site(request)
    who = _session(request)
    if who is None or who.role not in REVIEWERS:
        raise HTTPException(401 if who is None else 403, "a reviewer or admin session is required / 需要审核员登录")
    if x_csrf_token != csrf_token(request.cookies[COOKIE]):
        raise HTTPException(403, "missing or wrong X-CSRF-Token: reload the page / 请刷新页面")
    return who


@router.post("/cases/{case_id}/decision", response_model=DecisionOut)
def decide(case_id: CaseId, body: DecisionIn, request: Request, review: ReviewDep,
           who: Annotated[Principal, Depends(_reviewer_session)]) -> dict:  # type: ignore[type-arg]
    """The page's keyboard decisions."""
    return _decide(request, review, case_id, body, who.name)
