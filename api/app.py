"""The app factory: settings in, a FastAPI app out; no import-time globals."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.templating import Jinja2Templates

from detector import Detector
from feature_store import LibraryStore
from feature_store.feedback import LibraryFeedback
from feature_store.review import ReviewError, ReviewStore
from feature_store.semantic import load_semantic_stage
from ipwatch.settings import Settings
from models import ModelRegistry

from .metrics import REQUESTS
from .routes import admin, cases, enforcement, health, scoring, ui


def app_from_environment() -> FastAPI:
    """The app for process managers that import a factory (uvicorn --factory, several workers)."""
    return create_app(Settings())


def create_app(settings: Settings) -> FastAPI:
    """Build the API over the stores and the promoted model named by ``settings``."""
    library_store = LibraryStore(settings.resolved_database_url, cache_dir=settings.cache_dir)
    model = ModelRegistry(settings.models_dir).load_promoted()
    semantic = load_semantic_stage(library_store, settings.index_dir, settings.embedding_model,
                                   settings.faiss_approximate_above)
    detector = Detector(library_store.load_library(), settings.flag_threshold, settings.default_currency, model=model,
                        semantic=semantic)
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        library_store.close()

    app = FastAPI(title="ipwatch", version="0.1.0", lifespan=lifespan,
                  description="Infringement detection for e-commerce listings: scoring, review queue, decisions.")
    app.state.settings = settings
    app.state.library_store = library_store
    app.state.review = ReviewStore(library_store)
    app.state.detector = detector
    app.state.feedback = LibraryFeedback(library_store, settings.index_dir, settings.embedding_model)
    max_body = settings.max_body_bytes

    @app.middleware("http")
    async def limits_and_timing(request: Request, call_next):  # type: ignore[no-untyped-def]
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > max_body:
            return JSONResponse({"detail": f"body of {length} bytes exceeds the limit of {max_body}"}, status_code=413)
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        REQUESTS.labels(getattr(route, "path", "unmatched"), str(response.status_code)).observe(
            time.perf_counter() - started)
        return response

    @app.exception_handler(ReviewError)
    async def review_error(_request: Request, exc: ReviewError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    app.state.templates = Jinja2Templates(directory=str(resources.files("api") / "templates"))
    for router in (scoring.router, cases.router, enforcement.router, admin.router, health.router, ui.router):
        app.include_router(router)
    return app
