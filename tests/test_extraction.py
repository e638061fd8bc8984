"""Product extraction on real saved pages (Zyte benchmark, MIT; extruct fixtures, BSD) — no network."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler import extract_product
from crawler.benchmark import load_pages, score_pages
from crawler.currency import currency_codes

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def zyte_scores() -> dict:  # type: ignore[type-arg]
    return score_pages(load_pages(FIXTURES / "zyte_product_extraction_benchmark"))


def test_zyte_benchmark_title_and_price(zyte_scores) -> None:  # type: ignore[no-untyped-def]
    assert zyte_scores["pages"] == 140
    assert zyte_scores["title_found"] >= 0.95
    assert zyte_scores["price_currency_match"] >= 0.85


def test_zyte_benchmark_brand(zyte_scores) -> None:  # type: ignore[no-untyped-def]
    assert zyte_scores["brand_match"] >= 0.85  # from the page alone, no list of known marks


def test_zyte_benchmark_brand_with_protection_list(zyte_scores, bundled_brands) -> None:  # type: ignore[no-untyped-def]
    names = [n for b in bundled_brands for n in b.all_names()]
    with_list = score_pages(load_pages(FIXTURES / "zyte_product_extraction_benchmark"), names)
    assert with_list["brand_match"] >= zyte_scores["brand_match"]


@pytest.mark.parametrize(("label", "value"), [("Výrobca", "ANPIX"), ("Производитель", "BEKO"), ("品牌", "耐克"),
                                              ("Proizvajalec", "B&S"), ("Hersteller:", "Bosch")])
def test_brand_from_labelled_rows_in_many_languages(label: str, value: str) -> None:
    html = f"<html><h1>Item</h1><div class='spec'><p>{label}</p><p> {value} </p></div></html>"
    assert extract_product(html, "https://shop.example/p/1").brand == value
    table = f"<html><h1>Item</h1><table><tr><th>{label.upper()}</th><td>{value}</td></tr></table></html>"
    assert extract_product(table, "https://shop.example/p/1").brand == value


@pytest.mark.parametrize(("title", "brand"), [
    ("Телефон сотовый SAMSUNG SM-A015 Galaxy A01", "SAMSUNG"), ("APPLE iMac Pro 27 5K", "APPLE"),
    ("耐克 AJ1 复刻 运动鞋", "耐克"), ("Sonya wall clock", None), ("Lemon ginger paste", None)])
def test_known_brand_named_in_the_title(title: str, brand: str | None) -> None:
    html = f"<html><title>{title}</title><h1>{title}</h1></html>"
    product = extract_product(html, "https://shop.example/p/2", ["Samsung", "Apple", "耐克", "Sony", "LV"])
    assert product.brand == brand
    assert extract_product(html, "https://shop.example/p/2").brand is None  # without a list: no guess


@pytest.mark.parametrize("name", ["custom.invalid_JSONLD_with_JS_comment.html",
                                  "custom.invalid_JSONLD_with_control_characters.html",
                                  "misc_null_ld_mock.html", "schema.org_product.html",
                                  "misc_product_microdata.html", "misc_opengraph_test.html"])
def test_broken_or_partial_markup_never_crashes(name: str) -> None:
    html = (FIXTURES / "extruct" / name).read_text(encoding="utf-8", errors="replace")
    product = extract_product(html, "https://shop.example/item")  # must not raise
    has_heading = "<title" in html.lower() or "<h1" in html.lower() or "og:title" in html
    assert bool(product.title) == has_heading or bool(product.title)


def test_sources_and_currency_codes() -> None:
    html = ('<html><head><script type="application/ld+json">{"@context":"https://schema.org","@type":"Product",'
            '"name":"Nike Air Max 90","brand":{"@type":"Brand","name":"Nike"},"sku":"CN8490-100",'
            '"offers":{"@type":"Offer","price":"899.00","priceCurrency":"CNY"}}</script></head><body></body></html>')
    product = extract_product(html, "https://shop.example/p/1")
    assert (product.title, product.brand, product.price, product.currency) == ("Nike Air Max 90", "Nike", 899.0, "CNY")
    assert product.sources["price"] == "json-ld"
    assert currency_codes("€") == {"EUR"} and "USD" in currency_codes("$") and currency_codes("Lei") == {"RON"}


@pytest.mark.parametrize(("name", "url", "title", "brand"), [
    ("amazon-co-uk_book_1849757097.html", "https://www.amazon.co.uk/dp/1849757097",
     "Vegetable Perfection: 100 delicious recipes for roots, bulbs, shoots and stems", None),
    ("amazon-com_sainsmart_relay_B0057OC5O8.html", "https://www.amazon.com/dp/B0057OC5O8",
     "SainSmart 4-Channel Relay Module", "SainSmart"),
    ("amazon-es_cecotec_windroid.html", "https://www.amazon.es/dp/B0C6Q8YD5M", None, "Cecotec"),
])
def test_amazon_pages_through_the_site_profile(name: str, url: str, title: str | None, brand: str | None) -> None:
    html = (FIXTURES / "amazon" / name).read_text(encoding="utf-8", errors="replace")
    product = extract_product(html, url)
    assert product.sources["title"] == "profile:amazon" and product.price is not None and product.currency
    if title:
        assert product.title == title
    assert product.brand == brand


def test_broken_json_ld_falls_back_to_good_microdata() -> None:
    from crawler.extract import extract_product

    page = """<html><head>
    <script type="application/ld+json">{"@context": "https://schema.org", "@type": "Product", "name": "Broken, </script>
    </head><body><div itemscope itemtype="https://schema.org/Product">
    <h1 itemprop="name">Nike Air Max 90</h1><span itemprop="brand">Nike</span>
    <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
    <span itemprop="price" content="199.00">199.00</span><meta itemprop="priceCurrency" content="CNY"></div>
    </div></body></html>"""
    product = extract_product(page, "https://shop.example/p/1")
    assert (product.title, product.price, product.currency, product.brand) == ("Nike Air Max 90", 199.0, "CNY", "Nike")


def test_json_ld_with_comments_is_read_leniently() -> None:
    from crawler.extract import extract_product

    page = """<html><head><script type="application/ld+json">
    // generated by the shop
    {"@type": "Product", /* the name */ "name": "Tissot PRX 40mm", "brand": {"@type": "Brand", "name": "Tissot"},
     "offers": {"@type": "Offer", "price": "3500", "priceCurrency": "CNY"}}
    </script></head><body></body></html>"""
    product = extract_product(page, "https://shop.example/p/2")
    assert (product.title, product.price, product.brand) == ("Tissot PRX 40mm", 3500.0, "Tissot")
    assert product.sources["title"] == "json-ld"
