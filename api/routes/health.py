"""Liveness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..metrics import REGISTRY

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness, with the library and model versions in use")
def healthz(request: Request) -> dict:  # type: ignore[type-arg]
    detector = request.app.state.detector
    return {"status": "ok", "library_version": detector.library.version, "model_version": detector.model_version}


@router.get("/metrics", summary="Prometheus metrics")
def metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
