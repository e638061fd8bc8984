"""The semantic stage with the real packaged embedding model (loaded once per session, offline)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from detector import Detector, Listing
from eval import evaluate, generate_labelled_set
from feature_store import LibraryFileError, LibraryStore, bundled_exemplars
from feature_store.exemplars import ExemplarStore, read_exemplar_file
from feature_store.index import ExemplarIndex
from feature_store.semantic import ExemplarSemantics


def test_default_model_loads_offline() -> None:
    """No weights are downloaded: loading works with the hub switched off, in a fresh process."""
    code = ("from feature_store.embedding import encode; v = encode(['耐克 高仿', 'Nike replica']); "
            "print(v.shape[1], round(float(v[0] @ v[1]), 2))")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    dimension, similarity = out.stdout.split()
    assert dimension == "512" and float(similarity) > 0.5


def test_lexical_commands_never_import_torch(tmp_path: Path) -> None:
    code = ("import sys, json; from ipwatch.cli import main; "
            "from click.testing import CliRunner; CliRunner().invoke(main, ['brands', 'list', '--json']); "
            "from detector import Detector; print('torch' in sys.modules)")
    env = {**os.environ, "IPWATCH_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture(scope="session")
def semantic_home(tmp_path_factory: pytest.TempPathFactory, bundled_brands, bundled_terms):  # type: ignore[no-untyped-def]
    home = tmp_path_factory.mktemp("semantic")
    store = LibraryStore(f"sqlite:///{home / 'ipwatch.db'}")
    store.import_brands(bundled_brands)
    store.import_terms(bundled_terms)
    exemplars = ExemplarStore(store, home / "indices")
    for kind in ("counterfeit", "genuine"):
        exemplars.add(read_exemplar_file(bundled_exemplars(kind), exemplars.known_brands()), kind)
    yield store, exemplars
    store.close()


def test_exemplar_file_is_validated_whole(semantic_home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _store, exemplars = semantic_home
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"title": "x", "brand_id": "nike"}) + "\n" +
                   json.dumps({"title": "y", "brand_id": "no-such-brand"}) + "\n", encoding="utf-8")
    before = exemplars.counts()
    with pytest.raises(LibraryFileError, match="line 2: field 'brand_id': 'no-such-brand'"):
        read_exemplar_file(bad, exemplars.known_brands())
    assert exemplars.counts() == before


def test_index_follows_additions_incrementally(semantic_home) -> None:  # type: ignore[no-untyped-def]
    _store, exemplars = semantic_home
    before = exemplars.index("counterfeit").manifest["n"]
    report = exemplars.add([{"title": "劳力士 游艇名仕 126622 灰盘 复刻", "brand_id": "rolex"}], "counterfeit")
    again = exemplars.add([{"title": "劳力士 游艇名仕 126622 灰盘 复刻", "brand_id": "rolex"}], "counterfeit")
    index = exemplars.index("counterfeit")
    assert report.added == 1 and again.duplicates == 1 and index.manifest["n"] == before + 1
    ids, _brands, vectors, _texts = exemplars.rows("counterfeit")
    sims, found = index.search(vectors[-1:], 1)
    assert found[0][0] == ids[-1] and sims[0][0] > 0.99


def test_approximate_index_measures_its_recall() -> None:
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(6000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = ExemplarIndex.build(vectors, np.arange(6000), approximate_above=1000)
    assert index.manifest["type"] == "ivf_sq8" and 0.0 < index.manifest["recall_at_10"] <= 1.0
    exact = ExemplarIndex.build(vectors, np.arange(6000))
    assert exact.manifest["type"] == "flat_ip" and exact.manifest["recall_at_10"] == 1.0


def test_semantic_stage_adds_described_products(semantic_home, library) -> None:  # type: ignore[no-untyped-def]
    store, exemplars = semantic_home
    lexical = Detector(store.load_library())
    cascade = Detector(store.load_library(), semantic=ExemplarSemantics(exemplars))
    seed_rows = [json.loads(line) for line in bundled_exemplars("counterfeit").read_text(encoding="utf-8").splitlines()]
    rows = generate_labelled_set(library.brands, seed=3, per_family=20, exemplars=seed_rows)
    without, with_stage = evaluate(lexical, rows), evaluate(cascade, rows)
    gain = with_stage["groups"]["described_product"]["flag_rate"] - without["groups"]["described_product"]["flag_rate"]
    assert gain >= 0.30
    assert with_stage["precision"] >= 0.92
    assert with_stage["groups"]["generic"]["flag_rate"] <= 0.05
    result = cascade.score(Listing(title="116610LV 绿盘绿圈 夜光 自动机械 男表"))
    assert result.flagged and result.brand_id == "rolex"
    reason = result.reasons[0]
    assert reason.signal == "similar_counterfeit_exemplar" and "116610LV" in (reason.detail or "")
    assert not cascade.score(Listing(title="男士 机械表 自动 夜光 防水 钢带")).flagged


def test_the_words_of_a_brands_exemplars_are_its_kind_of_product(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """A label the taxonomy does not know ("cast iron cookware") gives initials no context; the brand's own
    counterfeit exemplars do: a title holding their words (珐琅, 铸铁) is that kind of product."""
    from detector import Brand, BrandNames

    store = LibraryStore(f"sqlite:///{tmp_path / 'ipwatch.db'}")
    store.import_brands([Brand(id="staub", names=BrandNames(zh=["珐宝"], en=["Staub"]),
                               categories=["cast iron cookware"], reference_prices={"CNY": 1500})])
    store.import_terms(bundled_terms)
    exemplars = ExemplarStore(store, tmp_path / "indices")
    exemplars.add([{"title": "珐宝 珐琅铸铁锅 复刻 樱桃红 24cm 圆形炖锅", "brand_id": "staub"}], "counterfeit")
    cascade = Detector(store.load_library(), semantic=ExemplarSemantics(exemplars))
    pot = cascade.score(Listing(title="FB 珐琅锅 铸铁 20cm", price=200, currency="CNY"))
    assert pot.flagged and pot.brand_id == "staub", pot
    initials = next(r for r in pot.reasons if r.signal == "pinyin_initials")
    assert initials.weight >= 3 and "珐琅" in (initials.detail or "")
    bare = cascade.score(Listing(title="FB 手机壳 透明 20cm", price=20, currency="CNY"))
    assert not bare.flagged
    # with no genuine catalogue, closeness to a counterfeit only says "the same pot": a used one takes no support
    used = cascade.score(Listing(title="二手 珐宝 珐琅铸铁锅 樱桃红 24cm 圆形炖锅 九成新", price=600, currency="CNY"))
    assert not used.flagged and "similar_counterfeit_exemplar" not in {r.signal for r in used.reasons}, used
    store.close()


def test_a_label_the_taxonomy_does_not_know_is_read_by_its_embedding(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """"televisions" is no label of the taxonomy; by its embedding it sits beside tv and 电视, so a TV is this
    brand's kind of product and its price speaks. Without the semantic stage the TV reads as another kind."""
    from detector import Brand, BrandNames, Library

    store = LibraryStore(f"sqlite:///{tmp_path / 'ipwatch.db'}")
    store.import_brands([Brand(id="skyworth", names=BrandNames(zh=["创维"], en=["Skyworth"]),
                               categories=["televisions", "appliances"], reference_prices={"CNY": 3000})])
    store.import_terms(bundled_terms)
    exemplars = ExemplarStore(store, tmp_path / "indices")
    exemplars.add([{"title": "创维 电视 高仿 75寸 贴牌 液晶", "brand_id": "skyworth"}], "counterfeit")
    listing = Listing(title="创维 55寸 4K 液晶电视 全面屏", price=450, currency="CNY")
    lexical = Detector(store.load_library()).score(listing)
    assert not lexical.flagged and "other_product_kind" in {r.signal for r in lexical.reasons}
    stage = ExemplarSemantics(exemplars)
    assert stage.label_kinds({"skyworth": ["televisions"]}) == {"skyworth": frozenset({"electronics"})}
    cascade = Detector(store.load_library(), semantic=stage)
    assert "electronics" in cascade.library.brand_kinds[0] and isinstance(cascade.library, Library)
    scored = cascade.score(listing)
    assert scored.flagged and "price_ratio" in {r.signal for r in scored.reasons}, scored
    store.close()


def test_quantities_are_neither_terms_nor_model_numbers() -> None:
    """500ml and 49mm come with any brand's goods; 116610LV and DD1391-100 tell one product from another."""
    from feature_store.semantic import exemplar_terms, is_model_number, is_quantity

    terms = exemplar_terms("飞天茅台 53度 假酒 酱香 500ml 2023 116610LV DD1391-100 49mm")
    assert not any(is_quantity(t) for t in terms)
    assert not any(t.startswith("500") or t.startswith("49") for t in terms)
    assert sum(is_model_number(t) for t in terms) == 2  # 116610lv and dd1391-100


def test_a_seller_s_own_words_shared_with_counterfeits_make_a_candidate(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """A title naming no brand, near a brand's counterfeits and sharing words with them that are no ordinary
    wording (洛达, 华强北: makers' jargon) is that brand's candidate; one sharing only ordinary words (降噪, 耳机)
    is not, however close: it is the wording of its kind of product."""
    from detector import Brand, BrandNames

    store = LibraryStore(f"sqlite:///{tmp_path / 'ipwatch.db'}")
    store.import_brands([Brand(id="pear", names=BrandNames(zh=["梨子"], en=["Pear"]), categories=["earphones"],
                               reference_prices={"CNY": 1800})])
    store.import_terms(bundled_terms)
    exemplars = ExemplarStore(store, tmp_path / "indices")
    exemplars.add([{"title": "梨子 Buds Pro 2 华强北 高仿 洛达 1562 降噪耳机", "brand_id": "pear"}], "counterfeit")
    stage = ExemplarSemantics(exemplars)
    cascade = Detector(store.load_library(), semantic=stage)
    jargon = cascade.score(Listing(title="华强北 洛达 1562 降噪 蓝牙耳机 Pro 2", price=160, currency="CNY"))
    assert jargon.brand_id == "pear", jargon
    evidence = stage.assess(["华强北 洛达 1562 降噪 蓝牙耳机 Pro 2"], [None])[0]
    assert {"洛达", "华强"} <= set(evidence.distinctive_terms) and "降噪" not in evidence.distinctive_terms
    plain = stage.assess(["降噪 蓝牙耳机 无线 入耳式 超长续航"], [None])[0]
    assert not plain.distinctive_terms
    store.close()


@pytest.fixture(scope="module")
def dumpling_maker(tmp_path_factory: pytest.TempPathFactory, bundled_terms):  # type: ignore[no-untyped-def]
    """A sparse list of two brands and one counterfeit exemplar each: a zongzi maker whose exemplar is mostly
    the ordinary wording of its kind of product, and a watch maker with a product line."""
    from detector import Brand, BrandNames

    home = tmp_path_factory.mktemp("dumplings")
    store = LibraryStore(f"sqlite:///{home / 'ipwatch.db'}")
    store.import_brands([
        Brand(id="fangzhai", names=BrandNames(zh=["芳斋记"], en=[]), categories=["zongzi"],
              reference_prices={"CNY": 120}),
        Brand(id="hamlet", names=BrandNames(zh=["哈姆莱"], en=["Hamlet"]), categories=["watches"],
              aliases=["Kharkov"], reference_prices={"CNY": 4000, "USD": 600}),
    ])
    store.import_terms(bundled_terms)
    exemplars = ExemplarStore(store, home / "indices")
    exemplars.add([{"title": "芳斋记 粽子 仿冒 嘉兴 鲜肉粽 礼盒 端午", "brand_id": "fangzhai"},
                   {"title": "Hamlet Kharkov field replica 38mm automatic canvas strap watch", "brand_id": "hamlet"}],
                  "counterfeit")
    yield Detector(store.load_library(), semantic=ExemplarSemantics(exemplars))
    store.close()


def test_ordinary_wording_alone_is_the_kind_of_product_not_its_counterfeit(dumpling_maker) -> None:  # type: ignore[no-untyped-def]
    """A zongzi listing shares the exemplar's regional and seasonal words (嘉兴, 端午): that is how every zongzi is
    sold, so naming nothing of the brand it is no candidate of it."""
    result = dumpling_maker.score(Listing(title="鲜肉粽 嘉兴 真空 端午 8只装", price=30, currency="CNY"))
    assert result.brand_id is None and not result.flagged


def test_a_product_line_near_the_counterfeits_is_their_candidate(dumpling_maker) -> None:  # type: ignore[no-untyped-def]
    """Naming only a product line is no weaker than naming nothing: close to the counterfeits, it is theirs."""
    result = dumpling_maker.score(Listing(title="Kharkov field 38mm automatic military watch canvas strap",
                                          price=400, currency="USD"))
    assert result.flagged and result.brand_id == "hamlet"
    assert {"similar_counterfeit_exemplar", "brand_alias"} <= {r.signal for r in result.reasons}


def test_a_shared_model_number_needs_less_distance_from_ordinary_wording(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """A title naming no brand that carries the model number of a brand's counterfeit is that brand's candidate
    when it is nearer those counterfeits than ordinary wording for its kind by a smaller margin than shared
    words need (scoring.yaml background_margin_model_number): the number is the seller's, not the kind's."""
    from detector import Brand, BrandNames

    store = LibraryStore(f"sqlite:///{tmp_path / 'ipwatch.db'}")
    store.import_brands([Brand(id="tabihouse", names=BrandNames(zh=["塔比屋"], en=["Tabihouse"]), categories=["boots"],
                               reference_prices={"CNY": 5000})])
    store.import_terms(bundled_terms)
    exemplars = ExemplarStore(store, tmp_path / "indices")
    exemplars.add([{"title": "塔比屋 分趾靴 复刻 K77XY0311 原版皮 女 短靴", "brand_id": "tabihouse"},
                   {"title": "Tabihouse split toe boots replica K77XY0311 leather", "brand_id": "tabihouse"}],
                  "counterfeit")
    stage = ExemplarSemantics(exemplars)
    cascade = Detector(store.load_library(), semantic=stage)
    title = "女 短靴 K77XY0311"
    evidence = stage.assess([title], [None])[0]
    rules = cascade.scorer.rules["semantic"]
    margin = evidence.counterfeit_sim - evidence.background_sim
    assert evidence.model_numbers == ["K77XY0311"]
    assert rules["background_margin_model_number"] <= margin < rules["background_margin_distinctive"], margin
    result = cascade.score(Listing(title=title, price=300, currency="CNY"))
    assert result.flagged and result.brand_id == "tabihouse"
    # the seller who types the number in lower case means the same number: it is embedded in capitals
    lower = stage.assess(["女 短靴 k77xy0311"], [None])[0]
    assert abs(lower.counterfeit_sim - evidence.counterfeit_sim) < 1e-5
    assert cascade.score(Listing(title="女 短靴 k77xy0311", price=300, currency="CNY")).flagged
    store.close()


def test_a_model_number_whose_digit_folds_into_a_letter_is_still_a_model_number(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """QX-LV1Z normalises to qxiviz (1 looks like i): all letters, yet the confirmed case wrote a model number,
    and a title carrying it is read as sharing one (scoring.yaml background_margin_model_number)."""
    from detector import Brand, BrandNames

    store = LibraryStore(f"sqlite:///{tmp_path / 'ipwatch.db'}")
    store.import_brands([Brand(id="quorvex", names=BrandNames(en=["Quorvex"]), categories=["golf balls"],
                               reference_prices={"USD": 50})])
    store.import_terms(bundled_terms)
    exemplars = ExemplarStore(store, tmp_path / "indices")
    exemplars.add([{"title": "Quorvex Tour X golf balls fake QX-LV1Z", "brand_id": "quorvex"},
                   {"title": "Quorvex Tour X 高尔夫球 高仿 QX-LV1Z", "brand_id": "quorvex"}], "counterfeit")
    stage = ExemplarSemantics(exemplars)
    title = "QX-LV1Z golf balls dozen tour"
    assert stage.candidates([title]) == {0}
    assert stage.assess([title], [None])[0].model_numbers == ["QX-LV1Z"]
    result = Detector(store.load_library(), semantic=stage).score(Listing(title=title, price=12, currency="USD"))
    assert result.flagged and result.brand_id == "quorvex", result
    store.close()


def test_a_word_read_as_the_brands_label_in_another_language_is_its_product(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """电池 is an accessory word (a phone's battery), but to a maker of "batteries" it is the product: once the
    semantic stage reads it as that label (the context of a weak mention), the price is compared."""
    from detector import Brand, BrandNames

    brand = Brand(id="ruineng", names=BrandNames(zh=["锐能"]), categories=["batteries"], reference_prices={"CNY": 40})
    store, cascade = _beside_a_boot_maker(tmp_path, bundled_terms, brand)
    cells = cascade.score(Listing(title="rui能 电池 5号 AA 碱性 10粒", price=9, currency="CNY"))
    assert cells.flagged and cells.brand_id == "ruineng", cells
    assert any(r.signal == "price_ratio" for r in cells.reasons)
    # read by the dictionary ("battery", the label's head) before any cosine is asked
    assert any("电池 is 'battery' (CC-CEDICT), its label batteries" in (r.detail or "") for r in cells.reasons)
    store.close()


def test_a_part_word_read_as_the_brands_label_is_its_product_in_any_form(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """充电器 is a part (a phone's charger), but to a maker of "chargers" it is the product: a title holding a part
    word and no word of the brand's kinds is read against its labels, for a disguise (连锐达, as sure a mention as
    the name) as for the name itself."""
    from detector import Brand, BrandNames

    brand = Brand(id="lianruida", names=BrandNames(zh=["联锐达"]), categories=["chargers"],
                  reference_prices={"CNY": 150})
    tools = Brand(id="dewoke", names=BrandNames(zh=["德沃克"]), categories=["power tools"],
                  reference_prices={"CNY": 600})
    store, cascade = _beside_a_boot_maker(tmp_path, bundled_terms, brand, tools)
    for title in ("联锐达 充电器 20W 快充", "连锐达 充电器 20W 快充"):
        result = cascade.score(Listing(title=title, price=19, currency="CNY"))
        assert result.flagged and result.brand_id == "lianruida", (title, result.reasons)
        assert any(r.signal == "price_ratio" for r in result.reasons), (title, result.reasons)
    # to a maker of something else it stays a part: its price says nothing of the brand's product
    part = cascade.score(Listing(title="得沃克 充电器 20V 锂电", price=39, currency="CNY"))
    assert part.brand_id == "dewoke" and not part.flagged, part.reasons
    store.close()


def test_model_numbers_are_embedded_in_capitals_and_nothing_else_changes_case() -> None:
    from feature_store.semantic import codes_in_capitals

    assert codes_in_capitals("nw-j4px 扫拖一体机 Rolex 126610lv") == "NW-J4PX 扫拖一体机 Rolex 126610LV"
    # quantities, words and numbers keep their case: 500ml is a size, iphone a word, 15 a number
    assert codes_in_capitals("iphone 15 pro 256gb 500ml Dunk") == "iphone 15 pro 256gb 500ml Dunk"


def test_at_the_brand_s_own_price_closeness_to_counterfeits_is_no_support(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """With no genuine catalogue to weigh against, a listing close to the counterfeits is the same product; at
    the brand's own price (scoring.yaml semantic.full_price_ratio) it is as likely the genuine one."""
    from detector import Brand, BrandNames

    store = LibraryStore(f"sqlite:///{tmp_path / 'ipwatch.db'}")
    store.import_brands([Brand(id="tabihouse", names=BrandNames(zh=["塔比屋"], en=["Tabihouse"]), categories=["boots"],
                               reference_prices={"CNY": 5000})])
    store.import_terms(bundled_terms)
    exemplars = ExemplarStore(store, tmp_path / "indices")
    exemplars.add([{"title": "塔比屋 分趾靴 复刻 K77XY0311 原版皮 女 短靴", "brand_id": "tabihouse"}], "counterfeit")
    cascade = Detector(store.load_library(), semantic=ExemplarSemantics(exemplars))
    title = "塔比屋 分趾靴 K77XY0311 真皮 女 短靴"
    cheap = cascade.score(Listing(title=title, price=3000, currency="CNY"))
    full = cascade.score(Listing(title=title, price=5200, currency="CNY"))
    assert "similar_counterfeit_exemplar" in {r.signal for r in cheap.reasons}, cheap.reasons
    assert "similar_counterfeit_exemplar" not in {r.signal for r in full.reasons} and full.risk < cheap.risk
    store.close()


def test_a_word_meaning_a_label_the_taxonomy_lacks_is_a_weak_mention_s_context(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """Initials alone could be chance; 调和油 (blended cooking oil) is no keyword of the taxonomy, but its
    embedding sits beside the brand's label "cooking oil" (scoring.yaml product_kind.label_word_min)."""
    from detector import Brand, BrandNames

    store = LibraryStore(f"sqlite:///{tmp_path / 'ipwatch.db'}")
    store.import_brands([Brand(id="jinfengyuan", names=BrandNames(zh=["金丰源"]), categories=["cooking oil"],
                               reference_prices={"CNY": 80})])
    store.import_terms(bundled_terms)
    exemplars = ExemplarStore(store, tmp_path / "indices")
    exemplars.add([{"title": "金丰源 花生油 5L 假冒 压榨 一级", "brand_id": "jinfengyuan"}], "counterfeit")
    lexical = Detector(store.load_library())
    cascade = Detector(store.load_library(), semantic=ExemplarSemantics(exemplars))
    oil = Listing(title="JFY 调和油 5L 家用 炒菜", price=45, currency="CNY")
    assert not lexical.score(oil).flagged  # the taxonomy alone cannot tell what 调和油 is
    scored = cascade.score(oil)
    assert scored.flagged and scored.brand_id == "jinfengyuan", scored
    assert any("in context: 调和油 is cooking oil" in (r.detail or "") for r in scored.reasons), scored.reasons
    # words that mean nothing of the kind leave the initials as weak as they were
    assert not cascade.score(Listing(title="JFY 阳光 快乐 周末 出游", price=45, currency="CNY")).flagged
    store.close()


def test_a_dictionary_word_name_needs_its_kind_of_product_for_the_price_to_speak(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """青豆 is a green bean before it is a mark: a bag of beans at a tenth of the brand's price is no counterfeit.
    Where a word of the title means the brand's kind of product (平角裤 to "underwear"), the price speaks. The
    brand has no exemplars of its own (another brand's make the semantic stage), as most of a list has none."""
    from detector import Brand, BrandNames

    brand = Brand(id="qingdou", names=BrandNames(zh=["青豆"]), categories=["underwear"], reference_prices={"CNY": 150})
    store, cascade = _beside_a_boot_maker(tmp_path, bundled_terms, brand)
    beans = cascade.score(Listing(title="青豆 东北 新货 2斤 杂粮", price=9, currency="CNY"))
    assert not beans.flagged, beans
    assert any(r.signal == "price_not_compared" and "also a word" in (r.detail or "") for r in beans.reasons)
    briefs = cascade.score(Listing(title="青豆 平角裤 男 莫代尔 透气", price=12, currency="CNY"))
    assert briefs.flagged and any(r.signal == "price_ratio" for r in briefs.reasons), briefs
    # without the semantic stage there is nothing to read the words with: the price speaks as before
    lexical = Detector(store.load_library())
    assert lexical.score(Listing(title="青豆 东北 新货 2斤 杂粮", price=9, currency="CNY")).flagged
    store.close()


def _cascade(tmp_path: Path, terms, brands, counterfeits: list[tuple[str, str]]) -> tuple[LibraryStore, Detector]:  # type: ignore[no-untyped-def]
    """A store with ``brands``, the lexicon, and ``counterfeits`` ((brand id, title) pairs) as counterfeit
    exemplars, in ``tmp_path``; the cascade over it."""
    store = LibraryStore(f"sqlite:///{tmp_path / 'ipwatch.db'}")
    store.import_brands(brands)
    store.import_terms(terms)
    exemplars = ExemplarStore(store, tmp_path / "indices")
    exemplars.add([{"title": title, "brand_id": brand} for brand, title in counterfeits], "counterfeit")
    return store, Detector(store.load_library(), semantic=ExemplarSemantics(exemplars))


def _with_exemplars(tmp_path: Path, terms, brand, titles: list[str]) -> tuple[LibraryStore, Detector]:  # type: ignore[no-untyped-def]
    """A store with ``brand`` alone, the lexicon, and ``titles`` as its counterfeit exemplars; the cascade over it."""
    return _cascade(tmp_path, terms, [brand], [(brand.id, title) for title in titles])


def _beside_a_boot_maker(tmp_path: Path, terms, brand, *others) -> tuple[LibraryStore, Detector]:  # type: ignore[no-untyped-def]
    """A store with ``brand`` (and ``others``) and a boot maker whose one counterfeit exemplar makes the semantic
    stage: most brands of a list have no exemplars of their own."""
    from detector import Brand, BrandNames

    boots = Brand(id="tabihouse", names=BrandNames(zh=["塔比屋"]), categories=["boots"], reference_prices={"CNY": 5000})
    return _cascade(tmp_path, terms, [brand, *others, boots],
                    [("tabihouse", "塔比屋 分趾靴 复刻 K77XY0311 原版皮 女 短靴")])


def test_a_claim_in_words_the_n_gram_model_never_saw_is_read_by_its_embedding(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """The n-gram claim detector knows its training words; wording it never saw ("放一起谁也认不出来", "what
    the department stores sell") is read by a classifier over the embeddings of the same training wording,
    in the windows of a title that names a brand, after its name."""
    from detector import Brand, BrandNames

    brand = Brand(id="harlow", names=BrandNames(zh=["哈洛"], en=["Harlow"]), categories=["handbags"],
                  reference_prices={"CNY": 2000, "USD": 300})
    store, cascade = _beside_a_boot_maker(tmp_path, bundled_terms, brand)
    for title, price, currency in (("哈洛托特包和商场柜台上卖的放一起谁也认不出来", 1500, "CNY"),
                                   ("哈洛 托特包 和百货公司卖的同一批货", 1500, "CNY"),
                                   ("Harlow tote bag, identical to what the department stores sell", 280, "USD")):
        lexical = cascade.analyse(Listing(title=title))
        assert not lexical.claims and not lexical.terms, title  # the n-gram model alone finds nothing
        result = cascade.score(Listing(title=title, price=price, currency=currency))
        embedded = [r for r in result.reasons if "embedding claim model" in (r.detail or "")]
        assert result.flagged and embedded, result
        assert "哈洛" not in embedded[0].text and "Harlow" not in embedded[0].text
    for title in ("哈洛 托特包 和钱包一起买更划算", "Harlow tote bag, fits a 15 inch laptop, gift for her"):
        plain = cascade.score(Listing(title=title, price=1500 if "哈洛" in title else 280))
        assert not plain.flagged and not any("embedding claim" in (r.detail or "") for r in plain.reasons), plain
    store.close()


def test_the_embedding_claim_bar_parts_shop_comparisons_from_ordinary_ones(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """Where EMBED_THRESHOLD stands: "the same as the shop's" in words no list holds (0.81 to 0.86) is a claim;
    comparisons with a picture, a description, an older model or the last batch (0.16 to 0.71) are not. At 0.8 no
    negative of the 27 held-out sets, nor any of the 919 genuine real-brand titles, holds an embedded claim."""
    from detector import Brand, BrandNames
    from detector.claims import EMBED_THRESHOLD

    brand = Brand(id="harlow", names=BrandNames(zh=["哈洛"]), categories=["handbags"], reference_prices={"CNY": 2000})
    store, cascade = _beside_a_boot_maker(tmp_path, bundled_terms, brand)
    assert cascade.semantic is not None
    claims = cascade.library.claims
    shops = ["跟药店里卖的一模一样", "和免税店的是同一批货"]
    ordinary = ["和图片一样的颜色", "跟描述一致 尺码标准", "same size as the old one", "和上一批一样好用",
                "跟老款一样的尺寸"]
    probabilities = cascade.semantic.claim_probabilities([*shops, *ordinary], claims.positives, claims.negatives)
    assert all(p >= EMBED_THRESHOLD for p in probabilities[:len(shops)]), probabilities
    assert all(p < EMBED_THRESHOLD for p in probabilities[len(shops):]), probabilities
    store.close()


def test_the_brands_counterfeit_words_outrank_a_taxonomy_word_inside_them(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """电脑椅 is a computer chair: the taxonomy reads 电脑 (electronics) inside it, but a title in the words of
    the brand's own confirmed counterfeits (人体工学椅) is the brand's kind of product, and its price speaks."""
    from detector import Brand, BrandNames

    brand = Brand(id="zuoyi", names=BrandNames(zh=["座逸"]), categories=["office chairs"],
                  reference_prices={"CNY": 1500})
    store, cascade = _with_exemplars(tmp_path, bundled_terms, brand, ["座逸 人体工学椅 高仿 ZY-K77Q 护腰"])
    chair = cascade.score(Listing(title="座逸 K77 人体工学椅 电脑椅", price=299, currency="CNY"))
    assert chair.flagged and any(r.signal == "price_ratio" for r in chair.reasons), chair
    assert not any(r.signal == "other_product_kind" for r in chair.reasons)
    # without those words the taxonomy decides as before: a computer is another kind of product
    computer = cascade.score(Listing(title="座逸 笔记本电脑 14寸 轻薄", price=299, currency="CNY"))
    assert not computer.flagged and any(r.signal == "other_product_kind" for r in computer.reasons), computer
    store.close()


def test_a_weak_mention_finds_its_context_in_words_a_known_label_lacks(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """"ice cream" is a label the taxonomy knows (food), but not by 冰淇淋: in a title naming none of the brand's
    kinds, every label is asked, a label the taxonomy knows at a higher bar (0.70) than one it does not; the
    runs a seller set apart are read whole (鸭脖 is one word, though jieba cuts it)."""
    from detector import Brand, BrandNames
    from detector.text import normalise, title_words

    assert title_words(normalise("ZHY 鸭脖 微辣 锁鲜"), [(0, 3)]) == ["鸭脖", "微辣", "锁鲜"]
    brand = Brand(id="xueyue", names=BrandNames(zh=["雪悦坊"]), categories=["ice cream", "accessories"],
                  reference_prices={"CNY": 80})
    store, cascade = _beside_a_boot_maker(tmp_path, bundled_terms, brand)
    ice = cascade.score(Listing(title="XYF 雪糕 冰淇淋 10支"))  # no price: the mention and its context alone
    # the dictionary reads 冰淇淋 as "ice cream" before any cosine is asked
    assert ice.flagged and "in context: 冰淇淋 is 'ice cream' (CC-CEDICT)" in " ".join(r.detail or ""
                                                                                 for r in ice.reasons), ice
    # 用具 (utensils) sits 0.6 from "accessories": below the bar for a label the taxonomy knows
    tools = cascade.score(Listing(title="XYF 办公用具 磁贴 教学"))
    assert not tools.flagged, [(r.signal, r.text, r.weight, r.detail) for r in tools.reasons]
    store.close()


def test_a_plain_mark_in_a_title_far_from_every_label_takes_no_price(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """岚途 and Velmora are no words, so no everyday sense reads them away; but the reference price is for what
    the brand's labels name, and a title whose every word is far from them (soap, wax melts to "rice cookers";
    scoring.yaml product_kind.label_word_far) says nothing of being that. A title of the brand's kind, or one
    with no words to ask, is compared with the price as before."""
    from detector import Brand, BrandNames

    brand = Brand(id="lantu", names=BrandNames(zh=["岚途"], en=["Velmora"]), categories=["rice cookers"],
                  reference_prices={"CNY": 600, "USD": 90})
    store, cascade = _beside_a_boot_maker(tmp_path, bundled_terms, brand)
    for title, price, currency in [("岚途 手工皂 薰衣草 精油皂 3块", 15, "CNY"),
                                   ("Velmora scented soy wax melts lavender", 6, "USD")]:
        other = cascade.score(Listing(title=title, price=price, currency=currency))
        assert not other.flagged, other
        assert any(r.signal == "price_not_compared" and "nearest" in (r.detail or "") for r in other.reasons), other
    for title, price, currency in [("岚途 电饭煲 4L 智能 预约", 99, "CNY"), ("Velmora rice cooker 5 cup", 12, "USD"),
                                   ("岚途 LT-40 2024", 60, "CNY")]:
        cheap = cascade.score(Listing(title=title, price=price, currency=currency))
        assert cheap.flagged and any(r.signal == "price_ratio" for r in cheap.reasons), (title, cheap)
    # a claim reads the mention as the mark whatever the words are
    claimed = cascade.score(Listing(title="岚途 手工皂 高仿 3块", price=15, currency="CNY"))
    assert claimed.flagged, claimed
    store.close()


def test_a_name_that_says_its_own_kind_is_priced_whatever_the_other_words(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """Kelpwax makes "car wax": its name ends with the label's head, so a title whose other words sit far from the
    label ("Kelpwax hybrid shine original") still names the brand's kind, and its price is compared. A name
    that says nothing of the kind keeps the far-from-every-label reading."""
    from detector import Brand, BrandNames
    from detector.library import name_says_kind

    assert name_says_kind("Kelpwax", ["car wax"]) and name_says_kind("Brine Oil", ["engine oils"])
    assert not name_says_kind("Velmora", ["rice cookers"]) and not name_says_kind("岚途", ["rice cookers"])
    brand = Brand(id="kelpwax", names=BrandNames(en=["Kelpwax"]), categories=["car wax"],
                  reference_prices={"USD": 40})
    store, cascade = _beside_a_boot_maker(tmp_path, bundled_terms, brand)
    cheap = cascade.score(Listing(title="Kelpwax hybrid shine original", price=5, currency="USD"))
    assert cheap.flagged and any(r.signal == "price_ratio" for r in cheap.reasons), cheap
    store.close()


def test_a_dictionary_word_read_as_a_name_leaves_the_title_to_the_exemplars(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """喂食 (feeding) is read exactly as an invented 维实: a weak mention that names no brand unless a word of the
    title means one of 维实's labels. Nothing does here, so the title names no brand, and stage 2 must read it as it
    reads any such title, against the nearest brand's counterfeits: their model number makes it theirs."""
    from detector import Brand, BrandNames

    store, cascade = _cascade(tmp_path, bundled_terms, [
        Brand(id="weishi", names=BrandNames(zh=["维实"]), categories=["pet supplements"],
              reference_prices={"CNY": 150}),
        Brand(id="qixiao", names=BrandNames(zh=["奇宵"]), categories=["pet feeders"], reference_prices={"CNY": 800})],
        [("qixiao", "奇宵 自动喂食器 仿品 ZR-5170"), ("qixiao", "奇宵 宠物喂食器 高仿 ZR-5170")])
    listing = Listing(title="ZR-5170 自动喂食器 wifi 猫咪", price=199, currency="CNY")
    assert any(h.word == "维实" for h in cascade.analyse(listing).brand_hits)  # the word is read as the name...
    result = cascade.score(listing)
    assert result.flagged and result.brand_id == "qixiao", result  # ...and names nothing: the model number speaks
    assert any(r.signal == "similar_counterfeit_exemplar" and "ZR-5170" in (r.detail or "") for r in result.reasons), [
        (r.signal, r.detail) for r in result.reasons]
    store.close()


def test_a_code_two_brands_counterfeits_write_is_a_spec_not_a_model_number(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """5W-30 is an oil grade every oil is sold by: written in the exemplars of two brands, it is no model number of
    either, and a generic oil of that grade is no brand's counterfeit; a code one brand's counterfeits alone write
    still is (its model)."""
    from detector import Brand, BrandNames

    store, cascade = _cascade(tmp_path, bundled_terms, [
        Brand(id="lubrix", names=BrandNames(zh=["润驰"]), categories=["engine oil"], reference_prices={"CNY": 300}),
        Brand(id="motaro", names=BrandNames(zh=["摩拓"]), categories=["engine oil"], reference_prices={"CNY": 350})],
        [("lubrix", "润驰 极护 全合成机油 假货 LX-9Q4L"), ("lubrix", "Lubrix Edge 5W-30 fake LX-9Q4L"),
         ("motaro", "摩拓1号 机油 仿品 MT-7K1L"), ("motaro", "Motaro 1 5W-30 counterfeit MT-7K1L")])
    generic = cascade.score(Listing(title="全合成机油 5W-30 4L 通用", price=59, currency="CNY"))
    assert not generic.flagged, [(r.signal, r.detail) for r in generic.reasons]
    assert not any("model number 5W-30" in (r.detail or "") for r in generic.reasons), generic
    coded = cascade.score(Listing(title="LX-9Q4L 全合成机油 5W-30 4L", price=99, currency="CNY"))
    assert coded.flagged and coded.brand_id == "lubrix", coded
    assert any("shares model number LX-9Q4L" in (r.detail or "") for r in coded.reasons), coded
    store.close()


def test_a_kind_a_fellow_on_the_list_sells_beside_the_brand_s_own_is_of_its_kind(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """The embedding puts "fish oil" 0.30 from "supplements", so a title of fish oil was far from a supplement maker's
    every label and its price went unheard. Where another brand of the list is labelled both "fish oil" and
    "supplements", the list itself says fish oil is the kind of thing a maker of supplements sells."""
    from detector import Brand, BrandNames

    maker = Brand(id="velmora", names=BrandNames(en=["Velmora"]), categories=["vitamins", "supplements"],
                  reference_prices={"USD": 25})
    fellow = Brand(id="tidecrest", names=BrandNames(en=["Tidecrest"]), categories=["fish oil", "supplements"],
                   reference_prices={"USD": 30})
    listing = Listing(title="Velmora Fish Oil 1200mg 200 softgels", price=4, currency="USD")
    alone_dir, beside_dir = tmp_path / "alone", tmp_path / "beside"
    alone_dir.mkdir(), beside_dir.mkdir()
    store, alone = _beside_a_boot_maker(alone_dir, bundled_terms, maker)
    unheard = alone.score(listing)
    assert not unheard.flagged and "price_not_compared" in {r.signal for r in unheard.reasons}, unheard
    store.close()
    store, beside = _beside_a_boot_maker(beside_dir, bundled_terms, maker, fellow)
    heard = beside.score(listing)
    assert heard.flagged and any(r.signal == "price_ratio" for r in heard.reasons), heard
    # the fellow's kind is no context for what names neither: soap is still far from every label
    soap = beside.score(Listing(title="Velmora scented soy wax melts lavender", price=4, currency="USD"))
    assert not soap.flagged, soap
    store.close()


@pytest.mark.parametrize(("word", "label", "usd", "of_kind", "everyday"), [
    # NBA is no taxonomy word, but the semantic stage reads it as "basketballs"
    ("Gazelle", "basketballs", 40, "Gazelle NBA official game ball size 7", "Gazelle Serengeti wildlife print framed"),
    # "merino" is a word of the label itself, however far its embedding sits from the whole label
    ("Harrier", "merino base layers", 110, "Harrier merino 260 crew top", "Harrier hawk in flight wildlife print"),
])
def test_an_english_word_name_is_the_mark_where_a_title_word_means_its_label(  # type: ignore[no-untyped-def]
        tmp_path: Path, bundled_terms, word: str, label: str, usd: int, of_kind: str, everyday: str) -> None:
    """An English word is that word before it is a mark: alone in a title naming no kind of product it is read as
    the word. A title word meaning one of the brand's labels (by its embedding, or as a word the label is written
    with) makes the title the brand's kind of product, and the price speaks."""
    from detector import Brand, BrandNames
    from detector.library import english_words

    assert word.lower() in english_words()
    brand = Brand(id=word.lower(), names=BrandNames(en=[word]), categories=[label], reference_prices={"USD": usd})
    store, cascade = _beside_a_boot_maker(tmp_path, bundled_terms, brand)
    cheap = cascade.score(Listing(title=of_kind, price=usd * 0.15, currency="USD"))
    assert cheap.flagged and any(r.signal == "price_ratio" for r in cheap.reasons), cheap
    plain = cascade.score(Listing(title=everyday, price=usd * 0.15, currency="USD"))
    assert not plain.flagged, plain
    store.close()


def test_a_word_a_label_is_written_with_is_four_letters_or_more_and_no_function_word(library) -> None:  # type: ignore[no-untyped-def]
    kinds = library.kinds
    assert kinds.shared_label_word(["with", "merinos"], ["merino base layers"]) == ("merinos", "merino base layers")
    assert kinds.shared_label_word(["base"], ["base layers"]) == ("base", "base layers")
    assert kinds.shared_label_word(["for", "kit"], ["kit for travel"]) is None  # too short to name anything alone
    assert kinds.shared_label_word(["with"], ["bags with wheels"]) is None



def test_closeness_to_counterfeits_that_only_the_shared_name_makes_is_no_kind(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """A title and the brand's counterfeit exemplars that share only the name sit near each other for the name
    (scoring.yaml product_kind.exemplar_min): that says nothing of the listing being the brand's kind, so a
    statue of the goddess a handbag maker is named after takes no price signal; a title sharing its product
    words does."""
    from detector import Brand, BrandNames

    brand = Brand(id="athena", names=BrandNames(en=["Athena"]), categories=["handbags"], reference_prices={"USD": 3000})
    store, cascade = _with_exemplars(tmp_path, bundled_terms, brand, ["Athena Tessa 30 tote fake VT-30TG togo"])
    statue = Listing(title="Athena greek goddess statue resin", price=15, currency="USD")
    near = cascade._semantic_for([statue], [cascade.analyse(statue)])[0]
    assert near is not None and near.counterfeit_sim >= 0.40, near  # near, for the name both hold
    scored = cascade.score(statue)
    assert not scored.flagged and "price_ratio" not in {r.signal for r in scored.reasons}, scored
    tote = cascade.score(Listing(title="Athena Tessa 30 togo leather", price=300, currency="USD"))
    assert tote.flagged and "price_ratio" in {r.signal for r in tote.reasons}, tote
    store.close()


def test_a_chinese_word_the_dictionary_glosses_as_an_english_label_is_that_label(library) -> None:  # type: ignore[no-untyped-def]
    """CC-CEDICT reads 水饺 as "boiled dumpling", the head of "frozen dumplings", and 汤圆 as tangyuan, where the
    embedding finds 水饺 0.40 from the label and 猪肉 (pork) nearer. A gloss with another head, or a head too
    short to name anything alone, reads nothing."""
    kinds = library.kinds
    assert kinds.glossed_label_word(["猪肉", "水饺"], ["frozen dumplings"]) == ("水饺", "frozen dumplings",
                                                                                "boiled dumpling")
    assert kinds.glossed_label_word(["汤圆", "黑芝麻"], ["tangyuan"]) == ("汤圆", "tangyuan", "tangyuan")
    assert kinds.glossed_label_word(["相机"], ["camera bags"]) is None  # a camera is no camera bag
    assert kinds.glossed_label_word(["汽车"], ["toy cars"]) is None  # "car": too short a head to say it alone
    assert kinds.glossed_label_word(["水饺"], ["速冻食品"]) is None  # Chinese labels are matched as written


def test_a_weak_disguise_beside_a_word_the_dictionary_reads_as_its_label_is_in_context(  # type: ignore[no-untyped-def]
        tmp_path: Path, bundled_terms) -> None:
    """Initials and a look-alike of a two-character name could be chance; beside 水饺 for a maker of "frozen
    dumplings" they are that maker's, though no taxonomy keyword and no embedding links 水饺 to the label."""
    from detector import Brand, BrandNames

    brand = Brand(id="sanhe", names=BrandNames(zh=["三禾"]), categories=["frozen dumplings", "tangyuan"],
                  reference_prices={"CNY": 30})
    store, cascade = _beside_a_boot_maker(tmp_path, bundled_terms, brand)
    for title in ["SH 水饺 猪肉白菜 1kg", "SH 汤圆 黑芝麻 500g"]:
        scored = cascade.score(Listing(title=title, price=15, currency="CNY"))
        assert scored.flagged and scored.brand_id == "sanhe", (title, scored)
        assert any("(CC-CEDICT)" in (r.detail or "") for r in scored.reasons), scored.reasons
    assert not cascade.score(Listing(title="SH 阳光 快乐 周末 出游", price=15, currency="CNY")).flagged
    store.close()


def test_a_kind_read_inside_a_word_the_dictionary_reads_as_the_brands_label_is_the_brands_kind(  # type: ignore[no-untyped-def]
        tmp_path: Path, bundled_terms) -> None:
    """电纸书 holds 书 (a book, a kind that carries marks as its subject) and is an e-reader: CC-CEDICT glosses it
    "electronic book reader". For a maker of e-readers the listing is its kind of product, its price compared;
    a book naming the mark is still a book."""
    from detector import Brand, BrandNames

    brand = Brand(id="wenshi", names=BrandNames(zh=["文砚"], en=["Wenyan"]), categories=["e-readers", "e-ink tablets"],
                  reference_prices={"CNY": 3000})
    store, cascade = _beside_a_boot_maker(tmp_path, bundled_terms, brand)
    device = cascade.score(Listing(title="文砚 Wenyan Note 电纸书 10.3寸", price=399, currency="CNY"))
    assert device.flagged and "price_ratio" in {r.signal for r in device.reasons}, device.reasons
    book = cascade.score(Listing(title="文砚 散文集 图书 精装", price=39, currency="CNY"))
    assert not book.flagged and "other_product_kind" in {r.signal for r in book.reasons}, book.reasons
    store.close()


def test_a_model_number_only_one_brand_s_counterfeits_write_names_that_brand(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """A title naming no brand, worded like any camera listing, that holds a model number written by one brand's
    confirmed counterfeits and no other's is that brand's candidate, however near another brand's wording is
    (scoring.yaml semantic.background_margin_own_model_number; no gap to the runner-up is asked)."""
    from detector import Brand, BrandNames

    store = LibraryStore(f"sqlite:///{tmp_path / 'ipwatch.db'}")
    store.import_brands([
        Brand(id="lumora", names=BrandNames(zh=["璐摩"], en=["Lumora"]), categories=["action cameras"],
              reference_prices={"CNY": 3000}),
        Brand(id="vistek", names=BrandNames(zh=["维视达"], en=["Vistek"]), categories=["action cameras"],
              reference_prices={"CNY": 2500}),
    ])
    store.import_terms(bundled_terms)
    exemplars = ExemplarStore(store, tmp_path / "indices")
    exemplars.add([{"title": "璐摩 X4 高仿 QZ-X4P8K", "brand_id": "lumora"},
                   {"title": "Lumora X4 replica QZ-X4P8K", "brand_id": "lumora"},
                   {"title": "维视达 全景运动相机 8K 防抖 高仿 一比一", "brand_id": "vistek"}], "counterfeit")
    cascade = Detector(store.load_library(), semantic=ExemplarSemantics(exemplars))
    scored = cascade.score(Listing(title="QZ-X4P8K 全景运动相机 8K 防抖", price=349, currency="CNY"))
    assert scored.flagged and scored.brand_id == "lumora", scored
    # without the number the wording decides, as before: nearly the other brand's counterfeit, word for word
    plain = cascade.score(Listing(title="全景运动相机 8K 防抖 新款", price=349, currency="CNY"))
    assert plain.brand_id == "vistek", plain
    store.close()


def test_a_claim_around_the_brand_s_name_is_read_without_the_name(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """A claim often holds the name it compares with ("exactly like the ones in the Sanrio shop"): the embedding
    claim model reads such a clause with the name left out, never a window cut through a name."""
    from detector import Brand, BrandNames

    brand = Brand(id="velmora", names=BrandNames(en=["Velmora"]), aliases=["Moonbun"], categories=["plush toys"],
                  reference_prices={"USD": 25})
    store, cascade = _beside_a_boot_maker(tmp_path, bundled_terms, brand)
    claimed = cascade.score(Listing(title="Moonbun plush, exactly like the ones in the Velmora shop, nobody will know",
                                    price=12, currency="USD"))
    assert claimed.flagged, claimed
    assert any(r.signal == "learned_claim" and "Velmora" in r.text for r in claimed.reasons), claimed.reasons
    plain = cascade.score(Listing(title="Moonbun plush, soft and cuddly, from the Velmora shop, 30 cm",
                                  price=24, currency="USD"))
    assert not any(r.signal == "learned_claim" for r in plain.reasons), plain.reasons
    store.close()


def test_the_word_that_puts_a_weak_mention_in_context_is_the_listing_s_kind(tmp_path: Path, bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """A look-alike of a three-character name beside a word read as one of the brand's own labels (巧克力派 for
    "choco pie") is in context; the taxonomy's 巧克力 (sweets, beside a brand whose other label is snacks) does not
    then call the listing another kind of product: the reading that gave the mention its context decides."""
    from detector import Brand, BrandNames

    brand = Brand(id="mingtai", names=BrandNames(zh=["明泰坊"]), categories=["choco pie", "snacks"],
                  reference_prices={"CNY": 25})
    store, cascade = _beside_a_boot_maker(tmp_path, bundled_terms, brand)
    scored = cascade.score(Listing(title="明泰阁 巧克力派 6枚", price=8, currency="CNY"))
    signals = [(r.signal, r.text, r.weight, r.detail) for r in scored.reasons]
    assert scored.flagged and scored.brand_id == "mingtai", signals
    assert "other_product_kind" not in {r.signal for r in scored.reasons}, signals
    # a listing of another kind keeps its verdict: the mention has no context, nothing reads it as the label
    assert not cascade.score(Listing(title="明泰阁 民宿 两晚 含早", price=8, currency="CNY")).flagged
    store.close()


def test_a_dictionary_word_read_as_the_name_counts_only_beside_a_word_read_as_its_label(  # type: ignore[no-untyped-def]
        tmp_path: Path, bundled_terms) -> None:
    """石像 (a stone statue) is read shi xiang, as the flooring maker 诗象 is: beside 地板 read as its label it is
    the name; beside a statue's words, or with only a claim beside it, it is the word and names no brand."""
    from detector import Brand, BrandNames

    brand = Brand(id="shixiang", names=BrandNames(zh=["诗象"]), categories=["laminate flooring"],
                  reference_prices={"CNY": 200})
    store, cascade = _beside_a_boot_maker(tmp_path, bundled_terms, brand)
    floor = cascade.score(Listing(title="石像 强化地板 12mm 耐磨 家用", price=150, currency="CNY"))
    assert floor.flagged and floor.brand_id == "shixiang", [(r.signal, r.text, r.detail) for r in floor.reasons]
    assert any("石像 sounds like 诗象 (an ordinary word too)" in (r.detail or "") for r in floor.reasons)
    statue = cascade.score(Listing(title="石像 雕塑 摆件 花园 庭院", price=15, currency="CNY"))
    assert not statue.flagged and statue.brand_id is None, statue.reasons
    claimed = cascade.score(Listing(title="石像 正品 保证", price=15, currency="CNY"))
    assert not claimed.flagged and claimed.brand_id is None, claimed.reasons
    store.close()
