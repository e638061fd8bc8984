"""Evidence packages for takedown notices, the repeat-infringer view and review statistics."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response

from ..deps import ReviewDep, Viewer
from ..highlight import highlight
from ..schemas import CaseId

router = APIRouter(prefix="/v1", tags=["enforcement"])


def evidence_package(request: Request, case: dict[str, Any]) -> dict[str, Any]:
    """Everything a notice needs, reproducible from stored evidence."""
    result, listing = case["result"], case["listing"]
    store = request.app.state.library_store
    brand = next((b for b in store.brands() if b.id == result.get("brand_id")), None)
    package = {
        "case_id": case["id"],
        "status": case["status"],
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "listing": listing,
        "revision": case["revision"],
        "crawl": {"crawled_at": listing.get("crawled_at"), "url": listing.get("url"),
                  "page_hash": listing.get("page_hash")},
        "mark": None if brand is None else {
            "brand_id": brand.id, "names": brand.names.model_dump(), "owner": brand.owner,
            "registration": brand.registration, "tier": brand.tier},
        "risk": result.get("risk"),
        "level": result.get("level"),
        "reasons": result.get("reasons", []),
        "library_version": result.get("library_version"),
        "model_version": result.get("model_version"),
        "decision_trail": case.get("audit", []),
    }
    canonical = json.dumps(package | {"generated_at": None}, ensure_ascii=False, sort_keys=True)
    package["package_sha256"] = hashlib.sha256(canonical.encode()).hexdigest()
    # The audit log's head when the package was made: `ipwatch audit verify` later shows the trail it quotes
    # is still in an unbroken chain up to this row. Like generated_at, outside the reproducible hash.
    package["audit_chain_head"] = request.app.state.review.audit_head()
    return package


@router.get("/cases/{case_id}/evidence", summary="Evidence package of a case (JSON, or ?format=html to print)")
def evidence(case_id: CaseId, request: Request, review: ReviewDep, _who: Viewer, format: str = "json"):  # type: ignore[no-untyped-def]  # noqa: A002
    package = evidence_package(request, review.get_case(case_id))
    return package if format != "html" else evidence_page(request, package)


def evidence_page(request: Request, package: dict[str, Any]) -> Response:
    """The package as a printable page, the evidence spans marked in the title."""
    return request.app.state.templates.TemplateResponse(request, "evidence.html", {
        "p": package, "title_html": highlight(package["listing"]["title"], package["reasons"])})


@router.get("/sellers/{seller_id}", summary="Repeat-infringer view of a seller")
def seller(seller_id: str, review: ReviewDep, _who: Viewer) -> dict:  # type: ignore[type-arg]
    return review.seller_view(seller_id)


@router.get("/stats", summary="Queue by level, decisions per day, reviewer-judged precision, time to decision")
def stats(review: ReviewDep, _who: Viewer) -> dict:  # type: ignore[type-arg]
    return review.stats()
