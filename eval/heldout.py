"""Evaluation sets the project cannot tune itself to: not made by ``eval/generator.py``.

Two kinds:

* the **held-out sets**: ``eval/heldout/`` (set "a") holds a sparse protection list of 30 brands that
  appear in no bundled rule, list, template or exemplar file, hand-written listings for them (every
  evasion family and hard-negative kind, Chinese and English) and a few counterfeit exemplars per
  brand; ``eval/heldout_b/`` (set "b") is a second one, 24 other brands (in no knowledge-base file
  either), written in one pass after the mechanisms were built and never tuned to; ``eval/heldout_c/``
  (set "c") 24 more, several of them everyday words; ``eval/heldout_d/`` (set "d") 18 familiar brands
  the bundled list also protects, sent as a platform would write them (its own ids, category words and
  prices), so that what the bundled files know of those brands does not come with the list;
  ``eval/heldout_e/`` (set "e") 30 more brands absent from every bundled file and every other set,
  several of whose aliases are everyday words, written in one pass before it was first measured;
  ``eval/heldout_f/`` (set "f") 30 more, written the same way after set e's mechanisms were built;
  ``eval/heldout_g/`` (set "g") 30 more (fifth session), written the same way after set f's;
  ``eval/heldout_h/`` (set "h") 30 more after set g's, titles written as marketplaces run them together;
  ``eval/heldout_i/`` (set "i") 30 more (sixth session), everyday household goods beside costlier ones;
  ``eval/heldout_j/`` (set "j") 30 more (seventh session): fittings, frozen food, tools, golf, jeans;
  ``eval/heldout_k/`` (set "k") 30 more (eighth session): laundry, noodles, mattresses, sport, sandals;
  ``eval/heldout_l/`` (set "l") 30 more (eighth session, after set k's mechanisms): pet food, nappies, tea,
  eyewear, pianos, office chairs, candles, chocolate; ``eval/heldout_m/`` (set "m") 30 more (ninth session):
  groceries, lighting, switchgear, menswear, cables, kitchenware, workwear, guitars and studio gear;
  ``eval/heldout_n/`` (set "n") 18 more familiar brands the bundled list protects and set d does not hold, sent
  under a platform's own ids and category words, as set d is; ``eval/heldout_o/`` (set "o") 30 more (tenth
  session): household goods, appliances, televisions, shoes, boots, optics, earbuds, wallets, phone cases;
  ``eval/heldout_p/`` (set "p") 30 more (eleventh session): food and drink, toiletries, floor washers, sofas,
  tiles, cameras, outdoor gear, fitness, toys and baby goods, some sold by the unit against a price for a case;
  ``eval/heldout_q/`` (set "q") 30 more (eleventh session, after set p's mechanisms): umbrellas, toothpaste,
  kitchenware, water heaters, toys, pens, lenses, phone cases, tools and testers; ``eval/heldout_r/`` (set "r")
  30 more (eleventh session, after set q's mechanism), many titles long and stuffed with keywords: shampoo, skin
  care, pads, furniture, projectors, air conditioners, formula, razors, cameras, hubs, boots, kitchen and hand tools;
  ``eval/heldout_s/`` (set "s") 30 more (twelfth session, before its code): vacuum cups, appliances, tea,
  toothpaste, snacks and sweets, stationery and pens, coffee gear, folding bikes and bicycle parts, flashlights,
  knives and pools, with names that are ordinary words (永生, 齐心, 金丝猴, 雷达, Zebra, SRAM, Orion);
  ``eval/heldout_t/`` (set "t") 30 more (twelfth session, after set s's mechanism): wardrobes, flooring, paint,
  tiles, mattresses, kitchen appliances, electric scooters and bikes, road bikes and cycling gear, roof racks,
  lubricants and glue, outdoor clothing; genuine goods sold far below a reference price for the big size;
  ``eval/heldout_u/`` (set "u") 30 more (twelfth session, after set t's mechanisms), mostly English titles: pizza
  ovens, coffee gear, 3D printers, keyboards, streaming and music gear, flossers, hair dryers, power banks, and
  brands' own cheap consumables (filters, nozzles, resin) against the price of their machines;
  ``eval/heldout_v/`` to ``eval/heldout_y/`` (sets "v" to "y") 30 more each (thirteenth session, v before its code,
  each later one after the last one's mechanisms): cashmere, tea, skincare, appliances, smart devices and outdoor
  gear (v); skincare, snacks, supplements, shakes, drinks and yogurt (w); bedding, baby food and gear, pet food,
  supplies and gadgets (x); tyres, engine oil, car care, dash cams, batteries and e-bikes (y);
  ``eval/heldout_z/`` (set "z") 30 more (fourteenth session, before its code): the smart and ordinary home, cameras,
  smart locks, sensors, plugs, switches and sockets, televisions, fridges and washers, fans and heaters, thermostats,
  door locks, showers, lawn and garden, garage door openers, several of whose names are ordinary words (涂鸦, 先锋,
  统帅, 飞雕, 乐橙, siemens, Chamberlain, Leader); ``eval/heldout_aa/`` (set "aa") 30 more (fourteenth session, after
  set z's mechanisms): fishing, swimming, yoga, snow sports, badminton, tennis, table tennis, bicycles, balls, fitness
  and camping, several of whose names are ordinary words (双鱼, 银河, 狂神, 川崎, 海德, arena, molten, Burton, Mikasa);
  ``eval/heldout_ab/`` (set "ab") 30 more (fourteenth session, after its mechanisms): makeup, lip colour, skin care,
  shampoo and hair oil, brushes, palettes and nail polish (Benefit, Origins, Rare Beauty, Urban Decay, Too Faced);
  ``eval/heldout_ac/`` (set "ac") 30 more (fifteenth session, before its code): watches, gold and jewellery, luggage
  and school bags, belts, shoes, flip-flops, jeans and clothing, several of whose names are ordinary words or other
  things (海鸥, 啄木鸟, 天王, 中国黄金, Belle, Daphne, Rossini, DW); ``eval/heldout_ad/`` (set "ad") 30 more (fifteenth
  session, after its first mechanisms): home medical devices, contact and spectacle lenses, whisky, liqueurs, wine,
  beer, baijiu and spirits, several of whose names are ordinary words or other things (鱼跃, 明月, 红星, 罗氏, 海昌,
  Corona, Guinness, Grey Goose, Yellow Tail, Campari); ``eval/heldout_ae/`` (set "ae") 30 more (sixteenth session,
  before its code): over-the-counter medicine, throat lozenges, condoms and plasters, printers, copiers and office
  stationery, several of whose names are ordinary words or other things (修正, 太极, 三金, 白云山, 江中, 广博, Band-Aid,
  Xerox, Okamoto, Leitz); ``eval/heldout_af/`` (set "af") 30 more (seventeenth session, before its code): Japanese
  and Korean skin care, sports nutrition, luggage, toys, cat food, infant formula, bicycles, musical instruments,
  tools, locks, instant noodles, stationery, shoes, watches, art paints and microphones, several of whose names are
  ordinary words or other things (星海, 星辉, 红棉, 王力, 白雪, 双星, 梅花, 人本, 日清, Albion, Competitor, SATA);
  ``eval/heldout_ag/`` (set "ag") 30 more (eighteenth session, before its code): condiments, pickles and bread,
  massage chairs and massagers, gimbals, e-readers, garden and power tools, water purifiers and heaters, hair
  clippers, shavers and styling tools, lipstick, cookware, coffee makers and drippers, camp stoves and silicone
  kitchenware, several of whose names are ordinary words or other things (加加, 乌江, 桃李, 文石, 智云, 沁园, 华尔,
  王守义, Angel, Remington, Conair);
* the **real-brand set**: a protection list built from the brands that real Taobao titles annotate
  (``taobao_ecommerce_ner``) with their English names from ``tangbuy_brand_alias_zh_en``, and the
  real Taobao, JD and Walmart titles that name those brands. They are genuine listings, so the
  flag rate on them should stay low. Both folders are read in place (their licences forbid copying).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from functools import cache
from importlib import resources
from typing import Any

import yaml

from .real_titles import real_titles, shared_data_dir

_CJK = re.compile(r"[\u3400-\u9fff]")


# set "a" is eval/heldout/, every later one eval/heldout_<name>/, in the order written (after z: aa, ab, ..., ag)
HELDOUT_SETS = {"a": "heldout", **{name: f"heldout_{name}" for name in
                                   [*"bcdefghijklmnopqrstuvwxyz", "aa", "ab", "ac", "ad", "ae", "af", "ag"]}}


@cache  # one entry per set of HELDOUT_SETS (an unknown name raises, so is never cached)
def _files(which: str) -> dict[str, Any]:
    if which not in HELDOUT_SETS:
        raise ValueError(f"no held-out set {which!r}; there are {', '.join(HELDOUT_SETS)}")
    folder = resources.files("eval").joinpath(HELDOUT_SETS[which])
    texts = {name: folder.joinpath(f"{name}.yaml").read_text(encoding="utf-8")
             for name in ("brands", "listings", "exemplars")}
    refuse_cut_lines(texts["listings"], f"eval/{HELDOUT_SETS[which]}/listings.yaml")
    return {name: yaml.safe_load(text) for name, text in texts.items()}


_CUT_LINE_RE = re.compile(r"^\s*- [^\"'\s].*\s#")


def refuse_cut_lines(text: str, source: str) -> None:
    """Refuse a listings file where an unquoted line holds " #": YAML reads the rest of the line as a comment and
    would keep a listing cut short without a word ("Melitta #4 cone filters" scored as "Melitta")."""
    for n, line in enumerate(text.splitlines(), 1):
        if _CUT_LINE_RE.match(line):
            raise ValueError(f"{source}, line {n}: ' #' in an unquoted line starts a YAML comment and cuts the title "
                             f"short; quote the line ({line.strip()!r})")


def heldout_brands(which: str = "a") -> list[dict[str, Any]]:
    """A held-out protection list (records in the protection-list contract)."""
    return list(_files(which)["brands"]["brands"])


def heldout_rows(which: str = "a") -> list[dict[str, Any]]:
    """A held-out set's labelled listings (label, brand_id, group), in file order."""
    files = _files(which)
    brand_ids = {str(b["id"]) for b in files["brands"]["brands"]}
    return parse_listings(files["listings"], HELDOUT_SETS[which], brand_ids)


def parse_listings(listings: dict[str, Any], prefix: str, brand_ids: set[str]) -> list[dict[str, Any]]:
    """Rows from a listings file's ``positives`` and ``negatives`` sections of "brand_id|price|title[|seller_id]"
    lines. A line that is not such a string, names a brand the list does not hold or has no number for its price
    is refused with its place in ``eval/<prefix>/listings.yaml``: a title with ": " in it, unquoted, is read by
    YAML as a mapping and would otherwise become a listing titled like a Python dict."""
    rows: list[dict[str, Any]] = []
    source = f"eval/{prefix}/listings.yaml"
    for section, label in (("positives", 1), ("negatives", 0)):
        for group, lines in (listings.get(section) or {}).items():
            for n, line in enumerate(lines or [], 1):
                where = f"{source}: {section}, {group}, line {n}"
                if not isinstance(line, str):
                    raise ValueError(f"{where}: expected a string brand|price|title, YAML read a "
                                     f"{type(line).__name__} ({line!r}); quote a line that holds ': ' or ' #'")
                parts = line.split("|")
                if len(parts) not in (3, 4):
                    raise ValueError(f"{where}: expected brand|price|title[|seller], got {line!r}")
                brand, price, title = (p.strip() for p in parts[:3])
                if brand != "-" and brand not in brand_ids:
                    raise ValueError(f"{where}: brand {brand!r} is not on the set's list")
                if not title:
                    raise ValueError(f"{where}: the title is empty")
                row: dict[str, Any] = {
                    "listing_id": f"{prefix}-{group}-{n}", "platform": "heldout", "title": title,
                    "label": label, "group": group,
                    "currency": "CNY" if _CJK.search(title) else "USD",
                }
                if price != "-":
                    try:
                        row["price"] = float(price)
                    except ValueError:
                        raise ValueError(f"{where}: price {price!r} is not a number (or - for none)") from None
                if brand != "-":
                    row["brand_id"] = brand
                if len(parts) == 4:
                    row["seller_id"] = parts[3].strip()
                rows.append(row)
    return rows


def heldout_exemplars(which: str = "a") -> list[dict[str, Any]]:
    """Counterfeit exemplar listings for some of a held-out set's brands (JSONL rows with a brand_id)."""
    out = []
    for brand, titles in _files(which)["exemplars"]["counterfeit"].items():
        for n, title in enumerate(titles, 1):
            out.append({"listing_id": f"{HELDOUT_SETS[which]}-exemplar-{brand}-{n}", "brand_id": brand,
                        "title": title})
    return out


def real_brand_set(top: int = 60) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A protection list of the ``top`` brands real Taobao titles name most, and the real titles naming them.

    Names: the annotated Chinese brand and, where the Tangbuy table has it, the English name. No
    aliases, categories or prices are made up: a sparse list, as a platform would first write it.
    The titles (label 0, group per source) are every Taobao title annotated with one of those
    brands, and the JD and Walmart titles that name one of them.
    """
    base = shared_data_dir()
    if base is None:
        return [], []
    taobao = real_titles("taobao")
    counts = Counter(b for r in taobao for b in set(r["brands"]) if len(b) >= 2)  # type: ignore[arg-type]
    english: dict[str, str] = {}
    table = base / "tangbuy_brand_alias_zh_en" / "brands_zh_en.csv"
    if table.exists():
        with table.open(encoding="utf-8") as handle:
            for record in csv.DictReader(handle):
                zh = (record.get("brand_chinese_name") or "").strip()
                if zh:
                    english.setdefault(zh.replace(" ", ""), (record.get("brand_english_name") or "").strip())
    brands = []
    chosen: dict[str, str] = {}
    for name, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])):  # ties by name: one set per run
        if len(brands) >= top:
            break
        is_latin = not _CJK.search(name)
        if (is_latin and len(name) < 3) or name.lower() in chosen:
            continue
        brand_id = f"real-{len(brands) + 1:03d}"
        names: dict[str, list[str]] = {"en": [name]} if is_latin else {"zh": [name]}
        if not is_latin and english.get(name):
            names["en"] = [english[name]]
        brands.append({"id": brand_id, "names": names})
        for written in (name, *names.get("en", [])):
            chosen[written.lower()] = brand_id
    rows = []
    for source in ("taobao", "jd", "walmart"):
        for n, record in enumerate(real_titles(source)):
            title = str(record["title"])
            lowered = title.lower()
            annotated = [str(b).lower() for b in record.get("brands", []) or [] if b]  # type: ignore[union-attr]
            hit = next((chosen[b] for b in annotated if b in chosen), None)
            if hit is None and source != "taobao":
                hit = next((bid for name, bid in chosen.items() if len(name) >= 2 and name in lowered), None)
            if hit is not None:
                rows.append({"listing_id": f"real-{source}-{n}", "title": title, "label": 0,
                             "group": f"real_{source}", "brand_id": hit})
    return brands, rows
