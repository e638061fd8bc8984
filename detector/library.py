"""The loaded library: protection list, lexicon and rules compiled for matching.

Compiling is the expensive part and happens once per library version. Scoring then costs one
scan of a single automaton (names, aliases, product lines, variants, pinyin spellings and
initials, lexicon terms) over the normalised text, and one scan of a small automaton of coded
Chinese names over its pinyin view. Only titles where either finds something pay for a scan of
the context vocabularies and for fuzzy matching of unexplained Latin tokens.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Container, Sequence, Set
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from itertools import accumulate
from typing import Any, NamedTuple

import ahocorasick
import yaml

from .claims import CLAIM_CATEGORIES, ClaimDetector
from .glossary import gloss_of
from .pinyin import PinyinTables, pinyin_tables
from .scanner import INITIALS, LATIN, LONG_NAME, NO_RULE, STRADDLE, KeyScanner
from .text import SKELETON, _bulk, normalise_term
from .types import Brand, LexiconTerm

COMPILER_VERSION = 63  # bump when Library.compile changes what it builds
LATIN_RE = re.compile(r"^[a-z0-9 .&'+-]+$")
WORD_RE = re.compile(r"[a-z][a-z0-9]*")
CAMEL_RE = re.compile(r"[A-Z][a-z]+")  # the humps of a mark written in camel case (Kitchen, Aid)
_REPEATS_RE = re.compile(r"(.)\1+")
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
    brand_sense_affixes: list[str]
    quantity_units: frozenset[str] = frozenset()
    inclusion_cues: tuple[str, ...] = ()


GLOSS_MATCH_MIN = 4  # a label's head or pinyin word this long is matched to a dictionary gloss (car, tea are not)
SHARED_LABEL_WORD_MIN = 4  # shorter words of a label ("for", "and", "kit") name nothing of it alone
_FUNCTION_WORDS = frozenset({"with", "from", "into", "over", "under", "without", "other", "more", "than", "your"})


def english_singular(word: str) -> str:
    """An English plural folded to its singular the simple way (watches → watch, pens → pen, glass stays)."""
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


NAME_HEAD_MIN = 3  # a label's head this long, ending a name's last word, is the kind the name says (oil, wax)


def name_says_kind(name: str, labels: Sequence[str]) -> bool:
    """Whether a Latin name's last word ends with the head of one of the brand's labels (Moroccanoil beside "hair
    oil", Turtle Wax beside "car wax"): the mark names its own kind of product, whatever else the title says."""
    words = _singular_words(name)
    if not words or not name.isascii():
        return False
    return any((head := _label_head(label)) and words[-1].endswith(head) for label in labels)


@lru_cache(maxsize=4096)
def _label_head(label: str) -> str:
    """A label's last word in the singular, NAME_HEAD_MIN letters or more, or "" (each label's computed once)."""
    forms = _singular_words(label)
    return forms[-1] if forms and len(forms[-1]) >= NAME_HEAD_MIN else ""


@lru_cache(maxsize=4096)
def _gloss_targets(label: str) -> tuple[str | None, frozenset[str]]:
    """What :meth:`ProductKinds.glossed_label_word` looks for of an English label (each label's computed once):
    its head in the singular and its words as written, GLOSS_MATCH_MIN letters or more."""
    forms = _singular_words(label)
    head = forms[-1] if forms and len(forms[-1]) >= GLOSS_MATCH_MIN else None
    return head, frozenset(w for w in ProductKinds.label_text(label).split() if len(w) >= GLOSS_MATCH_MIN)


@lru_cache(maxsize=4096)
def _label_word_forms(label: str) -> frozenset[str]:
    """The words of a category label, singular, as :meth:`ProductKinds.shared_label_word` compares them (each
    label's computed once: a brand's labels are asked for title after title)."""
    return frozenset(english_singular(w) for w in ProductKinds.label_text(label).split())


@dataclass(frozen=True)
class ProductKinds:
    """The product taxonomy from ``rules/product_kinds.yaml``: keywords, inclusions, label synonyms."""

    version: int
    keywords: dict[str, list[str]]
    includes: dict[str, list[str]]
    labels: dict[str, str]  # a category label as a protection list may write it → the kind
    accessory_kinds: frozenset[str] = frozenset()  # kinds bought to go with another kind (keychains)
    subject_kinds: frozenset[str] = frozenset()  # kinds that carry a mark as their subject (books, films)

    @staticmethod
    def label_text(label: str) -> str:
        """A category label as the taxonomy compares it: lower case, words split on spaces, _ and -."""
        return " ".join(label.strip().lower().replace("_", " ").replace("-", " ").split())

    @property
    def chinese_keywords(self) -> frozenset[str]:
        """Every keyword not written in Latin letters (鞋, 托特, 剃须刀 is none)."""
        return frozenset(w for words in self.keywords.values() for w in words if not w.isascii())

    def kinds_of_label(self, label: str, known: set[str]) -> set[str]:
        """The kinds a category label stands for: itself, a synonym, or the kinds its words name."""
        text = self.label_text(label)
        if not text:
            return set()
        found = {text}
        # labels are often plural: backpacks, fountain pens
        singular = " ".join(english_singular(w) for w in text.split())
        for form in dict.fromkeys((text, singular)):
            if form in known:
                return {*found, form}
            if form in self.labels:
                return {*found, self.labels[form]}
        padded = f" {text} "
        padded_singular = f" {singular} "
        for kind, words in self.keywords.items():
            for word in words:
                w = word.lower()
                if w.isascii():
                    if f" {w} " in padded or f" {english_singular(w)} " in padded_singular:
                        found.add(kind)
                elif w in text:
                    found.add(kind)
        return found

    def shared_label_word(self, words: Sequence[str], labels: Sequence[str]) -> tuple[str, str] | None:
        """The first title word (Latin letters, four or more, and no function word such as "with") that is a
        word of one of ``labels`` as written, singular or plural, and that label; else None. "merino" is a word
        of "merino base layers": the title names what the list says the brand makes."""
        label_words = [(label, _label_word_forms(label)) for label in labels]
        for word in words:
            key = english_singular(word.lower())
            if not (word.isascii() and word.isalpha() and len(key) >= SHARED_LABEL_WORD_MIN) or key in _FUNCTION_WORDS:
                continue
            for label, forms in label_words:
                if key in forms:
                    return word, label
        return None

    def glossed_label_word(self, words: Sequence[str], labels: Sequence[str]) -> tuple[str, str, str] | None:
        """The first Chinese title word that CC-CEDICT reads as one of ``labels`` written in English: a short gloss
        whose last word is the label's head (水饺 "boiled dumpling" to "frozen dumplings", 抽纸 "paper tissue" to
        "tissues"), or a word of the label that is the word's pinyin (汤圆 to "tangyuan"). Returns the word, the
        label and the gloss or reading; else None. Heads and readings of GLOSS_MATCH_MIN letters or more."""
        asked = [(label, *_gloss_targets(label)) for label in labels if label.isascii()]
        if not asked:
            return None
        for word in words:
            if word.isascii() or not (gloss := gloss_of(word)):
                continue
            heads = [(_singular_words(h) or [h])[0] for h in gloss.heads]
            for label, head, spelt in asked:
                if head is not None and head in heads:
                    return word, label, gloss.glosses[heads.index(head)]
                if spelt.intersection(gloss.readings):
                    return word, label, next(iter(spelt.intersection(gloss.readings)))
        return None

    def named_inside(self, label: str, kinds: set[str] | frozenset[str]) -> bool:
        """Whether an English keyword of ``kinds`` (four letters or more) is inside a word of a category label
        as the head of a compound: watch in "kids smartwatches", shirt in "sweatshirts"."""
        words = [english_singular(w) for w in self.label_text(label).split()]
        keys = {english_singular(w.lower()) for kind in kinds for w in self.keywords.get(kind, ())
                if w.isascii() and w.isalpha() and len(w) >= 4}
        return any(w != key and w.endswith(key) for w in words for key in keys)

    def related(self, kinds: set[str]) -> frozenset[str]:
        """Kinds that count as the same kind of product: the kinds, those they include, and their parents."""
        return self.narrower(kinds) | self.broader(kinds)

    def narrower(self, kinds: set[str]) -> frozenset[str]:
        """The kinds and every kind they include (electronics: audio, games)."""
        out = set(kinds)
        pending = list(kinds)
        while pending:
            for child in self.includes.get(pending.pop(), []):
                if child not in out:
                    out.add(child)
                    pending.append(child)
        return frozenset(out)

    def broader(self, kinds: set[str]) -> frozenset[str]:
        """The kinds that include one of them and are not among them (outdoor and sportswear for shoes)."""
        return frozenset(parent for parent, children in self.includes.items()
                         if set(children) & set(kinds) and parent not in kinds)


@dataclass(frozen=True)
class ScoringRules:
    """Weights and thresholds of the rule scorer from ``rules/scoring.yaml``."""

    raw: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]


def _rules_text(name: str) -> str:
    return resources.files("detector.rules").joinpath(name).read_text(encoding="utf-8")


def _read_rules(name: str) -> dict[str, Any]:
    return yaml.safe_load(_rules_text(name))


@lru_cache(maxsize=1)
def rules_digest() -> str:
    """Content hash of the rule files and the shape table: any edit to them makes a new library version."""
    names = ("lexical.yaml", "scoring.yaml", "product_kinds.yaml", "claims.yaml")
    text = "\0".join([*(_rules_text(name) for name in names), _shapes_text()])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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
        brand_sense_affixes=_flatten(raw.get("brand_sense_affixes", [])),
        quantity_units=frozenset(_flatten(raw.get("quantity_units", []))),
        inclusion_cues=tuple(_flatten(raw.get("inclusion_cues", []))),
    )


@lru_cache(maxsize=1)
def load_product_kinds() -> ProductKinds:
    raw = _read_rules("product_kinds.yaml")
    lexical = load_lexical_rules()
    keywords: dict[str, list[str]] = {k: list(v) for k, v in lexical.category_keywords.items()}
    for kind, words in raw["kinds"].items():
        keywords.setdefault(kind, []).extend(words)
    labels = {" ".join(str(label).lower().split()): kind for kind, items in raw["labels"].items() for label in items}
    return ProductKinds(int(raw["version"]), keywords, {k: list(v) for k, v in raw["includes"].items()}, labels,
                        frozenset(raw.get("accessory_kinds", [])), frozenset(raw.get("subject_kinds", [])))


@lru_cache(maxsize=1)
def load_scoring_rules() -> ScoringRules:
    return ScoringRules(_read_rules("scoring.yaml"))


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Ordinary English words: a token that is one is not a disguised brand name.

    Webster's second edition also lists proper names, capitalised (Stanly, Hamilton): those are names, not
    words, and a knock-off mark may well be one; only its lower-case entries count, with GCIDE's words.
    """
    from english_words import get_english_words_set

    web2 = get_english_words_set(["web2"], lower=False, alpha=True)
    return frozenset(w for w in (*(w for w in web2 if w.islower()), *common_english_words()) if len(w) >= 3)


@lru_cache(maxsize=1)
def common_english_words() -> frozenset[str]:
    """The words of GCIDE alone, without Webster's second edition's rarer and older ones (sharpy, a kind of
    boat, is only there; glossy and channel are in both)."""
    from english_words import get_english_words_set

    return frozenset(w for w in get_english_words_set(["gcide"], lower=True, alpha=True) if len(w) >= 3)


STRADDLE_MIN_FREQUENCY = 15  # jieba counts: below this a two-character "word" is too rare to trust
# ...as a boundary; a homophone of a name that is a dictionary word used this often reads as the word (立领, a
# stand-up collar, for 李宁; 米加 of 8米加粗), while brand names jieba holds a few times (奈克 2) stay respellings
HOMOPHONE_WORD_MIN_COUNT = 5
# A name that ends in a common word (森贝儿家族, 森马服饰) is also written without it: its head is the mark.
COMMON_TAIL_MIN_COUNT = 500


def short_names(name: str, kind_words: Container[str] = ()) -> list[tuple[str, str]]:
    """The heads of a Chinese name of four characters or more that ends in a common word or a word for a kind
    of product (家族, 电器, 童装): ``(head, tail)``, where the head is no common word itself (青岛 of 青岛啤酒
    is the city)."""
    counts = _word_counts()
    out = []
    for k in range(2, len(name) - 1):
        head, tail = name[:-k], name[-k:]
        common_tail = counts.get(tail, 0) >= COMMON_TAIL_MIN_COUNT or tail in kind_words
        if common_tail and counts.get(head, 0) < STRADDLE_MIN_FREQUENCY and head not in kind_words:
            out.append((head, tail))
    return out


def _shapes_text() -> str:
    return resources.files("detector").joinpath("data/shapes.tsv").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def shape_table() -> dict[str, str]:
    """Chinese characters that look alike (``data/shapes.tsv``, built by scripts/build_shape_table.py)."""
    return {ch: alike[:SHAPES_PER_CHARACTER] for ch, alike, _written in _shape_rows() if alike}


@lru_cache(maxsize=1)
def written_shape_table() -> dict[str, str]:
    """Traditional characters that look like a character as written (東 for 束; the table's third column): a
    title folded to simplified writes 东 for 東, so they match only where the title writes that character."""
    return {ch: written for ch, _alike, written in _shape_rows() if written}


def _shape_rows() -> list[tuple[str, str, str]]:
    rows = []
    for line in _shapes_text().splitlines():
        if line and not line.startswith("#"):
            ch, alike, *written = line.split("\t")
            rows.append((ch, alike, written[0] if written else ""))
    return rows


@lru_cache(maxsize=1)
def char_parts() -> dict[str, tuple[str, frozenset[str]]]:
    """Each common character's four-corner code and its parts of two strokes or more (``data/char_parts.tsv``,
    built by scripts/build_char_parts.py)."""
    text = resources.files("detector").joinpath("data/char_parts.tsv").read_text(encoding="utf-8")
    table = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            ch, code, parts = line.split("\t")
            table[ch] = (code, frozenset(parts.split()))
    return table


def related_in_form(a: str, b: str) -> bool:
    """Whether two characters are related in form, a looser tie than the shape table's: four-corner codes one
    digit apart (金/全), a larger part in common (实/宝: 宀), or one a part of the other (米/木). Too loose to
    stand for a character anywhere; enough where the rest of a name anchors the match."""
    table = char_parts()
    if a not in table or b not in table:
        return False
    (code_a, parts_a), (code_b, parts_b) = table[a], table[b]
    if len(code_a) == len(code_b) and sum(x != y for x, y in zip(code_a, code_b, strict=True)) <= 1:
        return True
    return bool(parts_a & parts_b) or a in parts_b or b in parts_a


SHAPES_PER_CHARACTER = 16  # look-alikes of a character that make variants: the shape table writes at most
# 12 of them and then at most 4 nearest glyphs (scripts/build_shape_table.py KEEP, KEEP_NEAREST)


def derived_variants(zh: str, shapes: dict[str, str], written: dict[str, str] | None = None
                     ) -> list[tuple[str, str, str]]:
    """What sellers write for a Chinese name, derived from the name alone: (form, kind, how).

    * ``mixed``: one run of its characters in pinyin initials or full pinyin, the rest as written
      (JND鹅 and jianada鹅 for 加拿大鹅, Lulu乐蒙 for 露露乐蒙, 始祖N for 始祖鸟);
    * ``shape``: one character swapped for a look-alike from the shape table (始祖乌, 天棱), or one
      written twice (新秀丽丽), the Chinese counterpart of a doubled letter (Thermoss);
    * ``shape_written``: one character swapped for a traditional look-alike from ``written`` (韩東 for 韩束), a
      form that counts only as written (folded to simplified it is 韩东).
    """
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(zh, style=Style.NORMAL)
    if len(syllables) != len(zh) or not all(s.isascii() and s.isalpha() for s in syllables):
        return []
    out: list[tuple[str, str, str]] = []
    n = len(zh)
    for i in range(n):
        for j in range(i + 1, n + 1):
            if j - i == n or (n > 5 and i and j < n):
                continue  # the whole name is initials or pinyin already; long names: a prefix or suffix run
            run = syllables[i:j]
            for latin, how in (("".join(s[0] for s in run), "initials"), ("".join(run), "pinyin")):
                if how == "pinyin" and len(run) == 1 and len(latin) < 2:
                    continue
                form = zh[:i] + latin + zh[j:]
                out.append((form, "mixed", f"{zh[i:j]} as {how} {latin.upper() if how == 'initials' else latin}"))
    for i, ch in enumerate(zh):
        for other in shapes.get(ch, ""):
            out.append((zh[:i] + other + zh[i + 1:], "shape", f"{other} looks like {ch}"))
        for other in (written or {}).get(ch, ""):
            out.append((zh[:i] + other + zh[i + 1:], "shape_written", f"{other} looks like {ch}"))
        if n >= 3 and ch not in zh[max(i - 1, 0):i] + zh[i + 1:i + 2]:  # 娃哈哈: a doubled character already
            out.append((zh[:i + 1] + zh[i:], "shape", f"{ch} written twice"))
    return out


class _Dictionary(NamedTuple):
    """What the detector reads from jieba's dictionary, in one pass over it."""

    words: tuple[tuple[str, int], ...]  # two- to four-character Chinese words with their counts
    places: frozenset[str]  # words tagged ns (a place name: 青岛)
    ordinary: frozenset[str]  # words tagged as a verb, adverb or adjective at least EVERYDAY_VERB_MIN_COUNT times
    counting: frozenset[str]  # a numeral and its measure word (一份, 两个): tagged m, the second character tagged q


EVERYDAY_VERB_MIN_COUNT = 100  # jieba counts: a name the dictionary knows this often as a verb, adverb or adjective


@lru_cache(maxsize=1)
def _dictionary() -> _Dictionary:
    import jieba

    words, places, ordinary, numerals, measures = [], set(), set(), set(), set()
    with resources.files(jieba).joinpath("dict.txt").open(encoding="utf-8") as handle:
        for line in handle:
            word, count_text, tag = (line.rstrip("\n").split(" ") + ["", ""])[:3]
            count = int(count_text)
            if 2 <= len(word) <= 4 and CJK_ONLY_RE.match(word):
                words.append((word, count))
            if tag == "ns":
                places.add(word)
            elif tag[:1] in ("v", "a", "d") and count >= EVERYDAY_VERB_MIN_COUNT:
                ordinary.add(word)
            elif tag == "m" and len(word) == 2 and count >= EVERYDAY_VERB_MIN_COUNT:
                numerals.add(word)
            elif tag == "q" and len(word) == 1:
                measures.add(word)
    counting = frozenset(w for w in numerals if w[1] in measures)
    return _Dictionary(tuple(words), frozenset(places), frozenset(ordinary), counting)


def counting_words() -> frozenset[str]:
    """A numeral with its measure word (一份, 两个, 一盒), from jieba's tags: inside a homophone of a name it is
    counting, not naming (来一份 炸鸡 orders one portion; it is no 来伊份)."""
    return _dictionary().counting


@lru_cache(maxsize=1)
def _rule_words() -> frozenset[str]:
    """Two-character Chinese words of the rule files themselves (包邮, 卫衣, 质保): marketplace words that jieba's
    dictionary, older than the marketplaces, lacks or counts rarely."""
    lexical, kinds = load_lexical_rules(), load_product_kinds()
    claims = _read_rules("claims.yaml")
    pool = [*kinds.chinese_keywords, *lexical.accessory_words, *lexical.second_hand_markers,
            *lexical.nominative_cues, *lexical.exempt_phrases, *claims["ordinary"]["zh"]]
    return frozenset(w for w in pool if len(w) == 2 and CJK_ONLY_RE.match(w))


def _chinese_words() -> tuple[tuple[str, int], ...]:
    """Two- to four-character words of jieba's dictionary with their counts (homophone guards)."""
    return _dictionary().words


@lru_cache(maxsize=1)
def _word_counts() -> dict[str, int]:
    """Two- to four-character words of jieba's dictionary → their counts."""
    return dict(_dictionary().words)


@lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """The two- to four-character words of jieba's dictionary."""
    return frozenset(_word_counts())


@lru_cache(maxsize=1)
def _homophone_words() -> frozenset[str]:
    """Dictionary words a homophone of a name reads as: used HOMOPHONE_WORD_MIN_COUNT times or more."""
    return frozenset(w for w, count in _word_counts().items() if count >= HOMOPHONE_WORD_MIN_COUNT)


def _brand_kind_sets(kinds: ProductKinds, labelled: list[set[str]] | list[frozenset[str]]) -> dict[str, list[Any]]:
    """Per brand, from what its labels name: the kinds it makes, the wider and the accessory kinds, and the
    kinds of its fellows on the list."""
    known = set(kinds.keywords)
    brand_kinds = [kinds.related(set(own)) for own in labelled]
    broad = [kinds.broader(set(own)) - kinds.narrower(set(own)) for own in labelled]
    return {
        "brand_kinds": brand_kinds,
        "brand_broad_kinds": broad,
        "brand_accessory_kinds": [kinds.accessory_kinds - own for own in labelled],
        "brand_kinds_known": [bool(k & known) for k in brand_kinds],
        "brand_kin_kinds": _kin_kinds(labelled, brand_kinds, broad),
    }


def _kin_kinds(labelled: Sequence[Set[str]], brand_kinds: list[frozenset[str]],
               broad: list[frozenset[str]]) -> list[frozenset[str]]:
    """Per brand, the kinds the list's other brands label beside a kind it labels too, the wider kinds aside: a
    maker of "vitamins, supplements" beside one of "fish oil, supplements" makes the kind of thing fish oil is,
    which the embedding may not see ("fish oil" is 0.30 from "supplements"). Read from the user's own list."""
    narrow = [frozenset(own) - wide for own, wide in zip(labelled, broad, strict=True)]
    beside: dict[str, set[str]] = defaultdict(set)  # a kind -> the kinds labelled beside it by some brand
    for own in narrow:
        for kind in own:
            beside[kind] |= own
    # a kind only the brand itself labels adds nothing: what is beside it is the brand's own labels
    return [frozenset(set().union(*(beside[kind] for kind in own)) - brand_kinds[b_idx]) if own else frozenset()
            for b_idx, own in enumerate(narrow)]


def unknown_category_labels(brands: list[Brand], kinds: ProductKinds | None = None) -> dict[str, list[str]]:
    """Brand id → its category labels that name no kind of the product taxonomy ("bicycles")."""
    kinds = kinds or load_product_kinds()
    known = set(kinds.keywords)
    out: dict[str, list[str]] = {}
    for brand in brands:
        labels = [c for c in brand.categories if not kinds.kinds_of_label(c, known) & known]
        if labels:
            out[brand.id] = labels
    return out


def _unknown_label_words(unknown: dict[str, list[str]], kinds: ProductKinds) -> dict[str, str]:
    """Category labels the taxonomy does not know (``unknown``), as written and in the singular → the label.

    A brand labelled "gaming peripherals" makes gaming peripherals: a title that says so is of its kind,
    whatever the taxonomy knows. Labels of three letters or fewer are left out.
    """
    out: dict[str, str] = {}
    for labels in unknown.values():
        for label in labels:
            text = kinds.label_text(label)
            for form in (text, " ".join(english_singular(w) for w in text.split())):
                if len(form.replace(" ", "")) > 3:
                    out.setdefault(form, text)
    return out


@lru_cache(maxsize=1)
def _kind_compounds() -> frozenset[str]:
    """Dictionary words holding a one-character kind keyword that are no keyword themselves: 剃须刀, 面包,
    包邮, 表白. Inside one, the character may or may not be the kind (书包 is a bag, 面包 bread)."""
    keywords = load_product_kinds().chinese_keywords
    single = {w for w in keywords if len(w) == 1}
    return frozenset(w for w, _ in _chinese_words() if w not in keywords and single.intersection(w))


def _kind_words_only(form: str, kind_words: frozenset[str]) -> bool:
    """Whether a Chinese line is a compound of words for kinds of product (托特包: 托特 + 包): a product
    type, which names no product line of any one brand. One kind word alone (飞天) may be a line."""
    if not form or form.isascii():
        return False
    pieces: list[int | None] = [0] + [None] * len(form)  # fewest kind words that spell form[:end]
    for end in range(1, len(form) + 1):
        counts = [pieces[start] for start in range(max(0, end - 6), end)
                  if pieces[start] is not None and form[start:end] in kind_words]
        pieces[end] = min(counts) + 1 if counts else None  # type: ignore[operator]
    return pieces[-1] is not None and pieces[-1] >= 2


_PREPOSITIONS = frozenset({"for", "with", "to", "on", "in"})
BARE_CUE_MIN_LETTERS = 5  # shorter heads have other everyday senses too often ("slim fit")


def _latin_initials(mark: str, tokens: list[str]) -> str | None:
    """The initials a seller writes for a Latin house mark: of three words or more (TNF, CSS for Chow Sang
    Sang), or of the humps of a camel-case one (KA for KitchenAid); ``tokens``: the mark's normalised words."""
    if len(tokens) >= 3 and all(t.isalpha() for t in tokens):
        return "".join(t[0] for t in tokens)
    humps = CAMEL_RE.findall(mark)
    if len(humps) >= 2 and "".join(humps) == mark:
        return "".join(h[0] for h in humps).lower()
    return None


def _bare_cues(cues: list[str]) -> list[str]:
    """English cues without their closing preposition: "replacement for" → "replacement".

    The Chinese cues stand alone (替换, 兼容); English titles drop the preposition as readily
    ("HD600 replacement ear pads", "compatible charger"), so the head word is a cue of its own.
    """
    out = []
    for cue in cues:
        words = cue.split()
        if cue.isascii() and len(words) >= 2 and words[-1] in _PREPOSITIONS:
            head = " ".join(words[:-1])
            if len(head) >= BARE_CUE_MIN_LETTERS and words[0] not in _PREPOSITIONS and not _VERB_FORM.fullmatch(head):
                out.append(head)
    return out


POSTPOSED = "postposed"  # the ref of a cue that says what a product fits only after the brand it names


def _postposed_cues(cues: list[str]) -> list[str]:
    """Chinese cues without their closing preposition 于, which stand after what they name: 专用于雅迪 is
    written 雅迪专用 ("for Yadea"), as 适用于 is written 适用. Before a brand the bare verb says something else
    (婴儿专用: for babies, of the product that follows), so these count only after it; a one-character verb
    (用于 → 用) is too common to count at all."""
    listed = set(cues)
    return [cue[:-1] for cue in cues if not cue.isascii() and cue.endswith("于") and len(cue) >= 3
            and cue[:-1] not in listed]


# A cue's head says what a product fits on its own where it is an adjective or a noun (compatible, replacement);
# an inflected verb (works, designed) says it only with its preposition: "works and looks like the real one".
_VERB_FORM = re.compile(r"[a-z]+(?:ed|[^s]s)")


_RIDING_PREPOSITIONS = frozenset({"by", "of", "to", "as"})


def _bare_riding_terms(terms: list[LexiconTerm]) -> list[tuple[int, str]]:
    """English brand-riding terms without their preposition, by the index of the term: "inspired by" →
    "inspired", "style of" → "style". Written after a mark ("Jellycat style", "Kate Spade inspired") they
    say the same; anywhere else they are ordinary words, so stage 1 counts them only right after a mark."""
    out = []
    for t_idx, term in enumerate(terms):
        words = term.term.split()
        if (term.category == "brand_riding" and term.term.isascii() and len(words) == 2
                and words[-1] in _RIDING_PREPOSITIONS and len(words[0]) >= BARE_CUE_MIN_LETTERS):
            out.append((t_idx, words[0]))
    return out


BARE_DECLARATION_MIN_TERMS = 3  # a word shared by this many strong self-declarations of the lexicon...
DERIVED_SOURCE = "the word that "  # how the source of a term derived from the lexicon begins (said in reasons)


def _bare_declarations(terms: list[LexiconTerm]) -> list[LexiconTerm]:
    """The word a family of the lexicon's strong self-declarations is built on, as a soft term of its own: copy
    (super copy, first copy, mirror copy...), 仿 (高仿, 精仿, 仿品...). Stage 1 counts it only standing alone as a
    word of a title naming a brand ("劲酒 125ml 仿 整箱", "pruning shears copy garden pruner").

    English: the last word of at least BARE_DECLARATION_MIN_TERMS such phrases; Chinese: a character in that
    many such terms, not all of which hold one longer term (刻 is only ever in 复刻). Never a word that any
    other term holds too (quality: "top quality" is a soft quality claim; 版: 专柜版 is one).
    """
    def strong(term: LexiconTerm) -> bool:
        return term.category == "self_declaration" and term.strength == "strong"

    others = [t.term.lower() for t in terms if not strong(t)]
    heads: dict[str, list[str]] = defaultdict(list)
    for term in filter(strong, terms):
        text = term.term.lower()
        words = text.split()
        if text.isascii() and len(words) >= 2 and len(words[-1]) >= 4 and words[-1].isalpha():
            heads[words[-1]].append(text)
        for ch in set(text):
            if CJK_ONLY_RE.match(ch):
                heads[ch].append(text)
    out = []
    known = {t.term.lower() for t in terms}
    for head, family in sorted(heads.items()):
        if len(family) < BARE_DECLARATION_MIN_TERMS or head in known:
            continue
        if head.isascii():
            if any(head in o.split() for o in others):
                continue
        elif any(head in o for o in others) or any(
                all(k in f for f in family) for k in known if head in k and k != head):
            continue
        out.append(LexiconTerm(term=head, language="en" if head.isascii() else "zh", strength="soft",
                               category="self_declaration",
                               source=f"{DERIVED_SOURCE}{', '.join(sorted(family)[:3])} are built on, standing alone"))
    return out


def _dictionary_compounds(brands: list[Brand], kinds: ProductKinds, rules: LexicalRules) -> dict[str, str]:
    """Dictionary words that contain a Chinese name or alias of the list and mean something else.

    世界冠军 and 冠军杯 hold 冠军, 大熊猫 熊猫, 小米粥 小米, 三星堆 三星: jieba's dictionary knows them as words
    of their own, so a title that writes one names no brand. Words that join the name to a kind of
    product (耐克鞋, 长城电脑), to what a company is called (苹果公司, 中华牌) or to a place (青岛海尔) stay
    the mark, as do words that are themselves on the list. Derived for every brand, so a brand added
    today is covered today.
    """
    names = {n for b in brands for n in (*b.names.zh, *b.aliases) if len(n) >= 2 and CJK_ONLY_RE.match(n)}
    listed = {normalise_term(n) for b in brands for n in (*b.names.zh, *b.names.en, *b.aliases)}
    keep = kinds.chinese_keywords | set(rules.brand_sense_affixes)
    places = _dictionary().places
    out: dict[str, str] = {}
    if not names:
        return out
    automaton = ahocorasick.Automaton()
    for name in names:
        automaton.add_word(name, name)
    automaton.make_automaton()
    words = _chinese_words()
    joined = "\n".join(word for word, _ in words)
    starts = list(accumulate((len(word) + 1 for word, _ in words), initial=0))
    for end, name in automaton.iter(joined):
        at_word = bisect_right(starts, end) - 1
        word = words[at_word][0]
        if len(word) == len(name) or normalise_term(word) in listed:
            continue
        at = end - len(name) + 1 - starts[at_word]
        rest = word[:at] + word[at + len(name):]
        if rest not in keep and rest not in places and not any(
                rest.startswith(k) or rest.endswith(k) for k in keep if len(k) >= 2):
            out.setdefault(word, name)
    return out


# brand id → (text, proposal kind) from the brand knowledge base, applied until approved or rejected
Knowledge = dict[str, list[tuple[str, str]]]


def library_version(brands: list[Brand], terms: list[LexiconTerm], knowledge: Knowledge | None = None) -> str:
    """Content hash of everything that decides a lexical score."""
    payload: dict[str, Any] = {
        "brands": sorted((b.model_dump(mode="json") for b in brands), key=lambda b: b["id"]),
        "terms": sorted(
            (t.model_dump(mode="json", exclude={"source"}) for t in terms), key=lambda t: (t["term"], t["category"])
        ),
        "rules": rules_digest(),
        "compiler": COMPILER_VERSION,
    }
    if knowledge:
        payload["knowledge"] = sorted([brand, text, kind] for brand, found in knowledge.items() for text, kind in found)
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
    automaton: Any  # brand names, aliases, variants, pinyin forms, homophone codes, lexicon terms
    prefilter: KeyScanner  # the same keys, for the bulk pass: which titles need the full analysis
    homophone_prefilter: KeyScanner  # the homophone codes, for the bulk pass over the pinyin view
    context_automaton: Any  # categories, accessories, nominative cues, exempt phrases, guards
    homophone_automaton: Any  # coded pinyin of Chinese names and aliases
    fuzzy_window: int  # the most words in a fuzzy target (The North Face: 3)
    fuzzy_targets: dict[int, list[tuple[str, int, str, int]]]  # length → [(collapsed, brand, word, words)]
    initials_brands: dict[str, list[int]]
    term_forms: frozenset[str]
    words: frozenset[str]  # two-character Chinese words: a homophone must not straddle one
    homophone_words: frozenset[str]  # dictionary words a homophone of a name reads as (HOMOPHONE_WORD_MIN_COUNT)
    kinds: ProductKinds  # the product taxonomy
    claims: ClaimDetector  # the learned counterfeit-claim detector
    brand_labelled: list[frozenset[str]]  # per brand: what its category labels name (labels, kinds)
    brand_kinds: list[frozenset[str]]  # per brand: the kinds of product it makes (with related kinds)
    brand_kinds_known: list[bool]  # per brand: whether any of its category labels names a kind of the taxonomy
    brand_broad_kinds: list[frozenset[str]]  # per brand: the wider kinds among brand_kinds (outdoor for shoes)
    brand_accessory_kinds: list[frozenset[str]]  # per brand: accessory kinds its labels do not name (keychains)
    brand_kin_kinds: list[frozenset[str]]  # per brand: kinds its fellows on the list label beside its own
    near_guard: frozenset[str] = frozenset()  # real words one character from a three-character name
    middle_swaps: dict[str, tuple[tuple[int, str], ...]] = field(default_factory=dict)  # ends → (brand, name)
    middle_swap_scan: re.Pattern[str] | None = None  # where a character stands between such ends
    everyday_lines: frozenset[str] = frozenset()  # knowledge-base lines that are ordinary words: need context
    everyday_names: frozenset[str] = frozenset()  # Latin house-mark names that are English words (citizen, champion)
    unknown_label_map: dict[str, list[str]] = field(default_factory=dict)  # see unknown_labels()
    brand_index: dict[str, int] = field(default_factory=dict)

    def of_brand_kind(self, categories: frozenset[str] | set[str], b_idx: int) -> bool:
        """Whether a title's kinds make it the brand's kind of product.

        A wider kind alone (户外 for a brand of shoes) counts only when the title names no other kind:
        "回力镖 户外 玩具" is a toy for the outdoors, not a shoe.
        """
        own = self.brand_kinds[b_idx]
        matched = categories & own
        if not matched:
            return False
        return bool(matched - self.brand_broad_kinds[b_idx]) or not (categories - own)

    def of_kin_kind(self, categories: frozenset[str] | set[str], b_idx: int) -> bool:
        """Whether a title names a kind that the brand's fellows on the list sell beside one it sells too."""
        return bool(set(categories) & self.brand_kin_kinds[b_idx])

    def names_own_product(self, word: str, b_idx: int) -> bool:
        """Whether an accessory word is what the brand's own category labels name: a case to a maker of
        "protective cases", a charger to one of "chargers" is the brand's product, not a part for it."""
        if not word.isascii():  # 滤芯 to a maker of 净水器滤芯
            return any(word in label for label in self.brands[b_idx].categories)
        wanted = _singular_words(word)
        for label in self.brands[b_idx].categories:
            words = _singular_words(label)
            if any(words[i : i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1)):
                return True
        return False

    def names_label_head(self, title: str, b_idx: int) -> bool:
        """Whether a title holds the head word of one of the brand's category labels (jeans to a maker of
        "jeans", containers to one of "food storage containers"), or a Chinese label whole."""
        words = set(_singular_words(title))
        for label in self.brands[b_idx].categories:
            if not label.isascii():
                if label in title:
                    return True
            elif (heads := _singular_words(label)) and heads[-1] in words:
                return True
        return False

    def accessory_only(self, categories: frozenset[str] | set[str], b_idx: int) -> frozenset[str]:
        """A title's kinds when they are all accessory kinds the brand's labels do not name, else nothing.

        A keychain to a brand labelled "backpacks": the brand's reference price is for its backpacks
        and says nothing about the keychain's price.
        """
        categories = frozenset(categories)
        if categories and categories <= self.brand_accessory_kinds[b_idx]:
            return categories
        return frozenset()

    def with_label_kinds(self, named: dict[str, frozenset[str]]) -> Library:
        """This library with the kinds that labels the taxonomy does not know name, by brand id
        ("televisions": electronics), as the semantic stage reads them."""
        if not named:
            return self
        labelled = [own | named.get(brand.id, frozenset())
                    for own, brand in zip(self.brand_labelled, self.brands, strict=True)]
        return replace(self, brand_labelled=labelled, **_brand_kind_sets(self.kinds, labelled))

    def unknown_labels(self) -> dict[str, list[str]]:
        """Brand id → its category labels that name no kind of the taxonomy (found once, at compile time)."""
        return self.unknown_label_map

    def kinds_of_label(self, label: str) -> frozenset[str]:
        """The kinds a listing's own category label (as a platform sends it) stands for."""
        return frozenset(self.kinds.kinds_of_label(label, set(self.kinds.keywords)))

    @classmethod
    def compile(cls, brands: list[Brand], terms: list[LexiconTerm], knowledge: Knowledge | None = None) -> Library:
        """Compile brands, lexicon and rules into a ready-to-scan library.

        ``knowledge``: what the brand knowledge base knows of listed brands and no one has decided yet
        (product lines, other names, knock-off marks); matched as such and said so in every reason.
        """
        rules = load_lexical_rules()
        tables = pinyin_tables()
        builder = _AutomatonBuilder()
        homophones = _AutomatonBuilder()  # pinyin codes of Chinese names, scanned over the pinyin view
        fuzzy: dict[int, list[tuple[str, int, str, int]]] = {}
        initials_brands: dict[str, list[int]] = {}
        latin_initials: list[tuple[str, int, str]] = []
        two_char_codes: set[str] = set()
        shapes, written_shapes = shape_table(), written_shape_table()
        dictionary = dictionary_words()
        # ...as the homophones read them: a form jieba holds a few times only (大盖 3, as 奈克 2) is no real word
        real_words = _homophone_words() | _dictionary().places
        two_char_words = frozenset(w for w, count in _chinese_words()
                                   if len(w) == 2 and count >= STRADDLE_MIN_FREQUENCY) | _rule_words()
        near_guard: set[str] = set()  # real words one character from a three-character name (北极熊 for 北极狐)
        everyday_lines: set[str] = set()  # knowledge-base lines that are ordinary words (Love, 飞天): need context
        three_char: dict[tuple[str, str], list[str]] = {}
        for w in dictionary:
            if len(w) == 3:
                three_char.setdefault(("p", w[:2]), []).append(w)
                three_char.setdefault(("s", w[1:]), []).append(w)
                three_char.setdefault(("m", w[0] + w[2]), []).append(w)
        middle_swaps: dict[str, set[tuple[int, str]]] = {}  # a three-character name's ends → (brand, name)
        window = 1  # the most words in a mark that fuzzy matching compares against
        three_letter: list[tuple[str, int, str]] = []  # (mark, brand, as listed): three-letter house marks

        kind_words = load_product_kinds().chinese_keywords
        for b_idx, brand in enumerate(brands):
            for name in brand.all_names():
                builder.add(name, "name", b_idx)
            for alias in brand.aliases:
                builder.add(alias, "alias", b_idx)
            own_forms = {normalise_term(w) for w in [*brand.all_names(), *brand.aliases]}
            for variant in brand.known_variants:
                if normalise_term(variant) not in own_forms:  # a variant that folds to the name is the name
                    builder.add(variant, "variant", b_idx)
            listed = own_forms | {normalise_term(v) for v in brand.known_variants}
            for text, kind in (knowledge or {}).get(brand.id, []):
                form = normalise_term(text)
                if form and form not in listed and not _kind_words_only(form, kind_words):
                    builder.add(text, "kb_variant" if kind == "kb_knockoff" else "kb_alias", b_idx)
                    key = everyday_key(text)
                    if kind != "kb_knockoff" and _everyday_form(key, dictionary, english_words()):
                        everyday_lines.add(key)
            for word in [*brand.all_names(), *brand.aliases]:
                form = normalise_term(word)
                squeezed = form.replace(" ", "")
                if LATIN_RE.match(form) and " " in form and len(squeezed) >= 6:
                    builder.add_form(squeezed, "alias" if word in brand.aliases else "name", b_idx, word)
                tokens = WORD_RE.findall(form)
                joined = "".join(tokens)
                is_house_mark = word in brand.names.en or (word in brand.aliases and len(tokens) > 1)
                if is_house_mark and LATIN_RE.match(form) and joined.isalpha():
                    if len(joined) >= 4:
                        collapsed = collapse_repeats(joined)
                        fuzzy.setdefault(len(collapsed), []).append((collapsed, b_idx, word, len(tokens)))
                        window = max(window, len(tokens))
                    elif len(joined) == 3:
                        three_letter.append((joined, b_idx, word))
                if word in brand.names.en and (initials := _latin_initials(word, tokens)):
                    latin_initials.append((initials, b_idx, word))
            for zh in [*brand.names.zh, *(a for a in brand.aliases if CJK_ONLY_RE.match(a))]:
                if not CJK_ONLY_RE.match(zh) or len(zh) < 2:
                    continue
                for code in tables.codes(zh):
                    homophones.add_form(code, "homophone", b_idx, zh, latin=False, raw=True)
                    if len(zh) == 2:
                        two_char_codes.add(code)
                if zh in brand.names.zh:
                    spelled = tables.spelling(zh)
                    en_forms = {normalise_term(n).replace(" ", "") for n in brand.names.en}
                    if spelled and len(spelled) >= 5 and normalise_term(spelled) not in en_forms:
                        builder.add_form(normalise_term(spelled), "pinyin", b_idx, zh)
                    for head, tail in short_names(zh, kind_words):
                        builder.add_form(normalise_term(head), "short_name", b_idx, f"{zh}\t{tail}", latin=False)
                    initials = tables.initials(zh)
                    if initials and len(initials) >= 2:
                        builder.add_form(normalise_term(initials), "initials", b_idx, zh)
                        initials_brands.setdefault(initials, []).append(b_idx)
                    # One character swapped in a name of three or more (农夫山泵, 科颜民): the rest as a key. A
                    # two-character rest that is itself a common word (新秀, 哈哈) would fire on ordinary text.
                    for part, kind in ((zh[:-1], "prefix"), (zh[1:], "suffix")):
                        if len(zh) >= 4 or (len(zh) == 3 and part not in two_char_words):
                            builder.add_form(normalise_term(part), kind, b_idx, zh, latin=False)
                    # ...or inside it (露露东蒙): the longer side as the key, the rest checked where it is found.
                    # A side that is itself a word (加拿大, 泡泡, 云南) would make every title naming it a suspect.
                    for i in range(1, len(zh) - 1):
                        left, right = zh[:i], zh[i + 1 :]
                        side, at = (left, 0) if len(left) >= len(right) else (right, i + 1)
                        common = side in two_char_words if len(side) == 2 else side in dictionary
                        if len(side) >= 2 and not common:
                            builder.add_form(normalise_term(side), "inner", b_idx, f"{zh}\t{i}\t{at}", latin=False)
                    if len(zh) == 3:
                        near_guard.update(w for w in three_char.get(("p", zh[:2]), ()) if w != zh)
                        near_guard.update(w for w in three_char.get(("s", zh[1:]), ()) if w != zh)
                        # ...or its middle one (嘉宝多 for 嘉实多): no key is two characters of it side by side,
                        # so its two ends are looked for around any character (Library.middle_swap_scan)
                        form = normalise_term(zh)
                        if len(form) == 3 and CJK_ONLY_RE.match(form):
                            middle_swaps.setdefault(form[0] + form[2], set()).add((b_idx, zh))
                            near_guard.update(w for w in three_char.get(("m", form[0] + form[2]), ()) if w != zh)
                for form, kind, how in derived_variants(zh, shapes, written_shapes):
                    key = normalise_term(form)
                    if key in real_words or key in own_forms:
                        continue  # a real word (天峻 the county, 彩石 for 影石) is not a disguise
                    if kind == "shape_written":  # matched folded, kept only where the title writes the look-alike
                        swapped = "".join(c for c, listed in zip(form, zh, strict=True) if c != listed)
                        builder.add_form(key, "shape", b_idx, f"{zh}\t{how}\t{swapped}")
                    else:
                        builder.add_form(key, kind, b_idx, f"{zh}\t{how}")

        # Three-letter marks (JBL, MCM): one of the first two letters changed (MKM), or l written as I (JBI),
        # in capitals and standing alone, in the brand's kind of product. Never an English word or a listed form.
        english, taken_forms = english_words(), set(builder.keys())
        short_forms: dict[str, set[tuple[int, str]]] = {}
        # Initials of a house mark of three words or more (TNF, CSS) or of a camel-case one (KA for KitchenAid),
        # unless they spell a word or a listed form.
        for initials, b_idx, word in latin_initials:
            if initials not in english and initials not in taken_forms:
                builder.add_form(initials, "initials", b_idx, word)
        for mark, b_idx, word in three_letter:
            own = normalise_term(mark)  # skeleton form: JBL's key is jbi, so JBI meets the key and is no name
            if "l" in word.lower():
                builder.add_form(own, "short_lookalike", b_idx, word)
            for form in _three_letter_lookalikes(own):
                short_forms.setdefault(form, set()).add((b_idx, word))
        for form, marks in short_forms.items():
            if len(marks) == 1 and form not in english and form not in taken_forms:  # one mark's, and no word
                b_idx, word = next(iter(marks))
                builder.add_form(form, "short_lookalike", b_idx, word)

        term_forms = set()
        for t_idx, term in enumerate(terms):
            builder.add(term.term, "term", t_idx)
            term_forms.add(normalise_term(term.term))

        # Context vocabularies: scanned only in titles where the main automaton found something.
        context = _AutomatonBuilder()
        for t_idx, head in _bare_riding_terms(terms):
            context.add(head, "bare_riding", t_idx)
        bare = _bare_declarations(terms)
        for t_idx, term in enumerate(bare, start=len(terms)):
            context.add(term.term, "bare_declaration", t_idx)
        for phrase in rules.exempt_phrases:
            context.add(phrase, "exempt", None)
        for cue in (*rules.nominative_cues, *_bare_cues(rules.nominative_cues)):
            context.add(cue, "nominative", None)
        for cue in _postposed_cues(rules.nominative_cues):
            context.add(cue, "nominative", POSTPOSED)
        for word in rules.accessory_words:
            context.add(word, "accessory", None)
            if (plural := _plural(word)) is not None:  # filters, watch bands: the list writes the singular
                context.add(plural, "accessory", None)
        for cue in rules.inclusion_cues:
            context.add(cue, "inclusion", None)
        for marker in rules.second_hand_markers:
            context.add(marker, "second_hand", None)
        for homonym, contexts in rules.homonyms.items():
            for word in contexts:
                context.add(word, "homonym_context", normalise_term(homonym))
        kinds = load_product_kinds()
        for category, keywords in kinds.keywords.items():
            for word in keywords:
                context.add(word, "category", category)
        for compound, name in _dictionary_compounds(brands, kinds, rules).items():
            context.add(compound, "compound", normalise_term(name))
        for word in _kind_compounds():
            context.add(word, "kind_compound", None)
        known_kinds = set(kinds.keywords)
        labelled = [{k for label in b.categories for k in kinds.kinds_of_label(label, known_kinds)} for b in brands]
        unknown = unknown_category_labels(brands, kinds)
        for word, label in _unknown_label_words(unknown, kinds).items():
            context.add(word, "category", label)  # "gaming peripherals" in a title is that brand's kind
        words = _chinese_words()
        if two_char_codes:
            for word, _count in words:
                if len(word) < 3:
                    continue
                coded = tables.view(word)
                if any(coded[i : i + 2] in two_char_codes for i in range(len(word) - 1)):
                    context.add(word, "guard", None)

        prefilter_keys = {key: _prefilter_rule(builder.patterns(key)) for key in builder.keys()}
        library = cls(
            brands=list(brands),
            terms=[*terms, *bare],
            version=library_version(brands, terms, knowledge),
            rules=rules,
            scoring=load_scoring_rules(),
            pinyin=tables,
            automaton=builder.build(),
            prefilter=KeyScanner(prefilter_keys, same_as={"l": "i"}),  # keys in skeleton form, view not
            homophone_prefilter=KeyScanner({key: STRADDLE if len(key) < LONG_NAME else NO_RULE
                                            for key in homophones.keys()}),
            context_automaton=context.build(),
            homophone_automaton=homophones.build(),
            fuzzy_window=window,
            fuzzy_targets=fuzzy,
            initials_brands=initials_brands,
            term_forms=frozenset(term_forms),
            words=two_char_words,
            homophone_words=_homophone_words(),
            kinds=kinds,
            brand_labelled=[frozenset(own) for own in labelled],
            **_brand_kind_sets(kinds, labelled),
            everyday_names=_everyday_names(brands),
            near_guard=frozenset(near_guard),
            middle_swaps={ends: tuple(sorted(found)) for ends, found in middle_swaps.items()},
            middle_swap_scan=_ends_scan(middle_swaps),
            everyday_lines=frozenset(everyday_lines),
            unknown_label_map=unknown,
            claims=_claim_detector(
                tuple(sorted({t.term for t in terms if t.category in CLAIM_CATEGORIES})),
                (*rules.exempt_phrases, *rules.accessory_words, *rules.second_hand_markers,
                 *rules.nominative_cues, *(w for words in kinds.keywords.values() for w in words)),
            ),
        )
        library.brand_index = {b.id: i for i, b in enumerate(brands)}
        return library

    def brand(self, brand_id: str) -> Brand | None:
        idx = self.brand_index.get(brand_id)
        return None if idx is None else self.brands[idx]


def _ends_scan(middle_swaps: dict[str, set[tuple[int, str]]]) -> re.Pattern[str] | None:
    """A pattern finding, at each position, a first character of a three-character name, any Chinese character,
    and a last character of one (groups 1 and 2: the ends); the pair is checked against ``middle_swaps``."""
    if not middle_swaps:
        return None
    firsts = "".join(sorted({ends[0] for ends in middle_swaps}))
    lasts = "".join(sorted({ends[1] for ends in middle_swaps}))
    return re.compile(f"(?=([{re.escape(firsts)}])[\u3400-\u4dbf\u4e00-\u9fff]([{re.escape(lasts)}]))")


@lru_cache(maxsize=4)
def _claim_detector(positives: tuple[str, ...], negatives: tuple[str, ...]) -> ClaimDetector:
    """The claim detector for the lexicon's claim terms, fitted once per process and set of terms.

    It depends on the lexicon and the rule files, never on the brands: a brand added through one API worker
    recompiles the library in every worker, and refitting the same model was 0.9 s of the 2 s recompile.
    """
    return ClaimDetector.fit(_read_rules("claims.yaml"), positives=list(positives), negatives=list(negatives))


def _plural(word: str) -> str | None:
    """The regular English plural of a Latin word or phrase's last word (filter → filters, battery → batteries,
    watch band → watch bands); None for a Chinese word or one that already ends in s (laces, insoles)."""
    if not word.isascii() or not word[-1:].isalpha() or word.endswith("s"):
        return None
    if word.endswith(("x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def _singular_words(text: str) -> list[str]:
    """The words of an English phrase, each in the singular (cases → case, batteries → battery)."""
    words = re.findall(r"[a-z]+", text.lower())
    return [w[:-3] + "y" if w.endswith("ies") and len(w) > 5 else english_singular(w) for w in words]


def _everyday_form(key: str, dictionary: frozenset[str], english: frozenset[str]) -> bool:
    """An ordinary word or phrase (Love, Classic Cabin, 飞天), or too short to stand alone (CF, 小香).

    ``key``: as :func:`everyday_key` writes it (not the skeleton form, where Love would be iove).
    """
    squeezed = key.replace(" ", "")
    if squeezed.isascii():
        return len(squeezed) <= 3 or all(w in english or len(w) <= 2 for w in re.findall(r"[a-z]+", key))
    return len(squeezed) <= 2 or squeezed in dictionary


def everyday_key(text: str) -> str:
    """How a name is looked up among everyday words: case and accents folded, words split on anything else."""
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[a-z0-9]+|[^\W\d_a-z]+", folded))


EVERYDAY_WORD_MIN_COUNT = 1000  # jieba counts: a Chinese name this common is an everyday word first (苹果, 冠军)
# ...and a Chinese product line or nickname that is a dictionary word this common (三叶草, 飞天, 海马): alone, without
# the house mark, it is the word before it is the line
EVERYDAY_LINE_MIN_COUNT = 10


def _everyday_names(brands: list[Brand]) -> frozenset[str]:
    """Normalised names and product lines that are everyday words: English words, very common Chinese words."""
    english = english_words()
    counts = _word_counts()
    forms = {everyday_key(name) for brand in brands for name in brand.names.en}
    out = {f for f in forms if f.isalpha() and f.isascii() and f in english}
    # product lines that are English words or phrases (box logo, Big Bang, Switch) likewise
    lines = {everyday_key(alias) for brand in brands for alias in brand.aliases}
    out |= {f for f in lines if f.isascii() and re.fullmatch(r"[a-z]+( [a-z]+)*", f)
            and all(w in english for w in f.split())}
    out |= {f for f in lines if re.fullmatch(r"[a-z]{1,2}", f)}  # two-letter abbreviations: CF (card), LV, MK
    out |= {everyday_key(alias) for brand in brands for alias in brand.aliases
            if counts.get(alias, 0) >= EVERYDAY_LINE_MIN_COUNT}
    out |= {everyday_key(name) for brand in brands for name in brand.names.zh
            if counts.get(name, 0) >= EVERYDAY_WORD_MIN_COUNT or _ordinary_part_of_speech(name)}
    return frozenset(out)


def _ordinary_part_of_speech(name: str) -> bool:
    """A name jieba's dictionary tags as a verb, adverb or adjective (飞跃 v, 永久 d): a mark is a noun,
    so in a title such a word is read as itself first, however rare next to 苹果."""
    return name in _dictionary().ordinary


def _prefilter_rule(patterns: list[Pattern]) -> int:
    """How the prefilter counts a key: as the full pass would count its most lenient pattern."""
    if not all(p.latin for p in patterns):
        return NO_RULE
    return INITIALS if all(p.kind in CAPITALS_ONLY for p in patterns) else LATIN


CAPITALS_ONLY = frozenset({"initials", "short_lookalike"})  # kinds that count only where written in capitals


def _three_letter_lookalikes(key: str) -> set[str]:
    """Knock-offs of a three-letter mark's key (skeleton form): one of the first two letters changed (MKM for
    MCM); the last letter stays, as in the longer marks' knock-offs."""
    letters = set("abcdefghijklmnopqrstuvwxyz".translate(SKELETON))
    return {key[:i] + c + key[i + 1:] for i in (0, 1) for c in letters if c != key[i]}


def collapse_repeats(word: str) -> str:
    """Adidaas → adidas, caaaoach → caoach: doubled letters are a cheap disguise."""
    if _bulk is not None:
        return _bulk.collapse_repeats(word)
    return _REPEATS_RE.sub(r"\1", word)


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

    def keys(self) -> list[str]:
        return list(self._keys)

    def patterns(self, key: str) -> list[Pattern]:
        return self._keys[key]

    def build(self) -> Any:
        automaton = ahocorasick.Automaton()
        for key, patterns in self._keys.items():
            # The third field: every pattern of the key needs Latin word boundaries (a quick reject).
            automaton.add_word(key, (len(key), tuple(patterns), all(p.latin for p in patterns)))
        automaton.make_automaton()
        return automaton
