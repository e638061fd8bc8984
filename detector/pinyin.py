"""Per-character pinyin tables, built once from pypinyin's dictionary.

Each syllable (toneless, with the fuzzy pairs z/zh, c/ch, s/sh, n/l, an/ang, en/eng, in/ing merged)
is coded as one private-use character, so the pinyin view of a text has exactly one character
per character of the text and the same automaton can scan it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

from .text import _bulk

PUA_BASE = 0xE000
FILLER = "\x00"
_TONE_MARKS = re.compile(r"[\u0300-\u036f]")


def _toneless(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable)
    return _TONE_MARKS.sub("", decomposed).replace("ü", "v").replace("u\u0308", "v")


_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


def fuzzy_syllable(syllable: str) -> str:
    """Merge the pairs that speakers and typists confuse, so near-homophones meet.

    The fuzzy-pinyin pairs of Chinese input methods: initials z/zh, c/ch, s/sh and n/l, finals
    an/ang, en/eng and in/ing (浪情 meets 浪琴, 萨洛门 meets 萨洛蒙).
    """
    for long, short in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if syllable.startswith(long):
            syllable = short + syllable[len(long):]
            break
    if syllable.startswith("n") and not syllable.startswith("ng"):
        syllable = "l" + syllable[1:]
    for long, short in _FUZZY_FINALS:
        if syllable.endswith(long) and len(syllable) > len(long) - 1:
            syllable = syllable[: -len(long)] + short
            break
    return syllable


@dataclass(frozen=True)
class PinyinTables:
    """Character → readings, and the translate table producing the coded pinyin view."""

    readings: dict[str, tuple[str, ...]]
    code_of: dict[str, str]  # fuzzy syllable → private-use character
    view_table: dict[int, str]
    alt_view_table: dict[int, str]  # characters with two readings or more by their second (勒: lei, then le)

    def view(self, text: str) -> str:
        """One code character per input character; non-Chinese characters become FILLER."""
        return text.translate(self.view_table)

    def coded_view(self, text: str) -> str:
        """:meth:`view` by the compiled pass where it is built (the same string, tested)."""
        if _bulk is not None:
            return _bulk.map_chars(text, self._view_array)
        return self.view(text)

    def coded_alt_view(self, text: str) -> str:
        """The view by second readings: a seller's 勒高 is le gao (乐高) though 勒 is first read lei."""
        if _bulk is not None:
            return _bulk.map_chars(text, self._alt_view_array)
        return text.translate(self.alt_view_table)

    @cached_property
    def _view_array(self) -> object:
        assert _bulk is not None
        return _bulk.lookup_array(self.view_table, max(self.view_table) + 1)

    @cached_property
    def _alt_view_array(self) -> object:
        assert _bulk is not None
        return _bulk.lookup_array(self.alt_view_table, max(self.alt_view_table) + 1)

    def codes(self, word: str) -> list[str]:
        """Coded spellings of ``word``: as pypinyin reads the word in context, and by first readings.

        Not every combination of heteronyms: 古奇 is gu qi, and reading 奇 as ji would make
        碎骨机 sound like it.
        """
        from pypinyin import Style, lazy_pinyin

        if any(ch not in self.readings for ch in word):
            return []
        in_context = lazy_pinyin(word, style=Style.NORMAL)
        spellings = [in_context, [self.readings[ch][0] for ch in word]]
        codes = []
        for spelled in spellings:
            if len(spelled) != len(word):
                continue
            try:
                code = "".join(self.code_of[fuzzy_syllable(_toneless(s))] for s in spelled)
            except KeyError:
                continue
            if code not in codes:
                codes.append(code)
        return codes

    def spelling(self, word: str) -> str | None:
        """The plain pinyin of ``word`` as the word is read (naike for 耐克, changhong for 长虹: 长 alone is read
        zhang first)."""
        spelled = self.read(word)
        return "".join(spelled) if spelled else None

    def initials(self, word: str) -> str | None:
        """The pinyin initials of ``word`` as the word is read (CH for 长虹, CQ for 重庆)."""
        spelled = self.read(word)
        return "".join(s[0] for s in spelled) if spelled else None

    def read(self, word: str) -> list[str] | None:
        """Each character's syllable as pypinyin reads the word in context, where it reads each as one of the
        character's readings; else each character's first reading; None for a character with none."""
        from pypinyin import Style, lazy_pinyin

        if not word or any(ch not in self.readings for ch in word):
            return None
        in_context = lazy_pinyin(word, style=Style.NORMAL)
        if len(in_context) == len(word) and all(
                _toneless(s) in self.readings[ch] for s, ch in zip(in_context, word, strict=True)):
            return [_toneless(s) for s in in_context]
        return [self.readings[ch][0] for ch in word]


@lru_cache(maxsize=1)
def pinyin_tables() -> PinyinTables:
    """Build the tables once per process from pypinyin's single-character dictionary."""
    from pypinyin.pinyin_dict import pinyin_dict

    readings: dict[str, tuple[str, ...]] = {}
    code_of: dict[str, str] = {}
    table: dict[int, str] = {}
    alt: dict[int, str] = {}
    for cp, spelled in pinyin_dict.items():
        syllables = tuple(dict.fromkeys(_toneless(s) for s in spelled.split(",")))
        ch = chr(cp)
        readings[ch] = syllables
        for syllable in syllables:
            fuzzy = fuzzy_syllable(syllable)
            if fuzzy not in code_of:
                code_of[fuzzy] = chr(PUA_BASE + len(code_of))
        table[cp] = code_of[fuzzy_syllable(syllables[0])]
        alt[cp] = code_of[fuzzy_syllable(syllables[1 if len(syllables) > 1 else 0])]
    for cp in range(0x10000):  # every other BMP character becomes FILLER in one translate
        table.setdefault(cp, FILLER)
        alt.setdefault(cp, FILLER)
    table[ord("\n")] = alt[ord("\n")] = "\n"  # titles in a batch stay apart
    return PinyinTables(readings, code_of, table, alt)


@lru_cache(maxsize=16384)
def reading(word: str) -> tuple[str, ...] | None:
    """:meth:`PinyinTables.read` of this process's tables, kept per word: the lexical stage asks it of the same
    names and dictionary words title after title, and pypinyin reads a word in context at some cost."""
    spelled = pinyin_tables().read(word)
    return None if spelled is None else tuple(spelled)
