"""``ipwatch serve --workers N``: N uvicorn workers on one port, each with its own listening socket.

uvicorn's own supervisor gives every worker the one socket its parent bound. Whichever worker wakes
first accepts every connection waiting, so a client that opens its connections at once (a platform's
connection pool, a load generator) can find all of them on one worker while the others idle: measured
here, 16 keep-alive connections on 2 workers left one at 100% of a core and the other at 0.1%. Each
worker here binds the port itself with SO_REUSEPORT, and the kernel spreads new connections across
the workers' sockets.

The supervisor starts the workers, restarts one that dies after it has served, stops them all on
SIGINT or SIGTERM, and gives up (exit 1) when a worker dies while starting, which is a configuration
error that restarting would only repeat.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from typing import Any

log = logging.getLogger("ipwatch.serve")

APP_FACTORY = "api.app:app_from_environment"
BACKLOG = 2048
POLL_SECONDS = 0.5
STOP_SECONDS = 30.0


class ServeError(RuntimeError):
    """The workers cannot serve: the port is taken or a worker failed to start."""


def _socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    return sock


def check_port(host: str, port: int) -> None:
    """Refuse a port another server already listens on (SO_REUSEPORT would otherwise share it with it)."""
    probe_host = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    try:
        with socket.create_connection((probe_host, port), timeout=1.0):
            raise ServeError(f"port {port} on {host} is already in use by another server")
    except OSError:
        pass  # nothing answers: free, or bound by someone who does not listen (the bind below tells)
    sock = _socket(host, port)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise ServeError(f"cannot bind {host}:{port}: {exc.strerror or exc}") from exc
    finally:
        sock.close()


def _worker(host: str, port: int, access_log: bool, ready: Any) -> None:
    """One worker process: its own socket on the shared port, one uvicorn server over the app."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                ready.set()  # the app is built (library compiled) and the socket listens

    sock = _socket(host, port)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    config = uvicorn.Config(APP_FACTORY, factory=True, log_level="info", access_log=access_log)
    Server(config).run(sockets=[sock])


def run_workers(host: str, port: int, workers: int, access_log: bool) -> None:
    """Serve with ``workers`` processes until SIGINT or SIGTERM; raises ServeError when they cannot serve."""
    check_port(host, port)
    spawn = multiprocessing.get_context("spawn")
    stopping = False

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}

    def start(slot: int) -> tuple[Any, Any]:
        ready = spawn.Event()
        process = spawn.Process(target=_worker, args=(host, port, access_log, ready), name=f"ipwatch-worker-{slot}")
        process.start()
        log.info("worker %d started (pid %s)", slot, process.pid)
        return process, ready

    running = [start(slot) for slot in range(workers)]
    failure: str | None = None
    try:
        while not stopping and failure is None:
            time.sleep(POLL_SECONDS)
            for slot, (process, ready) in enumerate(running):
                if process.is_alive() or stopping:
                    continue
                if not ready.is_set():
                    failure = f"worker {slot} (pid {process.pid}) exited with {process.exitcode} while starting"
                    break
                log.warning("worker %d (pid %s) exited with %s; starting another", slot, process.pid,
                            process.exitcode)
                running[slot] = start(slot)
    finally:
        for process, _ in running:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + STOP_SECONDS
        for process, _ in running:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failure:
        raise ServeError(failure)
