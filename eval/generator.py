"""A seeded generator of labelled listings over a protection list.

Positives cover every evasion family, negatives every hard-negative kind; ``group`` names the
family or kind so that evaluation can break results down. Templates and vocabularies live in
``templates.yaml``. Real genuine titles from ../shared/data are mixed in by ``real_titles``.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from detector import Brand
from detector.library import derived_variants, shape_table
from detector.pinyin import fuzzy_syllable, pinyin_tables

POSITIVE_FAMILIES = (
    "counterfeit_terms", "homophone", "pinyin_initials", "latin_lookalike", "separators",
    "product_line", "brand_riding", "knockoff_mark", "other_claims", "low_price",
)
NEGATIVE_KINDS = ("authorized", "accessory", "homonym", "second_hand", "unlisted_brand", "generic", "genuine_retail")
# Families of variants the detector derives from a name (detector.library.derived_variants), generated after
# the others so that adding them left every earlier row of a seed as it was.
DERIVED_FAMILIES = ("lookalike_char", "mixed_script", "diacritics", "swapped_char")
ACCENTS = {"a": "àáâä", "e": "èéêë", "i": "ìíîï", "o": "òóôö", "u": "ùúûü", "n": "ñ", "c": "ç"}
CJK_NAME = re.compile(r"^[\u4e00-\u9fff]{2,}$")
LATIN_NAME = re.compile(r"^[A-Za-z][A-Za-z .'&-]+$")


@lru_cache(maxsize=1)
def templates() -> dict[str, Any]:
    return yaml.safe_load(resources.files("eval").joinpath("templates.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _homophones() -> dict[str, list[str]]:
    """Fuzzy syllable → common characters read that way (from jieba's single-character words)."""
    import jieba

    tables = pinyin_tables()
    common: list[str] = []
    with resources.files(jieba).joinpath("dict.txt").open(encoding="utf-8") as handle:
        for line in handle:
            word, freq, *_ = line.split(" ")
            if len(word) == 1 and "\u4e00" <= word <= "\u9fff" and int(freq) > 2000:
                common.append(word)
    by_sound: dict[str, list[str]] = {}
    for ch in common:
        readings = tables.readings.get(ch)
        if readings:
            by_sound.setdefault(fuzzy_syllable(readings[0]), []).append(ch)
    return by_sound


def split_of(brand_id: str, listing_key: str) -> str:
    """Deterministic split: brands hashed to train/dev/test, so a test set holds unseen brands."""
    bucket = int(hashlib.sha1(brand_id.encode()).hexdigest(), 16) % 10
    return "train" if bucket < 6 else "dev" if bucket < 8 else "test"


class _Builder:
    def __init__(self, brands: list[Brand], seed: int) -> None:
        self.rng = random.Random(seed)
        self.brands = brands
        self.t = templates()
        self.tables = pinyin_tables()
        self._characters: dict[str, list[str]] = {}  # brand id → the other brands' name characters

    # -- helpers ------------------------------------------------------------------------------

    def pick(self, items: list[Any]) -> Any:
        return items[self.rng.randrange(len(items))]

    def product(self, brand: Brand, lang: str) -> str:
        """A product word of the brand's kind: the templates' words for a category they know, else the
        taxonomy's keywords of the kinds its labels name (a list written elsewhere: "power tools"), else
        the label itself; apparel only for a brand with no category at all."""
        categories = [c for c in brand.categories if c in self.t["products"]]
        if categories:
            return self.pick(self.t["products"][self.pick(categories)][lang])
        words = _kind_words(tuple(brand.categories), lang)
        if words:
            return self.pick(words)
        if brand.categories:
            return self.pick(brand.categories)
        return self.pick(self.t["products"]["apparel"][lang])

    def filler(self, lang: str) -> str:
        return self.pick(self.t["fillers"][lang])

    def price(self, brand: Brand, lang: str, low: float, high: float) -> tuple[float | None, str | None]:
        currency = "CNY" if lang == "zh" else "USD"
        ref = brand.reference_prices.get(currency) or brand.reference_prices.get("CNY")
        if ref is None:
            return None, None
        if currency not in brand.reference_prices:
            currency = "CNY"
        return round(ref * self.rng.uniform(low, high), 2), currency

    def name(self, brand: Brand, lang: str) -> str | None:
        names = brand.names.zh if lang == "zh" else brand.names.en
        return self.pick(names) if names else None

    def row(self, brand: Brand | None, title: str, label: int, group: str, lang: str, **extra: Any) -> dict[str, Any]:
        key = f"{group}-{len(title)}-{self.rng.randrange(10**9)}"
        brand_id = brand.id if brand else None
        row: dict[str, Any] = {
            "listing_id": f"gen-{hashlib.sha1(key.encode()).hexdigest()[:10]}",
            "platform": "synthetic",
            "title": re.sub(r"\s+", " ", title).strip(),
            "label": label,
            "group": group,
            "lang": lang,
            "seller_id": extra.pop("seller_id", f"shop-{self.rng.randrange(1, 5000)}"),
        }
        row["row_split"] = split_of(row["listing_id"], row["listing_id"])  # by row
        if brand_id:
            row["brand_id"] = brand_id
            row["split"] = split_of(brand_id, row["listing_id"])  # by brand: test brands are never trained on
        else:
            row["split"] = row["row_split"]
        row.update({k: v for k, v in extra.items() if v is not None})
        return row

    # -- positives ----------------------------------------------------------------------------

    def counterfeit_terms(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        name = self.name(brand, lang)
        if not name:
            return None
        term = self.pick(self.t["counterfeit_terms"][lang])
        parts = [name, self.product(brand, lang), term, self.filler(lang)]
        self.rng.shuffle(parts[1:])
        return self.row(brand, " ".join(parts), 1, "counterfeit_terms", lang)

    def homophone(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        zh = [n for n in brand.names.zh if CJK_NAME.match(n)]
        if not zh:
            return None
        name = self.pick(zh)
        chars = list(name)
        positions = list(range(len(chars)))
        self.rng.shuffle(positions)
        changed = False
        for pos in positions[: max(1, len(chars) // 2)]:
            readings = self.tables.readings.get(chars[pos])
            if not readings:
                continue
            options = [c for c in _homophones().get(fuzzy_syllable(readings[0]), []) if c != chars[pos]]
            if options:
                chars[pos] = self.pick(options)
                changed = True
        if not changed:
            return None
        title = f"{''.join(chars)} {self.product(brand, 'zh')} {self.filler('zh')}"
        return self.row(brand, title, 1, "homophone", "zh")

    def pinyin_initials(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        zh = [n for n in brand.names.zh if CJK_NAME.match(n)]
        if not zh:
            return None
        initials = self.tables.initials(self.pick(zh))
        if not initials:
            return None
        title = f"{initials.upper()} {self.product(brand, 'zh')} {self.filler('zh')} {self.filler('zh')}"
        return self.row(brand, title, 1, "pinyin_initials", "zh")

    def latin_lookalike(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        latin = [n for n in brand.names.en if LATIN_NAME.match(n) and len(n) >= 4]
        if not latin:
            return None
        name = self.pick(latin)
        style = self.rng.randrange(4)
        chars = list(name)
        letters = [i for i, c in enumerate(chars) if c.isalpha()]
        if style == 0:  # a typo: a doubled letter
            i = self.pick(letters[1:])
            chars.insert(i, chars[i])
        elif style == 1:  # i ↔ l or o ↔ 0
            swaps = {"i": "l", "I": "l", "o": "0", "O": "0", "l": "1", "e": "3"}
            spots = [i for i in letters if chars[i] in swaps]
            if not spots:
                return None
            i = self.pick(spots)
            chars[i] = swaps[chars[i]]
        elif style == 2:  # Cyrillic look-alikes
            spots = [i for i in letters if chars[i].lower() in self.t["cyrillic"]]
            if not spots:
                return None
            for i in spots[:2]:
                chars[i] = self.t["cyrillic"][chars[i].lower()]
        else:  # full-width letters
            chars = [chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in chars]
        forged = "".join(chars)
        return self.row(brand, f"{forged} {self.product(brand, lang)} {self.filler(lang)}", 1, "latin_lookalike", lang)

    def _derived(self, brand: Brand, kind: str) -> dict[str, Any] | None:
        """A Chinese name written as the detector's derivations foresee: a look-alike or doubled character
        (``shape``), or a run of it in pinyin initials or pinyin (``mixed``)."""
        zh = [n for n in brand.names.zh if CJK_NAME.match(n)]
        if not zh:
            return None
        forms = [form for form, made, _how in derived_variants(self.pick(zh), shape_table()) if made == kind]
        if not forms:
            return None
        group = "lookalike_char" if kind == "shape" else "mixed_script"
        return self.row(brand, f"{self.pick(forms)} {self.product(brand, 'zh')} {self.filler('zh')}", 1, group, "zh")

    def lookalike_char(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        return self._derived(brand, "shape")

    def mixed_script(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        return self._derived(brand, "mixed")

    def swapped_char(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        """A Chinese name of three characters or more with one character swapped for a character of another
        listed name (科颜民 for 科颜氏): the seller keeps the look of the mark, not its letters."""
        zh = [n for n in brand.names.zh if CJK_NAME.match(n) and len(n) >= 3]
        if not zh:
            return None
        chars = list(self.pick(zh))
        i = self.rng.randrange(1, len(chars))  # the first character kept, as sellers keep it
        others = [ch for ch in self._name_characters(brand.id) if ch not in chars]
        if not others:
            return None  # a list whose other names hold only this name's characters (a list of two)
        chars[i] = self.pick(others)
        return self.row(brand, f"{''.join(chars)} {self.product(brand, 'zh')} {self.filler('zh')}", 1,
                        "swapped_char", "zh")

    def _name_characters(self, brand_id: str) -> list[str]:
        """The characters of the other listed brands' Chinese names, in a fixed order (computed once per brand)."""
        if brand_id not in self._characters:
            self._characters[brand_id] = sorted({ch for other in self.brands if other.id != brand_id
                                                 for n in other.names.zh if CJK_NAME.match(n) for ch in n})
        return self._characters[brand_id]

    def diacritics(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        latin = [n for n in brand.names.en if LATIN_NAME.match(n) and len(n) >= 4]
        if not latin:
            return None
        chars = list(self.pick(latin))
        spots = [i for i, c in enumerate(chars) if c.lower() in ACCENTS]
        if not spots:
            return None
        i = self.pick(spots)
        accented = self.pick(list(ACCENTS[chars[i].lower()]))
        chars[i] = accented.upper() if chars[i].isupper() else accented
        title = f"{''.join(chars)} {self.product(brand, 'en')} {self.filler('en')}"
        return self.row(brand, title, 1, "diacritics", "en")

    def separators(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        name = self.name(brand, lang)
        if not name or len(name.replace(" ", "")) < 2:
            return None
        sep = self.pick(self.t["decorations"])
        if lang == "en" and " " in name:
            sep = self.pick([".", "-", "*", "·"])
        forged = sep.join(name.replace(" ", ""))
        return self.row(brand, f"{forged} {self.product(brand, lang)} {self.filler(lang)}", 1, "separators", lang)

    def product_line(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        lines = [a for a in brand.aliases if (lang == "zh") == bool(re.search(r"[\u4e00-\u9fff]", a))]
        if not lines:
            return None
        alias = self.pick(lines)
        if self.rng.random() < 0.5:
            price, currency = self.price(brand, lang, 0.05, 0.25)
            if price is None:
                return None
            return self.row(brand, f"{alias} {self.product(brand, lang)} {self.filler(lang)}", 1, "product_line", lang,
                            price=price, currency=currency)
        claim = self.pick(self.t["counterfeit_terms"][lang] + self.t["other_claims"][lang])
        return self.row(brand, f"{alias} {claim} {self.product(brand, lang)}", 1, "product_line", lang)

    def brand_riding(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        name = self.name(brand, lang)
        if not name:
            return None
        term = self.pick(self.t["riding_terms"][lang])
        product = self.product(brand, lang)
        title = f"{name}{term} {product}" if lang == "zh" else f"{name} {term} {product}"
        if lang == "en" and term in ("inspired by", "style of", "alternative to"):
            title = f"{product} {term} {name}"
        return self.row(brand, title, 1, "brand_riding", lang)

    def knockoff_mark(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        if not brand.known_variants:
            return None
        variant = self.pick(brand.known_variants)
        lang = "zh" if re.search(r"[\u4e00-\u9fff]", variant) else "en"
        return self.row(brand, f"{variant} {self.product(brand, lang)} {self.filler(lang)}", 1, "knockoff_mark", lang)

    def other_claims(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        name = self.name(brand, lang)
        if not name:
            return None
        claim = self.pick(self.t["other_claims"][lang])
        title = f"{name} {self.product(brand, lang)} {claim} {self.filler(lang)}"
        return self.row(brand, title, 1, "other_claims", lang)

    def low_price(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        name = self.name(brand, lang)
        price, currency = self.price(brand, lang, 0.03, 0.25)
        if not name or price is None:
            return None
        # A counterfeit names the product line it copies as often as a genuine listing does (古驰 Marmont, 劳力士
        # 迪通拿): were lines only in genuine listings, a model would learn that a named line means genuine.
        line = self.pick(self._lines(brand, lang))
        title = " ".join(p for p in (name, line, self.product(brand, lang), self.filler(lang)) if p)
        return self.row(brand, title, 1, "low_price", lang, price=price, currency=currency)

    @staticmethod
    def _lines(brand: Brand, lang: str) -> list[str]:
        """The brand's product lines in the listing's language, and "" (no line) as often as any one of them."""
        return ["", *(a for a in brand.aliases if (lang == "zh") == bool(re.search(r"[\u4e00-\u9fff]", a)))]

    # -- negatives ----------------------------------------------------------------------------

    def authorized(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        name = self.name(brand, lang)
        if not name or not brand.authorized_sellers:
            return None
        price, currency = self.price(brand, lang, 0.8, 1.6)
        title = self.pick(self.t["authorized"][lang]).format(name=name, product=self.product(brand, lang),
                                                             filler=self.filler(lang))
        return self.row(brand, title, 0, "authorized", lang, seller_id=self.pick(brand.authorized_sellers),
                        price=price, currency=currency)

    def accessory(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        name = self.name(brand, lang)
        if not name:
            return None
        template = self.pick(self.t["accessory_templates"][lang])
        accessory = self.pick(self.t["accessories"][lang])
        title = template.format(name=name, product=self.product(brand, lang), acc=accessory)
        price = round(self.rng.uniform(5, 60), 2)
        return self.row(brand, title, 0, "accessory", lang, price=price, currency="CNY" if lang == "zh" else "USD")

    def homonym(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        options = self.t["homonyms"].get(brand.id, {}).get(lang)
        if not options:
            return None
        title = self.pick(options).format(n=self.rng.randrange(2, 11))
        price = round(self.rng.uniform(5, 60), 2)
        return self.row(None, title, 0, "homonym", lang, price=price, currency="CNY" if lang == "zh" else "USD")

    def second_hand(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        name = self.name(brand, lang)
        price, currency = self.price(brand, lang, 0.35, 0.8)
        if not name or price is None:
            return None
        title = self.pick(self.t["second_hand"][lang]).format(name=name, product=self.product(brand, lang))
        return self.row(brand, title, 0, "second_hand", lang, price=price, currency=currency)

    def unlisted_brand(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        other = self.pick(self.t["unlisted_brands"][lang])
        extra = self.pick(["", self.filler(lang)])
        return self.row(None, f"{other} {self.product(brand, lang)} {extra}", 0, "unlisted_brand", lang)

    def generic(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        title = self.pick(self.t["generic"][lang])
        price = round(self.rng.uniform(9, 300), 2)
        return self.row(None, f"{title} {self.filler(lang)}", 0, "generic", lang, price=price,
                        currency="CNY" if lang == "zh" else "USD")

    def genuine_retail(self, brand: Brand, lang: str) -> dict[str, Any] | None:
        name = self.name(brand, lang)
        # A list gives one reference price per currency, but a brand's cheaper lines sell well below it (a basic
        # quartz watch, a pack of underwear): genuine listings range from 0.3 to 1.5 times the reference.
        price, currency = self.price(brand, lang, 0.3, 1.5)
        if not name:
            return None
        line = self.pick(self._lines(brand, lang)[1:] or [""])
        title = self.pick(self.t["genuine_retail"][lang]).format(
            name=name, alias=line, product=self.product(brand, lang), filler=self.filler(lang),
            filler2=self.filler(lang))
        return self.row(brand, title, 0, "genuine_retail", lang, price=price, currency=currency)


@lru_cache(maxsize=256)
def _kind_words(labels: tuple[str, ...], lang: str) -> list[str]:
    """Keywords, in one language, of the taxonomy kinds the labels name (the brand's own kinds only)."""
    from detector.library import load_product_kinds

    kinds = load_product_kinds()
    known = set(kinds.keywords)
    named = {k for label in labels for k in kinds.kinds_of_label(label, known) if k in known}
    chinese = re.compile(r"[\u4e00-\u9fff]")
    return sorted({w for k in named for w in kinds.keywords[k]
                   if (lang == "zh") == bool(chinese.search(w)) and len(w) >= 2})


def real_negatives(brands: list[Brand], rng: random.Random, limit: int) -> list[dict[str, Any]]:
    """Real marketplace titles (../shared/data, read in place) that name no listed brand, labelled 0."""
    from .real_titles import listed_forms, names_listed_brand, real_titles

    forms = listed_forms(brands)
    pool = []
    for source in ("taobao", "jd", "walmart"):
        for record in real_titles(source):
            if not names_listed_brand(record, forms):
                pool.append((source, str(record["title"])[:300]))
    rng.shuffle(pool)
    return [
        {"listing_id": f"real-{source}-{hashlib.sha1(title.encode()).hexdigest()[:10]}", "platform": source,
         "title": title, "label": 0, "group": "real_titles", "lang": "zh" if source != "walmart" else "en",
         "split": split_of(title, title), "row_split": split_of(title, title)}
        for source, title in pool[:limit]
    ]


def described_products(
    brands: list[Brand], exemplars: list[dict[str, Any]], rng: random.Random, count: int
) -> list[dict[str, Any]]:
    """Listings that name neither the brand nor any alias but describe a product as its exemplars do.

    Each comes from a counterfeit exemplar with every name, alias, variant and claim removed, its
    remaining words reordered and a filler word added: model numbers, nicknames and looks stay.
    """
    from detector.text import normalise_term

    by_id = {b.id: b for b in brands}
    vocabulary = templates()
    claims = [str(t) for lang in ("zh", "en") for key in ("counterfeit_terms", "other_claims", "riding_terms")
              for t in vocabulary[key][lang]]
    usable = [e for e in exemplars if e.get("brand_id") in by_id]
    rows: list[dict[str, Any]] = []
    for attempt in range(count * 5):
        if len(rows) >= count or not usable:
            break
        exemplar = usable[rng.randrange(len(usable))]
        brand = by_id[exemplar["brand_id"]]
        banned = {normalise_term(w) for w in [*brand.all_names(), *brand.aliases, *brand.known_variants, *claims]}
        words = []
        for word in str(exemplar["title"]).split():
            form = normalise_term(word)
            if form and not any(b and (b in form or form in b) for b in banned):
                words.append(word)
        if len(words) < 2:
            continue
        if len(words) > 3:
            words.pop(rng.randrange(len(words)))
        rng.shuffle(words)
        lang = "zh" if re.search(r"[\u4e00-\u9fff]", " ".join(words)) else "en"
        words.append(str(rng.choice(vocabulary["fillers"][lang])))
        title = " ".join(words)
        rows.append({"listing_id": f"gen-desc-{attempt}-{hashlib.sha1(title.encode()).hexdigest()[:8]}",
                     "platform": "synthetic", "title": title, "label": 1, "group": "described_product",
                     "lang": lang, "brand_id": brand.id, "split": split_of(brand.id, title),
                     "row_split": split_of(title, title)})
    return rows


def generate_labelled_set(
    brands: list[Brand], seed: int = 7, per_family: int = 60, real: bool = False,
    exemplars: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Listings labelled 1 (infringes a listed mark) or 0, ``per_family`` per family and kind.

    With ``real``, as many real marketplace titles naming no listed brand are added (group
    ``real_titles``) when ../shared/data is present; with counterfeit ``exemplars``, as many
    ``described_product`` listings derived from them.
    """
    builder = _Builder(brands, seed)
    rows: list[dict[str, Any]] = real_negatives(brands, builder.rng, per_family) if real else []
    if exemplars:
        rows += described_products(brands, exemplars, builder.rng, per_family)
    for group in (*POSITIVE_FAMILIES, *NEGATIVE_KINDS, *DERIVED_FAMILIES):
        make: Callable[[Brand, str], dict[str, Any] | None] = getattr(builder, group)
        made, attempts = 0, 0
        while made < per_family and attempts < per_family * 40:
            attempts += 1
            row = make(builder.pick(brands), builder.pick(["zh", "en"]))
            if row is not None:
                rows.append(row)
                made += 1
    builder.rng.shuffle(rows)
    return rows
