"""The triage page in Debian's Chromium against a real `ipwatch serve` on a free loopback port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import wait_until_serving

from feature_store import LibraryStore, bundled_lexicon, bundled_protection_list, read_brands, read_terms
from feature_store.review import ReviewStore


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A running service with a filled queue; yields (base URL, reviewer key)."""
    home = tmp_path / "home"
    store = LibraryStore(f"sqlite:///{home / 'ipwatch.db'}")
    store.import_brands(read_brands(bundled_protection_list()))
    store.import_terms(read_terms(bundled_lexicon()))
    review = ReviewStore(store)
    reviewer, submitter = review.create_key("rev-ui", "reviewer"), review.create_key("plat-ui", "submitter")
    store.close()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "IPWATCH_HOME": str(home)}
    env.pop("IPWATCH_DATABASE_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "ipwatch.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(server, base)
        listings = [
            {"listing_id": "u1", "platform": "taobao", "title": "耐克 AJ1 高仿 莆田", "seller_id": "shop-1"},
            {"listing_id": "u2", "platform": "taobao", "title": "奈克 气垫跑步鞋 男", "seller_id": "shop-1"},
            {"listing_id": "u3", "platform": "taobao", "title": "LV同款 老花 手提包", "seller_id": "shop-2"},
            {"listing_id": "u4", "platform": "taobao", "title": "男士 T恤 纯棉", "seller_id": "shop-3"},
        ]
        request = urllib.request.Request(f"{base}/v1/listings", data=json.dumps({"listings": listings}).encode(),
                                         headers={"Authorization": f"Bearer {submitter}",
                                                  "Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10)
        yield base, reviewer
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_triage_by_keyboard(browser, served) -> None:  # type: ignore[no-untyped-def]
    base, key = served
    page = browser.new_page()
    page.goto(f"{base}/ui")
    assert page.url.endswith("/ui/login")
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/ui")
    assert page.locator("#queue tbody tr[data-id]").count() == 4
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["ipwatch_session"]["httpOnly"] and cookies["ipwatch_session"]["sameSite"] == "Strict"

    page.fill("input[name=brand_id]", "nike")
    page.click("#apply")
    page.wait_for_load_state()
    rows = page.locator("#queue tbody tr[data-id]")
    assert rows.count() == 2
    assert page.locator("#queue mark").count() >= 2  # evidence spans highlighted
    first = rows.nth(0).get_attribute("data-id")
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("i")
    page.wait_for_function("document.querySelectorAll('#queue tbody tr[data-id]').length === 1")
    assert f"case {first}: infringing" in page.inner_text("#status")
    page.reload()
    assert page.locator(f"#queue tr[data-id='{first}']").count() == 0  # left the queue

    page.click("a.evidence")
    page.wait_for_load_state()
    assert "Evidence package" in page.inner_text("h1")
    assert "nike" in page.inner_text("main")
    page.goto(f"{base}/ui/stats")
    assert "Review statistics" in page.inner_text("h1")
    page.close()


def test_api_docs_render_offline(browser, served) -> None:  # type: ignore[no-untyped-def]
    """/docs draws every operation from packaged assets; any request off the machine is refused."""
    base, _key = served
    context = browser.new_context()
    outside: list[str] = []

    def only_loopback(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith(base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.goto(f"{base}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = set(page.locator(".opblock-summary-path").all_inner_texts())
    assert {"/v1/score", "/v1/listings", "/v1/cases/{case_id}/decision"} <= {p.replace("\u200b", "") for p in paths}
    assert outside == []
    context.close()
