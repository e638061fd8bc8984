"""Build detector/data/confusables.tsv: letters of other scripts that Unicode's confusables data (UTS #39) says look
like a Latin letter or a Chinese character, from the data that the PyPI package confusable-homoglyphs 3.3.1 ships
(MIT, itself derived from unicode.org's confusables.txt under the Unicode License; detector/data/LICENSE-unicode).

Run once where the package is installed (``pip install --no-deps confusable-homoglyphs==3.3.1``); the table it
writes is committed with the licence notice, so ipwatch itself does not depend on the package.

Sellers write a mark with a letter of another script that looks like its own: Cyrillic and Greek for Latin
(already in detector/text.py's hand table), and katakana for Chinese (王カ for 王力, 可ロ可乐 for 可口可乐, エ for
工, タ for 夕). The text fold reads each such letter as the character it imitates, and the matcher then reports the
mention as a disguise of the name. Kept: a source that is a letter (Unicode category L*), not ASCII, not a Chinese
character itself (look-alike Chinese characters are the shape table's matter), whose own fold is not already a
Latin letter or Chinese character, and that the data pairs with exactly one target that is a Latin letter a-z or a
Chinese character (a letter paired with two is ambiguous and left out). Each row: source, TAB, target.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from importlib.util import find_spec
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from detector.text import _fold_char, _t2s  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "detector" / "data" / "confusables.tsv"
HEADER = """# Letters of other scripts that look like a Latin letter or a Chinese character: source, TAB, the one it
# imitates.
# Derived by scripts/build_confusables.py from Unicode's confusables data (UTS #39, Unicode License,
# detector/data/LICENSE-unicode) as shipped by confusable-homoglyphs 3.3.1 (MIT).
"""


def is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return 0x3400 <= cp <= 0x4DBF or 0x4E00 <= cp <= 0x9FFF or 0x20000 <= cp <= 0x3134F


def target_of(ch: str, t2s: dict[str, str]) -> str | None:
    """``ch`` as a target: its Latin letter or Chinese character as the fold reads it without this table, or None."""
    folded = _fold_char(ch, t2s, {})
    if len(folded) == 1 and ("a" <= folded <= "z" or is_cjk(folded)):
        return folded
    return None


def main() -> None:
    spec = find_spec("confusable_homoglyphs")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("confusable-homoglyphs is not installed: pip install --no-deps confusable-homoglyphs==3.3.1")
    data = json.loads((Path(next(iter(spec.submodule_search_locations))) / "confusables.json").read_text("utf-8"))
    t2s = _t2s()
    targets: dict[str, set[str]] = {}
    for key, entries in data.items():
        if len(key) != 1:
            continue
        target = target_of(key, t2s)
        if target is None:
            continue
        for entry in entries:
            source = entry["c"]
            if (len(source) != 1 or source.isascii() or is_cjk(source)
                    or not unicodedata.category(source).startswith("L") or target_of(source, t2s) is not None):
                continue
            targets.setdefault(source, set()).add(target)
    rows = sorted((s, next(iter(t))) for s, t in targets.items() if len(t) == 1)
    OUT.write_text(HEADER + "".join(f"{s}\t{t}\n" for s, t in rows), encoding="utf-8")
    print(f"wrote {len(rows)} letters to {OUT} ({sum(len(t) > 1 for t in targets.values())} ambiguous left out)")


if __name__ == "__main__":
    main()
