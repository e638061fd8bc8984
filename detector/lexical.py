"""Stage 1 of the cascade: evasion-aware lexical matching of a listing against the library.

One automaton scan finds brand names, aliases, known variants, pinyin spellings and initials,
homophones (in the pinyin view), lexicon terms and the context words the rules need. Latin
tokens that nothing explained are then compared with the brand names by edit distance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import Levenshtein

from .library import Library, collapse_repeats, english_words
from .pinyin import FILLER
from .text import SKELETON, NormalisedText, is_cjk, normalise, plain_form

_TOKEN_RE = re.compile(r"[a-z][a-z0-9]*")
_FUZZY_CACHE_LIMIT = 200_000
NEAR_CUE_GAP = 6  # characters allowed between a nominative cue and the brand it introduces

EVASION_KINDS = frozenset({"variant", "obfuscated", "lookalike", "homophone", "pinyin", "initials", "near_name"})
CONTEXT_KINDS = frozenset({"initials", "near_name"})


@dataclass(slots=True)
class Hit:
    """A pattern found in the normalised text, [start, end) in normalised coordinates."""

    kind: str
    ref: Any
    start: int
    end: int
    word: str


@dataclass(slots=True)
class BrandHit:
    """Evidence that the listing names (or disguises) a brand on the protection list."""

    brand: int
    kind: str
    start: int
    end: int
    word: str
    needs_context: bool = False
    detail: str | None = None


@dataclass
class LexicalEvidence:
    """Everything stage 1 found in one title."""

    text: NormalisedText
    brand_hits: list[BrandHit]
    terms: list[Hit]
    nominative: list[Hit]
    accessory: list[Hit]
    second_hand: list[Hit]
    categories: set[str]
    homonyms: list[tuple[BrandHit, Hit]] = field(default_factory=list)

    @property
    def is_candidate(self) -> bool:
        """Whether later (costlier) stages should look at this listing."""
        return bool(self.brand_hits or self.terms)

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.text.original_span(start, end)

    def snippet(self, start: int, end: int) -> str:
        return self.text.original_text(start, end)


class LexicalMatcher:
    """Runs stage 1 for one compiled library; keeps a cache of fuzzy look-ups across listings."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._fuzzy_cache: dict[str, tuple[int, str] | None] = {}
        self._english = english_words()

    def analyse(self, title: str, category: str | None = None) -> LexicalEvidence:
        """Find brand and signal evidence in ``title``."""
        nt = normalise(title)
        view = nt.text.translate(SKELETON)
        hits = self._scan(nt, view)
        by_kind: dict[str, list[Hit]] = {}
        for hit in hits:
            by_kind.setdefault(hit.kind, []).append(hit)

        exempt = by_kind.get("exempt", [])
        terms = [t for t in by_kind.get("term", []) if not _inside_any(t, exempt)]
        terms = _drop_contained(terms)
        categories = {h.ref for h in by_kind.get("category", [])}
        if category:
            categories.add(category.strip().lower())

        brand_hits = self._brand_hits(nt, view, by_kind, categories, bool(terms))
        brand_hits, homonyms = self._drop_homonyms(brand_hits, by_kind.get("homonym_context", []), nt)
        return LexicalEvidence(
            text=nt,
            brand_hits=brand_hits,
            terms=terms,
            nominative=by_kind.get("nominative", []),
            accessory=by_kind.get("accessory", []),
            second_hand=by_kind.get("second_hand", []),
            categories=categories,
            homonyms=homonyms,
        )

    # -- scanning -----------------------------------------------------------------------------

    def _scan(self, nt: NormalisedText, view: str) -> list[Hit]:
        n = len(view)
        scan = view + FILLER + self.library.pinyin.view(view)
        hits: list[Hit] = []
        for last, (length, patterns) in self.library.automaton.iter(scan):
            start, end = last - length + 1, last + 1
            in_pinyin = start > n
            if in_pinyin:
                start, end = start - n - 1, end - n - 1
            for pattern in patterns:
                if (pattern.kind == "homophone") != in_pinyin:
                    continue
                if pattern.latin and not _latin_boundaries(view, start, end, nt):
                    continue
                hits.append(Hit(pattern.kind, pattern.ref, start, end, pattern.word))
        return hits

    # -- brands -------------------------------------------------------------------------------

    def _brand_hits(
        self,
        nt: NormalisedText,
        view: str,
        by_kind: dict[str, list[Hit]],
        categories: set[str],
        has_terms: bool,
    ) -> list[BrandHit]:
        lib = self.library
        found: list[BrandHit] = []
        for kind in ("name", "alias", "variant", "pinyin"):
            for hit in by_kind.get(kind, []):
                found.append(self._exact_hit(nt, hit))
        exact_spans = [(h.start, h.end) for h in found]

        guards = by_kind.get("guard", [])
        for hit in by_kind.get("homophone", []):
            brand = lib.brands[hit.ref]
            window = nt.text[hit.start : hit.end]
            if window in brand.names.zh or window in brand.aliases or _overlaps_any(hit, exact_spans):
                continue
            if _inside_any(hit, guards, strictly_longer=True):
                continue
            found.append(
                BrandHit(hit.ref, "homophone", hit.start, hit.end, hit.word, needs_context=len(window) <= 2,
                         detail=f"{window} sounds like {hit.word}")
            )

        for hit in by_kind.get("initials", []):
            original = nt.original_text(hit.start, hit.end)
            if not original.isupper():
                continue
            found.append(BrandHit(hit.ref, "initials", hit.start, hit.end, hit.word, needs_context=True,
                                  detail=f"{original} = pinyin initials of {hit.word}"))

        for hit in (*by_kind.get("prefix", []), *by_kind.get("suffix", [])):
            name = hit.word
            if hit.kind == "prefix":
                pos, expected, start, end = hit.end, name[-1], hit.start, hit.end + 1
            else:
                pos, expected, start, end = hit.start - 1, name[0], hit.start - 1, hit.end
            if pos < 0 or pos >= len(nt.text) or not is_cjk(nt.text[pos]) or nt.text[pos] == expected:
                continue
            if _overlaps_any(Hit("", None, start, end, ""), exact_spans):
                continue
            found.append(BrandHit(hit.ref, "near_name", start, end, name, needs_context=True,
                                  detail=f"{nt.text[start:end]} imitates {name}"))

        found.extend(self._fuzzy_hits(nt, view, found))
        for hit in found:
            if hit.needs_context:
                brand = lib.brands[hit.brand]
                if has_terms or categories.intersection(c.lower() for c in brand.categories):
                    hit.needs_context = False
        return _prefer_longest(found)

    def _exact_hit(self, nt: NormalisedText, hit: Hit) -> BrandHit:
        original = nt.original_text(hit.start, hit.end)
        kind = hit.kind
        detail = None
        disguised = nt.has_gap_inside(hit.start, hit.end) or plain_form(original) != plain_form(hit.word)
        if kind in ("name", "alias") and disguised:
            kind, detail = "obfuscated", f"{original} disguises {hit.word}"
        elif kind == "pinyin":
            detail = f"{original} spells {hit.word} in pinyin"
        return BrandHit(hit.ref, kind, hit.start, hit.end, hit.word, detail=detail)

    def _fuzzy_hits(self, nt: NormalisedText, view: str, known: list[BrandHit]) -> list[BrandHit]:
        covered = [(h.start, h.end) for h in known]
        tokens = [m for m in _TOKEN_RE.finditer(view) if not _overlaps_any(Hit("", None, *m.span(), ""), covered)]
        out: list[BrandHit] = []
        previous = None
        for m in tokens:
            candidates = [(m.start(), m.end())]
            if previous is not None and m.start() - previous.end() == 1:
                candidates.append((previous.start(), m.end()))
            for start, end in candidates:
                found = self._fuzzy_lookup(nt.text[start:end], view[start:end])
                if found is not None:
                    brand, word = found
                    original = nt.original_text(start, end)
                    out.append(BrandHit(brand, "lookalike", start, end, word, detail=f"{original} looks like {word}"))
                    break
            previous = m
        return out

    def _fuzzy_lookup(self, plain: str, skeleton: str) -> tuple[int, str] | None:
        key = skeleton
        if key in self._fuzzy_cache:
            return self._fuzzy_cache[key]
        result = None
        squeezed = skeleton.replace(" ", "")
        if (
            len(squeezed) >= 4
            and squeezed.isalpha()
            and plain.replace(" ", "") not in self._english
            and not all(part in self._english or len(part) < 3 for part in plain.split(" "))
            and squeezed not in self.library.term_forms
        ):
            result = self._closest_brand(collapse_repeats(squeezed))
        if len(self._fuzzy_cache) < _FUZZY_CACHE_LIMIT:
            self._fuzzy_cache[key] = result
        return result

    def _closest_brand(self, token: str) -> tuple[int, str] | None:
        best: tuple[int, int, str] | None = None
        for length in range(len(token) - 2, len(token) + 3):
            for target, brand, word in self.library.fuzzy_targets.get(length, ()):
                if target[0] != token[0]:
                    continue
                limit = 1 if len(target) < 8 else 2
                distance = Levenshtein.distance(token, target, score_cutoff=limit)
                if distance > limit:
                    continue
                if len(target) <= 5 and target[-1] != token[-1]:
                    continue
                if best is None or distance < best[0]:
                    best = (distance, brand, word)
        return None if best is None else (best[1], best[2])

    def _drop_homonyms(
        self, hits: list[BrandHit], contexts: list[Hit], nt: NormalisedText
    ) -> tuple[list[BrandHit], list[tuple[BrandHit, Hit]]]:
        if not contexts:
            return hits, []
        kept, dropped = [], []
        for hit in hits:
            form = nt.text[hit.start : hit.end].translate(SKELETON)
            context = next((c for c in contexts if c.ref == form), None)
            if hit.kind == "name" and context is not None:
                dropped.append((hit, context))
            else:
                kept.append(hit)
        return kept, dropped


def _latin_boundaries(view: str, start: int, end: int, nt: NormalisedText) -> bool:
    if _is_ascii_alnum(view[start]) and start > 0 and _is_ascii_letter(view[start - 1]) and not nt.gap_at(start):
        return False
    if (
        _is_ascii_alnum(view[end - 1])
        and end < len(view)
        and _is_ascii_letter(view[end])
        and not nt.gap_at(end)
    ):
        return False
    return True


def _is_ascii_letter(ch: str) -> bool:
    return "a" <= ch <= "z"


def _is_ascii_alnum(ch: str) -> bool:
    return "a" <= ch <= "z" or "0" <= ch <= "9"


def _overlaps_any(hit: Hit | BrandHit, spans: list[tuple[int, int]]) -> bool:
    return any(hit.start < e and s < hit.end for s, e in spans)


def _inside_any(hit: Hit, others: list[Hit], strictly_longer: bool = False) -> bool:
    for other in others:
        if other.start <= hit.start and hit.end <= other.end:
            if not strictly_longer or (other.end - other.start) > (hit.end - hit.start):
                return True
    return False


def _drop_contained(hits: list[Hit]) -> list[Hit]:
    """Keep the longest of overlapping term hits (复刻版 over 复刻)."""
    hits = sorted(hits, key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Hit] = []
    for hit in hits:
        if kept and hit.start < kept[-1].end and hit.end <= kept[-1].end:
            continue
        kept.append(hit)
    return kept


def _prefer_longest(hits: list[BrandHit]) -> list[BrandHit]:
    """Among brand hits on overlapping spans, keep the longest (Air Jordan over Jordan)."""
    hits = sorted(hits, key=lambda h: (-(h.end - h.start), h.start))
    kept: list[BrandHit] = []
    for hit in hits:
        if any(hit.start < k.end and k.start < hit.end and k.brand != hit.brand for k in kept):
            continue
        if any(k.start == hit.start and k.end == hit.end and k.brand == hit.brand for k in kept):
            continue
        kept.append(hit)
    return sorted(kept, key=lambda h: h.start)
