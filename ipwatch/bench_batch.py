"""``ipwatch bench --suite batch``: 1,000,000 listings scored by `score-batch` on 2 Dask workers, beside the
same partition code in one process, in the same run; peak memory of each worker."""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from feature_store import LibraryStore, bundled_lexicon, bundled_protection_list, read_brands, read_terms

from .bench import bench_library, bench_titles

BATCH_ROWS = 1_000_000
ONE_PROCESS_ROWS = 200_000
PARTITION_ROWS = 50_000
WORKERS = 2
SPEEDUP_GOAL = 1.6
WORKER_MEMORY_LIMIT_MIB = 2048


def batch_suite(store: LibraryStore, size: int, progress: bool, rows: int = BATCH_ROWS) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .batch import plan, run_batch, score_partition
    from .running import library_store, running_detector
    from .settings import Settings

    say = print if progress else (lambda *_a, **_k: None)
    titles, origin = bench_titles(20_000, bench_library(store))
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        settings = Settings(home=home / "home")
        own = LibraryStore(settings.resolved_database_url, cache_dir=settings.cache_dir)
        own.import_brands(read_brands(bundled_protection_list()))
        own.import_terms(read_terms(bundled_lexicon()))
        own.close()
        source = home / "catalogue.parquet"
        say(f"batch: writing {rows:,} listings ({origin}) to Parquet")
        with pq.ParquetWriter(source, pa.schema([("listing_id", pa.string()), ("title", pa.string()),
                                                 ("price", pa.float64())])) as writer:
            for start in range(0, rows, PARTITION_ROWS):
                stop = min(rows, start + PARTITION_ROWS)
                writer.write_table(pa.table({
                    "listing_id": [f"b{i}" for i in range(start, stop)],
                    "title": [titles[i % len(titles)] for i in range(start, stop)],
                    "price": [float(50 + i % 900) for i in range(start, stop)]}))
        probe = running_detector(settings, library_store(settings), "rules", semantic=False)
        base = {"settings": settings.model_dump(mode="json", exclude_none=True),
                "library_version": probe.library.version, "model": "rules", "semantic": False, "explain": False,
                "format": "parquet"}
        one_out = home / "one"
        one_out.mkdir()
        parts = plan(source, PARTITION_ROWS)
        say(f"batch: one process, {ONE_PROCESS_ROWS:,} listings through the same partition code")
        score_partition({**base, "out": str(one_out), "partition": asdict(parts[0])})  # load once, as a worker
        started = time.perf_counter()
        done = sum(score_partition({**base, "out": str(one_out), "partition": asdict(p)})["rows"]
                   for p in parts[1: 1 + ONE_PROCESS_ROWS // PARTITION_ROWS])
        one_per_s = done / (time.perf_counter() - started)
        say(f"batch: {rows:,} listings on {WORKERS} Dask workers")
        summary = run_batch(source, home / "out", settings, probe.library.version, probe.model_version, "rules",
                            False, False, "parquet", WORKERS, None, PARTITION_ROWS, True, progress)
    peak = max(summary["peak_rss_mib_per_worker"])
    return {
        "batch_rows": summary["rows"],
        "batch_workers": WORKERS,
        "batch_per_s": summary["rows_per_s"],
        "batch_one_process_limit_per_s": round(one_per_s),
        "batch_speedup": round(summary["rows_per_s"] / one_per_s, 2),
        "batch_speedup_goal": SPEEDUP_GOAL,
        "batch_wall_s": summary["seconds"],
        "batch_peak_worker_mib": peak,
        "batch_peak_worker_limit_mib": WORKER_MEMORY_LIMIT_MIB,
        "batch_titles": origin,
    }
