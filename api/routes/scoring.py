"""POST /v1/score and POST /v1/listings: scoring, and intake into the review queue."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from detector import Listing

from ..deps import DetectorDep, ReviewDep, Submitter
from ..metrics import LISTINGS_SCORED
from ..responses import trusted_json
from ..schemas import ScoreRequest, ScoreResponse, SubmitRequest, SubmitResponse

router = APIRouter(prefix="/v1", tags=["scoring"])
INLINE_BATCH = 8


@router.post("/score", response_model=ScoreResponse, summary="Score 1 to 1,000 listings synchronously")
async def score(body: ScoreRequest, detector: DetectorDep, _who: Submitter) -> Response:
    listings = [Listing.model_construct(**item.model_dump()) for item in body.listings]  # validated as ListingIn

    def run() -> list[dict]:  # type: ignore[type-arg]
        return [r.to_dict(explain=True) for r in detector.score_many(listings)]

    # A few listings take well under a millisecond: scoring them on the event loop saves a thread
    # hand-off per request. Larger batches (or embeddings) go to the thread pool so others are not held up.
    results = run() if len(listings) <= INLINE_BATCH and detector.semantic is None else await run_in_threadpool(run)
    LISTINGS_SCORED.inc(len(results))
    return trusted_json({"results": results})  # built by the detector in the documented shape


@router.post("/listings", response_model=SubmitResponse, summary="Store and score listings into the review queue")
def submit(body: SubmitRequest, detector: DetectorDep, review: ReviewDep, who: Submitter) -> Response:
    records = [item.model_dump(exclude_none=True) for item in body.listings]
    results = [r.to_dict(explain=True) for r in detector.score_many(Listing.model_validate(x) for x in records)]
    stored = review.submit(list(zip(records, results, strict=True)), actor=who.name)
    LISTINGS_SCORED.inc(len(results))
    return trusted_json({"items": [
        {"listing_id": record["listing_id"], "case_id": s.case_id, "revision": s.revision, "created": s.created,
         "result": result}
        for record, result, s in zip(records, results, stored, strict=True)
    ]})
