"""The feature library: protection list, counterfeit-signal lexicon and their versions, in SQL."""

from importlib import resources
from pathlib import Path

from .files import LibraryFileError, read_brands, read_terms
from .store import ImportReport, LibraryStore, make_engine

__all__ = [
    "ImportReport",
    "LibraryFileError",
    "LibraryStore",
    "bundled_exemplars",
    "bundled_lexicon",
    "bundled_protection_list",
    "make_engine",
    "read_brands",
    "read_terms",
]


def bundled_protection_list() -> Path:
    """Path of the sample key-trademark protection list shipped with ipwatch."""
    return Path(str(resources.files("feature_store") / "data" / "protection_list.yaml"))


def bundled_exemplars(kind: str) -> Path:
    """Path of the starter exemplar set of ``kind`` (counterfeit or genuine) for the sample list."""
    return Path(str(resources.files("feature_store") / "data" / f"exemplars_{kind}.jsonl"))


def bundled_lexicon() -> Path:
    """Path of the counterfeit-signal lexicon shipped with ipwatch."""
    return Path(str(resources.files("feature_store") / "data" / "lexicon.yaml"))
