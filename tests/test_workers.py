"""Several API workers over one store: a list change made through one is scored by every worker.

How soon is a speed figure, measured by ``ipwatch bench --suite list_change`` beside its 2 s limit, not here."""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import wait_until_serving

from feature_store import LibraryStore, bundled_lexicon, bundled_protection_list, read_brands, read_terms
from feature_store.review import ReviewStore


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
        for _ in range(10):  # and every worker now scores the new mark
            results = _call(base, "/v1/score", submitter, title)["results"]
            assert results[0]["brand_id"] == "zorvandi" and results[0]["flagged"]
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def _serve(tmp_path: Path, database_url: str, stderr: int = subprocess.DEVNULL) -> tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "IPWATCH_HOME": str(tmp_path / "home"), "IPWATCH_DATABASE_URL": database_url}
    server = subprocess.Popen([sys.executable, "-m", "ipwatch.cli", "serve", "--port", str(port), "--workers", "2",
                               "--no-access-log"], env=env, stdout=subprocess.DEVNULL, stderr=stderr,
                              start_new_session=True)
    return server, f"http://127.0.0.1:{port}"


@pytest.mark.slow
def test_connections_opened_at_once_spread_over_the_workers(tmp_path: Path) -> None:
    """16 keep-alive connections opened together (a connection pool, a load generator) are shared evenly:
    a worker accepts only while it holds no more connections than the other."""
    import http.client

    server, base = _serve(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        wait_until_serving(server, base)
        seen: set[int] = set()
        deadline = time.monotonic() + 120
        while len(seen) < 2:  # both workers up (they start in turn)
            assert time.monotonic() < deadline, "the second worker never answered"
            seen.add(_call(base, "/healthz")["worker"])
        port = int(base.rsplit(":", 1)[1])
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(16)]
        for connection in connections:
            connection.connect()
        by_connection = []
        for _ in range(3):  # each connection keeps its worker
            for connection in connections:
                connection.request("GET", "/healthz")
                by_connection.append(json.loads(connection.getresponse().read())["worker"])
        assert set(by_connection) == seen, f"16 connections reached only {set(by_connection)}"
        per_worker = [by_connection[:16].count(worker) for worker in seen]
        assert max(per_worker) - min(per_worker) <= 2, f"16 connections split {per_worker}"
        assert by_connection[:16] * 3 == by_connection, "a connection changed worker"
        for connection in connections:
            connection.close()
        for _ in range(50):  # clients that reset before or while being accepted leave both acceptors running
            with socket.create_connection(("127.0.0.1", port)) as reset:
                reset.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        after = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(16)]
        for connection in after:  # held open together: the turns share them between both workers
            connection.connect()
        answered = []
        for connection in after:
            connection.request("GET", "/healthz")
            answered.append(json.loads(connection.getresponse().read())["worker"])
        for connection in after:
            connection.close()
        assert set(answered) == seen, f"after 50 resets only {set(answered)} answered"
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_takes_its_share_of_connections(tmp_path: Path) -> None:
    """kill -9 one worker while it holds connections: a new worker starts, and connections opened after
    that are shared evenly between it and the survivor (the dead worker's count is not left behind)."""
    import http.client
    import signal

    server, base = _serve(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    port = int(base.rsplit(":", 1)[1])

    def workers_of(connections: list[http.client.HTTPConnection]) -> list[int]:
        answered = []
        for connection in connections:
            connection.request("GET", "/healthz")
            answered.append(json.loads(connection.getresponse().read())["worker"])
        return answered

    try:
        wait_until_serving(server, base)
        first = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(8)]
        deadline = time.monotonic() + 120
        while len(set(workers_of(first))) < 2:  # both workers up (they start in turn)
            assert time.monotonic() < deadline, "the second worker never answered"
            for connection in first:
                connection.close()
            first = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(8)]
        victim = workers_of(first)[0]
        os.kill(victim, signal.SIGKILL)
        for connection in first:
            connection.close()
        deadline = time.monotonic() + 120
        while True:  # a new worker answers beside the survivor
            assert time.monotonic() < deadline, "no worker replaced the killed one"
            probe = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(4)]
            try:
                seen = set(workers_of(probe))
            except (ConnectionError, http.client.HTTPException):
                seen = set()
            for connection in probe:
                connection.close()
            if len(seen) == 2 and victim not in seen:
                break
            time.sleep(0.5)
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(16)]
        for connection in connections:
            connection.connect()
        answered = workers_of(connections)
        per_worker = [answered.count(worker) for worker in set(answered)]
        assert len(per_worker) == 2 and max(per_worker) - min(per_worker) <= 2, f"16 connections split {per_worker}"
        for connection in connections:
            connection.close()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def test_serve_refuses_a_port_in_use_and_a_store_it_cannot_open(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        env = {**os.environ, "IPWATCH_HOME": str(tmp_path / "home")}
        ran = subprocess.run([sys.executable, "-m", "ipwatch.cli", "serve", "--port", str(port), "--workers", "2"],
                             env=env, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 1 and f"port {port}" in ran.stderr and "in use" in ran.stderr
    # a database no one can open: said once, before any worker starts (and none is restarted in a loop)
    server, _ = _serve(tmp_path, "postgresql://nobody@127.0.0.1:1/none", stderr=subprocess.PIPE)
    _, stderr = server.communicate(timeout=120)
    assert server.returncode == 1 and b"cannot open the store" in stderr and b"worker" not in stderr
