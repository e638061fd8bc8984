"""The compiled prefilter (detector/_bulk.pyx) against its reference implementations, and the prefilter
against the full analysis: every title in which the full pass finds anything must be a candidate."""

from __future__ import annotations

import random
import re

import pytest

import detector.lexical
import detector.library
import detector.pinyin
import detector.scanner
import detector.text
from detector import Detector, Library
from detector.text import BULK_BACKEND, bulk_view, bulk_view_reference, fold_table
from eval import generate_labelled_set, real_titles

# Characters that exercise every rule: letters and the digits/signs that stand for them, separators,
# Chinese characters (names on the list among them), zero-width and decorative marks, full-width and
# Cyrillic/Greek look-alikes, other scripts' digits (\d), spaces that are not ASCII (\s), line breaks.
ALPHABET = list("abcdeiklnosuvzAKLN0134@$5!|9 .-_*/+&'") + list("耐克阿迪达斯苹果小米移动华为茅台鞋包") + [
    "\u200b", "\u200d", "❤", "★", "Ｎ", "ｉ", "ｋ", "ｅ", "і", "е", "ο", "α", "Ν", "٣", "\u3000", "①", "\n", "，", "、",
]


def _random_titles(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40))) for _ in range(count)]


@pytest.fixture(scope="module")
def batches(library: Library) -> list[list[str]]:
    generated = [r["title"] for r in generate_labelled_set(library.brands, seed=3, per_family=40)]
    real = [str(r["title"])[:300] for source in ("taobao", "walmart", "jd") for r in real_titles(source)][:3000]
    titles = generated + real + _random_titles(1, 3000)
    return [titles[i : i + 256] for i in range(0, len(titles), 256)]


@pytest.fixture
def python_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every module that uses the compiled passes falls back to its Python reference."""
    for module in (detector.text, detector.pinyin, detector.scanner, detector.lexical, detector.library):
        monkeypatch.setattr(module, "_bulk", None)


def test_extension_is_built() -> None:
    assert BULK_BACKEND == "compiled", "detector/_bulk.pyx was not compiled: reinstall with `make install`"


def test_bulk_view_matches_reference(batches: list[list[str]]) -> None:
    for batch in batches:
        joined = "\n".join(t.replace("\n", " ") for t in batch)
        assert bulk_view(batch) == bulk_view_reference(joined)
        assert bulk_view(batch, skeleton=True) == bulk_view_reference(joined, skeleton=True)


def test_bulk_view_agrees_with_full_normalisation_on_titles(library: Library) -> None:
    titles = [r["title"] for r in generate_labelled_set(library.brands, seed=4, per_family=20)]
    view, _gaps = bulk_view(titles)
    assert view.split("\n") == [nt.text for nt in detector.text.normalise_many(titles)]


def test_key_scanner_matches_reference(library: Library, batches: list[list[str]]) -> None:
    for batch in batches:
        view, gaps = bulk_view(batch)
        gap_set = set(gaps) or None
        assert library.prefilter.titles(view, gaps) == library.prefilter.titles_reference(view, gap_set)
        coded = library.pinyin.coded_view(view)
        assert coded == library.pinyin.view(view)
        alternative = library.pinyin.coded_alt_view(view)
        assert alternative == view.translate(library.pinyin.alt_view_table)
        homophones = library.homophone_prefilter
        for pinyin_view in (coded, alternative):
            for with_gaps in (None, gaps):  # a removed separator ends a word for the straddle rule
                assert homophones.titles(pinyin_view, with_gaps, view, library.words) == homophones.titles_reference(
                    pinyin_view, set(with_gaps) if with_gaps else None, view, library.words)


def test_candidates_same_compiled_or_not(library: Library, batches: list[list[str]], request) -> None:  # type: ignore[no-untyped-def]
    compiled = [Detector(library).matcher.candidates(batch) for batch in batches]
    request.getfixturevalue("python_only")
    reference = [Detector(library).matcher.candidates(batch) for batch in batches]
    assert compiled == reference


def test_prefilter_keeps_every_title_the_full_pass_explains(library: Library, batches: list[list[str]]) -> None:
    matcher = Detector(library).matcher
    for batch in batches:
        candidates = set(matcher.candidates(batch))
        for i, evidence in enumerate(matcher.analyse_full(batch, [None] * len(batch))):
            if evidence.brand_hits or evidence.terms or evidence.homonyms:
                assert i in candidates, f"prefilter dropped {batch[i]!r}"


def test_small_passes_match_python() -> None:
    from detector import _bulk

    for title in _random_titles(2, 500):
        assert _bulk.map_chars(title, detector.text._fold_array()) == title.translate(fold_table())
        assert _bulk.collapse_repeats(title) == re.sub(r"(.)\1+", r"\1", title)


def test_key_scanner_rules() -> None:
    from detector.scanner import INITIALS, LATIN, NO_RULE, KeyScanner

    scanner = KeyScanner({"nk": INITIALS, "lv": LATIN, "耐克": NO_RULE, "\U00031350x": NO_RULE, "nike": LATIN},
                         same_as={"l": "i"})
    view = "\n".join(["pink shoes", "nk 鞋", "116610lv", "lv bag", "耐克鞋", "a\U00031350x", "supernike", "xniked"])
    assert scanner.titles(view) == ([3, 4, 5], [1])  # pink, 116610lv, supernike and xniked are inside words
    gap = view.index("nike")  # a separator was removed before "nike" (super.nike): it stands apart there
    assert scanner.titles(view, [gap]) == ([3, 4, 5, 6], [1])
    assert scanner.titles("nlke x") == ([0], [])  # the alphabet reads l as i, like the skeleton keys
    for gaps in (None, [gap]):
        assert scanner.titles(view, gaps) == scanner.titles_reference(view, set(gaps or []) or None)
