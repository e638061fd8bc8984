"""``ipwatch score-batch``: a catalogue scored in partitions on Dask, Parquet or JSONL in and out.

The client plans partitions (Parquet row groups, or JSONL byte ranges cut at line ends) and records a
manifest (input fingerprint, library and model versions). Each Dask worker process loads the compiled
library and the promoted model once, keyed by those versions, and scores its partitions with the same
cascade as ``ipwatch score``; a bad row gets its error, the rest are scored. A partition's file is written
to a temporary name and renamed, so a failed or killed task leaves nothing half-written and is retried.
Run again with the same input and versions, partitions already written are skipped.
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feature_store.faults import crash_point

from .heap import settle_heap

if TYPE_CHECKING:
    from detector import ScoreResult

    from .listings_io import ParsedLine

ROWS_PER_PARTITION = 50_000
MANIFEST = "_manifest.json"
RESULT_COLUMNS = ("line", "listing_id", "risk", "flagged", "level", "brand_id", "reasons", "library_version",
                  "model_version", "error")


# Dask's diagnostics that sample a worker while it computes: the statistical profiler reads the scoring
# thread's stack every 10 ms, the event-loop watchdog ticks every 20 ms and, where gilknocker is installed,
# the GIL monitor takes the GIL every millisecond, all in the same process as the scoring, under its GIL.
# Off (ticks rarer), two workers scored 1.71-1.75x one process instead of 1.51x (`bench --suite batch`).
# Workers of a remote cluster take these from their own configuration (DASK_DISTRIBUTED__WORKER__PROFILE__…).
QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.admin.tick.interval": "500ms",
}


class BatchError(RuntimeError):
    """A batch the command refuses, with the reason."""


@dataclass(frozen=True)
class Partition:
    """Rows of one input file: Parquet row groups [start, stop) or JSONL bytes [start, stop)."""

    index: int
    kind: str
    path: str
    start: int
    stop: int
    first_line: int  # the input line (JSONL) or row (Parquet, from 1) of its first record


def plan(path: Path, rows_per_partition: int = ROWS_PER_PARTITION) -> list[Partition]:
    """Partitions of ``path`` of about ``rows_per_partition`` records each."""
    if not path.is_file():
        raise BatchError(f"no such input file: {path}")
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        out, start, rows, first = [], 0, 0, 1
        for group in range(meta.num_row_groups):
            rows += meta.row_group(group).num_rows
            if rows >= rows_per_partition or group == meta.num_row_groups - 1:
                out.append(Partition(len(out), "parquet", str(path), start, group + 1, first))
                start, first, rows = group + 1, first + rows, 0
        return out
    return _plan_jsonl(path, rows_per_partition)


def _plan_jsonl(path: Path, rows_per_partition: int) -> list[Partition]:
    """Byte ranges cut after a newline, about ``rows_per_partition`` lines each (one pass over the file)."""
    cuts: list[Partition] = []
    line, lines_here, offset = 1, 0, 0
    starts = [(0, 1)]
    with path.open("rb") as handle:
        for raw in handle:
            offset += len(raw)
            line += 1
            lines_here += 1
            if lines_here >= rows_per_partition:
                starts.append((offset, line))
                lines_here = 0
    size = offset
    for (start, first), (stop, _next) in zip(starts, [*starts[1:], (size, line)], strict=True):
        if stop > start:
            cuts.append(Partition(len(cuts), "jsonl", str(path), start, stop, first))
    return cuts


def _records(part: Partition) -> Iterator[tuple[int, Any]]:
    """(input line, a dict or the reason it is not one) for each record of ``part``."""
    if part.kind == "parquet":
        import pyarrow.parquet as pq

        table = pq.ParquetFile(part.path).read_row_groups(list(range(part.start, part.stop)))
        for number, record in enumerate(table.to_pylist(), start=part.first_line):
            yield number, {k: v for k, v in record.items() if v is not None}
        return
    with open(part.path, "rb") as handle:
        handle.seek(part.start)
        data = handle.read(part.stop - part.start)
    for number, raw in enumerate(data.split(b"\n"), start=part.first_line):
        line = raw.decode("utf-8", errors="replace")
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, f"line {number}: invalid JSON: {exc.msg} at column {exc.colno}"
            continue
        yield number, record if isinstance(record, dict) else \
            f"line {number}: expected a JSON object, got {type(record).__name__}"


# -- worker side ---------------------------------------------------------------------------------

_LOADED: dict[str, Any] = {}  # per worker process: the detector for one (settings, versions) key


def _detector(task: dict[str, Any]) -> Any:
    key = json.dumps([task["settings"], task["library_version"], task["model"], task["semantic"]], sort_keys=True)
    if key not in _LOADED:
        from ipwatch.running import library_store, running_detector
        from ipwatch.settings import Settings

        _LOADED.clear()
        settings = Settings(**task["settings"])
        detector = running_detector(settings, library_store(settings), task["model"], semantic=task["semantic"])
        if detector.library.version != task["library_version"]:
            raise BatchError(f"the protection list changed during the batch: library {detector.library.version}, "
                             f"planned {task['library_version']}; run the batch again")
        _LOADED[key] = detector
        settle_heap()  # the compiled library out of the collector's full passes, as `ipwatch score` does
    return _LOADED[key]


def warm_worker(task: dict[str, Any]) -> str:
    """Load this worker's detector before any partition arrives; its library version."""
    return str(_detector(task).library.version)


def score_partition(task: dict[str, Any]) -> dict[str, Any]:
    """Score one partition and write its file whole (temporary name, then rename); a summary of it."""
    from ipwatch.listings_io import ParsedLine, parse_record, score_stream

    started = time.perf_counter()
    detector = _detector(task)
    part = Partition(**task["partition"])
    parsed = (ParsedLine(number, None, None, record) if isinstance(record, str) else parse_record(record, number)
              for number, record in _records(part))
    sink = _JsonlPart() if task["format"] == "jsonl" else _ParquetPart()
    for line, result in score_stream(detector, parsed):
        sink.add(line, result, task["explain"])
    final = Path(task["out"]) / f"part-{part.index:05d}.{task['format']}"
    tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    sink.write(tmp)
    crash_point("batch_partition.before_rename")
    os.replace(tmp, final)
    return {"index": part.index, "rows": sink.rows, "errors": sink.errors,
            "seconds": round(time.perf_counter() - started, 3), "worker": os.getpid(),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


class _JsonlPart:
    """A partition's results as JSON lines: the objects `ipwatch score` prints."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.rows = self.errors = 0

    def add(self, line: ParsedLine, result: ScoreResult | None, explain: bool) -> None:
        self.rows += 1
        if result is None:
            self.errors += 1
            record: dict[str, Any] = {"listing_id": line.listing_id, "error": line.error}
        else:
            record = result.to_dict(explain)
        self.lines.append(json.dumps(record, ensure_ascii=False) + "\n")

    def write(self, path: Path) -> None:
        with path.open("w", encoding="utf-8") as out:
            out.writelines(self.lines)


class _ParquetPart:
    """A partition's results as Parquet columns, filled straight from the results (no row dicts)."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in RESULT_COLUMNS}
        self._value_columns = [self.columns[name] for name in RESULT_COLUMNS[1:]]
        self.rows = self.errors = 0

    def add(self, line: ParsedLine, result: ScoreResult | None, explain: bool) -> None:
        self.rows += 1
        self.columns["line"].append(line.line)
        if result is None:
            self.errors += 1
            values: tuple[Any, ...] = (line.listing_id, None, None, None, None, None, None, None, line.error)
        else:
            # most listings have no reason at all: "[]" without a trip through the encoder
            reasons = json.dumps([r.to_dict(explain) for r in result.reasons], ensure_ascii=False) \
                if result.reasons else "[]"
            values = (result.listing_id, result.risk, result.flagged, result.level, result.brand_id, reasons,
                      result.library_version, result.model_version, result.error)
        for column, value in zip(self._value_columns, values, strict=True):
            column.append(value)

    def write(self, path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([("line", pa.int64()), ("listing_id", pa.string()), ("risk", pa.float64()),
                            ("flagged", pa.bool_()), ("level", pa.string()), ("brand_id", pa.string()),
                            ("reasons", pa.string()), ("library_version", pa.string()),
                            ("model_version", pa.string()), ("error", pa.string())])
        pq.write_table(pa.table(self.columns, schema=schema), path)


# -- client side ---------------------------------------------------------------------------------


def fingerprint(path: Path) -> dict[str, Any]:
    stat = path.stat()
    return {"input": str(path.resolve()), "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def prepare_output(out: Path, manifest: dict[str, Any], overwrite: bool) -> set[int]:
    """Create or reuse ``out``; the partitions already written for this very manifest."""
    out.mkdir(parents=True, exist_ok=True)
    recorded = out / MANIFEST
    if recorded.exists():
        previous = json.loads(recorded.read_text(encoding="utf-8"))
        if previous != manifest:
            if not overwrite:
                changed = sorted(k for k in manifest if previous.get(k) != manifest[k])
                raise BatchError(f"{out} holds a batch of other input or versions ({', '.join(changed)} differ); "
                                 "pass --overwrite to replace it, or choose another --out")
            for stale in out.glob("part-*"):
                stale.unlink()
    tmp = recorded.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    os.replace(tmp, recorded)
    suffix = f".{manifest['format']}"
    return {int(p.stem.split("-")[1]) for p in out.glob(f"part-*{suffix}")}


def run_batch(input_path: Path, out: Path, settings: Any, library_version: str, model_version: str,
              model: str | None, semantic: bool, explain: bool, fmt: str, workers: int, scheduler: str | None,
              rows_per_partition: int, overwrite: bool, progress: bool) -> dict[str, Any]:
    """Plan, skip what is written, score the rest on Dask; a summary with per-worker peak memory."""
    parts = plan(input_path, rows_per_partition)
    manifest = {**fingerprint(input_path), "library_version": library_version, "model_version": model_version,
                "semantic": semantic, "explain": explain, "format": fmt, "rows_per_partition": rows_per_partition,
                "partitions": len(parts)}
    done = prepare_output(out, manifest, overwrite)
    todo = [p for p in parts if p.index not in done]
    base = {"settings": settings.model_dump(mode="json", exclude_none=True), "library_version": library_version,
            "model": model, "semantic": semantic, "explain": explain, "format": fmt, "out": str(out.resolve())}
    started = time.perf_counter()
    scoring_s = 0.0
    summaries: list[dict[str, Any]] = []
    if todo:
        summaries, scoring_s = _score_on_dask(todo, base, workers, scheduler, progress)
        for orphan in out.glob(".part-*.tmp"):  # left by an attempt whose worker died; its retry wrote the part
            orphan.unlink(missing_ok=True)
    elapsed = time.perf_counter() - started
    rows = sum(s["rows"] for s in summaries)
    peaks: dict[int, float] = {}
    for s in summaries:
        peaks[s["worker"]] = max(peaks.get(s["worker"], 0.0), s["peak_rss_mib"])
    return {"partitions": len(parts), "written": len(summaries), "skipped": len(done), "rows": rows,
            "errors": sum(s["errors"] for s in summaries), "seconds": round(elapsed, 2),
            "scoring_seconds": round(scoring_s, 2),
            "rows_per_s": round(rows / scoring_s) if rows and scoring_s else None,
            "peak_rss_mib_per_worker": sorted(peaks.values()), "out": str(out)}


def _score_on_dask(todo: list[Partition], base: dict[str, Any], workers: int, scheduler: str | None,
                   progress: bool) -> tuple[list[dict[str, Any]], float]:
    """Score ``todo`` on a local cluster (or the scheduler's); the summaries and the seconds from warm workers."""
    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    with dask.config.set(QUIET_WORKERS):  # the local cluster's workers inherit it (a remote one: see QUIET_WORKERS)
        cluster = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                      dashboard_address=None, memory_limit=0)
        client = Client(scheduler) if scheduler else Client(cluster)
        try:
            client.wait_for_workers(1 if scheduler else workers)
            client.run(warm_worker, base)  # every worker loads the library and model now, once
            submitted = time.perf_counter()
            futures = [client.submit(score_partition, {**base, "partition": asdict(p)}, retries=2, pure=False,
                                     key=f"ipwatch-partition-{p.index}-{time.time_ns()}") for p in todo]
            summaries = list(_collect(as_completed(futures), len(futures), progress))
            return summaries, time.perf_counter() - submitted  # from warm workers: a long catalogue's rate
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def _collect(completed: Any, total: int, progress: bool) -> Iterator[dict[str, Any]]:
    if not progress:
        for future in completed:
            yield future.result()
        return
    from rich.progress import Progress

    # Redrawn when a partition lands, not 10 times a second: the client shares the cores with the workers
    # (a live bar cost them about a tenth of their rate in `bench --suite batch`).
    with Progress(transient=True, auto_refresh=False) as bar:
        task = bar.add_task("scoring partitions / 分区评分", total=total)
        bar.refresh()
        for future in completed:
            yield future.result()
            bar.advance(task)
            bar.refresh()


def read_results(out: Path) -> Iterator[dict[str, Any]]:
    """Every result of a finished batch, in input order (JSONL or Parquet parts)."""
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    for index in range(manifest["partitions"]):
        path = out / f"part-{index:05d}.{manifest['format']}"
        if manifest["format"] == "jsonl":
            with path.open(encoding="utf-8") as handle:
                yield from (json.loads(line) for line in handle)
        else:
            import pyarrow.parquet as pq

            for row in pq.read_table(path).to_pylist():
                row = {k: v for k, v in row.items() if v is not None and k != "line"}
                if "reasons" in row:
                    row["reasons"] = json.loads(row["reasons"])
                yield row
