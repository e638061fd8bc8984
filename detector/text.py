"""Normalisation of listing text with an offset map back to the original characters.

Every transformation here is either one character to one character (NFKC, case fold,
traditional to simplified, homoglyphs, digits inside Latin words) or a removal (zero-width
and decorative characters, separators inside a name, digits inserted into a Chinese name).
Removals are recorded as gaps so a match can tell that its span was disguised.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

try:
    from . import _bulk  # compiled bulk passes (setup.py builds them on install)
except ImportError:  # pragma: no cover - exercised only where no C compiler was available
    _bulk = None

BULK_BACKEND = "compiled" if _bulk is not None else "python"

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{CJK}]")
_ZERO_WIDTH = "\x01"

# Cyrillic and Greek letters that render like Latin ones (lower case, after case folding).
HOMOGLYPHS = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ɡ": "g", "ӏ": "l", "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "s", "σ": "o",
    "ı": "i", "ł": "l", "ø": "o",
}
# Capitals whose look differs from their lower case (Greek Ν looks like N, ν like v).
UPPER_HOMOGLYPHS = {
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n", "Ο": "o",
    "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x", "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h",
    "О": "o", "Р": "p", "С": "c", "Т": "t", "Х": "x", "І": "i", "Ѕ": "s", "Ј": "j",
}
# Digits and signs standing for letters inside a Latin word (N1ke, G0cci, Adid@s).
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "@": "a", "$": "s", "!": "i", "|": "i"}
# Letters that are confused with each other: matching compares skeletons (Nlke ~ Nike).
SKELETON = str.maketrans({"l": "i"})

# The character class comes first so the regex engine can skip ahead to candidate characters.
_INWORD_LEET = re.compile(
    r"[0134@$5!|](?:"
    r"(?<=[a-z].)(?=[a-z])"  # N1ke, Adid@s
    r"|(?<=[a-z]{3}[0134@$])(?![a-z0-9])"  # Zipp0, Gucc1 (a digit closing a word of 3+ letters)
    r"|(?<![a-z0-9].)(?<=[0134@$])(?=[a-z]{3}))"  # 0mega (a digit opening one)
)
_SEP = r"(?:[^\w\n]|_)"  # a separator; never a line break, which divides titles in a batch
_REMOVABLE = re.compile(
    "|".join(
        [
            rf"(?<=[{CJK}])(?:{_SEP}+\d?{_SEP}*|\d{_SEP}*)(?=[{CJK}])",  # 耐-克, 耐 克, 移3动
            r"(?<=[a-z])(?:[^\w\s]|_)+(?=[a-z])",  # n.i.k.e, nike-> n*ke
            _ZERO_WIDTH + "+",
        ]
    )
)
_SPACED_LETTERS = re.compile(r"(?<![a-z0-9])[a-z](?: [a-z]){2,}(?![a-z0-9])")


@lru_cache(maxsize=1)
def _t2s() -> dict[str, str]:
    """Single-character traditional → simplified pairs from zhconv's MediaWiki-derived table."""
    import json
    from importlib import resources

    with resources.files("zhconv").joinpath("zhcdict.json").open("rb") as handle:
        table = json.load(handle)["zh2Hans"]
    return {k: v for k, v in table.items() if len(k) == 1 and len(v) == 1 and k != v}


def traditional_forms() -> dict[str, str]:
    """Each single traditional character and the simplified one the folding writes for it (東 → 东)."""
    return dict(_t2s())


@lru_cache(maxsize=1)
def confusables() -> dict[str, str]:
    """Letters of other scripts read as the Latin letter or Chinese character they imitate (王カ for 王力, 可ロ可乐,
    Cherokee Ꭺ for A): ``data/confusables.tsv``, derived by scripts/build_confusables.py from Unicode's
    confusables data (UTS #39). The hand table HOMOGLYPHS above keeps the Cyrillic and Greek letters it holds."""
    from importlib import resources

    text = resources.files("detector").joinpath("data/confusables.tsv").read_text(encoding="utf-8")
    return dict(line.split("\t")[:2] for line in text.splitlines() if line and not line.startswith("#"))


def imitated_letters(text: str) -> list[tuple[str, str]]:
    """Each letter of ``text`` from another script that the fold reads as the letter or character it imitates,
    with that one (王カ: カ, 力; Nіke: і, i)."""
    imitated = confusables()
    out = []
    for ch in dict.fromkeys(text):
        target = UPPER_HOMOGLYPHS.get(ch) or HOMOGLYPHS.get(ch.lower()) or imitated.get(ch)
        if target:
            out.append((ch, target))
    return out


def _fold_char(ch: str, t2s: dict[str, str], imitated: dict[str, str]) -> str:
    category = unicodedata.category(ch)
    if category == "Cf":
        return _ZERO_WIDTH
    if ch in UPPER_HOMOGLYPHS:
        return UPPER_HOMOGLYPHS[ch]
    folded = unicodedata.normalize("NFKC", ch).casefold()
    if len(folded) != 1:
        folded = ch.lower() if len(ch.lower()) == 1 else ch
    folded = t2s.get(folded, folded)
    folded = HOMOGLYPHS.get(folded, folded)
    folded = imitated.get(ch) or imitated.get(folded, folded)
    if "\u00c0" <= folded <= "\u024f":  # Latin letters with diacritics: Niké, Guççi, Tissöt read as plain letters
        base = unicodedata.normalize("NFD", folded)[0]
        if "a" <= base <= "z":
            folded = base
    if unicodedata.category(folded) in ("So", "Sk", "Co", "Mn", "Me"):
        return "\u2022"  # one decorative mark, a separator in context
    return folded


@lru_cache(maxsize=1)
def fold_table() -> dict[int, str]:
    """A str.translate table folding each character to its normalised single character."""
    t2s, imitated = _t2s(), confusables()
    table: dict[int, str] = {}
    for cp in range(0x80, 0x30000):
        if 0xD800 <= cp < 0xE000:
            continue
        ch = chr(cp)
        folded = _fold_char(ch, t2s, imitated)
        if folded != ch:
            table[cp] = folded
    for cp in range(0x41, 0x5B):
        table[cp] = chr(cp + 32)
    return table


@lru_cache(maxsize=1)
def fold_skeleton_table() -> dict[int, str]:
    """The fold table followed by the skeleton (l → i): the bulk pass needs only the skeleton."""
    table = {cp: ch.translate(SKELETON) for cp, ch in fold_table().items()}
    table[ord("l")] = "i"
    table[ord("\n")] = "\n"
    return table


@lru_cache(maxsize=1)
def script_characters() -> tuple[frozenset[str], frozenset[str]]:
    """(traditional, simplified): characters of one script only, from the same table as the folding."""
    t2s = _t2s()
    return frozenset(t2s), frozenset(v for v in t2s.values() if v not in t2s)


def written_in_other_script(nt: NormalisedText, start: int, end: int, listed: str) -> str:
    """The traditional or variant characters a name is written with (荳 of 红荳 for 红豆) when the rest of the
    title is plainly simplified, else "": a title written in traditional characters writes names so too."""
    traditional, simplified = script_characters()
    a, b = nt.original_span(start, end)
    written = [c for c in nt.original[a:b] if c in traditional and c not in listed]
    if not written:
        return ""
    rest = nt.original[:a] + nt.original[b:]
    if any(c in traditional for c in rest) or not any(c in simplified for c in rest):
        return ""
    return "".join(written)


@lru_cache(maxsize=1)
def t2s_lower_table() -> dict[int, str]:
    """Lower-casing plus traditional-to-simplified only: what a plain (undisguised) title becomes."""
    table = {ord(k): v for k, v in _t2s().items()}
    for cp in range(0x41, 0x5B):
        table[cp] = chr(cp + 32)
    return table


def has_cjk(text: str) -> bool:
    """Whether a text holds a Chinese character."""
    return _CJK_RE.search(text) is not None


def is_cjk(ch: str) -> bool:
    return bool(_CJK_RE.match(ch))


class NormalisedText:
    """Normalised text plus the map from each of its characters to the original string."""

    __slots__ = ("original", "text", "offsets", "gaps")

    def __init__(self, original: str, text: str, offsets: tuple[int, ...] | None, gaps: frozenset[int]) -> None:
        self.original = original
        self.text = text
        self.offsets = offsets  # None: identity map
        self.gaps = gaps  # positions i where characters were removed between text[i-1] and text[i]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NormalisedText) and (self.original, self.text, self.offsets, self.gaps) == (
            other.original, other.text, other.offsets, other.gaps)

    def __repr__(self) -> str:
        return f"NormalisedText({self.text!r})"

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Span in the original string covering normalised characters [start, end)."""
        if self.offsets is None:
            return start, end
        return self.offsets[start], self.offsets[end - 1] + 1

    def original_text(self, start: int, end: int) -> str:
        a, b = self.original_span(start, end)
        return self.original[a:b]

    def has_gap_inside(self, start: int, end: int) -> bool:
        return any(start < g < end for g in self.gaps) if self.gaps else False

    def gap_at(self, position: int) -> bool:
        return position in self.gaps


def normalise(text: str) -> NormalisedText:
    """Fold ``text`` for matching; keep how to get back to the original characters."""
    return normalise_many([text])[0]


def normalise_many(texts: list[str]) -> list[NormalisedText]:
    """Normalise a batch in one pass of each C-level operation over the joined batch."""
    folded = fold(_joined(texts))
    folded = _INWORD_LEET.sub(_leet, folded)
    removed: list[tuple[int, int]] = [m.span() for m in _REMOVABLE.finditer(folded)]
    for m in _SPACED_LETTERS.finditer(folded):
        removed.extend((i, i + 1) for i in range(m.start() + 1, m.end(), 2))
    parts = folded.split("\n")
    if not removed:
        return [NormalisedText(t, part, None, _NO_GAPS) for t, part in zip(texts, parts, strict=True)]
    removed.sort()
    out: list[NormalisedText] = []
    base = 0
    r = 0
    for text, part in zip(texts, parts, strict=True):
        end_of_part = base + len(part)
        mine: list[tuple[int, int]] = []
        while r < len(removed) and removed[r][0] < end_of_part:
            start, end = removed[r]
            mine.append((start - base, min(end, end_of_part) - base))
            r += 1
        out.append(_apply_removals(text, part, mine) if mine else NormalisedText(text, part, None, _NO_GAPS))
        base = end_of_part + 1
    return out


_NO_GAPS: frozenset[int] = frozenset()


def normalised_batch_text(texts: list[str]) -> str:
    """The normalised texts of a batch joined by line breaks, in skeleton form (l as i), without offset maps."""
    return bulk_view(texts, skeleton=True)[0]


def bulk_view(texts: list[str], skeleton: bool = False) -> tuple[str, list[int]]:
    """The normalised texts of a batch joined by line breaks, and where characters were removed.

    The same transformations as :func:`normalise_many` (and ``skeleton``: l as i), in one compiled
    pass over the joined batch (``detector/_bulk.pyx``); the regex reference below is used where the
    extension is not built. The gaps (positions with something removed just before) let the
    prefilter apply the same word-boundary rule as the full pass.
    """
    joined = _joined(texts)
    if _bulk is not None:
        return _bulk.normalise_view(joined, _fold_skeleton_array() if skeleton else _fold_array())
    return bulk_view_reference(joined, skeleton)


def _joined(texts: list[str]) -> str:
    """A batch as one string, a line break between titles (a title's own line breaks become spaces)."""
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:
        joined = "\n".join(t.replace("\n", " ") for t in texts)
    return joined


def bulk_view_reference(joined: str, skeleton: bool = False) -> tuple[str, list[int]]:
    """The regex implementation of :func:`bulk_view`: the reference the compiled pass is tested against."""
    folded = joined.translate(fold_skeleton_table() if skeleton else fold_table())
    folded = _INWORD_LEET.sub(_leet, folded)
    kept, gaps = _drop_spans(folded, [m.span() for m in _REMOVABLE.finditer(folded)], [])
    spaces = [(i, i + 1) for m in _SPACED_LETTERS.finditer(kept) for i in range(m.start() + 1, m.end(), 2)]
    return _drop_spans(kept, spaces, gaps)


def _drop_spans(text: str, spans: list[tuple[int, int]], gaps: list[int]) -> tuple[str, list[int]]:
    """``text`` without the sorted ``spans``; earlier ``gaps`` carried over and a gap where each span was."""
    pieces: list[str] = []
    out: set[int] = set()
    cursor = removed = k = 0
    for start, end in [*spans, (len(text), len(text))]:
        while k < len(gaps) and gaps[k] <= start:
            if gaps[k] >= cursor:
                out.add(gaps[k] - removed)
            k += 1
        pieces.append(text[cursor:start])
        if end > start:
            out.add(start - removed)
            removed += end - start
            while k < len(gaps) and gaps[k] <= end:
                k += 1
        cursor = end
    return "".join(pieces), sorted(out)


def fold(text: str) -> str:
    """``text.translate(fold_table())``, by the compiled pass where it is built."""
    if _bulk is not None:
        return _bulk.map_chars(text, _fold_array())
    return text.translate(fold_table())


@lru_cache(maxsize=1)
def _fold_array() -> object:
    assert _bulk is not None
    return _bulk.lookup_array(fold_table(), 0x30000)


@lru_cache(maxsize=1)
def _fold_skeleton_array() -> object:
    assert _bulk is not None
    return _bulk.lookup_array(fold_skeleton_table(), 0x30000)



def _leet(m: re.Match[str]) -> str:
    return LEET[m.group()]


def _apply_removals(text: str, folded: str, removed: list[tuple[int, int]]) -> NormalisedText:
    pieces: list[str] = []
    offsets: list[int] = []
    gaps: set[int] = set()
    cursor = 0
    for start, end in removed:
        start = max(start, cursor)
        if start >= end:
            continue
        pieces.append(folded[cursor:start])
        offsets.extend(range(cursor, start))
        gaps.add(len(offsets))
        cursor = end
    pieces.append(folded[cursor:])
    offsets.extend(range(cursor, len(folded)))
    return NormalisedText(text, "".join(pieces), tuple(offsets), frozenset(gaps))


def normalise_term(term: str) -> str:
    """Normal form of a pattern (brand name, alias, lexicon term) for the automaton."""
    text = normalise(term).text
    return re.sub(r"\s+", " ", text).strip().translate(SKELETON)


def plain_form(original: str) -> str:
    """How an undisguised spelling reads: lower case, simplified, separators and spaces dropped."""
    lowered = original.translate(t2s_lower_table())
    return re.sub(r"[\W_]+", "", lowered)


_WORD_PIECE = re.compile(r"[\u3400-\u9fff]{2,}|[a-z]{3,}")
TITLE_WORDS_MAX = 12  # the words of a title compared with a brand's labels: a title's kind is said early


SHORT_RUN = 4  # Chinese characters of a run between spaces read whole by title_words


def title_words(nt: NormalisedText, skip: list[tuple[int, int]]) -> list[str]:
    """The words of a normalised title outside the spans in ``skip`` (a brand mention): Latin words of three
    letters or more; Chinese runs, cut where the seller put a space, each read whole when SHORT_RUN characters
    or fewer and cut into dictionary words of two characters or more."""
    words: list[str] = []
    for match in _WORD_PIECE.finditer(nt.text):
        # the mention is skipped, and a run is cut where the seller put a space (鸭脖 微辣: not 脖微)
        piece = "".join(" " if any(start <= i < end for start, end in skip) else
                        " " + ch if i in nt.gaps else ch for i, ch in enumerate(match.group(), match.start()))
        pieces = [p for p in piece.split() if len(p) >= 2]
        for piece in pieces:
            # a short run the seller set apart is a word of its own, whatever jieba makes of it (鸭脖: 鸭, 脖)
            whole = [piece] if piece.isascii() or len(piece) <= SHORT_RUN else []
            cut = [*whole, *([] if piece.isascii() else chinese_words(piece))]
            words.extend(w for w in cut if w not in words)
    return words[:TITLE_WORDS_MAX]


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text`` as jieba cuts it, with their spans (和 of 和超市卖的; 和田玉 whole)."""
    return [(w, s, e) for w, s, e in _jieba().tokenize(text)]


def chinese_words(text: str) -> list[str]:
    """The words of two Chinese characters or more in ``text`` as jieba cuts it, in order."""
    return [w for w in _jieba().lcut(text) if len(w) >= 2 and all(is_cjk(ch) for ch in w)]


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # not its notes on building the prefix dictionary
    return jieba
