"""Stage 1 of the cascade: evasion-aware lexical matching of a listing against the library.

One automaton scan finds brand names, aliases, known variants, pinyin spellings and initials,
homophones (in the pinyin view), lexicon terms and the context words the rules need. Latin
tokens that nothing explained are then compared with the brand names by edit distance.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, islice
from typing import Any, NamedTuple

from metaphone import doublemetaphone
from rapidfuzz.distance import OSA, Levenshtein
from rapidfuzz.process import cdist

from .claims import CLAIM_CATEGORIES
from .library import (
    Library,
    ProductKinds,
    collapse_repeats,
    common_english_words,
    counting_words,
    english_singular,
    english_words,
    everyday_key,
    related_in_form,
)
from .pinyin import reading
from .scanner import LONG_NAME, is_ascii_alnum, is_ascii_letter, stands_apart, straddles
from .text import (
    LEET,
    SKELETON,
    NormalisedText,
    _bulk,
    bulk_view,
    imitated_letters,
    is_cjk,
    normalise,
    normalise_many,
    normalise_term,
    plain_form,
    written_in_other_script,
)

_TOKEN_RE = re.compile(r"[a-z][a-z0-9]*")
_LETTERS_RE = re.compile(r"[a-z]+")
_LONG_LATIN_RE = re.compile(r"[a-z]{3}")  # no run of three letters: nothing for fuzzy matching to do
_WINDOW_GAP = 3  # characters allowed between the words of a multi-word mark (Van Cleef & Arpels)
_WORD_GAP = rf"[^a-z\n]{{1,{_WINDOW_GAP}}}"
_CJK_PAIR_RE = re.compile(r"[\u3400-\u9fff]{2}")
_SEPARATOR_RE = re.compile(r"[\W_]")
_SEPARATOR_RUN_RE = re.compile(r"[\W_]+")
_FUZZY_CACHE_LIMIT = 200_000
_MAX_EDITS = 2  # the most edits _closest_brand allows (marks of eight letters or more)
NEAR_CUE_GAP = 6  # characters allowed between a nominative cue and the brand it introduces

# A title's Latin token spans, and for each run length (longest first) the runs of words joined by spaces.
_Windows = tuple[list[tuple[int, int]], list[tuple[int, list[str]]]]

EVASION_KINDS = frozenset({"variant", "obfuscated", "lookalike", "homophone", "pinyin", "initials", "near_name",
                           "mixed", "shape"})


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
    from_knowledge: bool = False  # matched from the brand knowledge base, not the protection list
    ordinary_word: bool = False  # an ordinary word spelt like the mark (Sharpy): only beside its kind or a claim


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
    semantic_candidate: bool = False  # picked by the exemplar vocabulary for stage 2
    claims: list[Hit] = field(default_factory=list)  # counterfeit claims the learned detector found (ref: probability)
    # the kinds named by more than one character inside a longer word: 剃须刀 (a shaver) holds 刀 but is no knife
    sure_categories: set[str] = field(default_factory=set)

    @classmethod
    def nothing(cls, title: str) -> LexicalEvidence:
        """Evidence for a title in which stage 1 found nothing; its text is normalised on demand."""
        return _EmptyEvidence(title)

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.text.original_span(start, end)

    def snippet(self, start: int, end: int) -> str:
        return self.text.original_text(start, end)


class _EmptyEvidence(LexicalEvidence):
    """Nothing found; normalising the title is deferred until someone asks for the text."""

    def __init__(self, title: str) -> None:  # noqa: D107 - cheap on purpose
        self._title = title
        self.brand_hits = []
        self.terms = []
        self.nominative = []
        self.accessory = []
        self.second_hand = []
        self.categories = set()
        self.sure_categories = set()
        self.homonyms = []
        self.semantic_candidate = False
        self.claims = []

    @property  # type: ignore[override]
    def text(self) -> NormalisedText:
        return normalise(self._title)


class LexicalMatcher:
    """Runs stage 1 for one compiled library; keeps a cache of fuzzy look-ups across listings."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._fuzzy_cache: dict[str, Resemblance | None] = {}
        self._clean_tokens: set[str] = set()  # tokens (and word pairs) known not to look like a brand
        self._plain_words: set[str] = set()  # words that are ordinary English or under three letters: a run
        # of words that are all plain never looks like a brand (see _fuzzy_lookup)
        self._english = english_words()
        self._common_english = common_english_words()
        # Two-letter Latin words a Chinese title writes for something else: quantity units (ml, cm) and the
        # taxonomy's Latin kind keywords (tv; it holds the rules' category keywords too): never lower-case initials
        kind_words = [w for ws in library.kinds.keywords.values() for w in ws]
        self._two_letter_words = frozenset(w.lower() for w in (*library.rules.quantity_units, *kind_words)
                                           if len(w) == 2 and w.isascii() and w.isalpha())
        # Latin words naming a kind of product, as letters in the singular (the taxonomy's keywords, each word of a
        # brand's category labels and each label whole: "e-readers" is ereader): a title's word that is one says what
        # the listing is, never imitates a mark (e-reader is no iReader)
        labels = [*kind_words, *(c for brand in library.brands for c in brand.categories)]
        self._kind_letters = frozenset(english_singular(f) for label in labels if label.isascii()
                                       for f in (_letters_of(label), *map(_letters_of, label.split())) if len(f) >= 4)
        # Targets by first letter and by second (a knock-off may change the first: Krocs), and length.
        self._targets_by_start: dict[tuple[str, int], list[tuple[str, int, str, int]]] = {}
        self._targets_by_second: dict[tuple[str, int], list[tuple[str, int, str, int]]] = {}
        for length, targets in library.fuzzy_targets.items():
            for target in targets:
                self._targets_by_start.setdefault((target[0][0], length), []).append(target)
                self._targets_by_second.setdefault((target[0][1], length), []).append(target)
        self._all_targets = [t[0] for targets in library.fuzzy_targets.values() for t in targets]
        self._near_starts = {(first, length + d) for first, length in self._targets_by_start for d in range(-2, 3)}
        self._near_seconds = {(second, length + d) for second, length in self._targets_by_second
                              for d in range(-2, 3)}
        # How the longer one-word marks sound (Double Metaphone of their letters): a knock-off respelled by ear
        # (Maglight for Maglite) is more than two edits from the mark but sounds the same.
        # Both of Double Metaphone's readings of a mark: its alternate one is how a name from another language may
        # be said (Bianchi: PNX, or PNK as in Italian, so Bianki), and a seller spells what they hear.
        self._target_sounds: dict[tuple[int, str], frozenset[str]] = {}
        for targets in library.fuzzy_targets.values():
            for target, b_idx, word, words in targets:
                if words == 1 and len(target) >= SOUND_MIN_LETTERS and (sounds := sound_keys(word)):
                    self._target_sounds[(b_idx, word)] = sounds
        self._sounds = frozenset(k for keys in self._target_sounds.values() for k in keys)
        # The same for every mark of five letters or more and every mark of several words, by the words of the
        # mark: an ordinary word spelt by ear (Sharpy, Darn Tuff) is read against these (_heard_as_word).
        self._heard: dict[str, list[tuple[int, str, tuple[str, ...]]]] = {}
        for targets in library.fuzzy_targets.values():
            for target, b_idx, word, words in targets:
                parts = tuple(re.findall(r"[a-z]+", _without_accents(word).lower()))
                if len(parts) == words and (words > 1 or len(target) >= SOUND_MIN_LETTERS) and (
                        sound := sound_key(word)):
                    self._heard.setdefault(sound, []).append((b_idx, word, parts))
        self._run_sounds = frozenset(k for k, marks in self._heard.items() if any(len(m[2]) > 1 for m in marks))
        # marks after which a bare riding word is the ordinary phrase: everyday house marks and knowledge-base
        # lines that are ordinary words (retro style, Luggage style)
        self._everyday_marks = library.everyday_names | library.everyday_lines
        self._counting = counting_words()
        # Latin names and aliases of three or more letters by their plain form, for a mark that a model
        # number follows (iphone4): the fold of a closing digit into a letter (Gucc1) would hide it.
        self._latin_marks: dict[str, tuple[int, str, str]] = {}
        # Marks written with letters and then digits (Timbuk2), by their digits: fuzzy matching compares letters
        # only (a key with digits is a model number far more often), so these are compared here.
        self._digit_marks: dict[str, list[tuple[str, int, str]]] = {}
        for b_idx, brand in enumerate(library.brands):
            for kind, words in (("alias", brand.aliases), ("name", brand.names.en)):
                for word in words:
                    plain = plain_form(word)
                    if len(plain) >= 3 and plain.isascii() and plain.isalpha():
                        self._latin_marks[plain] = (b_idx, word, kind)
                    elif numbered := _LETTERS_DIGITS_RE.fullmatch(plain):  # Timbuk2: letters, then its digits
                        letters, digits = numbered.groups()
                        if len(letters) >= DIGIT_MARK_MIN_LETTERS:
                            self._digit_marks.setdefault(digits, []).append((letters, b_idx, word))

    def analyse(self, title: str, category: str | None = None) -> LexicalEvidence:
        """Find brand and signal evidence in ``title``."""
        return self.analyse_many([title], [category])[0]

    def analyse_many(
        self, titles: Sequence[str], categories: Sequence[str | None] | None = None
    ) -> list[LexicalEvidence]:
        """Stage 1 for a batch.

        A bulk pass over the joined batch (C-level folding, one automaton scan, one token set)
        picks the titles in which anything could match; only those get the full analysis with
        offset maps and evidence spans. The rest are cleared at once.
        """
        titles = list(titles)
        cats = list(categories) if categories is not None else [None] * len(titles)
        need = self.candidates(titles)
        out = [LexicalEvidence.nothing(title) for title in titles]
        if need:
            full = self.analyse_full([titles[i] for i in need], [cats[i] for i in need])
            for i, evidence in zip(need, full, strict=True):
                out[i] = evidence
        return out

    def candidates(self, titles: list[str]) -> list[int]:
        """Indices of titles with any automaton hit, a short key standing alone, or a Latin token like a brand.

        A superset of the titles in which :meth:`analyse_full` can find anything: it checks exactly.
        """
        lib = self.library
        view, gaps = bulk_view(titles)
        found, initials = lib.prefilter.titles(view, gaps)
        need = set(found)
        # Initials count only when written in capitals (NK, not nk) or, three letters or more, in lower case
        # inside a Chinese title (hlzm 面霜): the title must have some capitals or Chinese.
        need.update(i for i in initials if titles[i].lower() != titles[i] or _CJK_PAIR_RE.search(titles[i]))
        if _CJK_PAIR_RE.search(view):  # homophones, in the pinyin views (one code per character)
            for coded in (lib.pinyin.coded_view(view), lib.pinyin.coded_alt_view(view)):
                need.update(lib.homophone_prefilter.titles(coded, gaps, view, lib.words)[0])
        suspects = self._latin_suspects(view) + self._digit_mark_suspects(view) + self._middle_swap_suspects(view)
        if suspects:
            starts = list(accumulate((len(part) + 1 for part in view.split("\n")[:-1]), initial=0))
            need.update(bisect_right(starts, start) - 1 for start in suspects)
        return sorted(need)

    def _middle_swap_suspects(self, view: str) -> list[int]:
        """Where the two ends of a three-character name stand around another character (嘉宝多 beside 嘉实多);
        :meth:`_swapped_hits` checks them."""
        scan, ends = self.library.middle_swap_scan, self.library.middle_swaps
        if scan is None:
            return []
        return [m.start() for m in scan.finditer(view) if m.group(1) + m.group(2) in ends]

    def _digit_mark_suspects(self, view: str) -> list[int]:
        """Where a token of letters and digits starts whose digits a mark with digits ends in (Timbuck2 beside
        Timbuk2); :meth:`_digit_mark_lookalikes` compares their letters."""
        if not self._digit_marks:
            return []
        return [m.start() for m in _NUMBERED_TOKEN_RE.finditer(view) if self._digit_mark(*m.groups()) is not None]

    def _digit_mark(self, letters: str, digits: str) -> tuple[int, str] | None:
        """The mark with digits (brand, as listed) whose digits these are and whose letters these imitate: one
        edit apart, the first letter kept, no English word."""
        if letters in self._english:
            return None
        for target, b_idx, word in self._digit_marks.get(digits, ()):
            if letters != target and letters[0] == target[0] and OSA.distance(letters, target) <= 1:
                return b_idx, word
        return None

    def _latin_suspects(self, view: str) -> list[int]:
        """Where letter runs, or runs of them, that look like a brand name start.

        Tokens with digits never look like a brand, and the words of a window the full pass compares
        are consecutive runs of letters, so windows over the batch's letter runs cover them all. The
        view is not in skeleton form, so the keys are the full pass's own and share its cache.
        """
        lib = self.library
        clean = self._clean_tokens
        if _bulk is not None:
            keys = _bulk.latin_keys(view, lib.fuzzy_window, clean, self._plain_words)
        else:
            runs = _LETTERS_RE.findall(view)
            keys = list(set(runs) - clean)
            for size in range(2, lib.fuzzy_window + 1):
                keys += set(map(" ".join, zip(*(islice(runs, i, None) for i in range(size)), strict=False))) - clean
        fuzzy = [w for w in self._lookalikes(keys) if " " in w or w.translate(SKELETON) not in lib.automaton]
        if not fuzzy:  # not after a letter, words at most _WINDOW_GAP apart, not before a letter or digit
            return []
        alternatives = "|".join(_WORD_GAP.join(map(re.escape, w.split(" "))) for w in fuzzy)
        return [m.start() for m in re.finditer(f"(?:{alternatives})(?![a-z0-9])", view)
                if m.start() == 0 or not is_ascii_letter(view[m.start() - 1])]

    def analyse_full(self, titles: list[str], categories: list[str | None]) -> list[LexicalEvidence]:
        """Full stage 1 with offset maps, boundaries, context words and fuzzy matching."""
        texts = normalise_many(titles)
        joined = "\n".join(nt.text for nt in texts).translate(SKELETON)
        starts = [0] * len(texts)
        position = 0
        for i, nt in enumerate(texts):
            starts[i] = position
            position += len(nt.text) + 1
        hits = self._scan_many(texts, joined, starts)
        windows = [self._windows(nt.text) for nt in texts]
        self._settle_unlike(key for w in windows if w is not None for _, keys in w[1] for key in keys)
        out = []
        for i, nt in enumerate(texts):
            view = joined[starts[i] : starts[i] + len(nt.text)]
            found = [Hit(*h) for h in hits[i]]
            out.append(self._evidence(nt, view, found, categories[i], windows[i]))
        self._find_claims(out)
        return out

    def _find_claims(self, evidence: list[LexicalEvidence]) -> None:
        """Counterfeit claims in other words, for titles that name a listed brand (not where a term already is)."""
        named = [e for e in evidence if e.brand_hits]
        if not named:
            return
        names = [[(h.start, h.end) for h in e.brand_hits] for e in named]
        for found, claims in zip(named, self.library.claims.find_many([e.text.text for e in named], names),
                                 strict=True):
            # where a claim term already speaks, the window adds nothing; a brand-riding term ("same as") that
            # is not beside the brand does not speak, and the claim around it ("exact same as the boutique") does;
            # nor does a soft term the window reads beyond (原厂 of "与原厂配套的品质完全相同": the phrase is the claim)
            terms = self.library.terms
            taken = [t for t in found.terms if terms[t.ref].category in CLAIM_CATEGORIES]
            for start, end, probability in claims:
                if not any(_silences(t, terms[t.ref].strength, start, end) for t in taken):
                    found.claims.append(Hit("claim", probability, start, end, found.text.text[start:end]))

    def _evidence(
        self, nt: NormalisedText, view: str, hits: list[Hit], category: str | None, windows: _Windows | None
    ) -> LexicalEvidence:
        by_kind: dict[str, list[Hit]] = {}
        for hit in hits:
            by_kind.setdefault(hit.kind, []).append(hit)

        # a phrase read across a separator the seller wrote is no phrase: "高仿 真皮" is not 高仿真
        exempt = [h for h in by_kind.get("exempt", []) if not _across_gap(h, nt.gaps)]
        terms = [t for t in by_kind.get("term", []) if not _inside_any(t, exempt)]
        terms = _drop_contained(terms)
        # a kind word inside a name or product line is no context for it (飞天 of 飞天茅台, face of The North Face)
        named = [*by_kind.get("name", []), *by_kind.get("alias", [])]
        kind_words = [h for h in by_kind.get("category", []) if not _inside_any(h, named)]
        heads = _head_kinds(_longest_only(kind_words), nt.text, self.library.kinds)
        compounds = [(c.start, c.end) for c in by_kind.get("kind_compound", [])]
        categories = {h.ref for h in heads}
        sure = {h.ref for h in heads if h.end - h.start > 1 or not _inside_spans(h, compounds)}
        if category:
            labelled = self.library.kinds_of_label(category)
            categories |= labelled
            sure |= labelled

        accessory = by_kind.get("accessory", [])
        if accessory:  # an accessory word inside the name of a kind is part of that name: a stand mixer is no
            # stand; one the title says comes with the product is part of the package ("with battery backup", 带充电线)
            included = _inclusion_cues(nt, by_kind)
            accessory = [a for a in accessory if not _inside_any(a, kind_words, strictly_longer=True)
                         and not _included(nt, a, included)]
        brand_hits = self._brand_hits(nt, view, by_kind, categories, bool(terms), windows)
        brand_hits, homonyms = self._drop_homonyms(
            brand_hits, by_kind.get("homonym_context", []),
            _longest_only([h for h in by_kind.get("compound", []) if not _across_gap(h, nt.gaps)]), nt)
        terms.extend(self._riding_after_mark(nt, by_kind.get("bare_riding", []), brand_hits, categories))
        if brand_hits:
            terms.extend(Hit("term", h.ref, h.start, h.end, h.word) for h in by_kind.get("bare_declaration", [])
                         if _standing_alone(nt, h) and not _inside_any(h, terms) and not _inside_any(h, brand_hits))
        return LexicalEvidence(
            text=nt,
            brand_hits=brand_hits,
            terms=terms,
            nominative=by_kind.get("nominative", []),
            accessory=accessory,
            second_hand=by_kind.get("second_hand", []),
            categories=categories,
            sure_categories=sure,
            homonyms=homonyms,
        )

    # -- scanning -----------------------------------------------------------------------------

    def _scan_many(self, texts: list[NormalisedText], joined: str, starts: list[int]) -> list[list[tuple[Any, ...]]]:
        """All pattern hits per title, as Hit fields in title coordinates (text, context words, pinyin view)."""
        hits: list[list[tuple[Any, ...]]] = [[] for _ in texts]
        scans = (
            (self.library.automaton, joined, False),
            (self.library.context_automaton, joined, False),
            (self.library.homophone_automaton, self.library.pinyin.coded_view(joined), True),
            (self.library.homophone_automaton, self.library.pinyin.coded_alt_view(joined), True),
        )
        for automaton, text, in_pinyin in scans:
            if not len(automaton):
                continue  # nothing of this kind on the list (no Chinese name: no homophones)
            for last, (length, patterns, latin) in automaton.iter(text):
                start, end = last - length + 1, last + 1
                index = bisect_right(starts, start) - 1
                nt = texts[index]
                if latin and not in_pinyin and start and not nt.gaps and _inside_word(joined, start):
                    continue  # a Latin key inside a word (NK in pink): the common case, settled here
                base = starts[index]
                for pattern in patterns:
                    if not in_pinyin and pattern.latin and not stands_apart(joined, start, end, nt.gaps, base):
                        continue
                    if pattern.kind == "term" and _runs_into_digits(joined, end):
                        continue  # 超a85 is a chipset (a85), not 超A grade: a term's closing letter starts a code
                    hits[index].append((pattern.kind, pattern.ref, start - base, end - base, pattern.word))
        return hits

    # -- brands -------------------------------------------------------------------------------

    def _brand_hits(
        self,
        nt: NormalisedText,
        view: str,
        by_kind: dict[str, list[Hit]],
        categories: set[str],
        has_terms: bool,
        windows: _Windows | None,
    ) -> list[BrandHit]:
        lib = self.library
        found: list[BrandHit] = []
        for kind in ("name", "alias", "variant", "pinyin"):
            for hit in by_kind.get(kind, []):
                exact = self._exact_hit(nt, hit)
                if exact is not None:
                    found.append(exact)
        found.extend(self._knowledge_hits(nt, by_kind))
        exact_spans = [(h.start, h.end) for h in found]

        guards = by_kind.get("guard", [])
        for hit in by_kind.get("homophone", []):
            brand = lib.brands[hit.ref]
            window = nt.text[hit.start : hit.end]
            if window in brand.names.zh or window in brand.aliases or _inside_spans(hit, exact_spans):
                continue
            ordinary = window in lib.words or window in lib.homophone_words
            if ordinary and reading(window) != reading(hit.word):
                continue  # a word that sounds like the name (辅食 for 富士, 印尼, 立领 for 李宁) reads as the word
            if any(window[j:j + 2] in self._counting and window[j:j + 2] != hit.word[j:j + 2]
                   for j in range(len(window) - 1)):
                continue  # a numeral and its measure word the name does not hold: counting (来一份 for 来伊份)
            if len(window) <= 2 and (self._fuzzy_syllables(window, hit.word) > 1
                                     or nt.has_gap_inside(hit.start, hit.end)):
                continue  # both syllables only near the name's (上新 for 三星, 仿实 for 范斯), or parted (支/包)
            if _inside_any(hit, guards, strictly_longer=True) or (
                    len(hit.word) < LONG_NAME and self._straddles_words(nt, hit.start, hit.end)):
                continue
            # ...but a word read exactly as the name is (圣像 for 圣象, tones aside) may be either (reads_as_word)
            found.append(
                BrandHit(hit.ref, "homophone", hit.start, hit.end, hit.word, needs_context=len(window) <= 2 or ordinary,
                         detail=f"{window} sounds like {hit.word}" + (" (an ordinary word too)" if ordinary else ""),
                         ordinary_word=ordinary)
            )

        for hit in by_kind.get("short_name", []):
            # the name without its common last word (森贝儿 for 森贝儿家族): the name; two characters need context
            name, tail = hit.word.split("\t")
            if _overlaps_any(hit, exact_spans) or self._straddles_words(nt, hit.start, hit.end):
                continue
            found.append(BrandHit(hit.ref, "name", hit.start, hit.end, name, needs_context=hit.end - hit.start <= 2,
                                  detail=f"{nt.original_text(hit.start, hit.end)} is {name} without {tail}"))

        for hit in by_kind.get("initials", []):
            original = nt.original_text(hit.start, hit.end)
            if not self._initials_as_written(original, nt) or not _standalone(view, hit.start, hit.end):
                continue
            how = "pinyin initials" if is_cjk(hit.word[0]) else "initials"
            found.append(BrandHit(hit.ref, "initials", hit.start, hit.end, hit.word, needs_context=True,
                                  detail=f"{original} = {how} of {hit.word}"))

        for hit in by_kind.get("short_lookalike", []):
            original = nt.original_text(hit.start, hit.end)
            if (_overlaps_any(hit, exact_spans) or not original.isupper() or not original.isascii()
                    or not _standalone(view, hit.start, hit.end)):
                continue
            found.append(BrandHit(hit.ref, "lookalike", hit.start, hit.end, hit.word, needs_context=True,
                                  detail=f"{original} looks like {hit.word} (a three-letter mark changed)"))

        found.extend(self._swapped_hits(nt, by_kind, exact_spans))

        for hit in (*by_kind.get("mixed", []), *by_kind.get("shape", [])):
            # a doubled character (新秀丽丽) holds the whole name: the longer form explains the text
            holds_name = any(hit.start <= s and e <= hit.end and e - s < hit.end - hit.start for s, e in exact_spans)
            name, how, *written = hit.word.split("\t")
            if written and written[0] not in nt.original_text(hit.start, hit.end):
                continue  # a traditional look-alike (韩東) counts only as written: 韩东 looks nothing like 韩束
            if (_overlaps_any(hit, exact_spans) and not holds_name) or (
                    len(name) < LONG_NAME and self._straddles_words(nt, hit.start, hit.end)):
                continue  # zd福|建: the kept character belongs to the word beside it
            original = nt.original_text(hit.start, hit.end)
            latin = sum(ch.isascii() for ch in original)
            # Two-character names and single letters are short enough to occur by chance: they need context.
            weak = len(name) <= 2 or (hit.kind == "mixed" and latin <= 1)
            found.append(BrandHit(hit.ref, hit.kind, hit.start, hit.end, name, needs_context=weak,
                                  detail=f"{original} imitates {name} ({how})"))

        found.extend(self._numbered_marks(nt, windows, found))
        found.extend(self._digit_mark_lookalikes(nt, windows, found))
        found.extend(self._fuzzy_hits(nt, windows, found))
        # Knowledge that is an ordinary word (Box, Love, 飞天), and an ordinary word spelt like a mark (Sharpy),
        # count only in context: alone it is the word.
        found = [h for h in found if reads_as_word(h) or not (
            (h.from_knowledge or h.ordinary_word) and h.needs_context
            and not (has_terms or lib.of_brand_kind(categories, h.brand)))]
        # A seller who writes the house mark plainly has nothing to disguise: a word near it elsewhere in the
        # title is another word (Nikon ... Nikkor lens, 本田 ... 本回). The brand's product line written plainly
        # is context for a weak disguise: 朕想 beside 拯救者 is the laptop maker, whatever the product is called.
        names = [h for h in found if h.kind == "name"]
        named = {h.brand for h in names}
        found = [h for h in found if h.brand not in named or h.kind not in _NEAR_KINDS or any(
            n.brand == h.brand and n.start < h.end and h.start < n.end for n in names)]  # 跪洲茅台 holds 茅台
        # A weak disguise of one mark beside another mark of the list written plainly is a chance string (SD, a
        # model code, beside Victorinox): the seller named what the listing is and had nothing to disguise. What
        # the knowledge base alone calls a line (卷发棒, a kind of product) names nothing.
        written = {h.brand for h in found
                   if not h.needs_context and h.kind in ("name", "alias") and not h.from_knowledge}
        found = [h for h in found if not (h.needs_context and written and h.brand not in written)]
        plain = [h for h in found if not h.needs_context and h.kind == "alias" and h.brand not in named]
        for hit in found:
            if hit.needs_context and not reads_as_word(hit):
                # a brand whose labels name no kind the taxonomy knows takes any kind of product as context
                if has_terms or lib.of_brand_kind(categories, hit.brand) or (
                        categories and lib.brands[hit.brand].categories and not lib.brand_kinds_known[hit.brand]):
                    hit.needs_context = False
                    continue
                own = next((h for h in plain if h.brand == hit.brand and (h.end <= hit.start or hit.end <= h.start)),
                           None)
                if own is not None:
                    hit.needs_context = False
                    beside = f"in context: beside {nt.original_text(own.start, own.end)}"
                    hit.detail = f"{hit.detail}; {beside}" if hit.detail else beside
        return _prefer_longest(found)

    def _knowledge_hits(self, nt: NormalisedText, by_kind: dict[str, list[Hit]]) -> list[BrandHit]:
        """Product lines, other names and knock-off marks the knowledge base knows and no admin has decided."""
        lib = self.library
        out = []
        for hit in (*by_kind.get("kb_alias", []), *by_kind.get("kb_variant", [])):
            line = hit.kind == "kb_alias"  # a product line or other name; else a known knock-off mark
            exact = self._exact_hit(nt, Hit("alias" if line else "variant", hit.ref, hit.start, hit.end, hit.word))
            if exact is None:
                continue
            what = "a product line or other name" if line else "a known knock-off mark"
            exact.detail = (exact.detail + "; " if exact.detail else "") + (
                f"{hit.word} is {what} of {lib.brands[hit.ref].id} in the brand knowledge base, not on the "
                f"protection list (ipwatch brands enrich)")
            exact.needs_context = line and everyday_key(hit.word) in lib.everyday_lines
            exact.from_knowledge = True
            out.append(exact)
        return out

    def _swapped_hits(
        self, nt: NormalisedText, by_kind: dict[str, list[Hit]], exact_spans: list[tuple[int, int]]
    ) -> list[BrandHit]:
        """One character of a Chinese name swapped for another (农夫山泵, 科颜民, 露露东蒙), or the middle one of a
        three-character name for one related in form (嘉宝多 for 嘉实多: 宀 in both); they need context."""
        lib = self.library
        out = []
        for b_idx, name, swapped, start, inside, middle in self._swap_candidates(nt, by_kind):
            end = start + len(name)
            if start < 0 or end > len(nt.text) or (inside and nt.has_gap_inside(start, end)):
                continue
            written, form = nt.text[start:end], normalise_term(name)  # the name as the text is normalised
            if len(form) != len(name) or not is_cjk(written[swapped]) or written[swapped] == form[swapped] or any(
                    written[j] != form[j] for j in range(len(form)) if j != swapped):
                continue
            if _overlaps_any(Hit("", None, start, end, ""), exact_spans):
                continue
            if (inside or len(name) == 3) and (written in lib.near_guard or self._straddles_words(nt, start, end)):
                continue  # a real word (北极熊), or an edge character belongs to the word beside it (科颜|民族)
            if any(written[j : j + 2] in lib.words for j in (swapped - 1, swapped) if 0 <= j < len(written) - 1):
                continue  # the new character makes a word with its neighbour: 暖手宝可爱 is 可爱, not 宝可梦
            if middle and not related_in_form(written[swapped], form[swapped]):
                continue  # any other character would be another name (爱华仕 beside 爱马仕), not a disguise
            how = f"one character swapped: {written[swapped]} for {name[swapped]}" + (
                ", related in form" if middle else "")
            out.append(BrandHit(b_idx, "near_name", start, end, name, needs_context=True,
                                detail=f"{nt.original_text(start, end)} imitates {name} ({how})"))
        return out

    def _swap_candidates(
        self, nt: NormalisedText, by_kind: dict[str, list[Hit]]
    ) -> Iterator[tuple[int, str, int, int, bool, bool]]:
        """Where a name with one character swapped may stand: (brand, name, the swapped position, start, whether
        the key lies inside the name, whether it is a three-character name's middle). From the automaton's keys (the
        rest of the name as a prefix, suffix or inner side) and, for a three-character name's middle, from its two
        ends found around any character (Library.middle_swap_scan)."""
        for hit in (*by_kind.get("prefix", []), *by_kind.get("suffix", []), *by_kind.get("inner", [])):
            if hit.kind == "inner":  # the key is one side of the name; the name is around it
                name, position, at = hit.word.split("\t")
                yield hit.ref, name, int(position), hit.start - int(at), True, False
            elif hit.kind == "prefix":
                yield hit.ref, hit.word, len(hit.word) - 1, hit.start, False, False
            else:
                yield hit.ref, hit.word, 0, hit.start - 1, False, False
        if self.library.middle_swap_scan is not None:
            for match in self.library.middle_swap_scan.finditer(nt.text):
                for b_idx, name in self.library.middle_swaps.get(match.group(1) + match.group(2), ()):
                    yield b_idx, name, 1, match.start(), True, True

    def _riding_after_mark(self, nt: NormalisedText, bare: list[Hit], brand_hits: list[BrandHit],
                           categories: set[str]) -> list[Hit]:
        """Bare brand-riding words ("style", "inspired") right after a mark, as the lexicon term they shorten:
        "Jellycat style bunny", not "retro style" nor "Switch style" (a switch). After a house mark that is an
        everyday word only where the title names the brand's kind of product ("Wrangler style jeans" rides on
        the maker of jeans); never after a knowledge-base line that is one ("luggage style transport case")."""
        out = []
        everyday = self._everyday_marks
        lib = self.library
        for word in bare:
            for mark in brand_hits:
                if mark.end > word.start:
                    continue
                key = everyday_key(mark.word)
                if key in lib.everyday_lines or (key in everyday and not (  # a line alone: the phrase (Luggage style)
                        lib.of_brand_kind(categories, mark.brand) or lib.names_label_head(nt.original, mark.brand))):
                    continue
                between = nt.original[nt.original_span(mark.start, mark.end)[1]:nt.original_span(
                    word.start, word.end)[0]]
                if _JOINER_RE.fullmatch(between):
                    out.append(Hit("term", word.ref, word.start, word.end, word.word))
                    break
        return out

    def _initials_as_written(self, original: str, nt: NormalisedText) -> bool:
        """Initials in capitals (NK), or in lower case beside Chinese words (hlzm 面霜, ck 内裤: Taobao sellers write
        them so) where they are no English word, quantity unit (ml) or kind keyword (tv): in English text lower-case
        letters are words and abbreviations."""
        if original.isupper():
            return True
        if not (original.islower() and _CJK_PAIR_RE.search(nt.original)):
            return False
        if len(original) == 2:
            return original not in self._two_letter_words
        return len(original) >= 3 and not _is_english(original, self._english)

    def _straddles_words(self, nt: NormalisedText, start: int, end: int) -> bool:
        """Whether a window's edge characters belong to words outside it (正品|国行), not across a separator."""
        return straddles(nt.text, start, end, self.library.words, nt.gaps)

    def _fuzzy_syllables(self, window: str, name: str) -> int:
        """How many characters of ``window`` share no reading with the name's character (tones aside), and
        so sound like it only through a fuzzy pair (宽威 for 匡威: one; 上新 for 三星: two)."""
        readings = self.library.pinyin.readings
        return sum(not set(readings.get(a, ())) & set(readings.get(b, ())) for a, b in zip(window, name, strict=False))

    def _exact_hit(self, nt: NormalisedText, hit: Hit) -> BrandHit | None:
        original = nt.original_text(hit.start, hit.end)
        kind = hit.kind
        detail = None
        # words parted as the name parts them, accents dropped or not (estee,lauder for Estée Lauder), are the name
        split = nt.has_gap_inside(hit.start, hit.end) and (
            _without_accents(_shape(original)) != _without_accents(_shape(hit.word)))
        if kind == "alias" and split and not _separators(original).strip():
            split = False  # a space inside a product line (大白兔 奶糖) is ordinary writing
        if split and _POSSESSIVE_RE.fullmatch(original):
            split = False  # Clark's for Clarks: the English possessive of a word, no separator slipped in
        written, listed = plain_form(original), plain_form(hit.word)
        # Dropping a mark's accents is how people type (Kanken for Kånken, Hermes); adding some (Niké) is not.
        respelled = written != listed and written != _without_accents(listed)
        if respelled and len(plain_form(hit.word)) <= 3 and hit.word.isascii():
            return None  # two or three letters (LV, YSL) only count spelt exactly: IV is not LV
        disguised = split or respelled
        variant = "" if disguised or kind not in ("name", "alias") else written_in_other_script(
            nt, hit.start, hit.end, hit.word)
        if kind in ("name", "alias") and disguised:
            letters = ", ".join(f"{a} imitates {b}" for a, b in imitated_letters(original))
            how = f" ({letters}: a look-alike letter)" if letters else ""
            kind, detail = "obfuscated", f"{original} disguises {hit.word}{how}"
        elif variant:
            # a traditional or variant form inside a simplified title (红荳 for 红豆): written to slip a filter
            kind, detail = "obfuscated", f"{original} disguises {hit.word} ({variant}: another form of it)"
        elif kind == "pinyin":
            detail = f"{original} spells {hit.word} in pinyin"
        return BrandHit(hit.ref, kind, hit.start, hit.end, hit.word, detail=detail)

    def _windows(self, text: str) -> _Windows | None:
        """The Latin tokens of a normalised title and its runs of one to ``fuzzy_window`` of them, longest first."""
        if not _LONG_LATIN_RE.search(text):
            return None
        tokens = [m.span() for m in _TOKEN_RE.finditer(text)]
        words = [text[a:b] for a, b in tokens]
        sizes = range(min(self.library.fuzzy_window, len(tokens)), 0, -1)
        runs = [(n, list(map(" ".join, zip(*(islice(words, i, None) for i in range(n)), strict=False)))) for n in sizes]
        return tokens, runs

    def _numbered_marks(self, nt: NormalisedText, windows: _Windows | None, known: list[BrandHit]) -> list[BrandHit]:
        """Latin tokens written as a listed mark and then digits (iphone4, Galaxy5): the mark, undisguised."""
        if windows is None or not self._latin_marks:
            return []
        out = []
        for start, end in windows[0]:
            if nt.text[end - 1] not in _LEET_LETTERS or any(start < h.end and h.start < end for h in known):
                continue
            original = nt.original_text(start, end)
            stripped = original.rstrip("0123456789")
            mark = self._latin_marks.get(plain_form(stripped)) if stripped != original else None
            if mark is not None:
                b_idx, word, kind = mark
                out.append(BrandHit(b_idx, kind, start, end, word, detail=f"{original} is {word} and a model number"))
        return out

    def _digit_mark_lookalikes(self, nt: NormalisedText, windows: _Windows | None,
                               known: list[BrandHit]) -> list[BrandHit]:
        """Latin tokens written as a mark with digits (Timbuk2) is, its digits the same and its letters one edit
        from the mark's (Timbuck2), the letters no English word: a knock-off of that mark."""
        if windows is None or not self._digit_marks:
            return []
        out = []
        for start, end in windows[0]:
            if any(start < h.end and h.start < end for h in known):
                continue
            original = nt.original_text(start, end)
            numbered = _LETTERS_DIGITS_RE.fullmatch(plain_form(original))
            mark = self._digit_mark(*numbered.groups()) if numbered is not None else None
            if mark is not None:
                b_idx, word = mark
                out.append(BrandHit(b_idx, "lookalike", start, end, word,
                                    detail=f"{original} looks like {word} (its digits, a letter changed)"))
        return out

    def _fuzzy_hits(self, nt: NormalisedText, windows: _Windows | None, known: list[BrandHit]) -> list[BrandHit]:
        """Latin tokens, and runs of up to ``fuzzy_window`` of them, that look like a brand name."""
        if windows is None:
            return []
        tokens, runs = windows
        clean = self._clean_tokens
        out: list[BrandHit] = []
        taken: list[tuple[int, int]] = []
        for size, keys in runs:
            for first, key in enumerate(keys):
                if key in clean:
                    continue  # looked up before and like no brand: the common case, decided by one set look-up
                run = tokens[first : first + size]
                start, end = run[0][0], run[-1][1]
                if any(b[0] - a[1] > _WINDOW_GAP for a, b in zip(run, run[1:], strict=False)):
                    continue
                if any(start < e and s < end for s, e in taken):
                    continue
                if size == 1 and known and any(start < h.end and h.start < end for h in known):
                    continue
                if any(h.start <= start and end <= h.end for h in known):
                    continue  # already explained by one exact hit
                # A run that extends an exact hit (Kweeichow + Moutai) must match a mark word for word,
                # or any name followed by any word would do (samsung 1gb).
                extends = any(start < h.end and h.start < end for h in known)
                found = self._fuzzy_lookup(key, size if extends else None)
                if found is not None:
                    original = nt.original_text(start, end)
                    if size == 1 and english_singular(_letters_of(original)) in self._kind_letters:
                        continue  # the name of a kind of product (e-reader), however near a mark (iReader)
                    if found.weak and any(ch.isdigit() for ch in original):
                        continue  # a digit read as a letter and a letter changed besides: ddr3 is no Gree
                    parts = key.split(" ")
                    if len(parts) > 1 and min(map(len, parts)) >= 2 and "".join(parts) == _letters_of(found.word):
                        # the mark's own letters parted into words (El Gato, Play Station): the mark written as
                        # words, read as the name is (in its everyday sense where the listing is another kind),
                        # not a disguise; letters spaced apart (N i k e) stay obfuscation
                        out.append(BrandHit(found.brand, "name", start, end, found.word,
                                            detail=f"{original} is {found.word} written as words"))
                        taken.append((start, end))
                        continue
                    if found.weak and self._english_compound(original):
                        continue  # carry-on, add-on: English words joined by a hyphen, however they sound
                    how = f"{original} {'sounds' if found.heard else 'looks'} like {found.word}"
                    out.append(BrandHit(found.brand, "lookalike", start, end, found.word, needs_context=found.weak,
                                        detail=how + (" (an ordinary word too)" if found.ordinary else ""),
                                        ordinary_word=found.ordinary))
                    taken.append((start, end))
        return out

    def _english_compound(self, original: str) -> bool:
        """Whether a token is English words joined by hyphens (carry-on, check-in, all-weather): a compound of
        the language, which a mark's weak look-alike (a short mark changed, a spelling by ear) is not."""
        parts = _HYPHEN_RE.split(original.lower())
        english = [len(p) >= 3 and _is_english(p, self._english) for p in parts]
        return len(parts) > 1 and any(english) and all(e or (len(p) == 2 and p.isalpha())
                                                       for e, p in zip(english, parts, strict=True))

    def _lookalikes(self, keys: list[str]) -> list[str]:
        """The keys (letter runs, or runs of them joined by spaces) that look like a brand name.

        Decides most new keys in bulk: one fold of all of them, and only those with a mark of about
        their length and first letter go through :meth:`_fuzzy_lookup` one by one.
        """
        self._settle_unlike(keys)
        return [k for k in keys if self._fuzzy_lookup(k) is not None]

    def _settle_unlike(self, keys: Iterable[str]) -> None:
        """Record in bulk the new keys that cannot look like a mark (what :meth:`_fuzzy_lookup` would find).

        A key is unlike every mark when it has under four letters or not only letters, when no mark
        has about its length and its first letter, or when it is more than two edits from every mark
        (one C-level distance matrix for the lot): :meth:`_closest_brand` asks all of that and more.
        """
        cache = self._fuzzy_cache
        new = [k for k in keys if k not in cache]
        if not new or len(cache) >= _FUZZY_CACHE_LIMIT:
            return
        forms = collapse_repeats("\n".join(new).replace(" ", "").translate(SKELETON)).split("\n")
        unlike: list[str] = []
        maybe: list[tuple[str, str]] = []
        for key, form in zip(new, forms, strict=True):
            if len(key) - key.count(" ") < 4 or not form.isalpha() or not self._has_near(form):
                unlike.append(key)
            else:
                maybe.append((key, form))
        if maybe:
            distances = cdist([f for _, f in maybe], self._all_targets, scorer=Levenshtein.distance,
                              score_cutoff=_MAX_EDITS, workers=1).min(axis=1)
            unlike.extend(key for (key, _), d in zip(maybe, distances, strict=True) if d > _MAX_EDITS
                          and sound_key(key) not in (self._run_sounds if " " in key else self._sounds))
        cache.update(dict.fromkeys(unlike))
        self._clean_tokens.update(unlike)
        english = self._english
        self._plain_words.update(k for k in new if " " not in k and (len(k) < 3 or _is_english(k, english)))

    def _has_near(self, form: str) -> bool:
        """Whether any mark has about the length of ``form`` and its first, or its second, letter."""
        size = len(form)
        return (form[0], size) in self._near_starts or (size > 1 and (form[1], size) in self._near_seconds)

    def _fuzzy_lookup(self, plain: str, words: int | None = None) -> Resemblance | None:
        """The brand a Latin token (or run of words) imitates, if any; ``words``: match that many-word marks only."""
        if words is not None:
            found = self._fuzzy_lookup(plain)
            if found is None:
                return None
            key = f"{plain}|{words}"
            if key not in self._fuzzy_cache:
                squeezed = collapse_repeats(plain.replace(" ", "").translate(SKELETON))
                self._fuzzy_cache[key] = self._closest_brand(squeezed, words, plain=plain)
            return self._fuzzy_cache[key]
        cache = self._fuzzy_cache
        if plain in cache:
            return cache[plain]
        result = None
        squeezed = plain.replace(" ", "")
        if len(squeezed) >= 4 and squeezed.isalpha():
            form = squeezed.translate(SKELETON)
            token = collapse_repeats(form)
            near = self._near_targets(token) if self._has_near(token) else None
            if not near or form in self.library.term_forms:
                pass  # no mark of about this length with this first or second letter: done
            elif _is_english(squeezed, self._english) or all(
                    _is_english(part, self._english) or len(part) < 3 for part in plain.split(" ")):
                result = self._heard_as_word(plain)
            else:
                result = self._closest_brand(token, near=near, plain=plain)
        if len(cache) < _FUZZY_CACHE_LIMIT:
            cache[plain] = result
            if result is None:
                self._clean_tokens.add(plain)
        return result

    def _heard_as_word(self, plain: str) -> Resemblance | None:
        """The mark an ordinary English word, or run of words, is spelt like by ear: Sharpy for Sharpie, Darn
        Tuff for Darn Tough.

        Word for word, each starting as the mark's word does and of its length give or take a letter, sounding
        like the mark together; one word alone only for a mark of five letters or more and a word no common
        dictionary holds (Sharpy, not glossy); a run keeping one of the mark's words as written. Weak and an
        ordinary word: it counts only beside the brand's kind of product or a claim.
        """
        sound = sound_key(plain)
        words = tuple(plain.split(" "))
        for b_idx, word, parts in self._heard.get(sound, ()) if sound else ():
            if len(parts) != len(words) or parts == words or any(
                    a[0] != b[0] or abs(len(a) - len(b)) > 1 for a, b in zip(parts, words, strict=True)):
                continue  # card is no Cartier: the mark's length, give or take a letter
            if len(parts) > 1 and not any(a == b for a, b in zip(parts, words, strict=True)):
                continue
            if len(parts) == 1 and _is_english(plain, self._common_english):
                continue  # glossy or channel alone is the word, whatever mark it sounds like
            return Resemblance(b_idx, word, weak=True, heard=True, ordinary=True)
        return None

    def _near_targets(self, token: str) -> list[tuple[str, int, str, int]]:
        """Fuzzy targets with the first or second letter of ``token`` and within two letters of its length."""
        lengths = range(len(token) - 2, len(token) + 3)
        found = [t for n in lengths for t in self._targets_by_start.get((token[0], n), ())]
        if len(token) > 1:
            found += [t for n in lengths for t in self._targets_by_second.get((token[1], n), ()) if t[0][0] != token[0]]
        return found

    def _closest_brand(
        self, token: str, words: int | None = None, near: list[tuple[str, int, str, int]] | None = None,
        plain: str = "",
    ) -> Resemblance | None:
        """The mark ``token`` imitates, weak for a short mark changed in a letter.

        One edit (a swap of two letters counts as one) for marks under eight letters, two above; more where
        the token (``plain``: as written, before the look-alike fold) sounds like a one-word mark of five
        letters or more (Maglight for Maglite): weak, as a sound-alike spelling may be chance.
        """
        best: tuple[int, int, str, bool, bool] | None = None
        sound = sound_key(plain) if plain and " " not in plain else ""  # one word for one: runs of short
        # words sound like anything (pin ddr like Pandora)
        for target, brand, word, target_words in near if near is not None else self._near_targets(token):
            if words is not None and target_words != words:
                continue
            limit = 1 if len(target) < 8 else 2
            # Short marks: a swap of two letters is one edit (Sieko); within the bulk pass's two Levenshtein edits.
            measure = OSA if len(target) < 8 else Levenshtein
            distance = measure.distance(token, target, score_cutoff=limit)
            heard = False
            if distance > limit and _vowels_shuffled(token, target):
                distance = limit + 1  # Shimona for Shimano: its consonants kept, two vowels changed; weak below
            elif distance > limit and sound and sound in self._target_sounds.get((brand, word), ()):
                distance, heard = limit + 1, True
            elif distance > limit:
                continue
            if len(_letters_of(word)) < 5 and distance and len(token) != len(target):
                continue  # short marks (Lego, Vans) change length only by doubled letters: LEEGO, Vanns; a mark is
                # as long as its letters (Essie: five), not as its form with doubled letters run together (esie)
            # An edit to a short mark (BOZE for Bose), to the first letter of a five-letter one (Krocs) or to
            # the last letter of one (YETY, GoPra) could be chance: weak, it needs context.
            weak = bool(distance) and (len(target) < 5 or (len(target) == 5 and token[0] != target[0])
                                       or (len(target) <= 5 and target[-1] != token[-1]) or distance > limit)
            if best is None or (distance, weak) < (best[0], best[3]):
                best = (distance, brand, word, weak, heard)
        return None if best is None else Resemblance(best[1], best[2], best[3], best[4])

    def _drop_homonyms(
        self, hits: list[BrandHit], contexts: list[Hit], compounds: list[Hit], nt: NormalisedText
    ) -> tuple[list[BrandHit], list[tuple[BrandHit, Hit]]]:
        """Mentions in their everyday sense: beside a listed everyday context word (苹果 beside 水果), or
        inside a longer dictionary word (世界冠军, 大熊猫) that holds the name."""
        if not contexts and not compounds:
            return hits, []
        kept, dropped = [], []
        for hit in hits:
            form = nt.text[hit.start : hit.end].translate(SKELETON)
            context = next((c for c in contexts if c.ref == form), None) if hit.kind == "name" else None
            if context is None and hit.kind in ("name", "alias"):
                context = next((c for c in compounds if c.ref == form and c.start <= hit.start and hit.end <= c.end
                                and c.end - c.start > hit.end - hit.start), None)
            if context is not None:
                dropped.append((hit, context))
            else:
                kept.append(hit)
        return kept, dropped


_VOWELS = frozenset("aeiouy")
SOUND_MIN_LETTERS = 5  # shorter marks sound like too many words (Nike: NK, as nick and nook)
SOUND_MIN_KEY = 3  # ...and a key of fewer consonant sounds than this says too little


class Resemblance(NamedTuple):
    """The mark a Latin token imitates and how: ``weak`` when it could be chance (it needs context),
    ``heard`` when it is spelt by ear (more edits than a look-alike, the mark's sound), ``ordinary`` when
    the token is an ordinary word too (Sharpy)."""

    brand: int
    word: str
    weak: bool
    heard: bool = False
    ordinary: bool = False  # an ordinary word as well: it needs the brand's kind of product or a claim


def sound_key(text: str) -> str:
    """How a Latin word or run of words sounds (the primary Double Metaphone key of its letters), or "" where
    that says too little: Maglight and Maglite are both MKLT, Sharpy and Sharpie XRP."""
    letters = _letters_of(text)
    key = doublemetaphone(letters)[0] if letters else ""
    return key if len(key) >= SOUND_MIN_KEY else ""


def _letters_of(text: str) -> str:
    """A word's letters as a title's fuzzy keys hold them, and as they are sounded: lower case, accents and
    everything else dropped."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.lower()) if "a" <= ch <= "z")


def reads_as_word(hit: BrandHit) -> bool:
    """A Chinese dictionary word read as the name is (圣像, 质保): the word, unless the semantic stage reads a word
    of the title as one of the brand's own labels (圣像 beside 强化地板, for a maker of "laminate flooring") or the
    title shares words with its counterfeits. Neither a claim (正品 beside 质保 "warranty" is no Zippo) nor a
    taxonomy kind (盒包 is a bag, and Zippo's label "accessories" holds bags) is context enough."""
    return hit.ordinary_word and hit.kind == "homophone"


def sound_keys(text: str) -> frozenset[str]:
    """Both Double Metaphone keys of a mark (the primary, and the alternate where the name may be said otherwise:
    Bianchi is PNX or PNK), those that say enough."""
    letters = _letters_of(text)
    return frozenset(k for k in (doublemetaphone(letters) if letters else ()) if len(k) >= SOUND_MIN_KEY)


def _vowels_shuffled(token: str, target: str) -> bool:
    """Whether a token is a mark of six or seven letters with two of its vowels changed and every other letter
    kept in place (Shimona, Adodas): a knock-off mark's way of keeping the mark's look and sound."""
    if len(token) != len(target) or not 6 <= len(target) <= 7 or token[0] != target[0]:
        return False
    changed = [(a, b) for a, b in zip(token, target, strict=True) if a != b]
    return len(changed) == 2 and all(a in _VOWELS and b in _VOWELS for a, b in changed)


_LETTERS_DIGITS_RE = re.compile(r"([a-z]+)([0-9]+)")
_NUMBERED_TOKEN_RE = re.compile(r"(?<![a-z0-9])([a-z]+)([0-9]+)(?![a-z0-9])")
DIGIT_MARK_MIN_LETTERS = 5  # a mark's letters before its digits, for a knock-off of them to be read (Timbuk2)
# A word and 's (Clark's): the English possessive, written so, not a mark (Clarks) with a separator slipped in.
_POSSESSIVE_RE = re.compile(r"[A-Za-z]+['\u2019]s")
# Hits that are near a name rather than written as it: a disguise only where the name itself is not written.
_NEAR_KINDS = frozenset({"lookalike", "shape", "near_name", "homophone", "mixed", "initials"})


def _is_english(word: str, vocabulary: frozenset[str]) -> bool:
    """An English word or a regular inflection of one (channels, covers, matched)."""
    if word in vocabulary:
        return True
    for suffix in ("s", "es", "ed", "ing", "er", "ers"):
        stem = word[: -len(suffix)]
        if suffix == "s" and stem.endswith("s"):
            continue  # a word ending in s takes -es (thermoses): thermoss is no inflection
        if word.endswith(suffix) and stem in vocabulary:
            return True
    return False


def _without_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _shape(text: str) -> str:
    """Words of a spelling, whatever separates them: 'Under,Armour' and 'Under Armour' agree."""
    return _SEPARATOR_RUN_RE.sub(" ", text.lower()).strip()


def _separators(text: str) -> str:
    return "".join(_SEPARATOR_RE.findall(text))


def _inside_word(view: str, start: int) -> bool:
    """A Latin key starting inside a Latin word: what :func:`stands_apart` rejects where nothing was removed."""
    return "a" <= view[start - 1] <= "z" and ("a" <= view[start] <= "z" or "0" <= view[start] <= "9")


_LEET_LETTERS = frozenset(LEET.values())


def _runs_into_digits(view: str, end: int) -> bool:
    """A key ending in a Latin letter that a digit follows: the letter begins a model code (a85, x1)."""
    return end < len(view) and "0" <= view[end] <= "9" and "a" <= view[end - 1] <= "z"


def _standalone(view: str, start: int, end: int) -> bool:
    """Not part of a longer Latin or digit token (SN in SN4664 is a model code, not initials)."""
    before = view[start - 1] if start > 0 else " "
    after = view[end] if end < len(view) else " "
    return not (is_ascii_alnum(before) or is_ascii_alnum(after))


def _overlaps_any(hit: Hit | BrandHit, spans: list[tuple[int, int]]) -> bool:
    return any(hit.start < e and s < hit.end for s, e in spans)


_HYPHEN_RE = re.compile(r"[-\u2010\u2011\u2013]")
_JOINER_RE = re.compile(r"[\s\-]*")  # what may stand between a mark and a bare riding word: "Dior-inspired"


def _inside_spans(hit: Hit, spans: list[tuple[int, int]]) -> bool:
    return any(s <= hit.start and hit.end <= e for s, e in spans)


def _standing_alone(nt: NormalisedText, hit: Hit) -> bool:
    """Whether a hit is a word of its own as the seller wrote it: nothing but spaces or punctuation (or the
    title's ends) on either side ("劲酒 仿 整箱", "shears copy garden"; not 仿真, copying or 模仿)."""
    a, b = nt.original_span(hit.start, hit.end)
    before = nt.original[a - 1] if a > 0 else " "
    after = nt.original[b] if b < len(nt.original) else " "
    return not (before.isalnum() or after.isalnum())


def _silences(term: Hit, strength: str, start: int, end: int) -> bool:
    """Whether a lexicon claim term speaks for the claim window [start, end): it overlaps the window, and is
    strong or holds the whole window (a soft term inside a window that reads beyond it does not)."""
    if not (start < term.end and term.start < end):
        return False
    return strength != "soft" or not (start <= term.start and term.end <= end and end - start > term.end - term.start)


INCLUDED_GAP_WORDS = 2  # words between an inclusion cue and the accessory it brings ("with 2 batteries", 送原装充电器)
_GAP_WORD = re.compile(r"[^\W_]+|[\u3400-\u9fff]")  # a Latin word or number, or one Chinese character
_CLAUSE_BREAKS = frozenset(",，;；|/、。!！?？【】[]()（）")


def _inclusion_cues(nt: NormalisedText, by_kind: dict[str, list[Hit]]) -> list[Hit]:
    """The inclusion cues that start a word as the seller wrote it and are no part of a longer word the
    automaton knows (配 of 配件 or 适配, 带 of 钢带 are no cue)."""
    found = by_kind.get("inclusion", [])
    if not found:
        return []
    others = [(h.start, h.end) for kind, hits in by_kind.items() if kind != "inclusion" for h in hits]
    out = []
    for cue in found:
        start = nt.original_span(cue.start, cue.end)[0]
        if (start == 0 or not nt.original[start - 1].isalnum()) and not _overlaps_any(cue, others):
            out.append(cue)
    return out


def _included(nt: NormalisedText, hit: Hit, cues: list[Hit]) -> bool:
    """Whether an accessory word follows an inclusion cue in the same clause, at most INCLUDED_GAP_WORDS
    words after it: what comes with the product, not what the listing sells."""
    for cue in cues:
        if cue.end > hit.start:
            continue
        between = nt.original[nt.original_span(cue.start, cue.end)[1]:nt.original_span(hit.start, hit.end)[0]]
        if not _CLAUSE_BREAKS.intersection(between) and len(_GAP_WORD.findall(between)) <= INCLUDED_GAP_WORDS:
            return True
    return False


def _inside_any(hit: Hit, others: list[Hit], strictly_longer: bool = False) -> bool:
    for other in others:
        if other.start <= hit.start and hit.end <= other.end:
            if not strictly_longer or (other.end - other.start) > (hit.end - hit.start):
                return True
    return False


def _across_gap(hit: Hit, gaps: Container[int]) -> bool:
    """Whether a separator the seller wrote stood inside the hit (removed when the text was normalised)."""
    return any(position in gaps for position in range(hit.start + 1, hit.end))


def _head_kinds(hits: list[Hit], text: str, kinds: ProductKinds) -> list[Hit]:
    """The kind hits naming what a title is, leaving out a kind that only modifies a narrower one after it.

    An English noun compound names its last noun: a "backpack keychain" is a keychain (accessories,
    a kind the taxonomy puts under bags), "sports shoes" are shoes. Only a Latin kind word directly
    followed (one space) by a Latin word of a kind it includes is such a modifier: titles are also
    lists of keywords ("backpack hiking"), and those kinds all count. Chinese kind words are left
    whole: a single character such as 包 or 表 starts too many other words (包邮, 表白) to read a compound.
    """
    spans: dict[tuple[int, int], set[str]] = {}
    for hit in hits:
        spans.setdefault((hit.start, hit.end), set()).add(hit.ref)
    modifiers = set()
    for span, here in spans.items():
        inside = kinds.narrower(here) - here
        if text[span[0]:span[1]].isascii() and any(
                text[span[1]:other[0]] == " " and text[other[0]:other[1]].isascii() and there <= inside
                for other, there in spans.items()):
            modifiers.add(span)
    return [h for h in hits if (h.start, h.end) not in modifiers]


def _longest_only(hits: list[Hit]) -> list[Hit]:
    """Hits not strictly inside a longer one (智能开关 over 智能, 舞蹈鞋 over 鞋); equal spans all stay."""
    return [h for h in hits if not any(o.start <= h.start and h.end <= o.end and o.end - o.start > h.end - h.start
                                       for o in hits)]


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
    # On one span a derived spelling (泡泡玛持: 特/持 in the shape table) says more than "one character swapped".
    hits = sorted(hits, key=lambda h: (-(h.end - h.start), h.start, h.kind == "near_name"))
    kept: list[BrandHit] = []
    for hit in hits:
        if any(hit.start < k.end and k.start < hit.end and k.brand != hit.brand for k in kept):
            continue
        if any(k.start == hit.start and k.end == hit.end and k.brand == hit.brand for k in kept):
            continue
        kept.append(hit)
    return sorted(kept, key=lambda h: h.start)
