"""Hostile input: schemathesis against a real `ipwatch serve`, and properties of the detector on any text."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import pytest
from conftest import wait_until_serving
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detector import Detector, Listing
from feature_store import LibraryStore, bundled_lexicon, bundled_protection_list, read_brands, read_terms
from feature_store.review import ReviewStore

REQUESTS_AT_LEAST = 10_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def fuzzed_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real server on loopback with the bundled list, a few cases and an admin key (every route's role)."""
    home = tmp_path_factory.mktemp("fuzz")
    store = LibraryStore(f"sqlite:///{home / 'ipwatch.db'}")
    store.import_brands(read_brands(bundled_protection_list()))
    store.import_terms(read_terms(bundled_lexicon()))
    review = ReviewStore(store)
    key = review.create_key("fuzz-admin-7f3c", "admin")
    review.submit([({"listing_id": f"f{i}", "title": f"耐克 高仿 {i}", "seller_id": "s1"},
                    {"risk": 0.9, "level": "high", "brand_id": "nike"}) for i in range(5)], actor="seed")
    store.close()
    port = _free_port()
    env = {**os.environ, "IPWATCH_HOME": str(home), "IPWATCH_RATE_LIMIT_PER_SECOND": "0"}
    env.pop("IPWATCH_DATABASE_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "ipwatch.cli", "serve", "--port", str(port), "--no-access-log"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(server, base)
        yield base, key
    finally:
        server.terminate()
        server.wait(timeout=20)


def _served_counts(base: str) -> dict[str, int]:
    """Requests the server answered, by status class, from its own Prometheus metrics."""
    text = urllib.request.urlopen(f"{base}/metrics", timeout=10).read().decode()
    counts: dict[str, int] = {}
    for line in text.splitlines():
        if line.startswith("ipwatch_request_seconds_count"):
            status = line.split('status="')[1].split('"')[0]
            counts[status[0] + "xx"] = counts.get(status[0] + "xx", 0) + int(float(line.rsplit(" ", 1)[1]))
    return counts


def test_schemathesis_finds_no_server_error(fuzzed_service: tuple[str, str]) -> None:
    """≥ 10,000 generated requests over every operation of the OpenAPI schema: no 5xx, every 4xx a JSON error."""
    import schemathesis
    from schemathesis.checks import not_a_server_error

    base, key = fuzzed_service
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17
    per_operation = REQUESTS_AT_LEAST // len(operations) + 20
    bad: list[str] = []
    before = sum(_served_counts(base).values())

    for operation in operations:
        @settings(max_examples=per_operation, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def fuzz(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
            case.validate_response(response, checks=[not_a_server_error])
            if 400 <= response.status_code < 500 and response.status_code != 404:
                detail = response.json().get("detail")
                assert detail, f"{case.method} {case.path}: {response.status_code} without a detail"
                if response.status_code == 422 and isinstance(detail, list):
                    assert all(item.get("loc") for item in detail), f"422 not naming the field: {detail}"

        try:
            fuzz()
        except Exception as exc:  # noqa: BLE001 - collected so one operation's failure does not hide others
            bad.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:400]}")
    counts = _served_counts(base)
    print(f"schemathesis: {sum(counts.values()) - before} requests served, by class {counts}")
    assert bad == [], "\n".join(bad)
    assert counts.get("5xx", 0) == 0, counts
    assert sum(counts.values()) - before >= REQUESTS_AT_LEAST, counts


@pytest.fixture(scope="module")
def bundled_detector(library) -> Detector:  # type: ignore[no-untyped-def]
    return Detector(library)


@settings(max_examples=1500, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(min_size=1, max_size=300),
       price=st.one_of(st.none(), st.floats(min_value=0, max_value=1e12, allow_nan=False)))
def test_the_detector_never_raises_and_every_span_indexes_the_title(bundled_detector: Detector, title: str,
                                                                     price: float | None) -> None:
    result = bundled_detector.score(Listing(title=title, price=price))
    assert 0.0 <= result.risk <= 1.0
    for reason in result.reasons:
        if reason.span is not None:
            start, end = reason.span
            assert 0 <= start < end <= len(title), (title, reason)


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(brand=st.sampled_from(["耐克", "Nike", "LV", "路易威登", "Gucci", "香奈儿", "Apple"]),
       noise=st.text(alphabet=st.characters(codec="utf-8"), max_size=6), before=st.text(max_size=20),
       after=st.text(max_size=20))
def test_spans_hold_around_brand_names_in_any_unicode(bundled_detector: Detector, brand: str, noise: str,
                                                      before: str, after: str) -> None:
    """Names wrapped in arbitrary Unicode (combining marks, full-width forms, zero-width, surrogate-free)."""
    title = f"{before}{brand}{noise}{after}"
    result = bundled_detector.score(Listing(title=title))
    for reason in result.reasons:
        if reason.span is not None:
            start, end = reason.span
            assert 0 <= start < end <= len(title), (title, reason)
