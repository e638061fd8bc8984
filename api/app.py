"""The app factory: settings in, a FastAPI app out; no import-time globals."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from importlib import resources

import anyio
import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from feature_store.feedback import LibraryFeedback
from feature_store.review import ReviewError, ReviewStore
from ipwatch.heap import settle_heap
from ipwatch.running import library_store as open_library_store
from ipwatch.running import running_detector, warm_up
from ipwatch.settings import Settings

from .access import undeclared
from .deps import watch_library
from .limits import RateLimited, RateLimiter
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


DOCS_ASSETS = "/docs-assets"


def _offline_docs(app: FastAPI) -> None:
    """/docs from the Swagger UI files of an installed package, so the page works without internet."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title="ipwatch API",
                                   swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png")


def app_from_environment() -> FastAPI:
    """The app for process managers that import a factory (uvicorn --factory, several workers)."""
    return create_app(Settings())


def create_app(settings: Settings) -> FastAPI:
    """Build the API over the stores and the promoted model named by ``settings``."""
    library_store = open_library_store(settings)
    detector = running_detector(settings, library_store)
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        warm_up(detector)  # before the first request, not during it
        settle_heap()  # the loaded library out of the collector's full passes, which would stall requests
        # Sync routes (the database ones) run in a thread pool; a few threads share one GIL better than 40
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.resolved_api_threads
        app.state.watcher = asyncio.create_task(watch_library(app))  # a list change made through another worker
        yield
        app.state.closing = True
        app.state.watcher.cancel()
        with suppress(asyncio.CancelledError):
            await app.state.watcher
        app.state.watcher = None
        with app.state.reload_lock:  # a check or recompile still running in a thread ends before the store closes
            pass
        gc.unfreeze()
        library_store.close()

    # docs_url/redoc_url off: FastAPI's pages load Swagger UI and ReDoc from a CDN, blank offline.
    app = FastAPI(title="ipwatch", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Infringement detection for e-commerce listings: scoring, review queue, decisions.")
    app.state.settings = settings
    app.state.library_store = library_store
    app.state.review = ReviewStore(library_store)
    app.state.detector = detector
    app.state.next_version_check = 0.0
    app.state.reloading = False
    app.state.reload_lock = threading.Lock()
    app.state.closing = False  # set at shutdown: no version check starts after it
    app.state.watcher = None  # the lifespan's library watcher, while the app serves
    app.state.feedback = LibraryFeedback(library_store, settings.index_dir, settings.embedding_model)
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    max_body = settings.max_body_bytes

    app.add_middleware(LimitsAndTiming, max_body=max_body)

    @app.exception_handler(ReviewError)
    async def review_error(_request: Request, exc: ReviewError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    @app.exception_handler(RateLimited)
    async def rate_limited(_request: Request, exc: RateLimited) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=429, headers={"Retry-After": str(exc.retry_after)})

    app.openapi = lambda: _openapi_with_bearer(app)  # type: ignore[method-assign]
    app.state.templates = Jinja2Templates(directory=str(resources.files("api") / "templates"))
    _offline_docs(app)
    for router in (scoring.router, cases.router, enforcement.router, admin.router, health.router, ui.router):
        app.include_router(router)
    missing = undeclared(app)
    if missing:
        raise RuntimeError(f"routes without an access rule in api/access.py: {missing}")
    return app
