"""Liveness and Prometheus metrics."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..deps import get_detector
from ..metrics import REGISTRY

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness, with the library and model versions in use")
async def healthz(request: Request) -> dict:  # type: ignore[type-arg]
    detector = await get_detector(request)  # a list change made elsewhere shows here within a second
    return {"status": "ok", "library_version": detector.library.version, "model_version": detector.model_version,
            "worker": os.getpid()}


@router.get("/metrics", summary="Prometheus metrics")
def metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
