"""The brand knowledge base and catalogue mining: proposals for a sparse list, held until approved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detector import Brand, BrandNames
from feature_store import bundled_protection_list, read_brands
from feature_store.knowledge import BrandKnowledge, mine_product_lines, name_key


def _score(cli, title: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    out = cli("score", "-", "--no-semantic", "--explain", input=json.dumps({"listing_id": "x", "title": title}) + "\n")
    return json.loads(out.output.splitlines()[0])


def test_the_bundled_lists_aliases_and_variants_are_in_the_knowledge_base() -> None:
    knowledge = BrandKnowledge.load()
    for brand in read_brands(bundled_protection_list()):
        entries = knowledge.entries_for(brand)
        assert entries, brand.id
        known = {name_key(text) for entry in entries for text, _ in entry.findings()}
        missing = [w for w in [*brand.aliases, *brand.known_variants] if name_key(w) not in known]
        assert not missing, (brand.id, missing)


def test_a_sparse_list_is_protected_by_known_product_lines_until_an_admin_decides(cli, cli_env: dict[str, str],
                                                                                 tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sparse = tmp_path / "sparse.yaml"
    sparse.write_text("brands:\n  - {id: swoosh, names: {en: [Nike]}, categories: [shoes]}\n", encoding="utf-8")
    imported = cli("brands", "import", str(sparse))
    assert imported.exit_code == 0 and "held for approval" in imported.output
    listed = json.loads(cli("brands", "enrich", "--json").output)
    texts = {p["variant"]: p for p in listed["pending"]}
    assert {"AJ1", "Air Jordan", "耐克"} <= set(texts)  # product lines, and the name in the other language
    assert texts["AJ1"]["kind"] == "kb_product_line" and texts["NlKE"]["kind"] == "kb_knockoff"

    # Undecided knowledge is matched, and says where it comes from; the list itself is unchanged.
    title = "AJ1 纯原 男鞋"
    result = _score(cli, title)
    assert result["brand_id"] == "swoosh" and result["flagged"], result
    line = next(r for r in result["reasons"] if r["text"] == "AJ1")
    assert "knowledge base" in line["detail"]
    assert json.loads(cli("brands", "list", "--json").output)["brands"][0]["aliases"] == []

    # Rejected: never matched again, never proposed again.
    assert cli("variants", "approve", str(texts["AJ1"]["id"]), "--reject").exit_code == 0
    assert _score(cli, title)["brand_id"] is None
    # Approved: on the list, matched as the list's own alias.
    approved = json.loads(cli("brands", "enrich", "--approve-all", "--json").output)
    assert approved["library_version"] and texts["Air Max"]["id"] in approved["approved"]
    brand = json.loads(cli("brands", "list", "--json").output)["brands"][0]
    assert "Air Max" in brand["aliases"] and "NlKE" in brand["known_variants"] and "AJ1" not in brand["aliases"]
    after = _score(cli, "Air Max 90 复刻 男鞋")
    assert after["flagged"] and all("knowledge base" not in (r.get("detail") or "") for r in after["reasons"])
    again = json.loads(cli("brands", "enrich", "--json").output)
    assert again["new"] == 0 and not again["pending"]


def test_the_knowledge_base_can_be_switched_off(cli, cli_env: dict[str, str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sparse = tmp_path / "sparse.yaml"
    sparse.write_text("brands:\n  - {id: swoosh, names: {en: [Nike]}, categories: [shoes]}\n", encoding="utf-8")
    cli_env["IPWATCH_KNOWLEDGE_BASE"] = "false"
    cli("brands", "import", str(sparse))
    assert _score(cli, "AJ1 倒钩 纯原 男鞋")["brand_id"] is None


def test_a_names_table_as_extra_knowledge(cli, cli_env: dict[str, str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    table = tmp_path / "names.csv"
    table.write_text("en,zh\nGlacier Peak,冰峰山\nOther Brand,别的\n", encoding="utf-8")
    sparse = tmp_path / "sparse.json"
    sparse.write_text(json.dumps({"brands": [{"id": "gp", "names": {"en": ["Glacier Peak"]}}]}), encoding="utf-8")
    cli_env["IPWATCH_KNOWLEDGE_FILES"] = str(table)
    cli("brands", "import", str(sparse))
    pending = json.loads(cli("brands", "enrich", "--json").output)["pending"]
    assert [(p["brand_id"], p["variant"], p["kind"]) for p in pending] == [("gp", "冰峰山", "kb_name")]


def test_an_unreadable_knowledge_file_is_named(cli, cli_env: dict[str, str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "kb.yaml"
    bad.write_text("entries:\n  - {aliases: [x]}\n", encoding="utf-8")
    cli_env["IPWATCH_KNOWLEDGE_FILES"] = str(bad)
    result = cli("brands", "enrich")
    assert result.exit_code != 0 and "entry 1: field 'names'" in result.output
    imported = cli("brands", "import", str(bundled_protection_list()))
    assert imported.exit_code != 0 and "entry 1: field 'names'" in imported.output
    cli_env["IPWATCH_KNOWLEDGE_FILES"] = str(tmp_path / "missing.yaml")
    missing = cli("brands", "list")
    assert missing.exit_code != 0 and "no such knowledge file" in missing.output
    cli_env.pop("IPWATCH_KNOWLEDGE_FILES")
    assert json.loads(cli("brands", "list", "--json").output)["brands"] == []  # nothing was stored
    assert cli("brands", "enrich", "--brand", "nobody").exit_code != 0


def _brand(name: str) -> Brand:
    return Brand(id=name.lower(), names=BrandNames(en=[name]))


@pytest.mark.parametrize("words, expected", [
    (["Clifton 9 running shoes", "Clifton 9 wide men", "HOKA Clifton trail", "Bondi 8 shoes"], ["Clifton"]),
    (["X 60ml cream", "X 60ml serum", "X 60ml toner"], []),  # a measure is not a line
    (["X leggings yoga", "X leggings high rise", "X leggings 25 inch"], []),  # an everyday word in lower case
])
def test_product_lines_mined_from_a_brands_listings(words: list[str], expected: list[str]) -> None:
    others = ["Other brand running shoes men", "running shoes women", "yoga leggings set", "wide leg trousers"] * 3
    stop = ["shoes", "running"]
    assert mine_product_lines(_brand("HOKA"), words, others, stop, frozenset({"leggings", "wide", "men"})) == expected


def test_mined_lines_exclude_words_other_brands_use() -> None:
    own = ["Align leggings 25", "Align tank top", "Align shorts"]
    others = ["Align your spine pillow", "Align brace", "Align mat"] + ["plain title"] * 3
    assert mine_product_lines(_brand("lululemon"), own, others) == []


def test_knowledge_that_is_an_ordinary_word_needs_context(bundled_terms) -> None:  # type: ignore[no-untyped-def]
    from detector import Detector, Library, Listing

    cartier = Brand(id="cartier", names=BrandNames(en=["Cartier"]), categories=["jewelry"],
                    reference_prices={"CNY": 50000})
    known = {"cartier": [("Love", "kb_product_line"), ("Juste un Clou", "kb_product_line")]}
    detector = Detector(Library.compile([cartier], bundled_terms, known))
    assert detector.score(Listing(title="Love you forever greeting card", price=10)).brand_id is None
    assert detector.score(Listing(title="Love 手镯 18k 高仿", price=100)).brand_id == "cartier"
    assert detector.score(Listing(title="Juste un Clou bracelet", price=100)).flagged  # a distinctive line


def test_a_riding_word_after_a_line_that_is_an_ordinary_word_is_the_ordinary_phrase(bundled_terms) -> None:  # type: ignore[no-untyped-def]
    from detector import Detector, Library, Listing

    celine = Brand(id="celine", names=BrandNames(en=["Celine"]), categories=["handbags", "bags"],
                   reference_prices={"USD": 450})
    detector = Detector(Library.compile([celine], bundled_terms, {"celine": [("Luggage", "kb_product_line")]}))
    # "luggage style" is a style of luggage (Walmart: a transport case), not brand-riding on Celine's Luggage tote
    case = detector.score(Listing(title="skb cases luggage style transport case", price=115, currency="USD"))
    assert not case.flagged and not any(r.signal == "brand_riding" for r in case.reasons)
    assert any(r.signal == "brand_riding" for r in detector.score(
        Listing(title="Celine style tote bag", price=115, currency="USD")).reasons)


def test_knowledge_that_is_only_words_for_kinds_names_no_line(bundled_terms) -> None:  # type: ignore[no-untyped-def]
    """托特包 (tote bag) is 托特 + 包: a kind of product any brand makes, so it names none of them."""
    from detector import Detector, Library, Listing

    brands = [Brand(id="dior", names=BrandNames(zh=["迪奥"], en=["Dior"]), categories=["bags"]),
              Brand(id="tory_burch", names=BrandNames(zh=["汤丽柏琦"]), categories=["bags"])]
    known = {"dior": [("托特包", "kb_product_line"), ("戴妃包", "kb_product_line")]}
    detector = Detector(Library.compile(brands, bundled_terms, known))
    assert detector.score(Listing(title="汤丽柏琦 托特包 高仿 真皮")).brand_id == "tory_burch"
    assert detector.score(Listing(title="戴妃包 高仿")).brand_id == "dior"


def test_a_known_line_that_is_an_english_word_alone_takes_no_price(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Aviator is a Ray-Ban line in the knowledge base and the name of a style of sunglasses: written alone, the
    listing's price says nothing of Ray-Ban. With the house mark the price is compared as ever."""
    sparse = tmp_path / "sparse.yaml"
    sparse.write_text("brands:\n  - {id: rb, names: {en: [Ray-Ban]}, categories: [sunglasses], "
                      "reference_prices: {USD: 170}}\n", encoding="utf-8")
    assert cli("brands", "import", str(sparse)).exit_code == 0

    def score(title: str) -> dict:  # type: ignore[type-arg]
        line = json.dumps({"listing_id": "x", "title": title, "price": 35, "currency": "USD"})
        return json.loads(cli("score", "-", "--explain", "--model", "rules", input=line + "\n").output.splitlines()[0])

    style = score("polarized aviator sunglasses men")
    assert style["brand_id"] == "rb" and not style["flagged"], style
    why = next(r for r in style["reasons"] if r["signal"] == "price_not_compared")
    assert "English word" in why["detail"]
    marked = score("Ray-Ban aviator sunglasses polarized")
    assert marked["flagged"] and any(r["signal"] == "price_ratio" for r in marked["reasons"]), marked
