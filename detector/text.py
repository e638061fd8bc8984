"""Normalisation of listing text with an offset map back to the original characters.

Every transformation here is either one character to one character (NFKC, case fold,
traditional to simplified, homoglyphs, digits inside Latin words) or a removal (zero-width
and decorative characters, separators inside a name, digits inserted into a Chinese name).
Removals are recorded as gaps so a match can tell that its span was disguised.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{CJK}]")
_ZERO_WIDTH = "\x01"

# Cyrillic and Greek letters that render like Latin ones (lower case, after case folding).
HOMOGLYPHS = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ɡ": "g", "ӏ": "l", "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "s", "σ": "o",
    "ı": "i", "ł": "l", "ø": "o", "\u0131": "i",
}
# Digits and signs standing for letters inside a Latin word (N1ke, G0cci, Adid@s).
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "@": "a", "$": "s", "!": "i", "|": "l"}
# Letters that are confused with each other: matching compares skeletons (Nlke ~ Nike).
SKELETON = str.maketrans({"l": "i"})

_INWORD_LEET = re.compile(r"(?<=[a-z])[0134@$5!|](?=[a-z])")
_REMOVABLE = re.compile(
    "|".join(
        [
            rf"(?<=[{CJK}])(?:[^\w]|_)*\d?(?:[^\w]|_)*(?=[{CJK}])",  # 耐-克, 耐 克, 移3动
            r"(?<=[a-z])(?:[^\w\s]|_)+(?=[a-z])",  # n.i.k.e, nike-> n*ke
            _ZERO_WIDTH + "+",
        ]
    )
)
_SPACED_LETTERS = re.compile(r"(?<![a-z0-9])[a-z](?: [a-z]){2,}(?![a-z0-9])")


@lru_cache(maxsize=1)
def _t2s() -> dict[str, str]:
    from zhconv import zhconv as zc

    zc.loaddict()
    table = zc.zhcdicts["zh2Hans"]
    return {k: v for k, v in table.items() if len(k) == 1 and len(v) == 1 and k != v}


def _fold_char(ch: str, t2s: dict[str, str]) -> str:
    category = unicodedata.category(ch)
    if category == "Cf":
        return _ZERO_WIDTH
    folded = unicodedata.normalize("NFKC", ch).casefold()
    if len(folded) != 1:
        folded = ch.lower() if len(ch.lower()) == 1 else ch
    folded = t2s.get(folded, folded)
    folded = HOMOGLYPHS.get(folded, folded)
    if unicodedata.category(folded) in ("So", "Sk", "Co", "Mn", "Me"):
        return "\u2022"  # one decorative mark, a separator in context
    return folded


@lru_cache(maxsize=1)
def fold_table() -> dict[int, str]:
    """A str.translate table folding each character to its normalised single character."""
    t2s = _t2s()
    table: dict[int, str] = {}
    for cp in range(0x80, 0x30000):
        if 0xD800 <= cp < 0xE000:
            continue
        ch = chr(cp)
        folded = _fold_char(ch, t2s)
        if folded != ch:
            table[cp] = folded
    for cp in range(0x41, 0x5B):
        table[cp] = chr(cp + 32)
    return table


@lru_cache(maxsize=1)
def t2s_lower_table() -> dict[int, str]:
    """Lower-casing plus traditional-to-simplified only: what a plain (undisguised) title becomes."""
    table = {ord(k): v for k, v in _t2s().items()}
    for cp in range(0x41, 0x5B):
        table[cp] = chr(cp + 32)
    return table


def is_cjk(ch: str) -> bool:
    return bool(_CJK_RE.match(ch))


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """Normalised text plus the map from each of its characters to the original string."""

    original: str
    text: str
    offsets: tuple[int, ...] | None  # None: identity map
    gaps: frozenset[int]  # positions i where characters were removed between text[i-1] and text[i]

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
    folded = text.translate(fold_table())
    folded = _INWORD_LEET.sub(lambda m: LEET[m.group()], folded)
    removed: list[tuple[int, int]] = [m.span() for m in _REMOVABLE.finditer(folded) if m.end() > m.start()]
    for m in _SPACED_LETTERS.finditer(folded):
        removed.extend((i, i + 1) for i in range(m.start() + 1, m.end(), 2))
    if not removed:
        return NormalisedText(text, folded, None, frozenset())
    removed.sort()
    pieces: list[str] = []
    offsets: list[int] = []
    gaps: set[int] = set()
    cursor = 0
    for start, end in removed:
        if start < cursor:
            start = cursor
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
