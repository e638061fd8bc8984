"""The loaded library: protection list, lexicon and rules compiled into one automaton.

Compiling is the expensive part and happens once per library version; scoring a listing then
costs one automaton scan over its normalised text and pinyin view, plus fuzzy matching of the
few Latin tokens that nothing else explained.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

import ahocorasick
import yaml

from .pinyin import FILLER, PinyinTables, pinyin_tables
from .text import normalise_term
from .types import Brand, LexiconTerm

LATIN_RE = re.compile(r"^[a-z0-9 .&'+-]+$")
CJK_ONLY_RE = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")


class Pattern(NamedTuple):
    """What a key in the automaton stands for."""

    kind: str  # name alias variant initials pinyin prefix suffix homophone term exempt nominative ...
    ref: Any  # brand index, term index, category name or homonym word
    latin: bool  # needs word boundaries at its Latin edges
    word: str  # the entry as written in the library (a brand name, a term)


@dataclass(frozen=True)
class LexicalRules:
    """Context vocabularies from ``rules/lexical.yaml``."""

    version: int
    nominative_cues: list[str]
    accessory_words: list[str]
    second_hand_markers: list[str]
    exempt_phrases: list[str]
    homonyms: dict[str, list[str]]
    category_keywords: dict[str, list[str]]


@dataclass(frozen=True)
class ScoringRules:
    """Weights and thresholds of the rule scorer from ``rules/scoring.yaml``."""

    raw: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]


def _read_rules(name: str) -> dict[str, Any]:
    text = resources.files("detector.rules").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _flatten(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [w for items in value.values() for w in items]
    return list(value)


@lru_cache(maxsize=1)
def load_lexical_rules() -> LexicalRules:
    raw = _read_rules("lexical.yaml")
    return LexicalRules(
        version=int(raw["version"]),
        nominative_cues=_flatten(raw["nominative_cues"]),
        accessory_words=_flatten(raw["accessory_words"]),
        second_hand_markers=_flatten(raw["second_hand_markers"]),
        exempt_phrases=_flatten(raw["exempt_phrases"]),
        homonyms={k: list(v) for k, v in raw["homonyms"].items()},
        category_keywords={k: list(v) for k, v in raw["category_keywords"].items()},
    )


@lru_cache(maxsize=1)
def load_scoring_rules() -> ScoringRules:
    return ScoringRules(_read_rules("scoring.yaml"))


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Ordinary English words: a token that is one is not a disguised brand name."""
    from english_words import get_english_words_set

    return frozenset(w for w in get_english_words_set(["web2"], lower=True, alpha=True) if len(w) >= 4)


@lru_cache(maxsize=1)
def _chinese_words() -> tuple[str, ...]:
    """Three- and four-character words of jieba's dictionary (guards against homophone accidents)."""
    import jieba

    path = resources.files(jieba).joinpath("dict.txt")
    words = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            word = line.split(" ", 1)[0]
            if 3 <= len(word) <= 4 and CJK_ONLY_RE.match(word):
                words.append(word)
    return tuple(words)


def library_version(brands: list[Brand], terms: list[LexiconTerm]) -> str:
    """Content hash of everything that decides a lexical score."""
    payload = {
        "brands": sorted((b.model_dump(mode="json") for b in brands), key=lambda b: b["id"]),
        "terms": sorted(
            (t.model_dump(mode="json", exclude={"source"}) for t in terms), key=lambda t: (t["term"], t["category"])
        ),
        "lexical_rules": load_lexical_rules().version,
        "scoring_rules": load_scoring_rules()["version"],
    }
    digest = hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return f"lib-{digest[:12]}"


@dataclass
class Library:
    """A protection list and lexicon compiled for matching. Build with :meth:`compile`."""

    brands: list[Brand]
    terms: list[LexiconTerm]
    version: str
    rules: LexicalRules
    scoring: ScoringRules
    pinyin: PinyinTables
    automaton: Any
    fuzzy_targets: dict[int, list[tuple[str, int, str]]]  # length → [(collapsed skeleton, brand, form)]
    initials_brands: dict[str, list[int]]
    term_forms: frozenset[str]
    brand_index: dict[str, int] = field(default_factory=dict)

    @classmethod
    def compile(cls, brands: list[Brand], terms: list[LexiconTerm]) -> Library:
        """Compile brands, lexicon and rules into a ready-to-scan library."""
        rules = load_lexical_rules()
        tables = pinyin_tables()
        builder = _AutomatonBuilder()
        fuzzy: dict[int, list[tuple[str, int, str]]] = {}
        initials_brands: dict[str, list[int]] = {}
        two_char_codes: set[str] = set()

        for b_idx, brand in enumerate(brands):
            for name in brand.all_names():
                builder.add(name, "name", b_idx)
            for alias in brand.aliases:
                builder.add(alias, "alias", b_idx)
            for variant in brand.known_variants:
                builder.add(variant, "variant", b_idx)
            for word in [*brand.all_names(), *brand.aliases]:
                form = normalise_term(word)
                squeezed = form.replace(" ", "")
                if LATIN_RE.match(form) and " " in form and len(squeezed) >= 6:
                    builder.add_form(squeezed, "alias" if word in brand.aliases else "name", b_idx, word)
                if LATIN_RE.match(form) and len(squeezed) >= 4 and squeezed.isalpha():
                    collapsed = collapse_repeats(squeezed)
                    fuzzy.setdefault(len(collapsed), []).append((collapsed, b_idx, word))
            for zh in [*brand.names.zh, *(a for a in brand.aliases if CJK_ONLY_RE.match(a))]:
                if not CJK_ONLY_RE.match(zh) or len(zh) < 2:
                    continue
                for code in tables.codes(zh):
                    builder.add_form(code, "homophone", b_idx, zh, latin=False, raw=True)
                    if len(zh) == 2:
                        two_char_codes.add(code)
                if zh in brand.names.zh:
                    spelled = tables.spelling(zh)
                    en_forms = {normalise_term(n).replace(" ", "") for n in brand.names.en}
                    if spelled and len(spelled) >= 5 and spelled not in en_forms:
                        builder.add_form(spelled, "pinyin", b_idx, zh)
                    initials = tables.initials(zh)
                    if initials and len(initials) >= 2:
                        builder.add_form(initials, "initials", b_idx, zh)
                        initials_brands.setdefault(initials, []).append(b_idx)
                    if len(zh) >= 4:
                        builder.add_form(normalise_term(zh[:-1]), "prefix", b_idx, zh, latin=False)
                        builder.add_form(normalise_term(zh[1:]), "suffix", b_idx, zh, latin=False)

        term_forms = set()
        for t_idx, term in enumerate(terms):
            builder.add(term.term, "term", t_idx)
            term_forms.add(normalise_term(term.term))
        for phrase in rules.exempt_phrases:
            builder.add(phrase, "exempt", None)
        for cue in rules.nominative_cues:
            builder.add(cue, "nominative", None)
        for word in rules.accessory_words:
            builder.add(word, "accessory", None)
        for marker in rules.second_hand_markers:
            builder.add(marker, "second_hand", None)
        for homonym, contexts in rules.homonyms.items():
            for word in contexts:
                builder.add(word, "homonym_context", normalise_term(homonym))
        for category, words in rules.category_keywords.items():
            for word in words:
                builder.add(word, "category", category)
        if two_char_codes:
            for word in _chinese_words():
                coded = tables.view(word)
                if any(coded[i : i + 2] in two_char_codes for i in range(len(word) - 1)):
                    builder.add(word, "guard", None)

        library = cls(
            brands=list(brands),
            terms=list(terms),
            version=library_version(brands, terms),
            rules=rules,
            scoring=load_scoring_rules(),
            pinyin=tables,
            automaton=builder.build(),
            fuzzy_targets=fuzzy,
            initials_brands=initials_brands,
            term_forms=frozenset(term_forms),
        )
        library.brand_index = {b.id: i for i, b in enumerate(brands)}
        return library

    def brand(self, brand_id: str) -> Brand | None:
        idx = self.brand_index.get(brand_id)
        return None if idx is None else self.brands[idx]

    def scan_view(self, text: str) -> str:
        """The string the automaton scans: normalised text, a separator, and its pinyin view."""
        return text + FILLER + self.pinyin.view(text)


def collapse_repeats(word: str) -> str:
    """Adidaas → adidas, caaaoach → caoach: doubled letters are a cheap disguise."""
    return re.sub(r"(.)\1+", r"\1", word)


class _AutomatonBuilder:
    def __init__(self) -> None:
        self._keys: dict[str, list[Pattern]] = {}

    def add(self, word: str, kind: str, ref: Any) -> None:
        form = normalise_term(word)
        if form:
            self.add_form(form, kind, ref, word)

    def add_form(self, form: str, kind: str, ref: Any, word: str, latin: bool | None = None, raw: bool = False) -> None:
        if latin is None:
            latin = bool(re.match(r"^[a-z0-9]", form)) or bool(re.search(r"[a-z0-9]$", form))
        pattern = Pattern(kind, ref, latin and not raw, word)
        bucket = self._keys.setdefault(form, [])
        if pattern not in bucket:
            bucket.append(pattern)

    def build(self) -> Any:
        automaton = ahocorasick.Automaton()
        for key, patterns in self._keys.items():
            automaton.add_word(key, (len(key), tuple(patterns)))
        automaton.make_automaton()
        return automaton
