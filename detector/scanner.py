"""Which titles of a batch contain any of a set of keys: the prefilter's one question to an automaton.

The full pass needs every hit with its pattern (pyahocorasick does that). The prefilter only needs
to know which titles contain *something*, so :class:`KeyScanner` compiles its keys into a dense
deterministic automaton over a small alphabet (the characters the keys use; every other character
is one symbol that leads back to the start) and the compiled scan in ``_bulk.pyx`` walks the joined
batch once, a table look-up per character. Where the extension is not built, the same answer comes
from a pyahocorasick scan; ``tests/test_bulk.py`` holds the two equal.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Container
from typing import Any

import ahocorasick
import numpy as np

from .text import _bulk

ALPHABET_SIZE = 0x30000  # the look-up table covers these code points, or up to the largest a key uses


# How a key counts: anywhere; standing apart; apart and written in capitals; not straddling a word.
NO_RULE, LATIN, INITIALS, STRADDLE = 0, 1, 2, 3
# A Chinese name of this many characters or more, heard or imitated whole, is no chance reading across the words
# beside it: in a title run together (六个和桃核桃乳) its last character may well begin the next word (桃核).
LONG_NAME = 4


class KeyScanner:
    """Keys compiled for "which titles contain one", each with the rule the full pass applies to it.

    ``NO_RULE``: counts anywhere (Chinese keys). ``LATIN``: a key with a Latin edge counts only
    standing apart (:func:`stands_apart`, the full pass's rule: not inside a Latin word unless a
    separator was removed there; short keys not after a digit). ``INITIALS``: the same, and it stands
    only for pinyin initials, which count when written in capitals: such titles are returned apart.
    ``STRADDLE``: the scanned view codes another text (the pinyin view of the title); the key counts
    unless the characters at its edges belong to words outside it (正品|国行), as the full pass has it.
    """

    def __init__(self, keys: dict[str, int], same_as: dict[str, str] | None = None) -> None:
        """``keys``: key → rule. ``same_as``: characters the scan reads as another (``{"l": "i"}``: keys
        in skeleton form match a view that is not)."""
        for key in keys:
            if not key or "\n" in key:
                raise ValueError(f"key {key!r} cannot be scanned")
        self.same_as = dict(same_as or {})
        fold = str.maketrans(self.same_as)
        self.keys: dict[str, int] = {}
        for key, rule in keys.items():  # keys read the same way; two that meet keep the more lenient rule
            read = key.translate(fold)
            self.keys[read] = min(rule, self.keys.get(read, rule))
        symbols = sorted({ch for key in self.keys for ch in key})
        if len(symbols) >= 0xFFFF:
            raise ValueError(f"keys use {len(symbols)} distinct characters; the scanner takes at most 65,534")
        self._symbol = {ch: i + 1 for i, ch in enumerate(symbols)}  # 0: any other character
        size = max([ALPHABET_SIZE, *(ord(ch) + 1 for ch in symbols), *(ord(ch) + 1 for ch in self.same_as)])
        self._alphabet = array("H", bytes(2 * size))
        for ch, i in self._symbol.items():
            self._alphabet[ord(ch)] = i
        for ch, other in self.same_as.items():
            self._alphabet[ord(ch)] = self._symbol.get(other, 0)
        self._build(len(symbols) + 1)
        self._automaton: Any = None

    def _build(self, width: int) -> None:
        children: list[dict[int, int]] = [{}]
        final = [False]
        ruled: list[list[int]] = [[]]  # keys with a rule ending at each state: length | rule << 16
        for key, rule in self.keys.items():
            node = 0
            for ch in key:
                symbol = self._symbol[ch]
                nxt = children[node].get(symbol)
                if nxt is None:
                    nxt = len(children)
                    children[node][symbol] = nxt
                    children.append({})
                    final.append(False)
                    ruled.append([])
                node = nxt
            if rule == NO_RULE:
                final[node] = True
            else:
                ruled[node].append(len(key) | rule << 16)
        # The automaton as a complete transition table would hold states × symbols entries (22,334 × 2,777 for
        # the bundled list: 249 MB in every compiled library, in memory and on disk), nearly all of them the
        # root's. Kept: the root's row, and for each other state the transitions that differ from it (9 on
        # average), sorted by symbol: a state's next state is its own entry for the symbol, else the root's.
        root = np.zeros(width, dtype=np.int32)
        for symbol, child in children[0].items():
            root[symbol] = child
        rows: list[dict[int, int]] = [{} for _ in children]
        fail = [0] * len(children)
        order = list(children[0].values())
        for node in order:  # breadth first: a node's failure state is shallower, so already complete
            f = fail[node]
            row = dict(rows[f])
            final[node] = final[node] or final[f]
            ruled[node] = ruled[node] + ruled[f]
            for symbol, child in children[node].items():
                fail[child] = rows[f].get(symbol, int(root[symbol]))
                row[symbol] = child
                order.append(child)
            rows[node] = row
        offsets = np.zeros(len(children) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(row) for row in rows])
        symbols = np.zeros(int(offsets[-1]), dtype=np.uint16)
        targets = np.zeros(int(offsets[-1]), dtype=np.int32)
        for node, row in enumerate(rows):
            if row:
                keys = sorted(row)
                symbols[offsets[node]:offsets[node + 1]] = keys
                targets[offsets[node]:offsets[node + 1]] = [row[k] for k in keys]
        table = np.zeros((len(children), max(map(len, ruled)) + 1), dtype=np.int32)
        for node, values in enumerate(ruled):
            table[node, : len(values)] = sorted(values, key=lambda v: v >> 16 == INITIALS)  # initials last
        self._root, self._offsets, self._symbols, self._targets = root, offsets, symbols, targets
        self._final = np.array(final, dtype=np.uint8)
        self._ruled = table
        self.states = len(children)

    def titles(
        self, view: str, gaps: list[int] | None = None, text: str | None = None, words: frozenset[str] = frozenset()
    ) -> tuple[list[int], list[int]]:
        """Titles of the ``\n``-separated ``view`` with a key that counts, and those with only initials.

        ``gaps``: positions of ``view`` where characters were removed just before (a separator inside a
        name). ``text`` and ``words``: for STRADDLE keys, the text ``view`` codes and the words not to straddle.
        """
        gap_set = set(gaps) if gaps else None
        if _bulk is not None:
            return _bulk.titles_with_keys(view, self._alphabet, self._root, self._offsets, self._symbols,
                                          self._targets, self._final, self._ruled, gap_set, text, words)
        return self.titles_reference(view, gap_set, text, words)

    def titles_reference(
        self, view: str, gaps: set[int] | None = None, text: str | None = None, words: frozenset[str] = frozenset()
    ) -> tuple[list[int], list[int]]:
        """The same answer from a pyahocorasick scan: the reference the compiled scan is tested against."""
        if self._automaton is None:
            automaton = ahocorasick.Automaton()
            for key, rule in self.keys.items():
                automaton.add_word(key, (len(key), rule))
            automaton.make_automaton()
            self._automaton = automaton
        if self.same_as:
            view = view.translate(str.maketrans(self.same_as))
        starts = [0]
        position = view.find("\n")
        while position >= 0:
            starts.append(position + 1)
            position = view.find("\n", position + 1)
        found: set[int] = set()
        initials: set[int] = set()
        if len(self._automaton):
            for last, (length, rule) in self._automaton.iter(view):
                start, end = last - length + 1, last + 1
                if rule == STRADDLE:
                    assert text is not None
                    if straddles(text, start, end, words, gaps or ()):
                        continue
                elif rule != NO_RULE and not stands_apart(view, start, end, gaps or ()):
                    continue
                (initials if rule == INITIALS else found).add(bisect_right(starts, start) - 1)
        return sorted(found), sorted(initials - found)


def straddles(text: str, start: int, end: int, words: Container[str], gaps: Container[int] = (), base: int = 0) -> bool:
    """A window whose edge characters belong to words outside it (正品|国行): not a name.

    Characters a removed separator stood between are no word (雪华秀 润燥: 秀|润 is not 秀润). ``gaps``
    counted from ``base``. The full pass and the prefilter both ask this; ``_bulk.pyx`` asks the same.
    """
    if start >= 1 and text[start - 1 : start + 1] in words and (start - base) not in gaps:
        return True
    return end < len(text) and text[end - 1 : end + 1] in words and (end - base) not in gaps


def stands_apart(view: str, start: int, end: int, gaps: Container[int] = (), base: int = 0) -> bool:
    """A Latin key must not start or end inside a Latin word, unless a removed separator is there.

    Short keys (LV, AJ, NK) must not follow a digit either: 116610LV is a model number. ``gaps``:
    positions (counted from ``base``) where characters were removed just before. The full pass and
    the prefilter both ask this; the compiled scan asks the same in ``_bulk.pyx``.
    """
    before = view[start - 1] if start > 0 else " "
    if is_ascii_alnum(view[start]) and (start - base) not in gaps and (
        is_ascii_letter(before) or (end - start <= 3 and "0" <= before <= "9")
    ):
        return False
    return not (
        is_ascii_alnum(view[end - 1]) and end < len(view) and is_ascii_letter(view[end]) and (end - base) not in gaps
    )


def is_ascii_letter(ch: str) -> bool:
    return "a" <= ch <= "z"


def is_ascii_alnum(ch: str) -> bool:
    return "a" <= ch <= "z" or "0" <= ch <= "9"
