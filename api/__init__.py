"""The HTTP API and review service (FastAPI); scoring logic stays in detector/."""

from .app import create_app

__all__ = ["create_app"]
