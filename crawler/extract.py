"""Product extraction from a page: JSON-LD, microdata and RDFa (extruct), OpenGraph, site profiles,
and generic fallbacks. Pure: HTML and URL in, an ExtractedProduct out; broken markup never raises."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlparse

import yaml
from parsel import Selector
from price_parser import Price

from .currency import currency_for_host, to_code


@dataclass
class ExtractedProduct:
    """What a product page says about the product, and where each field came from."""

    title: str | None = None
    price: float | None = None
    currency: str | None = None
    brand: str | None = None
    sku: str | None = None
    description: str | None = None
    seller_name: str | None = None
    image_urls: list[str] = field(default_factory=list)
    availability: str | None = None
    sources: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def fill(self, source: str, **values: Any) -> None:
        """Set fields that are still empty; remember which source gave each."""
        for name, value in values.items():
            if value in (None, "", []) or getattr(self, name) not in (None, "", []):
                continue
            setattr(self, name, value)
            self.sources[name] = source


@lru_cache(maxsize=1)
def site_profiles() -> dict[str, dict[str, Any]]:
    """Per-site CSS/XPath selectors (profiles/*.yaml), keyed by host suffix."""
    profiles: dict[str, dict[str, Any]] = {}
    for entry in resources.files("crawler.profiles").iterdir():
        if entry.name.endswith(".yaml"):
            profile = yaml.safe_load(entry.read_text(encoding="utf-8"))
            for host in profile["hosts"]:
                profiles[host] = profile
    return profiles


def profile_for(url: str) -> dict[str, Any] | None:
    host = (urlparse(url).hostname or "").lower()
    for suffix, profile in site_profiles().items():
        if host == suffix or host.endswith("." + suffix) or re.fullmatch(suffix, host):
            return profile
    return None


def extract_product(html: str, url: str, known_brands: Sequence[str] = ()) -> ExtractedProduct:
    """Everything the page says about its product, best source first.

    ``known_brands``: marks to recognise in the title when the page states no brand (the protection list).
    """
    product = ExtractedProduct()
    selector = Selector(text=html or "<html></html>")
    data = _structured(html, url)
    for item in _products(data.get("json-ld", [])):
        _from_schema(product, item, "json-ld")
    page_brands = {_text(b.get("name")) for b in data.get("json-ld", [])
                   if isinstance(b, dict) and str(b.get("@type", "")).lower() == "brand"} - {None}
    if len(page_brands) == 1:  # a page whose one schema.org Brand entity is its product's brand
        product.fill("json-ld", brand=page_brands.pop())
    for item in data.get("microdata", []):
        if _is_product(item.get("type")):
            _from_schema(product, {**item.get("properties", {}), "@type": "Product"}, "microdata")
    for item in data.get("rdfa", []):
        _from_rdfa(product, item)
    _from_opengraph(product, selector)
    profile = profile_for(url)
    if profile:
        _from_profile(product, selector, profile)
    _fallbacks(product, selector, html)
    if product.brand is None and product.title and known_brands:
        product.fill("title", brand=known_brand_in(product.title, known_brands))
    if product.price is not None and product.currency is None:
        product.fill("domain", currency=currency_for_host(urlparse(url).netloc))
    if product.brand:
        product.brand = clean_brand(product.brand)
    return product


_BRAND_PREFIX = re.compile(
    r"^.*?(?:\bbrand|\bmarca|\bmarke|\bmarque|\bmerk|značka|бренд|производитель|品牌|廠牌|ブランド)\s*[:：]\s*", re.I)
_BRAND_NOISE = re.compile(
    r"^(?:visit the|besuchen sie den|visita lo store di|visiter la boutique|visita la tienda de)\s+"
    r"|[-\s](?:store|shop|boutique)$", re.I)


_PLACEHOLDER = re.compile(r"^\$\w+$|\{\{|\}\}|<%|%>|\$\{")


def clean_brand(value: str) -> str | None:
    """'Visit the WELEDA Store', 'Ver mais artigos da Marca: Panasonic' → the brand itself."""
    text = _BRAND_PREFIX.sub("", value.strip())
    for _ in range(2):
        text = _BRAND_NOISE.sub("", text).strip()
    if _PLACEHOLDER.search(text):
        return None  # a template variable the shop never filled in ($metabrand, {{ brand }})
    return text[:80] or None


def _structured(html: str, url: str) -> dict[str, Any]:
    import extruct

    data: dict[str, Any] = {}
    for syntax in ("json-ld", "microdata", "rdfa"):
        try:
            data.update(extruct.extract(html, base_url=url, syntaxes=[syntax], uniform=False, errors="ignore"))
        except Exception:  # noqa: BLE001 - one broken syntax must not hide the others
            data[syntax] = []
    if not data.get("json-ld"):
        data["json-ld"] = _lenient_json_ld(html)
    return data


_JS_COMMENTS = re.compile(r"/\*.*?\*/|^\s*//.*$", re.S | re.M)  # block comments, and lines that are comments


def _lenient_json_ld(html: str) -> list[Any]:
    """JSON-LD blocks that strict parsing refused (comments, control characters)."""
    out = []
    for block in re.findall(r'<script[^>]+application/ld\+json[^>]*>(.*?)</script>', html, re.S | re.I):
        cleaned = _JS_COMMENTS.sub("", block)
        cleaned = re.sub(r"[\x00-\x1f]", " ", cleaned)
        try:
            out.append(json.loads(cleaned))
        except ValueError:
            continue
    return out


def _is_product(kind: Any) -> bool:
    kinds = kind if isinstance(kind, list) else [kind]
    return any(str(k).rsplit("/", 1)[-1] in ("Product", "ProductGroup", "IndividualProduct") for k in kinds if k)


def _products(blocks: list[Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if _is_product(node.get("@type")):
                found.append(node)
            for key in ("@graph", "mainEntity", "itemListElement", "item"):
                if key in node:
                    walk(node[key])

    walk(blocks)
    return found


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("value")
    if value is None:
        return None
    text = re.sub(r"\s+", " ", str(value)).strip()
    return text or None


def _price(value: Any) -> tuple[float | None, str | None]:
    text = _text(value)
    if text is None:
        return None, None
    parsed = Price.fromstring(text)
    return (float(parsed.amount) if parsed.amount is not None else None), parsed.currency


def _from_schema(product: ExtractedProduct, item: dict[str, Any], source: str) -> None:
    offers = item.get("offers") or item.get("Offers")
    offer_list = offers if isinstance(offers, list) else [offers] if offers else []
    price = currency = availability = seller = None
    for offer in offer_list:
        if not isinstance(offer, dict):
            continue
        inner = offer.get("offers") if isinstance(offer.get("offers"), (list, dict)) else None
        if inner and price is None:
            inner_first = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner_first, dict):
                offer = {**inner_first, **{k: v for k, v in offer.items() if k != "offers"}}
        spec = offer.get("priceSpecification")
        spec = spec[0] if isinstance(spec, list) and spec else spec
        spec = spec if isinstance(spec, dict) else {}
        amount, symbol = _price(offer.get("price") or offer.get("lowPrice") or spec.get("price"))
        if amount is not None and price is None:
            price = amount
            currency = _text(offer.get("priceCurrency")) or _text(spec.get("priceCurrency")) or to_code(symbol)
        availability = availability or _text(offer.get("availability"))
        seller = seller or _text(offer.get("seller"))
    brand = item.get("brand") or item.get("manufacturer")
    images = item.get("image")
    images = images if isinstance(images, list) else [images]
    image_list = [i.get("url") if isinstance(i, dict) else i for i in images]
    product.fill(source, title=_text(item.get("name")), price=price, currency=_normal_code(currency),
                 brand=_text(brand), sku=_text(item.get("sku") or item.get("mpn")),
                 description=_text(item.get("description")), seller_name=seller,
                 image_urls=[str(i) for i in image_list if i], availability=availability)


LEGACY_CODES = {"RUR": "RUB", "NIS": "ILS", "RMB": "CNY"}


def _normal_code(currency: str | None) -> str | None:
    if not currency:
        return None
    if len(currency) == 3 and currency.isalpha():
        return LEGACY_CODES.get(currency.upper(), currency.upper())
    return to_code(currency) or currency


def _from_rdfa(product: ExtractedProduct, item: dict[str, Any]) -> None:
    def first(*keys: str) -> str | None:
        for key in keys:
            for k, v in item.items():
                if k.endswith(key):
                    return _text(v[0] if isinstance(v, list) else v)
        return None

    kinds = item.get("@type") or []
    if any(str(k).endswith("Product") for k in (kinds if isinstance(kinds, list) else [kinds])):
        amount, _ = _price(first("/price", ":price"))
        product.fill("rdfa", title=first("/name", ":name"), price=amount,
                     currency=_normal_code(first("priceCurrency")), brand=first("/brand", ":brand"))


def _meta(selector: Selector, *names: str) -> str | None:
    for name in names:
        value = selector.xpath(f'//meta[@property="{name}" or @name="{name}" or @itemprop="{name}"]/@content').get()
        if value and value.strip():
            return value.strip()
    return None


def _from_opengraph(product: ExtractedProduct, selector: Selector) -> None:
    amount, symbol = _price(_meta(selector, "product:price:amount", "og:price:amount", "price"))
    currency = _meta(selector, "product:price:currency", "og:price:currency", "priceCurrency")
    product.fill("opengraph", title=_meta(selector, "og:title"), price=amount,
                 currency=_normal_code(currency) or to_code(symbol),
                 brand=_meta(selector, "product:brand", "og:brand", "brand"),
                 image_urls=[u for u in [_meta(selector, "og:image")] if u],
                 description=_meta(selector, "og:description", "description"))


def _select(selector: Selector, queries: list[str] | str | None) -> str | None:
    for query in [queries] if isinstance(queries, str) else (queries or []):
        if query.startswith("/") or query.startswith("("):
            values = selector.xpath(query).getall()
        else:
            values = selector.css(query).getall()
        text = " ".join(re.sub(r"<[^>]+>", " ", v) for v in values[:1]).strip()
        text = re.sub(r"\s+", " ", text)
        if text:
            return text
    return None


def _from_profile(product: ExtractedProduct, selector: Selector, profile: dict[str, Any]) -> None:
    fields = profile.get("fields", {})
    amount, symbol = _price(_select(selector, fields.get("price")))
    brand = _select(selector, fields.get("brand"))
    if brand:
        for pattern in profile.get("brand_cleanup", []):
            brand = re.sub(pattern, "", brand, flags=re.I).strip()
    product.fill(f"profile:{profile['name']}", title=_select(selector, fields.get("title")), price=amount,
                 currency=_normal_code(_select(selector, fields.get("currency"))) or to_code(
                     symbol, profile.get("currency_hint")),
                 brand=brand or None, seller_name=_select(selector, fields.get("seller")))


_PRICE_NODES = ('[itemprop="price"]', '[class*="price" i]', '[id*="price" i]', '[data-price]')


# The label of a spec row or definition list that names the brand or maker, in the languages of the
# shops we crawl (lower case, without the colon).
_BRAND_LABELS = (
    "brand", "brand name", "manufacturer", "maker", "make",
    "marca", "marke", "marque", "merk", "märke", "merke", "marchio", "marka", "márka", "marcă", "zīmols",
    "kaubamärk", "značka", "znamka", "blagovna znamka", "prekės ženklas",
    "hersteller", "fabricante", "fabricant", "produttore", "producent", "výrobca", "výrobce", "proizvajalec",
    "proizvođač", "gyártó", "producător", "valmistaja", "tillverkare", "produsent", "fabrikant", "üretici",
    "бренд", "марка", "производитель", "виробник", "производител", "κατασκευαστής", "μάρκα",
    "品牌", "廠牌", "牌子", "制造商", "製造商", "生产商", "生產商", "厂商", "廠商",
    "ブランド", "メーカー", "브랜드", "제조사",
)
_LABEL_SET = frozenset(_BRAND_LABELS)
_LABEL_RANK = {"th": 0, "dt": 1, "td": 2}  # a spec table's header cell first, then lists, then inline labels
_INLINE_BRAND = re.compile(r'"brand(?:Name)?"\s*:\s*(?:"([^"\\]{2,60})"|\{[^{}]*?"name"\s*:\s*"([^"\\]{2,60})")')


def _labelled_brand(selector: Selector) -> str | None:
    """A spec row or definition list whose label says brand or maker: <th>Brand</th><td>Bosch</td>.

    One pass over the page's text nodes (a label is a short text of its own), then the label's next
    element (or its cell's next cell) is the value.
    """
    found: list[tuple[int, int, str]] = []
    for order, text in enumerate(selector.root.xpath("//text()[string-length(normalize-space()) < 40]")):
        if getattr(text, "is_tail", False) or text.strip().rstrip(":：").strip().lower() not in _LABEL_SET:
            continue
        element = text.getparent()
        for holder in (element, element.getparent()):  # the label itself, or the cell it sits in
            if holder is None or not isinstance(holder.tag, str) or holder.tag == "a":
                break  # a link is prose or navigation ("… our brands, third-party companies …"), not a label
            value_element = holder.getnext()
            while value_element is not None and not isinstance(value_element.tag, str):
                value_element = value_element.getnext()
            if value_element is None:
                continue
            value = " ".join(t.strip() for t in value_element.itertext() if t.strip())
            if value and len(value) <= 60:
                found.append((_LABEL_RANK.get(holder.tag, 3), order, value))
                break
    return min(found)[2] if found else None


def known_brand_in(title: str, names: Sequence[str]) -> str | None:
    """The first of ``names`` (known marks, e.g. the protection list) that ``title`` names, as the title spells it.

    Latin names count as whole words (Samsung in "Телефон SAMSUNG SM-A015", not "Sony" in "Sonya"),
    names in Chinese as they stand; names under three characters are too ambiguous to count.
    """
    found = [m for pattern in _name_patterns(tuple(names)) if (m := pattern.search(title))]
    return min(found, key=lambda m: m.start()).group() if found else None


@lru_cache(maxsize=8)
def _name_patterns(names: tuple[str, ...]) -> list[re.Pattern[str]]:
    """One compiled pattern per usable name, built once per list of names (a crawl passes the same list)."""
    patterns = []
    for name in (n.strip() for n in names):
        if len(name) < 3 and not any("\u4e00" <= ch <= "\u9fff" for ch in name) or len(name) < 2:
            continue
        pattern = re.escape(name).replace(r"\ ", r"[\s-]+")
        if name.isascii():
            pattern = rf"(?<![^\W_]){pattern}(?![^\W_])"
        patterns.append(re.compile(pattern, re.I))
    return patterns


def _fallbacks(product: ExtractedProduct, selector: Selector, html: str) -> None:
    title = _select(selector, ["h1", "title"])
    product.fill("fallback", title=title)
    if product.brand is None:
        brand = _select(selector, ['[itemprop="brand"] [itemprop="name"]::text', '[itemprop="brand"]::attr(content)',
                                   '[itemprop="brand"]::text']) or _labelled_brand(selector)
        if brand is None:  # a data layer naming one brand, and only one (a page of many products names many)
            named = {(a or b).strip() for a, b in _INLINE_BRAND.findall(html)}
            brand = named.pop() if len({n.lower() for n in named}) == 1 else None
        product.fill("fallback", brand=brand)
    if product.price is None:
        for query in _PRICE_NODES:
            for node in selector.css(query)[:8]:
                raw = (node.attrib.get("content") or node.attrib.get("data-price")
                       or " ".join(node.css("::text").getall()))
                parsed = Price.fromstring(raw[:80])
                if parsed.amount is not None and parsed.amount > 0:
                    product.fill("fallback", price=float(parsed.amount), currency=to_code(parsed.currency))
                    break
            if product.price is not None:
                break
    if product.currency is None and product.price is not None:
        symbol = _meta(selector, "priceCurrency", "currency")
        product.fill("fallback", currency=_normal_code(symbol) or _printed_currency(selector, product.price))


def _printed_currency(selector: Selector, amount: float) -> str | None:
    """The currency printed beside the same amount on the page (£5,100.00 for a bare 5100)."""
    for query in _PRICE_NODES:
        for node in selector.css(query)[:20]:
            parsed = Price.fromstring(" ".join(node.css("::text").getall())[:80])
            if parsed.amount is not None and abs(float(parsed.amount) - amount) < 0.011 and parsed.currency:
                return to_code(parsed.currency)
    return None
