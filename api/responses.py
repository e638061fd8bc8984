"""JSON responses for bodies already built in their documented shape.

FastAPI validates a returned dict against the route's ``response_model`` and then serialises it: for a
queue page of 20 cases with their listings and results that is most of the request's time. Routes whose
bodies are built by the detector (``ScoreResult.to_dict``) or the review store in exactly that shape
return them through :func:`trusted_json` instead (the queue page comes from the store as JSON bytes,
``ReviewStore.queue_page_json``); the model stays on the route for the OpenAPI schema, and
tests/test_api.py checks the bodies against it.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Response


def trusted_json(content: Any) -> Response:
    """``content`` as compact UTF-8 JSON, not re-validated."""
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    return Response(body, media_type="application/json")
