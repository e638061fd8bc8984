"""POST /v1/score and POST /v1/listings: scoring, and intake into the review queue."""

from __future__ import annotations

from fastapi import APIRouter

from detector import Listing

from ..deps import DetectorDep, ReviewDep, Submitter
from ..metrics import LISTINGS_SCORED
from ..schemas import ScoreRequest, ScoreResponse, SubmitRequest, SubmitResponse

router = APIRouter(prefix="/v1", tags=["scoring"])


@router.post("/score", response_model=ScoreResponse, summary="Score 1 to 1,000 listings synchronously")
def score(body: ScoreRequest, detector: DetectorDep, _who: Submitter) -> dict:  # type: ignore[type-arg]
    listings = [Listing.model_validate(item.model_dump()) for item in body.listings]
    results = [r.to_dict(explain=True) for r in detector.score_many(listings)]
    LISTINGS_SCORED.inc(len(results))
    return {"results": results}


@router.post("/listings", response_model=SubmitResponse, summary="Store and score listings into the review queue")
def submit(body: SubmitRequest, detector: DetectorDep, review: ReviewDep, who: Submitter) -> dict:  # type: ignore[type-arg]
    records = [item.model_dump(exclude_none=True) for item in body.listings]
    results = [r.to_dict(explain=True) for r in detector.score_many(Listing.model_validate(x) for x in records)]
    for record, result in zip(records, results, strict=True):
        result["title"] = record["title"]
    stored = review.submit(list(zip(records, results, strict=True)), actor=who.name)
    LISTINGS_SCORED.inc(len(results))
    return {"items": [
        {"listing_id": record["listing_id"], "case_id": s.case_id, "revision": s.revision, "created": s.created,
         "result": result}
        for record, result, s in zip(records, results, stored, strict=True)
    ]}
