"""Benchmarks of the semantic stage: embedding, FAISS at a million exemplars, the whole cascade."""

from __future__ import annotations

import os
import resource
import tempfile
import time
from typing import Any

import numpy as np

from detector import Detector, Listing
from feature_store import (
    LibraryStore,
    bundled_exemplars,
    bundled_lexicon,
    bundled_protection_list,
    read_brands,
    read_terms,
)

FAISS_N = 1_000_000
FAISS_DIM = 512
FAISS_P99_LIMIT_MS = 5.0
FAISS_RECALL_LIMIT = 0.95
FAISS_BYTES_LIMIT = 1 << 30


def _say(progress: bool):  # type: ignore[no-untyped-def]
    return print if progress else (lambda *_a, **_k: None)


def embed_suite(_store: LibraryStore, _size: int, progress: bool) -> dict[str, Any]:
    """`SentenceTransformer.encode` through ipwatch beside the bare `model.encode` of the same titles."""
    from feature_store.embedding import encode, load_embedder

    from .bench import bench_library, bench_titles

    titles, _origin = bench_titles(3000, bench_library(_store))
    _say(progress)(f"embed: {len(titles)} titles, warm-up first")
    model = load_embedder(None)
    encode(titles[:200])
    started = time.perf_counter()
    model.encode(titles, batch_size=256, show_progress_bar=False)
    bare = time.perf_counter() - started
    started = time.perf_counter()
    encode(titles)
    ours = time.perf_counter() - started
    return {"embed_n": len(titles), "embed_per_s": round(len(titles) / ours),
            "embed_limit_per_s": round(len(titles) / bare)}


def faiss_suite(_store: LibraryStore, _size: int, progress: bool) -> dict[str, Any]:
    """1,000,000 exemplars of 512 dimensions: build, size, single-query latency, recall@10."""
    import faiss

    from feature_store.index import ExemplarIndex

    say = _say(progress)
    rng = np.random.default_rng(0)
    say(f"faiss: {FAISS_N} clustered unit vectors of {FAISS_DIM} dimensions")
    centres = rng.normal(size=(2000, FAISS_DIM)).astype(np.float32)
    vectors = centres[rng.integers(0, len(centres), FAISS_N)] + 0.6 * rng.normal(
        size=(FAISS_N, FAISS_DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    say("faiss: building IVF-SQ8 (recall measured against exact search at build)")
    index = ExemplarIndex.build(vectors, np.arange(FAISS_N), approximate_above=100_000)
    queries = vectors[rng.choice(FAISS_N, 1000, replace=False)] + 0.05 * rng.normal(size=(1000, FAISS_DIM)).astype(
        np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    faiss.omp_set_num_threads(1)  # single queries, as the API makes them
    latencies = []
    for query in queries:
        started = time.perf_counter()
        index.search(query[None, :], 10)
        latencies.append((time.perf_counter() - started) * 1000)
    with tempfile.TemporaryDirectory() as folder:
        from pathlib import Path

        index.save(Path(folder), "bench")
        on_disk = (Path(folder) / "bench.faiss").stat().st_size
    return {
        "faiss_n": FAISS_N,
        "faiss_type": index.manifest["type"],
        "faiss_nprobe": index.manifest.get("nprobe"),
        "faiss_build_s": index.manifest["build_s"],
        "faiss_p50_ms": round(float(np.percentile(latencies, 50)), 3),
        "faiss_p99_ms": round(float(np.percentile(latencies, 99)), 3),
        "faiss_p99_limit_ms": FAISS_P99_LIMIT_MS,
        "faiss_recall_at_10": index.manifest["recall_at_10"],
        "faiss_recall_limit": FAISS_RECALL_LIMIT,
        "faiss_index_bytes": on_disk,
        "faiss_index_limit_bytes": FAISS_BYTES_LIMIT,
        "faiss_process_max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def end_to_end_suite(_store: LibraryStore, size: int, progress: bool) -> dict[str, Any]:
    """The cascade on listings of which about 10% are candidates, beside encoding every listing."""
    from feature_store.embedding import encode
    from feature_store.exemplars import ExemplarStore, read_exemplar_file
    from feature_store.semantic import ExemplarSemantics

    from .bench import bench_titles

    say = _say(progress)
    with tempfile.TemporaryDirectory() as home:
        from pathlib import Path

        store = LibraryStore(f"sqlite:///{home}/ipwatch.db")
        store.import_brands(read_brands(bundled_protection_list()))
        store.import_terms(read_terms(bundled_lexicon()))
        exemplars = ExemplarStore(store, Path(home) / "indices")
        for kind in ("counterfeit", "genuine"):
            exemplars.add(read_exemplar_file(bundled_exemplars(kind), exemplars.known_brands()), kind)
        library = store.load_library()
        detector = Detector(library, semantic=ExemplarSemantics(exemplars))
        titles, origin = bench_titles(size, library)
        listings = [Listing(listing_id=str(i), title=t) for i, t in enumerate(titles)]
        say(f"end_to_end: {size} listings ({origin})")
        list(detector.score_many(listings[:2000]))
        started = time.perf_counter()
        results = list(detector.score_many(listings))
        cascade = time.perf_counter() - started
        candidates = sum(1 for r in results if r.brand_id is not None or r.reasons)
        sample = titles[: min(size, 5000)]
        started = time.perf_counter()
        encode(sample)
        embed_all = time.perf_counter() - started
        store.close()
    return {
        "end_to_end_n": size,
        "end_to_end_per_s": round(size / cascade),
        "embed_all_limit_per_s": round(len(sample) / embed_all),
        "end_to_end_min_per_s": 3000,
        "end_to_end_candidate_share": round(candidates / size, 3),
    }
