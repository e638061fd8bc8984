"""The review queue: list, inspect and decide cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from feature_store.review import ReviewError, ReviewStore

from ..deps import ReviewDep, Reviewer, Viewer
from ..schemas import BulkDecisionIn, CaseId, CasePage, DecisionIn, DecisionOut, NoticeIn

router = APIRouter(prefix="/v1/cases", tags=["review"])


@router.get("", response_model=CasePage, summary="The queue, highest risk first, with cursor pagination")
def list_cases(
    review: ReviewDep,
    _who: Viewer,
    status: str | None = "open",
    brand_id: str | None = None,
    level: str | None = None,
    platform: str | None = None,
    seller_id: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    body = review.queue_page_json(status=None if status == "all" else status, brand_id=brand_id, level=level,
                                  platform=platform, seller_id=seller_id, cursor=cursor, limit=limit)
    return Response(body, media_type="application/json")  # CaseItem's shape, built by the store


@router.post("/decisions", summary="Decide several cases; each is checked and recorded on its own (409s reported)")
def decide_many(body: BulkDecisionIn, review: ReviewDep, who: Reviewer, request: Request) -> dict:  # type: ignore[type-arg]
    outcomes = []
    for item in body.decisions:
        try:
            outcome = _decide(request, review, item.case_id, item, who.name)
            outcomes.append({"status_code": 200, **outcome})
        except ReviewError as exc:
            outcomes.append({"status_code": exc.status, "id": item.case_id, "detail": str(exc)})
    return {"results": outcomes}


@router.post("/{case_id}/notice", summary="Notice, takedown and counter-notice states (15-day clock, art. 43)")
def notice(case_id: CaseId, body: NoticeIn, review: ReviewDep, who: Reviewer) -> dict:  # type: ignore[type-arg]
    return review.record_notice(case_id, body.action, body.note, actor=who.name)


@router.get("/{case_id}/notice", summary="The notice state and the counter-notice clock")
def notice_clock(case_id: CaseId, review: ReviewDep, _who: Viewer) -> dict:  # type: ignore[type-arg]
    return review.notice_clock(case_id)


@router.get("/{case_id}", summary="A case: listing, evidence, seller history, similar confirmed cases, audit trail")
def get_case(case_id: CaseId, review: ReviewDep, _who: Viewer) -> dict:  # type: ignore[type-arg]
    return review.get_case(case_id)


@router.post("/{case_id}/decision", response_model=DecisionOut,
             summary="Decide a case; a stale version gets 409 so reviewers never overwrite each other")
def decide(case_id: CaseId, body: DecisionIn, review: ReviewDep, who: Reviewer, request: Request) -> dict:  # type: ignore[type-arg]
    return _decide(request, review, case_id, body, who.name)


def _decide(request: Request, review: ReviewStore, case_id: int, body: DecisionIn, actor: str) -> dict:  # type: ignore[type-arg]
    """Record a decision; a confirmed counterfeit feeds the library (exemplar, variant proposals)."""
    outcome = review.decide(case_id, body.decision, body.note, body.version, actor=actor)
    if body.decision == "infringing":
        outcome["feedback"] = request.app.state.feedback.confirmed_counterfeit(review.get_case(case_id), actor)
    return outcome
