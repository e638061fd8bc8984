"""Normalisation: every fold keeps a map back to the original characters."""

import pytest

from detector.text import normalise, normalise_many, normalised_batch_text


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Ｎｉｋｅ 鞋", "nike 鞋"),  # full-width
        ("Nіkе shoes", "nike shoes"),  # Cyrillic і and е
        ("Νike", "nike"),  # Greek capital nu
        ("N.i.k.e 运动鞋", "nike 运动鞋"),  # separators inside a name
        ("n i k e shoes", "nike shoes"),  # spaced letters
        ("耐-克 AJ1", "耐克 aj1"),
        ("耐❤克", "耐克"),  # decorative symbol
        ("耐\u200b克", "耐克"),  # zero-width space
        ("移3动 充值", "移动充值"),  # digit inserted into a Chinese name
        ("N1ke air", "nike air"),  # digit for a letter
        ("Zipp0 lighter", "zippo lighter"),
        ("愛迪達 運動鞋", "爱迪达运动鞋"),  # traditional to simplified
    ],
)
def test_folds(title: str, text: str) -> None:
    assert normalise(title).text == text


def test_offsets_point_at_original_characters() -> None:
    title = "【新款】N.i.k.e 跑鞋"
    nt = normalise(title)
    start = nt.text.index("nike")
    a, b = nt.original_span(start, start + 4)
    assert title[a:b] == "N.i.k.e"
    assert nt.has_gap_inside(start, start + 4)


def test_plain_title_keeps_identity_map() -> None:
    nt = normalise("nike air max 90")
    assert nt.offsets is None and not nt.gaps


def test_batch_matches_single() -> None:
    titles = ["N.i.k.e 运动鞋", "plain", "耐 克\n第二行", "", "Ｎｉｋｅ"]
    assert normalise_many(titles) == [normalise(t) for t in titles]
    skeleton = normalised_batch_text(titles).split("\n")
    assert len(skeleton) == len(titles)
    assert skeleton[0] == "nike 运动鞋"
