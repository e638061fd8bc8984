"""What a title says about the listed brand's own product (2026-12-06, sixth session).

A knock-off mark spelt by ear; an accessory word that is the brand's own product; a fit cue that is a
verb. The brands are a sparse list written for these tests; no rule file knows them, and none is listed
by a held-out set.
"""

from __future__ import annotations

import pytest

from detector import Brand, BrandNames, Detector, LexiconTerm, Library, Listing, ScoreResult
from detector.lexical import sound_key


def _brand(id: str, en: list[str], categories: list[str], prices: dict[str, float], zh: list[str] | None = None,
           aliases: list[str] | None = None) -> Brand:
    return Brand(id=id, names=BrandNames(zh=zh or [], en=en), categories=categories, reference_prices=prices,
                 aliases=aliases or [])


@pytest.fixture(scope="module")
def detector(bundled_terms: list[LexiconTerm]) -> Detector:
    brands = [
        _brand("streamlight", ["Streamlight"], ["flashlights"], {"USD": 90}),
        _brand("pandora_like", ["Pandora"], ["jewelry"], {"USD": 70}),
        _brand("otterbox", ["OtterBox"], ["phone cases", "protective cases"], {"USD": 50}),
        _brand("sonos", ["Sonos"], ["speakers"], {"USD": 400}),
        _brand("anker", ["Anker"], ["chargers", "power banks"], {"USD": 40}, zh=["安克"]),
        _brand("trangia", ["Trangia"], ["camping stoves"], {"USD": 100}),
        _brand("jinlu", [], ["electric scooters"], {"CNY": 2000}, zh=["金鹿"]),
        _brand("quanwo", [], ["净水滤芯"], {"CNY": 200}, zh=["泉沃"]),
        _brand("bree", ["Bree"], ["handbags"], {"USD": 200}),
        _brand("hardee", ["Hardee Boot"], ["boots"], {"USD": 160}),
        _brand("blinkie", ["Blinkie"], ["bike lights"], {"USD": 30}),
        _brand("glossie", ["Glossie"], ["lipstick", "cosmetics"], {"USD": 30}),
        _brand("rambler", ["Rambler"], ["jeans"], {"USD": 50}),
        _brand("ganchi", ["Ganchi"], ["espresso machines"], {"USD": 600}),
        _brand("karran", ["Karran"], ["luggage", "backpacks"], {"USD": 200}),
        _brand("zappo", ["Zappo"], ["lunch boxes"], {"USD": 30}),
    ]
    return Detector(Library.compile(brands, bundled_terms))


def _score(detector: Detector, title: str, **fields: object) -> ScoreResult:
    return detector.score(Listing(title=title, **fields))  # type: ignore[arg-type]


def _details(result: ScoreResult) -> list[str]:
    return [r.detail or "" for r in result.reasons]


def test_sound_keys_hear_respellings_and_say_nothing_of_short_words() -> None:
    assert sound_key("Maglight") == sound_key("Maglite") != ""
    assert sound_key("Streemlite") == sound_key("Streamlight")
    assert sound_key("Nike") == ""  # two consonant sounds say too little


def test_a_mark_spelt_by_ear_is_its_knock_off(detector: Detector) -> None:
    # four edits from Streamlight (more than a look-alike allows), and the same sound
    result = _score(detector, "Streemlite tactical flashlight LED rechargeable", price=9, currency="USD")
    assert result.flagged and result.brand_id == "streamlight"
    assert "Streemlite sounds like Streamlight" in _details(result)
    # weak by itself: without the brand's kind of product or any other sign it does not flag
    assert not _score(detector, "Streemlite", price=80, currency="USD").flagged


def test_a_mark_with_a_doubled_letter_is_as_long_as_its_letters(detector: Detector) -> None:
    # Zappo runs together as zapo, four letters; but the mark has five, so a letter dropped (Zapp) is a knock-off,
    # as for any mark of five letters, not the doubled-letter-only change a four-letter mark allows
    result = _score(detector, "Zapp bento lunch box kids leakproof", price=4, currency="USD")
    assert result.flagged and result.brand_id == "zappo"
    assert "Zapp looks like Zappo" in _details(result)


def test_english_words_joined_by_a_hyphen_are_a_compound_not_a_mark_spelt_by_ear(detector: Detector) -> None:
    # carry-on sounds like Karran (KRN) and luggage is its kind, but it is two English words joined
    for title in ("carry-on spinner luggage 20 inch", "Carry-On backpack for flights"):
        result = _score(detector, title, price=20, currency="USD")
        assert result.brand_id is None and not result.flagged, (title, _details(result))
    # written as one word that is no English word, the same sound is the mark spelt by ear
    knock_off = _score(detector, "Carrun spinner luggage 20 inch", price=20, currency="USD")
    assert knock_off.flagged and knock_off.brand_id == "karran"
    assert "Carrun sounds like Karran" in _details(knock_off)


def test_ordinary_words_spelt_like_a_mark_by_ear_count_beside_its_kind_of_product(detector: Detector) -> None:
    # a run keeping one word of the mark, the other an ordinary word that sounds like the mark's
    boots = _score(detector, "Hardy Boot mens work boots steel toe waterproof", price=45, currency="USD")
    assert boots.flagged and boots.brand_id == "hardee"
    assert any("Hardy Boot sounds like Hardee Boot (an ordinary word too)" in d for d in _details(boots))
    # one rare word (only in Webster's second edition) for a one-word mark
    light = _score(detector, "Blinky bike light USB rechargeable rear light", price=4, currency="USD")
    assert light.flagged and light.brand_id == "blinkie"
    # the same words about anything else are the words, whatever the price
    for title in ("Hardy Boot Camp fitness guide paperback", "blinky eyes cartoon sticker"):
        assert _score(detector, title, price=2, currency="USD").brand_id is None, title
    # a common word alone is the word even beside the brand's kind: glossy lipstick is no Glossie
    assert _score(detector, "glossy lipstick set 6 colours", price=5, currency="USD").brand_id is None


def test_a_house_mark_that_is_a_word_is_ridden_on_beside_its_kind_of_product(detector: Detector) -> None:
    # "rambler style" alone is a walker's style; beside jeans, the maker of jeans is the style
    jeans = _score(detector, "Rambler style relaxed fit jeans men", price=15, currency="USD")
    assert jeans.flagged and any(r.signal == "brand_riding" for r in jeans.reasons), jeans
    guide = _score(detector, "rambler style hiking guide paperback", price=15, currency="USD")
    assert not guide.flagged and not any(r.signal == "brand_riding" for r in guide.reasons), guide


def test_smart_is_no_kind_of_product(detector: Detector) -> None:
    # 智能 says a product is smart, not that it is electronics: a smart toilet is a toilet
    titles = ["智能马桶 即热 一体式 自动翻盖", "儿童智能手表 触摸 电话"]
    toilet, watch = detector.matcher.analyse_full(titles, [None, None])
    assert "electronics" not in toilet.categories
    assert "electronics" in watch.categories


def test_a_run_of_short_words_does_not_sound_like_a_mark(detector: Detector) -> None:
    # "pin ddr" has Pandora's consonants, as a run of any short words may
    result = _score(detector, "edge 512mb pc2100 nonecc unbuffered 200 pin ddr sodimm", price=22.88, currency="USD")
    assert result.brand_id is None and not result.flagged


def test_an_accessory_word_that_is_the_brands_own_product_keeps_the_price_signal(detector: Detector) -> None:
    # a case from a maker of cases is its product: 12% of its price is a counterfeit's price
    case = _score(detector, "OtterBox Defender iPhone 15 case black", price=6, currency="USD")
    assert case.flagged and any(r.signal == "price_ratio" for r in case.reasons)
    charger = _score(detector, "Anker 65W charger USB-C fast charging", price=4, currency="USD")
    assert charger.flagged and any(r.signal == "price_ratio" for r in charger.reasons)
    # the same word to a maker of something else is a part for it: its price says nothing
    part = _score(detector, "Sonos Era 100 charger", price=4, currency="USD")
    assert not part.flagged and not any(r.signal == "price_ratio" for r in part.reasons)
    # a Chinese label names its accessory words in Chinese: 滤芯 from a maker of 净水滤芯
    filters = _score(detector, "泉沃 滤芯 PP棉 5支装", price=12, currency="CNY")
    assert filters.flagged and any(r.signal == "price_ratio" for r in filters.reasons)


def test_an_accessory_word_in_the_plural_is_the_accessory(detector: Detector) -> None:
    """The rules write accessory words in the singular; a title writes "filters", "batteries", "straps": the same
    part, its price compared with nothing. A maker of the part in the plural still sells it."""
    for title in ("Ganchi espresso machine water filters 2 pack", "Ganchi espresso machine water filter 2 pack"):
        part = _score(detector, title, price=15, currency="USD")
        assert not part.flagged and not any(r.signal == "price_ratio" for r in part.reasons), (title, part.reasons)
    chargers = _score(detector, "Anker 20W chargers USB-C 2 pack", price=4, currency="USD")
    assert chargers.flagged and any(r.signal == "price_ratio" for r in chargers.reasons), chargers.reasons


def test_an_accessory_word_after_an_inclusion_cue_is_part_of_the_package(detector: Detector) -> None:
    # "with USB cable", 带充电器: what comes with the product, not what the listing sells; its price is compared
    light = _score(detector, "Blinkie bike light set with USB cable", price=3, currency="USD")
    assert light.flagged and any(r.signal == "price_ratio" for r in light.reasons), light.reasons
    scooter = _score(detector, "金鹿 电动滑板车 折叠 带充电器", price=200, currency="CNY")
    assert scooter.flagged and any(r.signal == "price_ratio" for r in scooter.reasons), scooter.reasons
    # the part itself, or a part named before the cue, is still what the listing sells
    assert not _score(detector, "battery for Blinkie bike light", price=3, currency="USD").flagged
    assert not _score(detector, "Blinkie bike light mount with screws", price=3, currency="USD").flagged
    # a cue inside a longer word is no cue (配 of 配件, 带 of 钢带), nor one clause away, nor three words before
    assert not _score(detector, "金鹿 电动车 配件 充电器 48V", price=39, currency="CNY").flagged
    assert not _score(detector, "金鹿 电动车 钢带 充电器 48V", price=39, currency="CNY").flagged
    assert not _score(detector, "Blinkie bike light with box, battery only", price=3, currency="USD").flagged
    assert not _score(detector, "Blinkie light with many spare lithium battery", price=3, currency="USD").flagged


def test_a_fit_cue_that_is_a_verb_needs_its_preposition(detector: Detector) -> None:
    # "works and looks like" is no compatibility: the stove's price is compared
    claim = _score(detector, "Trangia 27 stove, works and looks exactly like the name brand one", price=20,
                   currency="USD")
    assert claim.flagged and not any(r.signal == "nominative_use" for r in claim.reasons)
    # "works with" still says what a part fits
    fits = _score(detector, "gas canister stand works with Trangia stoves", price=5, currency="USD")
    assert not fits.flagged and any(r.signal == "nominative_use" for r in fits.reasons)


def test_a_title_of_a_kind_that_carries_marks_as_its_subject_is_another_kind(detector: Detector) -> None:
    # the taxonomy knows no "electric scooters", so it cannot say what the brand makes; a novel and a film are
    # still not its product, at any price
    book = _score(detector, "金鹿传说 小说 全集 精装", price=30)
    assert not book.flagged and any(r.signal == "other_product_kind" for r in book.reasons)
    film = _score(detector, "金鹿 DVD 电影 国语", price=20)
    assert not film.flagged
    # a listing of what it may well make is read at its price
    assert _score(detector, "金鹿 电动滑板车 折叠 成人", price=200).flagged


def test_a_digit_read_as_a_letter_is_one_disguise_not_two(detector: Detector) -> None:
    # Br3e is Bree with a digit for a letter; ddr3 read the same way is dre, one letter from it besides: chance
    assert _score(detector, "Br3e leather handbag women", price=20, currency="USD").brand_id == "bree"
    memory = _score(detector, "kingston 2gb ddr3 sdram desktop memory module", price=20, currency="USD")
    assert memory.brand_id is None and not memory.flagged


def test_a_chinese_fit_cue_after_the_brand_says_what_a_part_fits(detector: Detector) -> None:
    # 专用于金鹿 is written 金鹿电动车专用: the seat cover fits the scooter, its price is no scooter's price
    cover = _score(detector, "金鹿电动车 专用 座套 防晒 防水", price=39, currency="CNY")
    assert not cover.flagged
    scooter = _score(detector, "金鹿 电动车 48V 长续航", price=399, currency="CNY")
    assert scooter.flagged and any(r.signal == "price_ratio" for r in scooter.reasons)
    # before the brand the bare verb says what the product that follows is for: no nominative use there
    claim = _score(detector, "厨房专用 金鹿 电动车 高仿", price=399, currency="CNY")
    assert claim.flagged and not any(r.signal == "nominative_use" for r in claim.reasons)


def test_a_mark_spelt_as_another_language_says_it_is_its_knock_off(detector: Detector) -> None:
    """Double Metaphone reads Ganchi KNX, or KNK as in Italian: Ganki, two edits from a mark of six letters (one is
    all a look-alike may change), is spelt as heard by the alternate reading; weak alone, as any respelling by ear."""
    result = _score(detector, "Ganki espresso machine 15 bar stainless", price=90, currency="USD")
    assert result.flagged and result.brand_id == "ganchi", result.reasons
    assert "Ganki sounds like Ganchi" in _details(result)
    assert not _score(detector, "Ganki", price=600, currency="USD").flagged
