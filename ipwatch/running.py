"""One way to build the running detector: the stored library, a model, the semantic stage, the settings.

The CLI, the API (at start and on an admin reload) and the crawler's scoring pipeline all call
:func:`running_detector`, so a listing is judged the same way whichever door it came in by.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detector import Detector
    from feature_store import LibraryStore

    from .settings import Settings

PROMOTED = None  # the model argument that means "the promoted model, or the rule scorer when none is"


def library_store(settings: Settings, url: str | None = None) -> LibraryStore:
    """The library store ``settings`` name (or ``url``), with their knowledge-base files and choice."""
    from feature_store import LibraryStore

    store = LibraryStore(url or settings.resolved_database_url, cache_dir=settings.cache_dir,
                         knowledge_files=settings.knowledge_paths, apply_knowledge=settings.knowledge_base)
    if settings.knowledge_paths:
        try:
            store.knowledge  # noqa: B018 - a bad knowledge file is refused here, before any work starts
        except Exception:
            store.close()
            raise
    return store


def running_detector(settings: Settings, store: LibraryStore, model: str | None = PROMOTED,
                     semantic: bool = True, trained: Any = None, stage: Any = None) -> Detector:
    """A detector over ``store``'s library with ``model`` (a version, ``rules``, or the promoted one).

    ``trained`` and ``stage`` reuse an already loaded model and semantic stage (an admin reload
    recompiles only the library). Raises models.ModelRegistryError for an unknown version.
    """
    from detector import Detector
    from feature_store.semantic import load_semantic_stage
    from models import ModelRegistry

    if trained is None and model != "rules":
        registry = ModelRegistry(settings.models_dir)
        trained = registry.load_promoted() if model is PROMOTED else registry.load(model)
    if stage is None and semantic:
        stage = load_semantic_stage(store, settings.index_dir, settings.embedding_model,
                                    settings.faiss_approximate_above)
    return Detector(store.load_library(), settings.flag_threshold, settings.default_currency, model=trained,
                    semantic=stage if semantic else None)


def warm_up(detector: Detector) -> None:
    """Score the bundled demo listings once, so that a new worker's first requests do not pay for what the
    first scores build (measured: the first /v1/score on a fresh worker 124 ms, the next ones about 1 ms)."""
    from importlib import resources

    from .listings_io import read_listings

    with (resources.files("ipwatch") / "data" / "demo_listings.jsonl").open(encoding="utf-8") as handle:
        listings = [parsed.listing for parsed in read_listings(handle) if parsed.listing is not None]
    list(detector.score_many(listings))
    if detector.semantic is not None:  # the embedding claim model, fitted on first use (about 2 s on a new home)
        claims = detector.library.claims
        detector.semantic.claim_probabilities(["-"], claims.positives, claims.negatives)
        from detector.glossary import preload

        preload()  # the dictionary the semantic stage reads labels with, read on first use (under a second)
