"""The app factory: settings in, a FastAPI app out; no import-time globals."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.templating import Jinja2Templates

from feature_store.feedback import LibraryFeedback
from feature_store.review import ReviewError, ReviewStore
from ipwatch.heap import settle_heap
from ipwatch.running import library_store as open_library_store
from ipwatch.running import running_detector
from ipwatch.settings import Settings

from .middleware import LimitsAndTiming
from .routes import admin, cases, enforcement, health, scoring, ui


def _openapi_with_bearer(app: FastAPI) -> dict:  # type: ignore[type-arg]
    """The OpenAPI document, declaring the bearer API keys every /v1 route takes."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schema.setdefault("components", {})["securitySchemes"] = {
            "apiKey": {"type": "http", "scheme": "bearer", "description": "A key from `ipwatch keys create`."}}
        schema["security"] = [{"apiKey": []}]
        app.openapi_schema = schema
    return app.openapi_schema


def app_from_environment() -> FastAPI:
    """The app for process managers that import a factory (uvicorn --factory, several workers)."""
    return create_app(Settings())


def create_app(settings: Settings) -> FastAPI:
    """Build the API over the stores and the promoted model named by ``settings``."""
    library_store = open_library_store(settings)
    detector = running_detector(settings, library_store)
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        settle_heap()  # the loaded library out of the collector's full passes, which would stall requests
        yield
        gc.unfreeze()
        library_store.close()

    app = FastAPI(title="ipwatch", version="0.1.0", lifespan=lifespan,
                  description="Infringement detection for e-commerce listings: scoring, review queue, decisions.")
    app.state.settings = settings
    app.state.library_store = library_store
    app.state.review = ReviewStore(library_store)
    app.state.detector = detector
    app.state.feedback = LibraryFeedback(library_store, settings.index_dir, settings.embedding_model)
    max_body = settings.max_body_bytes

    app.add_middleware(LimitsAndTiming, max_body=max_body)

    @app.exception_handler(ReviewError)
    async def review_error(_request: Request, exc: ReviewError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    app.openapi = lambda: _openapi_with_bearer(app)  # type: ignore[method-assign]
    app.state.templates = Jinja2Templates(directory=str(resources.files("api") / "templates"))
    for router in (scoring.router, cases.router, enforcement.router, admin.router, health.router, ui.router):
        app.include_router(router)
    return app
