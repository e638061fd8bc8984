"""``ipwatch demo``: the main job on bundled data, for a first look at what ipwatch does."""

from __future__ import annotations

import json
import secrets
from importlib import resources

from rich.console import Console
from rich.table import Table

from detector import Detector, Library, Listing, ScoreResult, SemanticStage
from eval import generate_labelled_set
from feature_store import (
    LibraryStore,
    bundled_exemplars,
    bundled_lexicon,
    bundled_protection_list,
    read_brands,
    read_terms,
)
from feature_store.exemplars import ExemplarStore, read_exemplar_file
from feature_store.review import ReviewStore
from feature_store.semantic import load_semantic_stage
from models import ModelRegistry, ModelRegistryError, TrainedScorer, train_model

from .listings_io import read_listings
from .running import running_detector
from .settings import Settings

DEFAULT_TRAINING_SEED = 7
DEFAULT_PER_FAMILY = 150


def ensure_default_model(
    library: Library, settings: Settings, console: Console, semantic: SemanticStage | None = None
) -> TrainedScorer:
    """The promoted model; when there is none (or it predates today's features), train one and promote it."""
    registry = ModelRegistry(settings.models_dir)
    try:
        promoted = registry.load_promoted()
    except ModelRegistryError as exc:
        console.print(f"The promoted model cannot be used ({exc}); training a new default model")
        promoted = None
    if promoted is not None:
        return promoted
    seeds = [json.loads(line) for line in bundled_exemplars("counterfeit").read_text(encoding="utf-8").splitlines()]
    rows = generate_labelled_set(library.brands, seed=DEFAULT_TRAINING_SEED, per_family=DEFAULT_PER_FAMILY, real=True,
                                 exemplars=seeds if semantic else None)
    result = train_model(Detector(library, default_currency=settings.default_currency, semantic=semantic), rows)
    version = result.metadata["version"]
    if version not in {m["version"] for m in registry.versions()}:
        registry.register(result.estimator, result.metadata)
    registry.promote(version)
    metrics = result.metadata["metrics"]
    console.print(f"Trained and promoted the default model {version} on {len(rows)} generated listings "
                  f"(held-out precision {metrics['precision']}, recall {metrics['recall']})")
    return registry.load(version)


def run_demo(store: LibraryStore, settings: Settings) -> None:
    """Import the sample list and lexicon, score the sample listings and print the flagged ones."""
    console = Console()
    brands = store.import_brands(read_brands(bundled_protection_list()), note="demo: bundled protection list")
    terms = store.import_terms(read_terms(bundled_lexicon()), note="demo: bundled lexicon")
    console.print(
        f"Protection list / 保护名录: {brands.total} brands; lexicon / 词库: {terms.total} terms; "
        f"library {terms.version}"
    )
    exemplars = ExemplarStore(store, settings.index_dir, settings.embedding_model, settings.faiss_approximate_above)
    for kind in ("counterfeit", "genuine"):
        added = exemplars.add(read_exemplar_file(bundled_exemplars(kind), exemplars.known_brands()), kind, "demo")
        console.print(f"Exemplars / 样本库 ({kind}): {added.total}")
    semantic = load_semantic_stage(store, settings.index_dir, settings.embedding_model,
                                   settings.faiss_approximate_above)
    library = store.load_library()
    model = ensure_default_model(library, settings, console, semantic)
    detector = running_detector(settings, store, model="rules", trained=model, stage=semantic)
    sample = resources.files("ipwatch") / "data" / "demo_listings.jsonl"
    with sample.open(encoding="utf-8") as handle:
        listings = [p.listing for p in read_listings(handle) if p.listing is not None]
    results = [(listing, detector.score(listing)) for listing in listings]
    flagged = sorted((r for r in results if r[1].flagged), key=lambda r: -r[1].risk)

    table = Table(title=f"Flagged listings / 疑似侵权 ({len(flagged)} of {len(results)})", show_lines=True)
    table.add_column("risk", justify="right")
    table.add_column("brand / 品牌")
    table.add_column("title / 标题")
    table.add_column("reasons / 理由")
    for listing, result in flagged:
        reasons = "\n".join(f"{r.signal}: {r.text} ({r.weight:+.1f})" for r in result.reasons if r.weight)
        table.add_row(f"{result.risk:.2f}", result.brand_id or "-", listing.title, reasons)
    console.print(table)
    cleared = [listing.title for listing, result in results if not result.flagged]
    console.print(f"Cleared / 未标记: {len(cleared)} listings, e.g. " + "; ".join(cleared[:4]))
    fill_review_queue(store, results)


def crawl_demo_shop(settings: Settings, products: int = 200) -> dict:  # type: ignore[type-arg]
    """Build and serve the bundled demo marketplace on loopback, crawl it, score and queue what it finds."""
    from crawler.demo_shop import build_shop, serve

    from .crawling import run_crawl

    folder = settings.home / "demo-shop"
    build_shop(folder, products)
    server, url = serve(folder)
    try:
        return run_crawl([url], settings, score=True, max_pages=products * 2, polite=False, allow_private=True)
    finally:
        server.shutdown()
        server.server_close()


def fill_review_queue(store: LibraryStore, results: list[tuple[Listing, ScoreResult]]) -> None:
    """Put the sample into the review queue and print a fresh reviewer key for the web service."""
    review = ReviewStore(store)
    items = []
    for listing, result in results:
        record = listing.model_dump(exclude_none=True)
        items.append((record, result.to_dict(explain=True)))
    created = sum(s.created for s in review.submit(items, actor="demo"))
    name = f"demo-reviewer-{secrets.token_hex(3)}"
    key = review.create_key(name, "reviewer")
    Console().print(f"Review queue / 审核队列: {created} new cases. Reviewer key for {name} (shown once):\n{key}")
