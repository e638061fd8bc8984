"""Shared fixtures: the bundled library compiled once, real SQLite files, PostgreSQL by URL."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from detector import Brand, Detector, LexiconTerm, Library, Listing, ScoreResult
from feature_store import bundled_lexicon, bundled_protection_list, read_brands, read_terms

POSTGRES_ENV = "IPWATCH_TEST_DATABASE_URL"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]



@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does it)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()



@pytest.fixture(scope="session")
def bundled_brands() -> list[Brand]:
    return read_brands(bundled_protection_list())


@pytest.fixture(scope="session")
def bundled_terms() -> list[LexiconTerm]:
    return read_terms(bundled_lexicon())


@pytest.fixture(scope="session")
def library(bundled_brands: list[Brand], bundled_terms: list[LexiconTerm]) -> Library:
    return Library.compile(bundled_brands, bundled_terms)


@pytest.fixture(scope="session")
def detector(library: Library) -> Detector:
    return Detector(library)


@pytest.fixture
def score(detector: Detector):  # type: ignore[no-untyped-def]
    """Score a title (with optional listing fields) against the bundled library."""

    def run(title: str, **fields: object) -> ScoreResult:
        return detector.score(Listing(title=title, **fields))  # type: ignore[arg-type]

    return run


def _postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV)


def _postgres_schema_url(base: str) -> Iterator[str]:
    """A fresh schema on the test server, dropped afterwards; the URL points its search_path there."""
    from sqlalchemy import text

    from feature_store import make_engine

    schema = f"ipwatch_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - the reason goes into the skip message
        admin.dispose()
        pytest.skip(f"PostgreSQL at {base} is not reachable: {exc.__class__.__name__}")
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A real database: a SQLite file in tmp_path, and PostgreSQL when IPWATCH_TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ipwatch.db'}"
        return
    base = _postgres_url()
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set: no PostgreSQL server to test against")
    yield from _postgres_schema_url(base)


@pytest.fixture
def cli_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """Environment for one CLI invocation: its own IPWATCH_HOME and database."""
    return {"IPWATCH_HOME": str(tmp_path / "home"), "IPWATCH_DATABASE_URL": database_url}


@pytest.fixture
def cli(cli_env: dict[str, str]):  # type: ignore[no-untyped-def]
    """Invoke ``ipwatch`` in-process with CliRunner against a real store."""
    from ipwatch.cli import main

    runner = CliRunner()

    def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), env=cli_env, input=input, catch_exceptions=False)

    return run


def wait_until_serving(server: subprocess.Popen, base: str, timeout: float = 120.0) -> None:  # type: ignore[type-arg]
    """Wait for a real `ipwatch serve` to answer /healthz; its start-up compiles the library, slow under load."""
    deadline = time.monotonic() + timeout
    while True:
        assert server.poll() is None, "ipwatch serve exited before it answered"
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            return
        except OSError:
            assert time.monotonic() < deadline, f"ipwatch serve did not answer /healthz in {timeout:.0f} s"
            time.sleep(0.1)
