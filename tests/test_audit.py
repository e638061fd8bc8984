"""The audit log's hash chain on real databases: honest logs verify, any edit is named, writers never fork it."""

from __future__ import annotations

import json
import threading

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from feature_store import LibraryStore, make_engine
from feature_store.audit import GENESIS
from feature_store.review import ReviewError, ReviewStore


def _filled(url: str) -> tuple[LibraryStore, ReviewStore, list[int]]:
    store = LibraryStore(url)
    review = ReviewStore(store)
    review.create_key("alice", "reviewer")
    listings = [({"listing_id": f"l{i}", "platform": "taobao", "title": f"耐克 气垫 {i}"},
                 {"risk": 0.9, "level": "high", "brand_id": "nike", "reasons": []}) for i in range(6)]
    cases = [s.case_id for s in review.submit(listings, actor="platform")]
    # quotes, a backslash, a newline and a character outside the BMP: the database's hash (PostgreSQL hashes
    # the row itself, migration 0007) must spell the row as feature_store.audit does
    review.decide(cases[0], "infringing", '莆田 "高仿" \\ 😀\n同款', 1, actor="alice")
    review.record_notice(cases[0], "notice_sent", None, actor="alice")
    review.revoke_key("alice", actor="root")
    return store, review, cases


def test_an_honest_log_verifies_and_quotes_its_head(database_url: str) -> None:
    store, review, _cases = _filled(database_url)
    report = review.verify_audit()
    assert report.ok and report.rows == 1 + 6 + 1 + 1 + 1
    assert review.audit_head() == {"row": report.head_id, "hash": report.head_hash}
    assert report.head_hash != GENESIS
    store.close()


@pytest.mark.parametrize("tamper, broken", [
    ("UPDATE audit_log SET after = :after WHERE id = 3", 3),  # content edited: that row is named
    ("UPDATE audit_log SET actor = 'mallory' WHERE id = 5", 5),
    ("DELETE FROM audit_log WHERE id = 4", 5),  # a row removed: the row after the gap is named
    ("UPDATE audit_log SET row_hash = :fake WHERE id = 2", 2),
])
def test_any_edit_is_named(database_url: str, tamper: str, broken: int) -> None:
    store, review, _cases = _filled(database_url)
    with store.engine.begin() as connection:
        connection.execute(text(tamper), {"after": json.dumps({"status": "not_infringing"}), "fake": "f" * 64})
    report = review.verify_audit()
    assert not report.ok and report.broken_id == broken
    assert f"row {broken}" in (report.problem or "")
    store.close()


def test_a_rewritten_row_with_a_recomputed_hash_breaks_the_next_link(database_url: str) -> None:
    """Someone who edits a row and recomputes its hash still breaks the link the next row holds."""
    from feature_store.audit import row_digest
    from feature_store.schema import AuditRow

    store, review, _cases = _filled(database_url)
    with store.sessions.begin() as session:
        row = session.get(AuditRow, 3)
        assert row is not None
        row.actor = "mallory"
        row.row_hash = row_digest(row.prev_hash or GENESIS, row.id, row.at, row.actor, row.action, row.case_id,
                                  row.before, row.after)
    report = review.verify_audit()
    assert report.broken_id == 4 and "before it" in (report.problem or "")
    store.close()


def test_concurrent_writers_keep_one_chain(database_url: str) -> None:
    store = LibraryStore(database_url)
    review = ReviewStore(store)
    errors: list[BaseException] = []

    def submit(worker: int) -> None:
        try:
            for batch in range(5):
                items = [({"listing_id": f"w{worker}-{batch}-{i}", "title": "奈克 跑鞋"},
                          {"risk": 0.7, "level": "medium", "brand_id": "nike", "reasons": []}) for i in range(3)]
                for submitted in review.submit(items, actor=f"worker-{worker}"):
                    review.decide(submitted.case_id, "needs_info", None, 1, actor=f"worker-{worker}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = review.verify_audit()
    assert report.ok and report.rows == 4 * 5 * 3 * 2
    store.close()


def test_only_one_of_two_racing_decisions_wins(database_url: str) -> None:
    """Two reviewers read version 1 at once; the second write is refused, not silently applied."""
    store, review, cases = _filled(database_url)
    barrier, outcomes = threading.Barrier(2), []

    def decide(decision: str) -> None:
        barrier.wait()
        try:
            outcomes.append(review.decide(cases[1], decision, None, 1, actor=decision)["status"])
        except ReviewError as exc:
            outcomes.append(exc.status)

    threads = [threading.Thread(target=decide, args=(d,)) for d in ("infringing", "not_infringing")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, outcomes))[0] == "409" and len(outcomes) == 2
    decisions = [a for a in review.audit_log() if a["action"] == "decision" and a["case_id"] == cases[1]]
    assert len(decisions) == 1 and review.verify_audit().ok
    store.close()


def test_rows_written_before_the_chain_are_chained_on_upgrade(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from importlib import resources

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(resources.files("feature_store") / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        for n in range(3):
            connection.execute(text("INSERT INTO audit_log (at, actor, action, case_id, before, after) "
                                    "VALUES (:at, 'old', 'decision', :n, NULL, :after)"),
                               {"at": f"2025-01-0{n + 1} 10:00:00.000000", "n": n, "after": '{"status": "open"}'})
    engine.dispose()
    store = LibraryStore(url)
    review = ReviewStore(store)
    assert review.verify_audit().rows == 3
    review.create_key("after-upgrade", "analyst")
    report = review.verify_audit()
    assert report.ok and report.rows == 4
    store.close()


def test_audit_verify_command(cli, cli_env) -> None:  # type: ignore[no-untyped-def]
    assert cli("keys", "create", "--role", "reviewer", "--name", "bob").exit_code == 0
    assert cli("keys", "create", "--role", "analyst", "--name", "carol").exit_code == 0
    result = cli("audit", "verify")
    assert result.exit_code == 0 and "2 rows" in result.output
    engine = make_engine(cli_env["IPWATCH_DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'nobody' WHERE id = 1"))
    engine.dispose()
    result = cli("audit", "verify", "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False and report["broken_id"] == 1
    assert "row 1" in cli("audit", "verify").output


def test_retention_keeps_three_years_and_purges_only_past_it(database_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    from pydantic import ValidationError

    from ipwatch.settings import Settings

    with pytest.raises(ValidationError, match="at least 1096"):
        Settings(retention_days=365)
    store, review, cases = _filled(database_url)
    review.decide(cases[2], "not_infringing", None, 1, actor="alice")
    now = datetime.now(UTC)
    with pytest.raises(ReviewError, match="3 years"):
        review.purge_expired(30)
    assert review.purge_expired(1096, now=now + timedelta(days=1000), dry_run=False) == []
    # Four years on: the decided case goes; the open ones and the one inside a notice stay.
    later = now + timedelta(days=4 * 365)
    assert review.purge_expired(1096, now=later) == [cases[2]]
    assert review.purge_expired(1096, now=later, dry_run=False) == [cases[2]]
    with pytest.raises(ReviewError):
        review.get_case(cases[2])
    assert review.get_case(cases[0])["status"] == "infringing"
    assert review.audit_log()[-1]["action"] == "retention_purge" and review.verify_audit().ok
    store.close()


def test_rescore_updates_only_changed_outcomes(cli, cli_env) -> None:  # type: ignore[no-untyped-def]
    """After a list change, `ipwatch rescore` updates the cases the change affects, each with an audit row."""
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    first = folder / "first.json"
    first.write_text(json.dumps({"brands": [
        {"id": "nike", "names": {"en": ["Nike"], "zh": ["耐克"]}, "categories": ["shoes"]}]}), encoding="utf-8")
    assert cli("brands", "import", str(first)).exit_code == 0
    store = LibraryStore(cli_env["IPWATCH_DATABASE_URL"])
    review = ReviewStore(store)
    from ipwatch.running import running_detector
    from ipwatch.settings import Settings

    detector = running_detector(Settings(home=Path(cli_env["IPWATCH_HOME"]),
                                         database_url=cli_env["IPWATCH_DATABASE_URL"]), store, "rules")
    old_version = detector.library.version
    listings = [{"listing_id": "r1", "title": "Zorvandi 同款 高仿 运动鞋"},
                {"listing_id": "r2", "title": "耐克 高仿 莆田"}, {"listing_id": "r3", "title": "纯棉 T恤 男"}]
    from detector import Listing

    results = [r.to_dict(explain=True) for r in detector.score_many(Listing.model_validate(x) for x in listings)]
    cases = [s.case_id for s in review.submit(list(zip(listings, results, strict=True)), actor="platform")]
    second = folder / "second.json"
    second.write_text(json.dumps({"brands": [
        {"id": "zorvandi", "names": {"en": ["Zorvandi"], "zh": []}, "categories": ["shoes"]}]}), encoding="utf-8")
    assert cli("brands", "import", str(second)).exit_code == 0
    done = cli("rescore", "--since-version", old_version, "--json")
    assert done.exit_code == 0, done.output
    counts = json.loads(done.output.strip().splitlines()[-1])
    assert counts["changed"] == 1 and counts["read"] == 3
    assert review.get_case(cases[0])["result"]["brand_id"] == "zorvandi"
    assert review.get_case(cases[0])["version"] == 2 and review.get_case(cases[1])["version"] == 1
    rescored = [a for a in review.audit_log() if a["action"] == "rescored"]
    assert len(rescored) == 1 and rescored[0]["case_id"] == cases[0]
    assert rescored[0]["before"]["brand_id"] is None and rescored[0]["after"]["brand_id"] == "zorvandi"
    again = json.loads(cli("rescore", "--json").output.strip().splitlines()[-1])
    assert again["changed"] == 0 and review.verify_audit().ok
    assert cli("rescore", "--since-version", "nope").exit_code != 0
    store.close()
