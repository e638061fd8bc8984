"""Marks derived from a sparse list (2026-12-06, fourth session): what a seller writes that the list never spells.

The brands here are a sparse list written for these tests (names, a category, a price, an alias or two);
no rule file knows them, and none belongs to a held-out set.
"""

from __future__ import annotations

import pytest

from detector import Brand, BrandNames, Detector, LexiconTerm, Library, Listing, ScoreResult
from detector.library import load_product_kinds, short_names


def _brand(id: str, zh: list[str], en: list[str], categories: list[str], prices: dict[str, float],
           aliases: list[str] | None = None) -> Brand:
    return Brand(id=id, names=BrandNames(zh=zh, en=en), categories=categories, reference_prices=prices,
                 aliases=aliases or [])


@pytest.fixture(scope="module")
def detector(bundled_terms: list[LexiconTerm]) -> Detector:
    brands = [
        _brand("meizu", ["魅族"], ["Meizu"], ["smartphones"], {"CNY": 2500}, ["魅蓝"]),
        _brand("saint_james", [], ["Saint James Paris"], ["apparel"], {"USD": 120}),
        _brand("kailas", ["凯乐石户外"], ["Kailas"], ["outdoor apparel"], {"CNY": 1200}),
        _brand("muji", ["无印良品"], ["MUJI"], ["home"], {"USD": 30}),
        _brand("yonex", ["尤尼克斯"], ["Yonex"], ["badminton rackets"], {"USD": 180}),
        _brand("nikon", ["尼康"], ["Nikon"], ["cameras"], {"USD": 500}, ["Coolpix"]),
        _brand("armani", ["阿玛尼"], ["Armani"], ["apparel"], {"USD": 800}),
        _brand("huangdou", ["黄豆"], ["Huangdou"], ["underwear"], {"CNY": 150}),
        _brand("smeg", [], ["Smeg"], ["stand mixers"], {"USD": 500}),
        _brand("playmobil", [], ["PlayMobil"], ["toys"], {"CNY": 300}),
        _brand("fenjiu_like", ["汾阳坊"], [], ["baijiu"], {"CNY": 600}),
        _brand("canyon", [], ["Canyon"], ["bicycles"], {"USD": 3000}, ["Ultimate"]),
        _brand("opinel", [], ["Opinel"], ["pocket knives"], {"USD": 20}),
        _brand("shunda", ["顺达"], [], ["kayaks"], {"USD": 900}),
        _brand("jingling", ["童精灵"], ["Tonjin"], ["kids smartwatches"], {"CNY": 1200}),
        _brand("qigehetao", ["七个核桃"], [], ["walnut milk", "drinks"], {"CNY": 60}),
    ]
    return Detector(Library.compile(brands, bundled_terms))


def _score(detector: Detector, title: str, **fields: object) -> ScoreResult:
    return detector.score(Listing(title=title, **fields))  # type: ignore[arg-type]


def _reason(result: ScoreResult, signal: str) -> str:
    return next((r.detail or "") for r in result.reasons if r.signal == signal)


def test_a_product_line_beside_a_weak_disguise_is_its_context(detector: Detector) -> None:
    # 美族 sounds like 魅族 but two characters alone could be chance; the brand's own line beside it is not
    result = _score(detector, "美族 魅蓝 Note 6 黑色")
    assert result.flagged and result.brand_id == "meizu"
    assert "beside 魅蓝" in _reason(result, "homophone_name")
    alone = _score(detector, "美族 Note 6 黑色")
    assert not alone.flagged


def test_a_weak_look_alike_beside_the_plain_house_mark_is_no_disguise(detector: Detector) -> None:
    # a seller who writes Nikon has nothing to disguise: Nikkor is the lens, not a knock-off mark
    result = _score(detector, "Nikon Coolpix camera with Nikkor zoom lens, 50 bonus prints")
    assert not result.flagged and "lookalike_name" not in {r.signal for r in result.reasons}


def test_initials_of_a_three_word_mark(detector: Detector) -> None:
    result = _score(detector, "SJP 条纹 海魂衫 长袖 纯棉", price=25)
    # no CNY reference price: the initials alone, in the brand's kind of product, are the evidence
    assert result.brand_id == "saint_james"
    assert "initials of Saint James Paris" in _reason(result, "pinyin_initials")
    assert _score(detector, "SJP stripe breton shirt long sleeve", price=15, currency="USD").flagged
    # written in lower case, or where it spells an English word, it is not the mark
    assert _score(detector, "sjp stripe shirt", price=15, currency="USD").brand_id is None


def test_a_name_without_its_common_last_word_is_the_name(detector: Detector) -> None:
    kinds = load_product_kinds().chinese_keywords
    assert short_names("凯乐石户外", kinds) == [("凯乐石", "户外")]
    assert short_names("青岛啤酒", kinds) == []  # 青岛 is the city first
    result = _score(detector, "凯乐石同款 冲锋衣 男 防水", price=199)
    assert result.flagged and result.brand_id == "kailas"
    assert "凯乐石 is 凯乐石户外 without 户外" in _reason(result, "brand_name")


@pytest.mark.parametrize("title", ["MUJY cotton towel set", "YONEC badminton racket carbon"])
def test_a_short_mark_with_its_last_letter_changed_needs_context(detector: Detector, title: str) -> None:
    result = _score(detector, title, price=5, currency="USD")
    assert result.flagged and "looks like" in _reason(result, "lookalike_name")


def test_a_short_mark_changed_without_context_stays_weak(detector: Detector) -> None:
    result = _score(detector, "MUJY 1gb memory card", currency="USD")
    assert not result.flagged


@pytest.mark.parametrize("title", [
    "Nikon D3500 camera, even an expert could not tell the difference",
    "尼康 D3500 相机 和官网的看不出任何差别",
])
def test_claims_that_no_one_can_tell_them_apart(detector: Detector, title: str) -> None:
    result = _score(detector, title)
    assert "learned_claim" in {r.signal for r in result.reasons}, result.reasons


def test_a_claim_read_beyond_a_soft_term_inside_it_speaks(detector: Detector) -> None:
    # 原版 alone is a soft word (a first edition, the original version); the phrase around it is the claim
    result = _score(detector, "尼康 D3500 相机 与原版的做工用料完全相同", price=2000, currency="CNY")
    claim = next((r for r in result.reasons if r.signal == "learned_claim"), None)
    assert claim is not None and "原版" in claim.text, result.reasons
    assert result.flagged
    # the soft word alone is still only itself
    alone = _score(detector, "尼康 D3500 相机 原版 说明书", price=2000, currency="CNY")
    assert "learned_claim" not in {r.signal for r in alone.reasons} and not alone.flagged


def test_ordinary_wording_about_differences_is_no_claim(detector: Detector) -> None:
    result = _score(detector, "Nikon D3500 camera body, slight color difference due to lighting", price=450,
                    currency="USD")
    assert "learned_claim" not in {r.signal for r in result.reasons}
    assert not result.flagged


def test_a_proper_name_is_no_english_word_to_hide_behind(detector: Detector) -> None:
    # Webster's lists Ermani as a name (capitalised); it is no word, so it may be Armani changed in a letter
    from detector.library import english_words

    assert "ermani" not in english_words() and "citizen" in english_words()
    result = _score(detector, "Ermani slim fit suit jacket men", price=60, currency="USD")
    assert result.flagged and result.brand_id == "armani"


def test_a_claim_right_after_the_name_is_read_without_it(detector: Detector) -> None:
    # the best window held the product line too and was dropped as the brand's; the claim stands after it
    result = _score(detector, "Coolpix identical to the retail version camera")
    claim = next(r for r in result.reasons if r.signal == "learned_claim")
    assert claim.text == "identical to the retail version" and result.flagged


def test_windows_for_the_embedding_claim_model_skip_the_name(detector: Detector) -> None:
    """What the semantic stage is asked to read: segments holding a claim cue, from after the brand's name,
    and English clauses after the one naming the brand; never the name, never a mere word or two."""
    claims = detector.library.claims

    def windows(title: str) -> list[str]:
        found = detector.matcher.analyse(title)
        spans = claims.windows_to_embed(found.text.text, found.text.gaps, [(h.start, h.end) for h in found.brand_hits])
        return [found.text.original_text(a, b) for a, b in spans]

    glued = windows("尼康相机单反和专柜货放一起根本认不出")
    assert glued and all("尼康" not in w for w in glued) and any(w.endswith("认不出") for w in glued)
    assert windows("Nikon D3500 camera, identical to what the counters sell") == ["identical to what the counters sell"]
    assert windows("Nikon D3500 camera, black") == []  # a word or two says nothing
    assert windows("尼康 相机 单反 入门 包邮") == []  # no cue, and Chinese words are never read without one
    # a comparison opened after the name is read from its connector, whatever words follow it
    assert windows("尼康 相机 和商场卖的同一批货") == ["和商场卖的同一批货"]
    assert any(w.startswith("相机和商场") for w in windows("尼康相机和商场卖的同一批货"))
    # ...never a word that only starts with one (和田玉, 跟团游), nor a comparison before the name
    assert windows("尼康 相机 和田玉 挂件 跟团游") == []
    assert windows("和商场卖的同一批货 尼康 相机") == []


def test_a_price_of_zero_is_no_price(detector: Detector) -> None:
    # feeds write 0 where the price is missing: it is not 0% of the reference price
    result = _score(detector, "Nikon Coolpix 16MP digital camera", price=0, currency="USD")
    assert not result.flagged and "price_ratio" not in {r.signal for r in result.reasons}


def test_a_name_written_in_another_form_inside_a_simplified_title_is_disguised(detector: Detector) -> None:
    result = _score(detector, "黄荳 保暖内衣 男 加绒 套装", price=49)
    assert result.flagged and "荳" in _reason(result, "obfuscated_name")
    # a title written in traditional characters writes the name so too: that is no disguise
    plain = _score(detector, "黃荳 保暖內衣 男 加絨 套裝", price=49)
    assert "obfuscated_name" not in {r.signal for r in plain.reasons}


def test_an_accessory_word_inside_the_name_of_a_kind_is_no_accessory(detector: Detector) -> None:
    # "stand" marks a phone stand; in "stand mixer" it is part of the brand's own kind of product
    result = _score(detector, "Smeg 5 quart stand mixer pastel blue", price=60, currency="USD")
    assert result.flagged and "price_ratio" in {r.signal for r in result.reasons}


def test_a_bottle_of_the_brand_s_liquor_is_no_other_kind(detector: Detector) -> None:
    # 瓶 names beverages, and liquor is a beverage: a wider kind is not another kind
    result = _score(detector, "汾阳坊 52度 500ml 单瓶", price=60)
    assert "other_product_kind" not in {r.signal for r in result.reasons} and result.flagged


def test_initials_of_a_camel_case_mark(detector: Detector) -> None:
    result = _score(detector, "PM 积木 玩具 城堡 儿童 拼装", price=39)
    assert result.flagged and "initials of PlayMobil" in _reason(result, "pinyin_initials")
    # two capitals alone, with nothing of the brand's kind, are no mark
    assert not _score(detector, "PM 下午 茶 点心").flagged


def test_the_house_mark_followed_by_its_line_means_the_brand(detector: Detector) -> None:
    # Canyon and Ultimate are both English words, and "bicycles" is no kind the taxonomy knows; written as
    # a product is named (mark, then line) they are the bike maker, and its price is compared
    result = _score(detector, "Canyon Ultimate CF SL road bike", price=400, currency="USD")
    assert result.flagged and result.brand_id == "canyon"
    for title in ("the ultimate canyon hiking guide", "Grand Canyon ultimate day tour"):
        assert not _score(detector, title, price=15, currency="USD").flagged, title


def test_a_weak_disguise_beside_another_mark_written_plainly_is_dropped(detector: Detector) -> None:
    # SD (the pinyin initials of 顺达, a brand whose kind takes any context) is a model code beside Opinel
    result = _score(detector, "Opinel No.08 SD carbon steel folding knife", price=18, currency="USD")
    assert result.brand_id == "opinel" and not result.flagged
    assert "pinyin_initials" not in {r.signal for r in result.reasons}
    alone = _score(detector, "SD carbon steel folding knife", price=18, currency="USD")
    assert alone.brand_id == "shunda"  # without another mark the initials are still read


def test_initials_in_lower_case_beside_chinese_words(detector: Detector) -> None:
    # sellers type pinyin initials in lower case too; in a Chinese title three letters or more that are no
    # English word are the initials, in context like capitals; English text keeps its lower-case words
    upper = _score(detector, "WYLP 香薰机 家用 卧室 静音", price=5, currency="USD")
    lower = _score(detector, "wylp 香薰机 家用 卧室 静音", price=5, currency="USD")
    assert upper.brand_id == lower.brand_id == "muji" and lower.flagged == upper.flagged
    assert "pinyin_initials" in {r.signal for r in lower.reasons}
    assert _score(detector, "ynks 羽毛球拍 碳素 单拍 进攻型", price=20, currency="USD").brand_id == "yonex"
    english = _score(detector, "wylp home aroma diffuser quiet bedroom", price=5, currency="USD")
    assert english.brand_id is None and not english.flagged
    # two letters too (Taobao sellers write ck, lv, dw so): in context, as capitals are
    two = _score(detector, "mz 手机 全网通 5G 双卡", price=300, currency="CNY")
    assert two.brand_id == "meizu" and two.flagged and "pinyin_initials" in {r.signal for r in two.reasons}
    assert not _score(detector, "mz 帆布 托特包 女", price=30, currency="CNY").flagged  # no phone: no context


def test_two_lower_case_letters_that_are_a_unit_are_no_initials(bundled_terms: list[LexiconTerm]) -> None:
    # 诚美's initials are CM: in capitals beside a face cream they are read, in lower case cm is centimetres
    detector = Detector(Library.compile([_brand("chengmei", ["诚美"], [], ["skincare"], {"CNY": 200})],
                                        bundled_terms))
    assert _score(detector, "CM 面霜 补水 保湿", price=20, currency="CNY").brand_id == "chengmei"
    assert _score(detector, "cm 面霜 补水 保湿", price=20, currency="CNY").brand_id is None


def test_a_mark_with_two_vowels_changed_is_a_weak_look_alike(detector: Detector) -> None:
    # Armani (six letters) with its consonants kept and two vowels changed: a knock-off mark, weak (needs
    # context: here jeans, its kind); a consonant changed as well is two edits of another sort, not read
    result = _score(detector, "Armina jeans men slim fit stretch", price=30, currency="USD")
    assert result.flagged and result.brand_id == "armani"
    assert "Armina looks like Armani" in _reason(result, "lookalike_name")
    assert _score(detector, "Arbeni jeans men slim fit stretch", price=30, currency="USD").brand_id is None


def test_a_kind_that_heads_the_brand_s_own_label_is_no_other_kind(detector: Detector) -> None:
    # "kids smartwatches" names electronics (the taxonomy's smartwatch); a 电话手表 is a watch, and a watch is
    # what a smartwatch is: the listing is the brand's kind, its price is compared. A picture book is not.
    watch = _score(detector, "童精灵 电话手表 儿童 4G 视频", price=150, currency="CNY")
    assert watch.flagged and "other_product_kind" not in {r.signal for r in watch.reasons}
    book = _score(detector, "童精灵 绘本 故事书 儿童 睡前", price=20, currency="CNY")
    assert not book.flagged and "other_product_kind" in {r.signal for r in book.reasons}


@pytest.mark.parametrize("title", ["七个和桃核桃乳整箱240ml", "七个he桃核桃乳饮料整箱"])
def test_a_long_name_heard_whole_in_a_title_run_together(detector: Detector, title: str) -> None:
    # 七个和桃 sounds like 七个核桃 and its last character begins the next word (桃核, a peach stone): a title
    # run together without spaces; a four-character name heard or imitated whole is no chance reading
    result = _score(detector, title, price=35, currency="CNY")
    assert result.flagged and result.brand_id == "qigehetao"


def test_a_price_without_a_currency_is_read_by_the_title_s_script(detector: Detector) -> None:
    # Tonjin's reference prices: CNY 1200 only; Canyon's USD 3000 only; Armani USD 800. An English title priced
    # 700 with no currency is in dollars where the brand has a dollar price: no 58%-of-CNY reading either way
    english = _score(detector, "Armani wool blazer men slim fit", price=700)
    assert not english.flagged and "price_ratio" not in {r.signal for r in english.reasons}
    cheap = _score(detector, "Armani wool blazer men slim fit", price=40)
    assert cheap.flagged and "no currency given: read as USD" in _reason(cheap, "price_ratio")
    chinese = _score(detector, "童精灵 电话手表 儿童 4G 视频", price=150)  # the platform's default, CNY
    assert chinese.flagged and "read as CNY" in _reason(chinese, "price_ratio")


def test_the_word_a_family_of_self_declarations_is_built_on_counts_standing_alone(detector: Detector) -> None:
    """copy (super copy, first copy...) and 仿 (高仿, 精仿...) are derived from the lexicon as soft terms; they count
    only as words of their own in a title naming a brand (not 仿真, not copying), never as a mark's context."""
    derived = {t.term for t in detector.library.terms if (t.source or "").endswith("standing alone")}
    assert {"copy", "仿"} <= derived and "quality" not in derived  # "top quality" is a soft quality claim
    copied = _score(detector, "Opinel No.8 pocket knife copy beech handle", price=18, currency="USD")
    assert copied.flagged and "standing alone" in _reason(copied, "counterfeit_term")
    imitated = _score(detector, "汾阳坊 500ml 仿 整箱 6瓶", price=500, currency="CNY")
    assert imitated.flagged and "standing alone" in _reason(imitated, "counterfeit_term")
    for title in ("汾阳坊 500ml 仿真 整箱 6瓶", "Opinel No.8 pocket knife, copying the 1890 design"):
        plain = _score(detector, title, price=500 if "汾" in title else 18, currency="CNY" if "汾" in title else "USD")
        assert not plain.flagged and "counterfeit_term" not in {r.signal for r in plain.reasons}, plain
    nobrand = _score(detector, "pocket knife copy beech handle", price=5, currency="USD")
    assert not nobrand.flagged


def test_a_numeral_and_its_measure_word_in_a_homophone_are_counting(bundled_terms: list[LexiconTerm]) -> None:
    """来一份 (bring one portion) sounds like a snack maker's 来伊份, but 一份 is a numeral and its measure word
    (jieba's tags: m, and q for 份): an order, not a name. A homophone without one still counts."""
    from detector.library import counting_words

    assert {"一份", "两个", "一盒"} <= counting_words() and "十分" not in counting_words()
    snacks = Detector(Library.compile([_brand("laiyi", ["来伊份"], [], ["snacks"], {"CNY": 50})], bundled_terms))
    order = snacks.score(Listing(title="来一份 炸鸡 套餐 代金券", price=18, currency="CNY"))
    assert not order.flagged and order.brand_id is None, order
    respelt = snacks.score(Listing(title="莱伊份 猪肉脯 靖江", price=18, currency="CNY"))
    assert respelt.flagged and "莱伊份 sounds like 来伊份" in _reason(respelt, "homophone_name")
