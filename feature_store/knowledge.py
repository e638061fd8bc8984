"""The brand knowledge base, and product lines mined from a brand's own listings: proposals for a list.

A rights holder's list is often sparse (a name or two). The knowledge base knows other names,
product lines, trade nicknames and knock-off marks of well-known brands; a listed brand that shares a
name with an entry is offered what the list lacks. Product lines are also mined from the brand's
genuine catalogue and confirmed counterfeits (the exemplars): words common in its listings and rare
in every other brand's. Nothing here changes detection: each finding is a proposal, held until an
admin approves it (``ipwatch brands enrich``, ``ipwatch variants approve``).

Knowledge files: the bundled ``data/brand_knowledge.yaml`` (written for the project), and any files
named by ``IPWATCH_KNOWLEDGE_FILES``: the same YAML shape, or a CSV of English and Chinese names
(columns ``en``/``zh`` or ``brand_english_name``/``brand_chinese_name``), such as a purchasing agent's
alias table read in place.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from detector import Brand
from detector.text import chinese_words, has_cjk

from .files import LibraryFileError

# proposal kind → the list field an approved proposal joins
ENRICHMENT_KINDS = {
    "kb_name": "aliases",  # the brand's name in another language or spelling
    "kb_alias": "aliases",  # another name of the house mark (a trade nickname)
    "kb_product_line": "aliases",  # a line or model sold under the mark
    "kb_knockoff": "known_variants",  # a mark made to imitate it
    "catalogue_line": "aliases",  # a product line mined from the brand's own listings
}
# Lines start with a letter (AJ1, XT-6, Clifton); a token led by digits is a size or a measure (60ml, 40oz).
_LATIN_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*")
_KEY_DROP_RE = re.compile(r"[\s\-_.'’&·]+")


def name_key(text: str) -> str:
    """How names are compared: case and accents folded, spaces and punctuation dropped (Hermès = HERMES)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return _KEY_DROP_RE.sub("", "".join(ch for ch in folded if not unicodedata.combining(ch)))


@dataclass(frozen=True)
class KnowledgeEntry:
    """What is known of one brand: names (how it is matched), other names, lines, knock-offs."""

    names: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    product_lines: tuple[str, ...] = ()
    knockoffs: tuple[str, ...] = ()
    source: str = "bundled"

    def findings(self) -> Iterable[tuple[str, str]]:
        """(text, proposal kind) for everything the entry knows."""
        yield from ((n, "kb_name") for n in self.names)
        yield from ((a, "kb_alias") for a in self.aliases)
        yield from ((p, "kb_product_line") for p in self.product_lines)
        yield from ((k, "kb_knockoff") for k in self.knockoffs)


@dataclass
class BrandKnowledge:
    """Knowledge entries indexed by name key."""

    entries: list[KnowledgeEntry] = field(default_factory=list)
    version: str = ""
    _by_key: dict[str, list[KnowledgeEntry]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for entry in self.entries:
            for name in entry.names:
                self._by_key.setdefault(name_key(name), []).append(entry)

    @classmethod
    def load(cls, extra: Iterable[Path] = ()) -> BrandKnowledge:
        """The bundled knowledge file and any ``extra`` files (YAML as bundled, or a zh/en names CSV)."""
        bundled = Path(str(resources.files("feature_store") / "data" / "brand_knowledge.yaml"))
        entries, version = _read_yaml(bundled, "bundled")
        versions = [f"bundled:{version}"]
        for path in extra:
            if path.suffix.lower() == ".csv":
                entries += _read_names_csv(path)
                versions.append(path.name)
            else:
                more, more_version = _read_yaml(path, path.name)
                entries += more
                versions.append(f"{path.name}:{more_version}")
        return cls(entries, "+".join(versions))

    def entries_for(self, brand: Brand) -> list[KnowledgeEntry]:
        """Entries sharing a name with the listed brand (its names, or its aliases)."""
        seen: list[KnowledgeEntry] = []
        for name in [*brand.all_names(), *brand.aliases]:
            for entry in self._by_key.get(name_key(name), []):
                if entry not in seen:
                    seen.append(entry)
        return seen

    def proposals(self, brand: Brand) -> list[tuple[str, str]]:
        """(text, kind) the knowledge base offers ``brand`` that its list entry does not already hold."""
        have = {name_key(w) for w in [*brand.all_names(), *brand.aliases, *brand.known_variants]}
        names = {name_key(n) for n in brand.all_names() if len(name_key(n)) >= 2}
        out: list[tuple[str, str]] = []
        for entry in self.entries_for(brand):
            for text, kind in entry.findings():
                key = name_key(text)
                if kind != "kb_knockoff" and any(n in key for n in names):
                    continue  # the listed name and a word (苹果手机, Chanel No.5): the name already speaks
                if key and key not in have and len(text) <= 60:
                    have.add(key)
                    out.append((text, kind))
        return out


def mine_product_lines(
    brand: Brand,
    own_titles: list[str],
    other_titles: list[str],
    stop_words: Iterable[str] = (),
    english: frozenset[str] = frozenset(),
    min_listings: int = 2,
    min_share: float = 0.25,
) -> list[str]:
    """Words of a brand's own listings that look like its product lines (AJ1, Clifton, 酒神包).

    A word qualifies when it is in at least ``min_listings`` and ``min_share`` of the brand's
    listings, at least ten times as common there as in other brands' listings, and is neither the
    brand's own name nor a stop word (category keywords, lexicon terms) nor a bare number, nor an
    ``english`` dictionary word written in lower case (leggings; Align counts). Latin words are read
    as written (AJ1, XT-6); Chinese words by jieba's segmentation.
    """
    stop = {name_key(w) for w in stop_words}
    return product_lines(brand, document_counts(own_titles), len(own_titles), document_counts(other_titles),
                         len(other_titles), stop, english, min_listings, min_share)


def product_lines(
    brand: Brand,
    own: Counter[str],
    n_own: int,
    other: Counter[str],
    n_other: int,
    stop: set[str],
    english: frozenset[str] = frozenset(),
    min_listings: int = 2,
    min_share: float = 0.25,
) -> list[str]:
    """:func:`mine_product_lines` from document counts already made (``stop`` keyed by :func:`name_key`).

    For many brands at once, count each brand's listings once and give every brand the others' total.
    """
    if n_own < min_listings:
        return []
    have = {name_key(w) for w in [*brand.all_names(), *brand.aliases, *brand.known_variants]}
    n_other = max(n_other, 1)
    found = []
    for word, count in own.most_common():
        key = name_key(word)
        if count < min_listings or count / n_own < min_share:
            break
        if not key or key in have or key in stop or key.isdigit() or len(key) < 2:
            continue
        if word.islower() and word in english:
            continue
        if any(key in h or h in key for h in have if len(h) >= 2):
            continue  # the name with something stuck to it (Nike's, 耐克鞋) is the name
        if other.get(word, 0) / n_other * 10 > count / n_own:
            continue
        found.append(word)
    return found


def document_counts(titles: list[str]) -> Counter[str]:
    """In how many of ``titles`` each word occurs."""
    counts: Counter[str] = Counter()
    for title in titles:
        counts.update(set(_words(title)))
    return counts


def _words(title: str) -> list[str]:
    words = [m.group() for m in _LATIN_TOKEN_RE.finditer(title) if len(m.group()) >= 2]
    if has_cjk(title):
        words += chinese_words(title)
    return words


def _read_yaml(path: Path, source: str) -> tuple[list[KnowledgeEntry], str]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LibraryFileError(f"{path}: cannot read the knowledge file: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise LibraryFileError(f"{path}: expected a mapping with an 'entries' list")
    out = []
    for number, record in enumerate(data["entries"], start=1):
        names = record.get("names") if isinstance(record, dict) else None
        if not isinstance(names, dict) or not any(names.get(lang) for lang in ("zh", "en")):
            raise LibraryFileError(f"{path}: entry {number}: field 'names': needs zh or en names")
        try:
            out.append(KnowledgeEntry(
                names=tuple(str(n) for lang in ("zh", "en") for n in names.get(lang) or []),
                aliases=tuple(str(a) for a in record.get("aliases") or []),
                product_lines=tuple(str(p) for p in record.get("product_lines") or []),
                knockoffs=tuple(str(k) for k in record.get("knockoffs") or []),
                source=source,
            ))
        except TypeError as exc:
            raise LibraryFileError(f"{path}: entry {number}: lists of names expected ({exc})") from exc
    return out, str(data.get("version", "1"))


def _read_names_csv(path: Path) -> list[KnowledgeEntry]:
    """A CSV pairing English and Chinese names: each row one entry whose two names are each other's alias."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise LibraryFileError(f"{path}: cannot read the knowledge file: {exc}") from exc
    out = []
    for row in rows:
        en = (row.get("en") or row.get("brand_english_name") or "").strip()
        zh = (row.get("zh") or row.get("brand_chinese_name") or "").strip()
        names = tuple(n for n in (zh.replace(" ", ""), en) if n)
        if len(names) == 2:
            out.append(KnowledgeEntry(names=names, source=path.name))
    if rows and not out:
        raise LibraryFileError(f"{path}: no row pairs an English and a Chinese name (columns en, zh)")
    return out
