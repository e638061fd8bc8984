"""A plain ASGI middleware: refuse oversized bodies early, time every request for /metrics."""

from __future__ import annotations

import json
import time
from typing import Any

from .metrics import REQUESTS

Scope = dict[str, Any]


class LimitsAndTiming:
    """Cheaper than a BaseHTTPMiddleware: no extra task or body buffering per request."""

    def __init__(self, app: Any, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or ()).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            body = json.dumps({"detail": f"body of {int(length)} bytes exceeds the limit of {self.max_body}"}).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 413, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        started = time.perf_counter()
        status = [500]

        async def timed_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            route = scope.get("route")
            REQUESTS.labels(getattr(route, "path", "unmatched"), str(status[0])).observe(time.perf_counter() - started)
