"""``ipwatch bench --suite api``: POST /v1/score latency at 16 concurrent clients on loopback."""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from feature_store import LibraryStore, bundled_lexicon, bundled_protection_list, read_brands, read_terms
from feature_store.review import ReviewStore

CLIENTS = 16
REQUESTS_PER_CLIENT = 150
API_P50_LIMIT_MS = 10.0
API_P99_LIMIT_MS = 50.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def api_suite(_store: LibraryStore, _size: int, progress: bool) -> dict[str, Any]:
    """A real `ipwatch serve` in its own home with the bundled list; clients on keep-alive connections."""
    say = print if progress else (lambda *_a, **_k: None)
    with tempfile.TemporaryDirectory() as home:
        store = LibraryStore(f"sqlite:///{home}/ipwatch.db")
        store.import_brands(read_brands(bundled_protection_list()))
        store.import_terms(read_terms(bundled_lexicon()))
        key = ReviewStore(store).create_key("bench", "submitter")
        store.close()
        port = _free_port()
        env = {**os.environ, "IPWATCH_HOME": home}
        env.pop("IPWATCH_DATABASE_URL", None)
        server = subprocess.Popen([sys.executable, "-m", "ipwatch.cli", "serve", "--port", str(port),
                                   "--no-access-log"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait(port)
            body = json.dumps({"listings": [{"title": "耐克 AJ1 高仿 莆田 男鞋", "price": 199}]}).encode()
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            say(f"api: warming up, then {CLIENTS} clients x {REQUESTS_PER_CLIENT} requests")
            _client(port, body, headers, 50, [])
            latencies: list[float] = []
            lock = threading.Lock()

            def run() -> None:
                mine: list[float] = []
                _client(port, body, headers, REQUESTS_PER_CLIENT, mine)
                with lock:
                    latencies.extend(mine)

            started = time.perf_counter()
            threads = [threading.Thread(target=run) for _ in range(CLIENTS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=10)
    latencies.sort()
    return {
        "api_clients": CLIENTS,
        "api_requests": len(latencies),
        "api_p50_ms": round(statistics.median(latencies) * 1000, 2),
        "api_p50_limit_ms": API_P50_LIMIT_MS,
        "api_p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))] * 1000, 2),
        "api_p99_limit_ms": API_P99_LIMIT_MS,
        "api_requests_per_s": round(len(latencies) / elapsed),
    }


def _wait(port: int) -> None:
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the API server did not start")


def _client(port: int, body: bytes, headers: dict[str, str], count: int, out: list[float]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for _ in range(count):
            started = time.perf_counter()
            connection.request("POST", "/v1/score", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"POST /v1/score answered {response.status}")
            out.append(time.perf_counter() - started)
    finally:
        connection.close()
