"""Build detector/data/shapes.tsv: Chinese characters that look alike, from char-similar's data (Apache-2.0)
and the rendered glyphs of a CJK font.

Run once where the PyPI package char-similar is installed (``pip install --no-deps char-similar==0.0.2``)
and a CJK font is present (Debian's fonts-noto-cjk; ``--font`` for another); the table it writes is
committed with its licence notice, so ipwatch itself depends on neither.

Two characters count as look-alikes by either of two measures (nothing typed by hand for any brand).

By the package's four-corner codes, stroke decompositions and stroke counts (structural data):

* their four-corner codes differ in at most one digit (two, where the parts they share are at least
  as large as the part that differs), they are at most one stroke apart, and their decompositions
  differ in one component in the same place, at most one stroke apart (梭/棱, 宇/字, 特/持, 天/夭), a single
  stroke for another single stroke not counting as a difference (白/自: 丿 for 丶, 日 for 目); or
* their four-corner codes differ in at most one digit and one decomposition is the other plus one single
  stroke (鸟/乌); or
* their four-corner codes are the same and one decomposition is the other with one of its parts written
  again (内/肉: 冂人 and 冂人人), however many strokes that part has; or
* they have the same parts and stroke count, placed otherwise (four-corner codes at most two digits
  apart: 田/由/甲/申, 目/自); or
* one is the other character with a dot added (卞/下, 主/王, 丸/九, 斥/斤), or with another single stroke
  added where their four-corner codes differ in at most one digit (生/牛, 白/日): the decomposition of
  生 is 牛 and 一, not the parts of 牛 and a stroke, which the rules above compare.

By their glyphs: each character drawn in the font at 48 px and blurred (sigma 1.5 px), the cosine of
the two images at least GLYPH_SHARED when the decompositions share a component, a character counting as a
component of itself (途/逾, 朗/朝, 丹/舟, 斐/裴, 米/来), at least GLYPH_ALONE when they share none (大/太,
王/玉), or at least GLYPH_NEAREST when it is one of the character's NEAREST closest glyphs in the pool, whatever
their parts (马/乌, 家/冢, 光/先, 来/耒: the decompositions name different parts for strokes drawn alike; at most
KEEP_NEAREST of these, written after the others so that they never take a structural or shared-part look-alike's
place: dense characters' nearest glyphs are other dense characters, 黑 and 薰). The structural rules miss such
pairs when stroke counts differ by two or more.

Traditional characters are compared too, by both measures at once: one whose four-corner code differs
from a character's in at most one digit, at most one stroke apart, and whose glyph is at least GLYPH_ALONE
from its glyph is its look-alike as written (東 for 束: the same code, 8 strokes to 7, cosine 0.96; 熱 for
熟, 橋 for 橘; blurred glyphs alone pair dense characters with nothing else alike, 高/萵), unless it is that
character's own traditional form or the traditional form of one of its look-alikes already (titles are
folded to simplified before they are matched, so those match anyway). They are written in a third column,
at most KEEP_TRADITIONAL, and match only where the title writes that very character: folded, 東 is 东,
which looks nothing like 束.

A character's look-alikes are written most similar glyph first, at most KEEP of them: the best of
each measure, the structural pairs up to half; then the nearest glyphs not among them, at most
KEEP_NEAREST. The characters that get look-alikes are the TOP most frequent; the look-alikes come
from the POOL most frequent (about the size of the 8,105-character Table of General Standard Chinese
Characters), since sellers reach for rarer characters that still look right (龙/尨).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from importlib.util import find_spec
from pathlib import Path

import numpy as np

TOP = 4000
POOL = 8105
GLYPH_SHARED = 0.88  # cosine of blurred glyphs, decompositions sharing a component
GLYPH_ALONE = 0.94  # ...sharing none
GLYPH_NEAREST = 0.86  # ...sharing none, among the character's NEAREST closest glyphs
NEAREST = 8
KEEP_NEAREST = 4  # of those, written per character after the others
GLYPH_SIZE = 48
KEEP = 12  # look-alikes written per character, at most half from each measure
KEEP_TRADITIONAL = 3  # traditional look-alikes written per character (a third column)
DEFAULT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DEFAULT_FONT_INDEX = 2  # Noto Sans CJK SC in the collection
DOT = "丶"


def glyphs(chars: list[str], font_path: str, index: int) -> np.ndarray:
    """Each character drawn centred, blurred and scaled to unit length: one row per character."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    font = ImageFont.truetype(font_path, int(GLYPH_SIZE * 5 / 6), index=index)
    rows = np.empty((len(chars), GLYPH_SIZE * GLYPH_SIZE), dtype=np.float32)
    for i, ch in enumerate(chars):
        image = Image.new("L", (GLYPH_SIZE, GLYPH_SIZE), 0)
        ImageDraw.Draw(image).text((GLYPH_SIZE // 2, GLYPH_SIZE // 2), ch, fill=255, font=font, anchor="mm")
        pixels = np.asarray(image.filter(ImageFilter.GaussianBlur(1.5)), dtype=np.float32).ravel()
        rows[i] = pixels / (np.linalg.norm(pixels) or 1.0)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--font", default=DEFAULT_FONT, help="a CJK font file (TrueType/OpenType or a collection)")
    parser.add_argument("--font-index", type=int, default=DEFAULT_FONT_INDEX, help="the face in a collection")
    args = parser.parse_args()
    if not Path(args.font).is_file():
        sys.exit(f"no font at {args.font}: apt-get install fonts-noto-cjk, or pass --font")
    spec = find_spec("char_similar")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("char-similar is not installed: pip install --no-deps char-similar==0.0.2")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    load = lambda name: json.loads((data / f"char_{name}.dict").read_text(encoding="utf-8"))  # noqa: E731
    corner, parts, strokes, freq = load("fourangle"), load("stroke"), load("number"), load("frequency")
    by_frequency = [c for c, _ in sorted(freq.items(), key=lambda kv: -float(kv[1])) if "\u4e00" <= c <= "\u9fff"]
    common = [c for c in by_frequency[:TOP] if c in corner and c in strokes]
    pool = [c for c in by_frequency if c in parts][:POOL]
    count = {c: int(strokes[c]) for c in common}
    by_code: dict[str, list[str]] = defaultdict(list)
    for c in common:
        by_code[corner[c]].append(c)
    similar: dict[str, set[str]] = defaultdict(set)
    order: dict[str, list[str]] = {}
    size = lambda ch: int(strokes.get(ch, 0) or 0) if len(ch) == 1 and "\u4e00" <= ch <= "\u9fff" else 1  # noqa: E731

    def alike(a: str, b: str, codes_apart: int) -> bool:
        pa, pb = list(parts.get(a, [])), list(parts.get(b, []))
        if not pa or not pb:
            return False
        extra = part_beyond(pa, pb)
        shorter = pa if len(pa) < len(pb) else pb
        if codes_apart == 0 and extra is not None and extra in shorter:
            return True  # the same four corners, one part written twice: 内/肉 (冂人人 for 冂人, as 新秀丽丽 in names)
        if abs(count[a] - count[b]) > 1:
            return False
        if len(pa) == len(pb):
            differ = [(x, y) for x, y in zip(pa, pb, strict=False) if x != y]
            if not differ:  # the same parts placed otherwise: 田/由/甲
                return count[a] == count[b] and codes_apart <= 2
            if len(differ) == 2 and any(size(x) == size(y) == 1 for x, y in differ):
                # one single stroke for another (丿 for 丶) is no difference to the eye: 白/自 differ in 日/目
                differ = [(x, y) for x, y in differ if not size(x) == size(y) == 1]
            if len(differ) != 1:
                return False
            x, y = differ[0]
            shared = sum(size(p) for p in pa if p != x)
            if abs(size(x) - size(y)) > 1:
                return False
            return codes_apart <= 1 or (codes_apart == 2 and shared >= max(size(x), size(y)))
        # a stroke added may move one corner (牛/生): one stroke more or less, 鸟/乌
        return codes_apart <= 1 and extra is not None and size(extra) == 1

    def part_beyond(pa: list[str], pb: list[str]) -> str | None:
        """The one part the longer decomposition has beyond all of the shorter's, where it has exactly one."""
        longer, shorter = (pa, pb) if len(pa) > len(pb) else (pb, pa)
        if len(longer) != len(shorter) + 1:
            return None
        extra = list(longer)
        for piece in shorter:
            if piece not in extra:
                return None
            extra.remove(piece)
        return extra[0]

    def stroke_added(a: str, b: str, codes_apart: int) -> bool:
        """One is the other character with a dot added (卞/下, 玉/王, 太/大, 甶/田), or another single stroke where
        the four-corner codes differ in at most one digit (生/牛)."""
        for whole, base in ((a, b), (b, a)):
            stroke = added_stroke(whole)
            if stroke is not None and stroke[1] == base and (stroke[0] == DOT or codes_apart <= 1):
                return True
        return False

    def added_stroke(c: str) -> tuple[str, str] | None:
        """(the single stroke, the character it is added to) where ``c`` decomposes into exactly those two."""
        pieces = parts.get(c, [])
        if len(pieces) != 2:
            return None
        for stroke, base in ((pieces[0], pieces[1]), (pieces[1], pieces[0])):
            if stroke != base and size(stroke) == 1 and (stroke == DOT or base in count):
                return stroke, base
        return (DOT, DOT) if pieces == [DOT, DOT] else None

    def add(a: str, b: str) -> None:
        if a != b:
            similar[a].add(b)
            similar[b].add(a)

    by_part: dict[str, list[str]] = defaultdict(list)
    with_stroke: dict[str, list[str]] = defaultdict(list)  # a character -> the common ones it is with a stroke added
    for c in common:
        for piece in set(parts.get(c, [])):
            by_part[piece].append(c)
        stroke = added_stroke(c)
        if stroke is not None:
            with_stroke[stroke[1]].append(c)
    for a in common:
        candidates = set(by_code.get(corner[a], ()))
        for piece in set(parts.get(a, [])):
            if size(piece) >= 2:
                candidates.update(by_part[piece])
        candidates.update(with_stroke.get(a, ()))
        stroke = added_stroke(a)
        if stroke is not None and stroke[1] in count:
            candidates.add(stroke[1])
        for b in candidates:
            if b <= a:
                continue  # each pair once
            apart = digits_apart(corner[a], corner[b])
            if stroke_added(a, b, apart) or (apart <= 2 and alike(a, b, apart)):
                add(a, b)
    structural = sum(len(v) for v in similar.values()) // 2
    at = {c: i for i, c in enumerate(pool)}
    matrix = glyphs(pool, args.font, args.font_index)
    pieces = [{c, *parts.get(c, [])} for c in pool]  # a character is a component of itself: 来 holds 米
    for c in common:
        if c not in at:
            continue
        cosine = matrix @ matrix[at[c]]
        cosine[at[c]] = 0.0
        by_glyph = {pool[j] for j in np.flatnonzero(cosine >= GLYPH_SHARED)
                    if cosine[j] >= GLYPH_ALONE or pieces[j] & pieces[at[c]]}
        # most similar glyph first (a structural look-alike outside the pool last); each measure keeps its best
        rank = lambda o: (-float(cosine[at[o]]) if o in at else 1.0, o)  # noqa: B023, E731
        structural_best = sorted(similar.get(c, ()), key=rank)[:KEEP // 2]
        glyph_best = sorted(by_glyph - set(structural_best), key=rank)[:KEEP - len(structural_best)]
        order[c] = sorted(structural_best + glyph_best, key=rank)
        # then, after those and never in their place, the nearest glyphs whatever their parts
        nearest = [pool[j] for j in np.argsort(-cosine)[:NEAREST] if cosine[j] >= GLYPH_NEAREST]
        order[c] += [o for o in nearest if o not in order[c]][:KEEP_NEAREST]
    written = traditional_lookalikes(common, at, matrix, order, (corner, strokes), args.font, args.font_index)
    out = Path(__file__).resolve().parent.parent / "detector" / "data" / "shapes.tsv"
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{c}\t{''.join(order.get(c, ()))}" + (f"\t{written[c]}" if written.get(c) else "")
             for c in common if order.get(c) or written.get(c)]
    header = ("# Chinese characters that look alike: character, TAB, its look-alikes (most similar glyph first, then\n"
              "# its nearest glyphs whatever their parts),\n"
              "# and where there are any, TAB, traditional characters that look like it as written.\n"
              "# Derived by scripts/build_shape_table.py from the data of char-similar 0.0.2 by yongzhuo\n"
              "# (Apache License 2.0, detector/data/LICENSE-char-similar) and glyphs drawn in Noto Sans CJK SC\n"
              "# (SIL Open Font License 1.1). Do not edit by hand.\n")
    out.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    pairs = sum(len(v) for v in order.values())
    print(f"wrote {len(lines)} characters: {structural} structural pairs, {pairs} look-alikes in all, "
          f"{sum(map(len, written.values()))} traditional ones, to {out}")


def digits_apart(a: str, b: str) -> int:
    """How many digits of two four-corner codes differ."""
    return sum(x != y for x, y in zip(a, b, strict=False))


def traditional_lookalikes(common: list[str], at: dict[str, int], matrix: np.ndarray, order: dict[str, list[str]],
                           codes: tuple[dict[str, str], dict[str, str]], font: str, index: int) -> dict[str, str]:
    """Per character, the traditional characters that look like it as written, most similar glyph first."""
    from detector.text import traditional_forms

    corner, strokes = codes
    folds = {t: s for t, s in traditional_forms().items()
             if s in at and "\u4e00" <= t <= "\u9fff" and t in corner and t in strokes}
    chars = sorted(folds)
    drawn = glyphs(chars, font, index)

    def alike(t: str, c: str) -> bool:
        return (digits_apart(corner[t], corner[c]) <= 1 and abs(int(strokes[t]) - int(strokes[c])) <= 1
                and c not in (t, folds[t]) and t not in order.get(c, ()) and folds[t] not in order.get(c, ()))

    out: dict[str, str] = {}
    for c in common:
        if c not in at:
            continue
        cosine = drawn @ matrix[at[c]]
        near = [j for j in np.flatnonzero(cosine >= GLYPH_ALONE) if alike(chars[j], c)]
        best = sorted(near, key=cosine.__getitem__, reverse=True)[:KEEP_TRADITIONAL]
        if best:
            out[c] = "".join(chars[j] for j in best)
    return out


if __name__ == "__main__":
    main()
