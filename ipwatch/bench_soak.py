"""``ipwatch bench --suite soak``: minutes of mixed traffic against `ipwatch serve --workers 2`, then an audit.

wrk (a C client in its own process) keeps 16 connections busy with scoring (40%), submissions into the
queue (25%), queue reads (20%) and decisions (15%, by 4 reviewer keys in turn, each on a case the same
client submitted). Its Lua script records every submission and decision the server accepted; afterwards
the store is read back: every accepted submission must be a case, every accepted decision a decision row in
an unbroken audit chain, and nothing else decided. Run on a SQLite file and, when a server is given
(IPWATCH_BENCH_DATABASE_URL or IPWATCH_TEST_DATABASE_URL), on a fresh PostgreSQL schema.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from feature_store import LibraryStore, bundled_lexicon, bundled_protection_list, make_engine, read_brands, read_terms
from feature_store.review import ReviewStore
from feature_store.schema import AuditRow, CaseRow, ListingRow

from .bench_api import _free_port, below_the_client

CLIENTS = 16
WORKERS = 2
REVIEWERS = 4
SOAK_SECONDS = 300
SOAK_P99_LIMIT_MS = 50.0
PLATFORM = "soak"
MIX = {"decide": 0.15, "submit": 0.25, "queue": 0.20}  # the rest scores; decisions need a submitted case

WRK_SCRIPT = r"""
local titles = {titles}
local submitter, analyst = {submitter}, {analyst}
local reviewers = {reviewers}
local out_path = {out_path}
local counter = 0
local pool = {{}}
listings, decisions, bad = {{}}, {{}}, {{}}  -- globals: done() reads them from each thread with thread:get
local next_id = 0
local threads = {{}}

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

local function json_string(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

function request()
  counter = counter + 1
  local r = math.random()
  if r < {p_decide} and #pool > 0 then
    local case = table.remove(pool, 1)
    return wrk.format("POST", "/v1/cases/" .. case .. "/decision",
      {{["Authorization"] = reviewers[(counter % #reviewers) + 1], ["Content-Type"] = "application/json"}},
      '{{"decision":"not_infringing","version":1,"note":"soak"}}')
  elseif r < {p_submit} then
    local title = titles[(counter % #titles) + 1]
    local body = '{{"listings":[{{"listing_id":"soak-' .. tid .. '-' .. counter .. '","platform":"{platform}",' ..
      '"title":' .. json_string(title) .. ',"price":199}}]}}'
    return wrk.format("POST", "/v1/listings",
      {{["Authorization"] = submitter, ["Content-Type"] = "application/json"}}, body)
  elseif r < {p_queue} then
    return wrk.format("GET", "/v1/cases?limit=20", {{["Authorization"] = analyst}})
  else
    local title = titles[((counter * 7) % #titles) + 1]
    return wrk.format("POST", "/v1/score", {{["Authorization"] = submitter, ["Content-Type"] = "application/json"}},
      '{{"listings":[{{"title":' .. json_string(title) .. ',"price":129}}]}}')
  end
end

function response(status, headers, body)
  if status >= 300 then
    if #bad < 5 then bad[#bad + 1] = status .. " " .. body:sub(1, 200) end
    return
  end
  local lid, cid = body:match('"listing_id":"(soak%-[%d%-]+)","case_id":(%d+)')
  if lid then
    listings[#listings + 1] = lid
    pool[#pool + 1] = cid
    return
  end
  local did = body:match('^{{"id":(%d+),"version":2,')
  if did then decisions[#decisions + 1] = did end
end

function done(summary, latency, requests)
  local f = io.open(out_path, "w")
  f:write(string.format("SUMMARY %d %f %f %f %f %d %d %d %d %d\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
  for _, thread in ipairs(threads) do
    for _, lid in ipairs(thread:get("listings")) do f:write("L ", lid, "\n") end
    for _, did in ipairs(thread:get("decisions")) do f:write("D ", did, "\n") end
    for _, line in ipairs(thread:get("bad")) do f:write("E ", line:gsub("\n", " "), "\n") end
  end
  f:close()
end
"""


def _thresholds(mix: dict[str, float]) -> dict[str, float]:
    """Cumulative probabilities for the script's request choice."""
    decide = mix["decide"]
    return {"p_decide": decide, "p_submit": decide + mix["submit"], "p_queue": decide + mix["submit"] + mix["queue"]}


def _titles() -> list[str]:
    path = resources.files("ipwatch") / "data" / "demo_listings.jsonl"
    return [json.loads(line)["title"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _lua(value: Any) -> str:
    """A Lua literal of a string (every byte outside printable ASCII as a decimal escape) or a list of them."""
    if isinstance(value, list):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    return '"' + "".join(f"\\{b:03d}" if not 32 <= b < 127 or chr(b) in '"\\' else chr(b)
                         for b in str(value).encode()) + '"'


@contextmanager
def _postgres_schema(base: str) -> Iterator[str]:
    schema = f"ipwatch_soak_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _soak_one(url: str, home: Path, seconds: int, say: Any) -> dict[str, Any]:
    store = LibraryStore(url)
    store.import_brands(read_brands(bundled_protection_list()))
    store.import_terms(read_terms(bundled_lexicon()))
    review = ReviewStore(store)
    bearer = {name: f"Bearer {review.create_key(name, role)}" for name, role in
              [("soak-platform", "submitter"), ("soak-analyst", "analyst"),
               *((f"soak-reviewer-{n}", "reviewer") for n in range(REVIEWERS))]}
    store.close()
    port = _free_port()
    server_log = (home / "server.log").open("wb")
    env = {**os.environ, "IPWATCH_HOME": str(home), "IPWATCH_DATABASE_URL": url,
           "IPWATCH_RATE_LIMIT_PER_SECOND": "1000000000"}  # a few keys carry all the load
    server = subprocess.Popen([sys.executable, "-m", "ipwatch.cli", "serve", "--port", str(port), "--workers",
                               str(WORKERS), "--no-access-log"], env=env, stdout=server_log,
                              stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=below_the_client)
    out_path = home / "soak.out"
    script = home / "soak.lua"
    script.write_text(WRK_SCRIPT.format(
        titles=_lua(_titles()), submitter=_lua(bearer["soak-platform"]), analyst=_lua(bearer["soak-analyst"]),
        reviewers=_lua([bearer[f"soak-reviewer-{n}"] for n in range(REVIEWERS)]), out_path=_lua(str(out_path)),
        platform=PLATFORM, **_thresholds(MIX)), encoding="utf-8")
    try:
        _wait_for_workers(port)
        say(f"soak: {seconds} s of mixed traffic, {CLIENTS} connections, {WORKERS} workers")
        ran = subprocess.run(["wrk", "-t", "2", "-c", str(CLIENTS), "-d", f"{seconds}s", "--timeout", "5s",
                              "-s", str(script), f"http://127.0.0.1:{port}"], capture_output=True, text=True,
                             check=False)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        server_log.close()
    if ran.returncode:
        tail = (home / "server.log").read_text(encoding="utf-8", errors="replace")[-1500:]
        raise RuntimeError(f"wrk failed ({ran.returncode}): {(ran.stderr or ran.stdout).strip()[-300:]}\n"
                           f"server log:\n{tail}")
    lines = out_path.read_text(encoding="utf-8").splitlines()
    fields = lines[0].split()
    requests, duration = int(fields[1]), float(fields[2])
    p50, p99, worst = (float(x) for x in fields[3:6])
    socket_errors = sum(int(x) for x in fields[6:9]) + int(fields[10])
    status_errors = int(fields[9])
    accepted_listings = {line[2:] for line in lines if line.startswith("L ")}
    accepted_decisions = {int(line[2:]) for line in lines if line.startswith("D ")}
    lost_submissions, lost_decisions, phantom, chain_ok = _audit_store(url, accepted_listings, accepted_decisions)
    return {
        "requests": requests,
        "requests_per_s": round(requests / duration),
        "p50_ms": round(p50, 2),
        "p99_ms": round(p99, 2),
        "p99_limit_ms": SOAK_P99_LIMIT_MS,
        "max_ms": round(worst, 1),
        "errors": socket_errors + status_errors,
        "error_samples": [line[2:] for line in lines if line.startswith("E ")][:3],
        "submissions_accepted": len(accepted_listings),
        "decisions_accepted": len(accepted_decisions),
        "lost_submissions": lost_submissions,
        "lost_decisions": lost_decisions,
        "decided_unacknowledged": phantom,  # committed while wrk stopped reading (at most one per connection)
        "audit_chain_ok": chain_ok,
    }


def _audit_store(url: str, listings: set[str], decisions: set[int]) -> tuple[int, int, int, bool]:
    """(accepted submissions with no case, accepted decisions with no audit row or no decided case, decisions
    stored that wrk never saw acknowledged — requests in flight when it stopped —, whether the chain holds)."""
    store = LibraryStore(url)
    try:
        with store.sessions() as session:
            stored = {row[0] for row in session.execute(
                select(ListingRow.listing_id).join(CaseRow, CaseRow.listing_row == ListingRow.id)
                .where(ListingRow.platform == PLATFORM))}
            audited = [row[0] for row in session.execute(
                select(AuditRow.case_id).where(AuditRow.action == "decision"))]
            decided = {row[0] for row in session.execute(select(CaseRow.id).where(CaseRow.status != "open"))}
        chain_ok = ReviewStore(store).verify_audit().ok
    finally:
        store.close()
    lost_decisions = len(decisions - set(audited)) + len(decisions - decided)
    phantom = len(set(audited) - decisions) + (len(audited) - len(set(audited)))
    return len(listings - stored), lost_decisions, phantom, chain_ok


def _wait_for_workers(port: int, timeout: float = 180.0) -> None:
    """Both workers up: /healthz answered several times (uvicorn starts them in turn)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    answered = 0
    while answered < 20:
        if time.monotonic() > deadline:
            raise RuntimeError("ipwatch serve --workers did not come up")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
            answered += 1
        except OSError:
            answered = 0
            time.sleep(0.5)
    time.sleep(5)  # the second worker compiles its library too


def soak_suite(_store: LibraryStore, _size: int, progress: bool, seconds: int = SOAK_SECONDS) -> dict[str, Any]:
    say = print if progress else (lambda *_a, **_k: None)
    if shutil.which("wrk") is None:
        raise RuntimeError("the soak needs wrk (apt-get install wrk; make system-deps installs it)")
    seconds = int(os.environ.get("IPWATCH_SOAK_SECONDS", seconds))
    figures: dict[str, Any] = {"soak_seconds": seconds, "soak_clients": CLIENTS, "soak_workers": WORKERS}
    with tempfile.TemporaryDirectory() as home:
        say("soak: SQLite")
        for key, value in _soak_one(f"sqlite:///{home}/soak.db", Path(home), seconds, say).items():
            figures[f"soak_sqlite_{key}"] = value
    base = os.environ.get("IPWATCH_BENCH_DATABASE_URL") or os.environ.get("IPWATCH_TEST_DATABASE_URL")
    if not base:
        figures["soak_postgresql"] = "skipped: set IPWATCH_BENCH_DATABASE_URL to a PostgreSQL server"
        return figures
    with tempfile.TemporaryDirectory() as home, _postgres_schema(base) as url:
        say("soak: PostgreSQL")
        for key, value in _soak_one(url, Path(home), seconds, say).items():
            figures[f"soak_postgresql_{key}"] = value
    return figures
