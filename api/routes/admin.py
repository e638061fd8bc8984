"""Admin: the protection list, the lexicon and API keys, with the same validation as the CLI."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from pydantic import ValidationError

from detector import Brand, LexiconTerm
from feature_store.review import Principal

from ..deps import ReviewDep, reload_detector, require
from ..schemas import KeyIn

router = APIRouter(prefix="/v1/admin", tags=["admin"])
Admin = Annotated[Principal, Depends(require("admin"))]


def _validate(model: type[Brand] | type[LexiconTerm], records: list[dict[str, Any]], key: str) -> list[Any]:
    out = []
    for number, record in enumerate(records, start=1):
        try:
            out.append(model.model_validate(record))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            label = f"record {number}" + (f" ({key} {record.get(key)!r})" if isinstance(record, dict) else "")
            raise HTTPException(422, f"{label}: field '{field}': {first['msg']}") from exc
    return out


def _reload(request: Request) -> str:
    """Recompile the library this worker's detector uses, so a new mark is protected at once (the other
    workers notice the new version within a second, ``api.deps.watch_library``)."""
    return reload_detector(request.app)


@router.get("/brands")
def list_brands(request: Request, _who: Admin) -> dict:  # type: ignore[type-arg]
    return {"brands": [b.model_dump(mode="json") for b in request.app.state.library_store.brands()]}


@router.post("/brands", summary="Create or update brands (merged by id); refused whole on a bad record")
def upsert_brands(request: Request, _who: Admin, body: Annotated[dict[str, list[dict[str, Any]]], Body()]) -> dict:  # type: ignore[type-arg]
    brands = _validate(Brand, body.get("brands", []), "id")
    if not brands:
        raise HTTPException(422, "brands: at least one brand is required")
    report = request.app.state.library_store.import_brands(brands, note="admin API")
    return {"added": report.added, "updated": report.updated, "library_version": _reload(request)}


@router.post("/lexicon", summary="Create or update lexicon terms (merged by term); refused whole on a bad record")
def upsert_terms(request: Request, _who: Admin, body: Annotated[dict[str, list[dict[str, Any]]], Body()]) -> dict:  # type: ignore[type-arg]
    terms = _validate(LexiconTerm, body.get("terms", []), "term")
    if not terms:
        raise HTTPException(422, "terms: at least one term is required")
    report = request.app.state.library_store.import_terms(terms, note="admin API")
    return {"added": report.added, "updated": report.updated, "library_version": _reload(request)}


@router.get("/lexicon")
def list_terms(request: Request, _who: Admin) -> dict:  # type: ignore[type-arg]
    return {"terms": [t.model_dump(mode="json") for t in request.app.state.library_store.terms()]}


@router.post("/keys", summary="Create an API key (shown once)")
def create_key(body: KeyIn, review: ReviewDep, _who: Admin) -> dict:  # type: ignore[type-arg]
    return {"name": body.name, "role": body.role, "key": review.create_key(body.name, body.role)}


@router.delete("/keys/{name}", summary="Revoke an API key")
def revoke_key(name: str, review: ReviewDep, who: Admin) -> dict:  # type: ignore[type-arg]
    review.revoke_key(name, actor=who.name)
    return {"revoked": name}
