"""`ipwatch score-batch` on a real Dask LocalCluster: the same results as `ipwatch score`, partitions
skipped on re-run, a worker killed mid-partition retried without a half-written file, Parquet in and out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def _ipwatch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-W", "ignore", "-m", "ipwatch.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path, list[str]]:
    """A home with the bundled list, 2,400 listings (and two bad lines) in JSONL, and `ipwatch score`'s output."""
    pytest.importorskip("distributed")
    folder = tmp_path_factory.mktemp("batch")
    env = {**os.environ, "IPWATCH_HOME": str(folder / "home")}
    env.pop("IPWATCH_DATABASE_URL", None)
    env.pop("IPWATCH_CRASH_AT", None)
    assert _ipwatch(env, "brands", "import", "feature_store/data/protection_list.yaml").returncode == 0
    rows = [json.loads(line) for line in (ROOT / "ipwatch/data/demo_listings.jsonl").read_text(
        encoding="utf-8").splitlines()]
    source = folder / "catalogue.jsonl"
    with source.open("w", encoding="utf-8") as out:
        for i in range(2400):
            out.write(json.dumps({**rows[i % len(rows)], "listing_id": f"c{i}"}, ensure_ascii=False) + "\n")
            if i == 1200:
                out.write("{broken\n" + json.dumps({"listing_id": "bad-price", "title": "x", "price": "cheap"}) + "\n")
    scored = _ipwatch(env, "score", str(source), "--no-semantic", "--explain")
    assert scored.returncode == 1 and "2 listing(s) could not be scored" in scored.stderr  # the two bad lines
    return env, source, scored.stdout.splitlines()


def test_batch_equals_score_and_skips_on_rerun(catalogue, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env, source, expected = catalogue
    out = tmp_path / "out"
    args = ("score-batch", str(source), "--out", str(out), "--format", "jsonl", "--partition-rows", "500",
            "--workers", "2", "--no-semantic", "--explain", "--json")
    first = _ipwatch(env, *args)
    assert first.returncode == 0, first.stderr[-2000:]
    summary = json.loads(first.stdout.strip().splitlines()[-1])
    assert summary["partitions"] == 5 and summary["written"] == 5 and summary["errors"] == 2
    assert len(summary["peak_rss_mib_per_worker"]) == 2  # both workers of the LocalCluster took partitions
    lines = [line for part in sorted(out.glob("part-*.jsonl")) for line in part.read_text("utf-8").splitlines()]
    assert lines == expected  # byte for byte what `ipwatch score` printed, in input order
    again = json.loads(_ipwatch(env, *args).stdout.strip().splitlines()[-1])
    assert again["skipped"] == 5 and again["written"] == 0
    other = _ipwatch(env, *[a if a != "500" else "700" for a in args])
    assert other.returncode == 1 and "--overwrite" in other.stderr


def test_a_worker_killed_mid_partition_is_retried_whole(catalogue, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env, source, expected = catalogue
    out = tmp_path / "out"
    crash = {**env, "IPWATCH_CRASH_AT": "batch_partition.before_rename", "IPWATCH_CRASH_ONCE": str(tmp_path / "x")}
    done = _ipwatch(crash, "score-batch", str(source), "--out", str(out), "--format", "jsonl", "--partition-rows",
                    "800", "--no-semantic", "--explain", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "x").exists()  # a worker did die with its partition written to a temporary name
    assert not list(out.glob(".part-*.tmp"))  # the dead attempt's temporary file is cleared away
    lines = [line for part in sorted(out.glob("part-*.jsonl")) for line in part.read_text("utf-8").splitlines()]
    assert lines == expected


def test_parquet_in_and_out(catalogue, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ipwatch.batch import read_results

    env, source, expected = catalogue
    records = [r for r in (json.loads(line) for line in source.read_text("utf-8").splitlines()
                           if line.startswith('{"')) if r["listing_id"] != "bad-price"]
    table = pa.Table.from_pylist([{k: r.get(k) for k in ("listing_id", "platform", "title", "price", "currency",
                                                         "seller_id")} for r in records])
    parquet = tmp_path / "catalogue.parquet"
    pq.write_table(table, parquet, row_group_size=600)
    out = tmp_path / "out"
    done = _ipwatch(env, "score-batch", str(parquet), "--out", str(out), "--partition-rows", "600",
                    "--no-semantic", "--explain", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    results = list(read_results(out))
    good = [json.loads(line) for line in expected if '"error"' not in line]
    assert len(results) == len(records) and results[1300]["listing_id"] == records[1300]["listing_id"]
    by_id = {r["listing_id"]: r for r in good}
    for result in results:
        if result["listing_id"] in by_id:
            want = by_id[result["listing_id"]]
            assert (result["risk"], result["flagged"], result.get("brand_id"), result["reasons"]) == (
                want["risk"], want["flagged"], want.get("brand_id"), want["reasons"])
