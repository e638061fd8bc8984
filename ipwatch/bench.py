"""``ipwatch bench``: throughput figures, each beside the limit it is measured against in the same run."""

from __future__ import annotations

import multiprocessing
import os
import platform
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from detector import Detector, Library, Listing
from feature_store import LibraryStore, bundled_lexicon, bundled_protection_list, read_brands, read_terms

from .heap import settle_heap

LEXICAL_GOAL_PER_S = 20_000
LEXICAL_GOAL_RATIO = 0.3
ROUNDS = 3  # timed runs of each throughput figure; the fastest counts


def bench_titles(size: int, library: Library) -> tuple[list[str], str]:
    """``size`` titles: real marketplace titles from ../shared/data, cycled; generated when absent."""
    from eval import generate_labelled_set, real_titles

    titles = [str(r["title"])[:500] for source in ("taobao", "walmart", "jd") for r in real_titles(source)]
    origin = "real titles (taobao, walmart, jd) from ../shared/data, cycled"
    if not titles:
        seed = 0
        while len(titles) < size:
            titles += [r["title"] for r in generate_labelled_set(library.brands, seed=seed, per_family=200)]
            seed += 1
        origin = "generated labelled-set titles (../shared/data absent)"
    repeated = (titles * (size // len(titles) + 1))[:size]
    return repeated, origin


def bench_library(store: LibraryStore) -> Library:
    """The stored library; an empty store is left empty and the bundled list is compiled in memory."""
    library = store.load_library()
    if not library.brands:
        library = Library.compile(read_brands(bundled_protection_list()), read_terms(bundled_lexicon()))
    return library


def _consume(results: Iterable[Any]) -> None:
    """Take results one by one without keeping them, as `ipwatch score` writes each out."""
    deque(results, maxlen=0)


def _timed(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


_WORKER_STATE: dict[str, Any] = {}


def _score_shard(bounds: tuple[int, int]) -> int:
    detector: Detector = _WORKER_STATE["detector"]
    listings: list[Listing] = _WORKER_STATE["listings"]
    flagged = 0
    for result in detector.score_many(listings[bounds[0] : bounds[1]]):
        flagged += result.flagged
    return flagged


def _bare_shard(bounds: tuple[int, int]) -> int:
    automaton = _WORKER_STATE["detector"].library.automaton
    matches = 0
    for title in _WORKER_STATE["titles"][bounds[0] : bounds[1]]:
        for _ in automaton.iter(title.lower()):
            matches += 1
    return matches


def _in_workers(task: Callable[[tuple[int, int]], int], size: int, workers: int) -> float:
    """Wall time for ``workers`` forked processes to run ``task`` over equal shards."""
    step = -(-size // workers)
    shards = [(i, min(i + step, size)) for i in range(0, size, step)]
    context = multiprocessing.get_context("fork")
    start = time.perf_counter()
    with context.Pool(workers) as pool:
        pool.map(task, shards)
    return time.perf_counter() - start


def lexical_suite(store: LibraryStore, size: int, progress: bool) -> dict[str, Any]:
    """Lexical stage throughput against a bare Aho-Corasick scan of the same titles and patterns."""
    library = bench_library(store)
    titles, origin = bench_titles(size, library)
    listings = [Listing(listing_id=str(i), title=t) for i, t in enumerate(titles)]
    detector = Detector(library)
    automaton = library.automaton
    say = print if progress else (lambda *_a, **_k: None)

    say(f"lexical: warming up on {min(size, 5000)} listings")
    _consume(detector.score_many(listings[:5000]))
    settle_heap()  # as `ipwatch score` does once the library is loaded

    def bare() -> None:
        for title in titles:
            for _ in automaton.iter(title.lower()):
                pass

    # Alternate the two, ROUNDS times, and keep each one's fastest run (as timeit does): a burst of load
    # from elsewhere on a shared machine then slows one run, not the figure.
    limit_s = lexical_s = float("inf")
    for round_ in range(1, ROUNDS + 1):
        say(f"lexical: round {round_}/{ROUNDS}: bare automaton scan of {size} titles, then scoring them")
        limit_s = min(limit_s, _timed(bare))
        lexical_s = min(lexical_s, _timed(lambda: _consume(detector.score_many(listings))))

    workers = min(os.cpu_count() or 1, 2)
    _WORKER_STATE.update(detector=detector, listings=listings, titles=titles)
    say(f"lexical: scoring {size} listings in {workers} processes, and the bare scan likewise")
    parallel_s = _in_workers(_score_shard, size, workers)
    parallel_limit_s = _in_workers(_bare_shard, size, workers)
    _WORKER_STATE.clear()

    per_s = size / lexical_s
    limit = size / limit_s
    return {
        "lexical_n": size,
        "lexical_titles": origin,
        "lexical_per_s": round(per_s),
        "aho_corasick_limit_per_s": round(limit),
        "lexical_limit_per_s": round(limit),
        "lexical_ratio": round(per_s / limit, 3),
        "lexical_goal_per_s": LEXICAL_GOAL_PER_S,
        "lexical_goal_ratio": LEXICAL_GOAL_RATIO,
        "lexical_parallel_per_s": round(size / parallel_s),
        "aho_corasick_parallel_limit_per_s": round(size / parallel_limit_s),
        "lexical_workers": workers,
        "lexical_rounds": ROUNDS,
        "library_version": library.version,
        "library_brands": len(library.brands),
        "library_terms": len(library.terms),
    }


TRAIN_ROWS = 50_000
TRAIN_LIMIT_S = 300.0


def train_suite(store: LibraryStore, size: int, progress: bool) -> dict[str, Any]:
    """Training time on 50,000 generated labelled listings, beside the five-minute limit."""
    from eval import generate_labelled_set
    from models import train_model

    library = bench_library(store)
    say = print if progress else (lambda *_a, **_k: None)
    families = 17
    say(f"train: generating {TRAIN_ROWS} labelled listings")
    rows = generate_labelled_set(library.brands, seed=1, per_family=-(-TRAIN_ROWS // families))[:TRAIN_ROWS]
    say("train: featurising, fitting and calibrating")
    result = train_model(Detector(library), rows)
    return {
        "train_rows": len(rows),
        "train_s": result.metadata["train_seconds"],
        "train_limit_s": TRAIN_LIMIT_S,
        "train_held_out_pr_auc": result.metadata["metrics"]["pr_auc"],
    }


def api_suite(store: LibraryStore, size: int, progress: bool) -> dict[str, Any]:
    from .bench_api import api_suite as run

    return run(store, size, progress)


def crawl_suite(store: LibraryStore, size: int, progress: bool) -> dict[str, Any]:
    from .bench_crawl import crawl_suite as run

    return run(store, size, progress)


def serve_workers_suite(store: LibraryStore, size: int, progress: bool) -> dict[str, Any]:
    from .bench_api import serve_workers_suite as run

    return run(store, size, progress)


def list_change_suite(store: LibraryStore, size: int, progress: bool) -> dict[str, Any]:
    from .bench_api import list_change_suite as run

    return run(store, size, progress)


def batch_suite(store: LibraryStore, size: int, progress: bool) -> dict[str, Any]:
    from .bench_batch import batch_suite as run

    return run(store, size, progress)


def soak_suite(store: LibraryStore, size: int, progress: bool) -> dict[str, Any]:
    from .bench_soak import soak_suite as run

    return run(store, size, progress)


def _semantic(name: str) -> Callable[[LibraryStore, int, bool], dict[str, Any]]:
    def run(store: LibraryStore, size: int, progress: bool) -> dict[str, Any]:
        from . import bench_semantic

        return getattr(bench_semantic, f"{name}_suite")(store, size, progress)

    return run


SUITES: dict[str, Callable[[LibraryStore, int, bool], dict[str, Any]]] = {
    "lexical": lexical_suite,
    "train": train_suite,
    "api": api_suite,
    "embed": _semantic("embed"),
    "faiss": _semantic("faiss"),
    "end_to_end": _semantic("end_to_end"),
    "crawl": crawl_suite,
    "batch": batch_suite,
    "serve_workers": serve_workers_suite,
    "list_change": list_change_suite,
    "soak": soak_suite,
}
# minutes each (or issue 12's scale-out), or servers of their own: by name, not by "all"
LONG_SUITES = {"soak", "batch", "serve_workers", "list_change"}


def run_benchmarks(store: LibraryStore, suite: str, size: int, progress: bool = True) -> dict[str, Any]:
    """Run one suite or all of them; figures from one run, with the machine they ran on."""
    chosen = {k: v for k, v in SUITES.items() if k not in LONG_SUITES} if suite == "all" else {suite: SUITES[suite]}
    figures: dict[str, Any] = {"cpu_count": os.cpu_count(), "python": platform.python_version()}
    for run in chosen.values():
        figures.update(run(store, size, progress))
    return figures
