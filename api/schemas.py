"""Wire shapes of the HTTP API, kept apart from the domain records."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_LISTINGS = 1000
MAX_BATCH_CHARS = 2_000_000  # titles and descriptions of one request together: bounded work per request
ID_MAX = 2**31 - 1  # ids and versions are 32-bit integer columns on PostgreSQL

CaseId = Annotated[int, Path(ge=1, le=ID_MAX, description="A case id.")]


class ListingIn(BaseModel):
    """A listing as a client sends it (the DESIGN.md contract); unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    listing_id: str | None = Field(default=None, max_length=200)
    platform: str | None = Field(default=None, max_length=64)
    title: str = Field(min_length=1, max_length=2000)
    description: str | None = Field(default=None, max_length=20000)
    price: float | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, max_length=8)
    seller_id: str | None = Field(default=None, max_length=200)
    seller_name: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=2000)
    category: str | None = Field(default=None, max_length=64)
    image_urls: list[str] = Field(default_factory=list, max_length=50)
    crawled_at: str | None = None


class StoredListingIn(ListingIn):
    listing_id: str = Field(min_length=1, max_length=200)


class _Batch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    listings: list[ListingIn]

    @model_validator(mode="after")
    def _bounded_text(self) -> _Batch:
        total = sum(len(item.title) + len(item.description or "") for item in self.listings)
        if total > MAX_BATCH_CHARS:
            raise ValueError(f"listings: titles and descriptions total {total} characters, more than the "
                             f"{MAX_BATCH_CHARS} one request may carry; split the batch")
        return self


class ScoreRequest(_Batch):
    listings: list[ListingIn] = Field(min_length=1, max_length=MAX_LISTINGS)


class SubmitRequest(_Batch):
    listings: list[StoredListingIn] = Field(min_length=1, max_length=MAX_LISTINGS)  # type: ignore[assignment]


class ReasonOut(BaseModel):
    signal: str
    text: str
    span: list[int] | None = None
    weight: float
    brand_id: str | None = None
    detail: str | None = None


class ScoreResultOut(BaseModel):
    listing_id: str | None
    risk: float
    flagged: bool
    level: str
    brand_id: str | None
    reasons: list[ReasonOut]
    library_version: str
    model_version: str


class ScoreResponse(BaseModel):
    results: list[ScoreResultOut]


class SubmittedOut(BaseModel):
    listing_id: str
    case_id: int
    revision: int
    created: bool
    result: ScoreResultOut


class SubmitResponse(BaseModel):
    items: list[SubmittedOut]


class CaseItem(BaseModel):
    id: int
    version: int
    status: str
    risk: float
    level: str
    brand_id: str | None
    revision: int
    listing: dict[str, Any]
    result: dict[str, Any]


class CasePage(BaseModel):
    items: list[CaseItem]
    next_cursor: str | None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["infringing", "not_infringing", "needs_info"]
    note: str | None = Field(default=None, max_length=5000)
    version: int = Field(ge=1, le=ID_MAX)


class BulkDecisionItem(DecisionIn):
    case_id: int = Field(ge=1, le=ID_MAX)


class BulkDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decisions: list[BulkDecisionItem] = Field(min_length=1, max_length=500)


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["notice_sent", "taken_down", "counter_notice", "complaint_filed", "restored"]
    note: str | None = Field(default=None, max_length=5000)


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    role: Literal["submitter", "reviewer", "analyst", "admin"]


class DecisionOut(BaseModel):
    id: int
    version: int
    status: str
    feedback: dict[str, Any] | None = None
