"""Prometheus metrics of one app (a registry per app, so tests can build many)."""

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry()
REQUESTS = Histogram("ipwatch_request_seconds", "HTTP request latency", ["route", "status"], registry=REGISTRY)
LISTINGS_SCORED = Counter("ipwatch_listings_scored", "Listings scored through the API", registry=REGISTRY)
