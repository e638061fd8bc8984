"""Crash safety: real `ipwatch` processes killed with SIGKILL inside each writing operation.

Kills happen at named crash points (IPWATCH_CRASH_AT, feature_store/faults.py: inside a transaction, between
a commit and the index derived from it, between the renames of an index's files) and at moments spread over
an operation's run. After each, a restarted process must find all or none of the operation, an exemplar
index that agrees with the database, every case with its audit row and an unbroken audit chain.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from conftest import wait_until_serving
from sqlalchemy import func, select

from crawler.demo_shop import build_shop, serve
from feature_store import LibraryStore, bundled_protection_list, read_brands
from feature_store.exemplars import ExemplarStore
from feature_store.index import ExemplarIndex
from feature_store.review import ReviewStore
from feature_store.schema import AuditRow, BrandRow, CaseRow, ListingRow, VariantProposalRow

ROOT = Path(__file__).parent.parent
BUNDLED_LIST = ROOT / "feature_store/data/protection_list.yaml"
KILLED = -signal.SIGKILL


def _env(home: Path, url: str, crash: str | None = None) -> dict[str, str]:
    env = {**os.environ, "IPWATCH_HOME": str(home), "IPWATCH_DATABASE_URL": url}
    env.pop("IPWATCH_CRASH_AT", None)
    if crash:
        env["IPWATCH_CRASH_AT"] = crash
    return env


def _ipwatch(env: dict[str, str], *args: str, kill_after: float | None = None) -> int:
    """Run the CLI; return its exit code (-9 when it was killed, by a crash point or after ``kill_after``)."""
    process = subprocess.Popen([sys.executable, "-W", "ignore", "-m", "ipwatch.cli", *args], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if kill_after is not None:
        try:
            process.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
    _out, err = process.communicate(timeout=300)
    assert process.returncode in (0, KILLED), err.decode(errors="replace")[-2000:]
    return process.returncode


def _count(store: LibraryStore, table) -> int:  # type: ignore[no-untyped-def]
    with store.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def _list_file(tmp_path: Path) -> Path:
    """The bundled list plus 3,000 sparse brands: an import that takes a while."""
    brands = [b.model_dump(mode="json") for b in read_brands(bundled_protection_list())]
    brands += [{"id": f"crash-{n}", "names": {"en": [f"Crashmark{n}"], "zh": []}, "aliases": [f"CM{n}"],
                "categories": ["shoes"], "owner": f"Owner {n}"} for n in range(3000)]
    path = tmp_path / "brands.json"
    path.write_text(json.dumps({"brands": brands}, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.slow
def test_kill_during_brands_import(tmp_path: Path, database_url: str) -> None:
    listed = _list_file(tmp_path)
    whole = len(json.loads(listed.read_text(encoding="utf-8"))["brands"])
    reference = tmp_path / "reference"
    started = time.perf_counter()
    assert _ipwatch(_env(reference, f"sqlite:///{reference / 'ref.db'}"), "brands", "import", str(listed)) == 0
    whole_run = time.perf_counter() - started  # kills are spread over the later part of a run this long
    ref_store = LibraryStore(f"sqlite:///{reference / 'ref.db'}")
    proposals_whole = _count(ref_store, VariantProposalRow)
    ref_store.close()
    assert proposals_whole > 0

    home = tmp_path / "home"
    outcomes = []
    plans: list[tuple[str | None, float | None]] = [
        ("brands_import.before_commit", None), ("brands_import.after_commit", None),
        *((None, whole_run * share) for share in (0.6, 0.7, 0.8, 0.9, 0.95))]
    for crash, after in plans:
        store = LibraryStore(database_url)
        with store.sessions.begin() as session:  # start each try from an empty list
            session.query(VariantProposalRow).delete()
            session.query(BrandRow).delete()
        store.close()
        code = _ipwatch(_env(home, database_url, crash), "brands", "import", str(listed), kill_after=after)
        store = LibraryStore(database_url)
        brands, proposals = _count(store, BrandRow), _count(store, VariantProposalRow)
        store.close()
        outcomes.append((crash or "timed", code, brands))
        assert (brands, proposals) in ((0, 0), (whole, proposals_whole)), (crash, after, brands, proposals)
    assert ("brands_import.before_commit", KILLED, 0) in outcomes
    assert ("brands_import.after_commit", KILLED, whole) in outcomes
    print("timed kills (exit code, brands):", [o[1:] for o in outcomes if o[0] == "timed"])


def _exemplar_file(tmp_path: Path, n: int) -> Path:
    rows = [json.loads(line) for line in (ROOT / "feature_store/data/exemplars_counterfeit.jsonl").read_text(
        encoding="utf-8").splitlines()]
    path = tmp_path / f"exemplars-{n}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            row = rows[i % len(rows)]
            out.write(json.dumps({**row, "listing_id": f"{row['listing_id']}-{i}",
                                  "title": f"{row['title']} 批次{i}"}, ensure_ascii=False) + "\n")
    return path


def _index_agrees(home: Path, url: str) -> int:
    """The index a restarted process uses holds exactly the stored exemplars; returns how many."""
    store = LibraryStore(url)
    exemplars = ExemplarStore(store, home / "indices")
    ids, _brands, vectors, _texts = exemplars.rows("counterfeit")
    index = exemplars.index("counterfeit")
    assert index.agrees_with(ids) and np.array_equal(index.ids, ids)
    if len(ids):
        _sims, found = index.search(vectors[-3:], k=1)
        assert list(found[:, 0]) == list(ids[-3:])  # the newest rows are really in the index
    on_disk = ExemplarIndex.load(exemplars.index_dir, "counterfeit")
    assert on_disk is not None and on_disk.agrees_with(ids)
    store.close()
    return len(ids)


@pytest.mark.slow
def test_kill_during_exemplars_add(tmp_path: Path, database_url: str) -> None:
    home = tmp_path / "home"
    assert _ipwatch(_env(home, database_url), "brands", "import", str(BUNDLED_LIST)) == 0
    assert _ipwatch(_env(home, database_url), "exemplars", "add", str(_exemplar_file(tmp_path, 60)),
                    "--kind", "counterfeit") == 0
    stored = _index_agrees(home, database_url)
    batch = 300
    for crash in ("exemplars_add.before_commit", "exemplars_add.after_commit", "index_save.between_renames@1",
                  "index_save.between_renames@2"):
        path = _exemplar_file(tmp_path, stored + batch)  # the first `stored` rows are already in: skipped
        code = _ipwatch(_env(home, database_url, crash), "exemplars", "add", str(path), "--kind", "counterfeit")
        assert code == KILLED, crash
        now = _index_agrees(home, database_url)
        assert now in (stored, stored + batch), (crash, stored, now)
        assert (now == stored) == (crash == "exemplars_add.before_commit"), crash
        stored = now


def _post(base: str, path: str, key: str, body: dict) -> dict:  # type: ignore[type-arg]
    request = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(request, timeout=60).read())


def _serve(env: dict[str, str], port: int) -> subprocess.Popen:  # type: ignore[type-arg]
    return subprocess.Popen([sys.executable, "-W", "ignore", "-m", "ipwatch.cli", "serve", "--port", str(port),
                             "--no-access-log"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _every_case_audited(store: LibraryStore) -> tuple[int, int]:
    """(cases, decided): each listing revision has its case, each case its creation row and each decision its row."""
    review = ReviewStore(store)
    with store.sessions() as session:
        cases = session.scalars(select(CaseRow)).all()
        listings = _count(store, ListingRow)
        audit = session.scalars(select(AuditRow)).all()
    created = {a.case_id for a in audit if a.action == "case_created"}
    decided_rows = {a.case_id for a in audit if a.action == "decision"}
    decided = {c.id for c in cases if c.status != "open"}
    assert listings == len(cases) and created == {c.id for c in cases} and decided_rows == decided
    assert review.verify_audit().ok
    return len(cases), len(decided)


@pytest.mark.slow
def test_kill_during_a_bulk_decision(tmp_path: Path, database_url: str) -> None:
    home = tmp_path / "home"
    env = _env(home, database_url)
    assert _ipwatch(env, "brands", "import", str(BUNDLED_LIST)) == 0
    store = LibraryStore(database_url)
    review = ReviewStore(store)
    submitter, reviewer = review.create_key("p", "submitter"), review.create_key("r", "reviewer")
    store.close()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(_env(home, database_url, "decide.before_commit@4"), port)
    try:
        wait_until_serving(server, base)
        listings = [{"listing_id": f"b{i}", "platform": "taobao", "title": f"奈克 气垫 跑鞋 {i}"} for i in range(10)]
        items = _post(base, "/v1/listings", submitter, {"listings": listings})["items"]
        decisions = [{"case_id": item["case_id"], "version": 1, "decision": "not_infringing"} for item in items]
        with pytest.raises(OSError):  # the server dies on the fourth decision, inside its transaction
            _post(base, "/v1/cases/decisions", reviewer, {"decisions": decisions})
        assert server.wait(timeout=30) == KILLED
    finally:
        if server.poll() is None:
            server.kill()
    store = LibraryStore(database_url)
    assert _every_case_audited(store) == (10, 3)
    store.close()
    server = _serve(env, port)  # restarted: the rest are decided, nothing was lost or half-written
    try:
        wait_until_serving(server, base)
        outcome = _post(base, "/v1/cases/decisions", reviewer, {"decisions": decisions})["results"]
        assert [r["status_code"] for r in outcome] == [409] * 3 + [200] * 7
    finally:
        server.terminate()
        server.wait(timeout=30)
    store = LibraryStore(database_url)
    assert _every_case_audited(store) == (10, 10)
    store.close()


@pytest.mark.slow
def test_kill_during_a_scoring_crawl(tmp_path: Path, database_url: str) -> None:
    shop = tmp_path / "shop"
    rows = build_shop(shop, products=40)
    server, url = serve(shop)
    home = tmp_path / "home"
    try:
        assert _ipwatch(_env(home, database_url), "brands", "import",
                        str(BUNDLED_LIST)) == 0
        crawl = ("crawl", url, "--no-polite", "--allow-private", "--score", "--max-pages", "1000")
        assert _ipwatch(_env(home, database_url, "submit.before_commit@6"), *crawl) == KILLED
        store = LibraryStore(database_url)
        assert _every_case_audited(store) == (5, 0)
        store.close()
        started = time.perf_counter()
        assert _ipwatch(_env(home, database_url), *crawl) == 0  # the crawl again: stores the rest, no duplicates
        assert time.perf_counter() - started < 300
    finally:
        server.shutdown()
        server.server_close()
    store = LibraryStore(database_url)
    assert _every_case_audited(store) == (len(rows), 0)
    store.close()
