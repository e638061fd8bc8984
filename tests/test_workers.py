"""Several API workers over one store: a list change made through one is scored by every worker within 2 s."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import wait_until_serving

from feature_store import LibraryStore, bundled_lexicon, bundled_protection_list, read_brands, read_terms
from feature_store.review import ReviewStore

SEEN_WITHIN_S = 2.0


def _call(base: str, path: str, key: str | None = None, body: dict | None = None) -> dict:  # type: ignore[type-arg]
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {key}"} if key else {})
    request = urllib.request.Request(f"{base}{path}", data=None if body is None else json.dumps(body).encode(),
                                     headers=headers, method="GET" if body is None else "POST")
    with urllib.request.urlopen(request, timeout=30) as response:  # a new connection: any worker may answer
        return json.loads(response.read())


@pytest.mark.slow
def test_a_list_change_reaches_every_worker(tmp_path: Path, database_url: str) -> None:
    store = LibraryStore(database_url)
    store.import_brands(read_brands(bundled_protection_list()))
    store.import_terms(read_terms(bundled_lexicon()))
    review = ReviewStore(store)
    admin, submitter = review.create_key("w-admin", "admin"), review.create_key("w-platform", "submitter")
    store.close()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "IPWATCH_HOME": str(tmp_path / "home"), "IPWATCH_DATABASE_URL": database_url}
    server = subprocess.Popen([sys.executable, "-m", "ipwatch.cli", "serve", "--port", str(port), "--workers", "2",
                               "--no-access-log"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(server, base)
        workers: dict[int, str] = {}
        deadline = time.monotonic() + 120
        while len(workers) < 2:  # both workers up and answering
            assert time.monotonic() < deadline, f"only workers {sorted(workers)} answered"
            health = _call(base, "/healthz")
            workers[health["worker"]] = health["library_version"]
        old = set(workers.values())
        title = {"listings": [{"title": "Zorvandi 同款 高仿 运动鞋", "price": 99}]}
        assert all(r["brand_id"] != "zorvandi" for r in _call(base, "/v1/score", submitter, title)["results"])

        brand = {"id": "zorvandi", "names": {"en": ["Zorvandi"], "zh": ["佐凡迪"]}, "categories": ["shoes"]}
        changed = _call(base, "/v1/admin/brands", admin, {"brands": [brand]})
        changed_at = time.monotonic()
        new = changed["library_version"]
        assert new not in old
        current: dict[int, float] = {}
        while set(current) != set(workers):
            elapsed = time.monotonic() - changed_at
            assert elapsed < 30, f"workers still on the old list: {set(workers) - set(current)}"
            health = _call(base, "/healthz")
            if health["library_version"] == new:
                current.setdefault(health["worker"], elapsed)
        print(f"list change seen by workers after {sorted(round(s, 2) for s in current.values())} s")
        assert max(current.values()) <= SEEN_WITHIN_S, current
        for _ in range(10):  # and every worker now scores the new mark
            results = _call(base, "/v1/score", submitter, title)["results"]
            assert results[0]["brand_id"] == "zorvandi" and results[0]["flagged"]
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
