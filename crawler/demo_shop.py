"""A small static marketplace for demos and tests: Chinese and English pages, three kinds of markup
(JSON-LD, microdata only, and plain HTML that needs the site profile), paginated category pages, and
genuine, counterfeit and accessory listings drawn from the labelled-set generator."""

from __future__ import annotations

import html
import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PER_PAGE = 20


def build_shop(folder: Path, products: int = 500, seed: int = 11) -> list[dict[str, Any]]:
    """Write the shop into ``folder``; returns the listings it sells (with their labels)."""
    from eval import generate_labelled_set
    from feature_store import bundled_protection_list, read_brands

    brands = read_brands(bundled_protection_list())
    rows = []
    per_family = max(1, products // 17 + 1)
    while len(rows) < products:
        rows += [r for r in generate_labelled_set(brands, seed=seed + len(rows), per_family=per_family)
                 if r.get("price") is not None]
    rows = rows[:products]
    (folder / "p").mkdir(parents=True, exist_ok=True)
    (folder / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    for i, row in enumerate(rows):
        row["shop_path"] = f"/p/{i}.html"
        (folder / "p" / f"{i}.html").write_text(_product_page(i, row), encoding="utf-8")
    pages = (len(rows) + PER_PAGE - 1) // PER_PAGE
    for page in range(pages):
        items = rows[page * PER_PAGE:(page + 1) * PER_PAGE]
        links = "".join(f'<li><a href="{r["shop_path"]}">{html.escape(r["title"])}</a></li>' for r in items)
        nav = (f'<a class="next" href="/list/{page + 1}.html">下一页 / next</a>' if page + 1 < pages else "")
        body = f"<h1>ipwatch 演示商城 / demo shop — page {page + 1}</h1><ul>{links}</ul>{nav}"
        path = folder / ("index.html" if page == 0 else f"list/{page}.html")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_page("ipwatch demo shop", body), encoding="utf-8")
        if page == 0:
            (folder / "list").mkdir(exist_ok=True)
            (folder / "list" / "0.html").write_text(_page("ipwatch demo shop", body), encoding="utf-8")
    return rows


def _page(title: str, body: str, head: str = "") -> str:
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"{head}</head><body>{body}</body></html>")


def _product_page(i: int, row: dict[str, Any]) -> str:
    title, price, currency = row["title"], row["price"], row.get("currency") or "CNY"
    seller = row.get("seller_id", "shop")
    style = i % 3
    if style == 0:  # JSON-LD
        data = {"@context": "https://schema.org", "@type": "Product", "name": title, "sku": f"DS-{i}",
                "offers": {"@type": "Offer", "price": f"{price:.2f}", "priceCurrency": currency,
                           "seller": {"@type": "Organization", "name": seller}}}
        head = f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
        return _page(title, f"<h1>{html.escape(title)}</h1><p>店铺 / seller: {html.escape(seller)}</p>", head)
    if style == 1:  # microdata only
        body = (f'<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">{html.escape(title)}</h1>'
                f'<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
                f'<span itemprop="price" content="{price:.2f}">{price:.2f}</span>'
                f'<meta itemprop="priceCurrency" content="{currency}"></div></div>')
        return _page(title, body)
    body = (f'<div class="goods"><h2 class="goods-title">{html.escape(title)}</h2>'  # needs the site profile
            f'<div class="goods-price" data-currency="{currency}">{price:.2f}</div>'
            f'<div class="goods-shop">{html.escape(seller)}</div></div>')
    return _page("商品详情 / item", body)


def serve(folder: Path, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Serve ``folder`` on loopback in a background thread; returns the server and its base URL."""
    handler = partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass
