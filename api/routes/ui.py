"""The triage web page: server-rendered, a session cookie holding the key, keyboard decisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from feature_store.review import Principal

from ..highlight import highlight

router = APIRouter(prefix="/ui", include_in_schema=False)
COOKIE = "ipwatch_session"


def _viewer(request: Request) -> Principal | None:
    key = request.cookies.get(COOKIE)
    principal = request.app.state.review.authenticate(key) if key else None
    return principal if principal is not None and principal.role in ("reviewer", "analyst", "admin") else None


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return request.app.state.templates.TemplateResponse(request, "login.html", {"error": None})


@router.post("/login")
def login(request: Request, key: Annotated[str, Form()]) -> Response:
    principal = request.app.state.review.authenticate(key.strip())
    if principal is None or principal.role not in ("reviewer", "analyst", "admin"):
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
    who = _viewer(request)
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
    return request.app.state.templates.TemplateResponse(request, "queue.html",
                                                        {"items": items, "f": filters, "who": who})


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request) -> Response:
    who = _viewer(request)
    if who is None:
        return RedirectResponse("/ui/login", status_code=303)
    return request.app.state.templates.TemplateResponse(request, "stats.html", {"s": request.app.state.review.stats()})
