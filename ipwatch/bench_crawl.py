"""``ipwatch bench --suite crawl``: the demo marketplace on loopback, crawled in a real Scrapy process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from feature_store import LibraryStore

CRAWL_PRODUCTS = 500
CRAWL_LIMIT_PAGES_PER_S = 50.0


def crawl_suite(_store: LibraryStore, _size: int, progress: bool) -> dict[str, Any]:
    """Pages per second beside the 50 pages/s goal, with missed and duplicate listings counted."""
    from crawler.demo_shop import build_shop, serve

    with tempfile.TemporaryDirectory() as folder:
        shop = Path(folder) / "shop"
        rows = build_shop(shop, CRAWL_PRODUCTS)
        server, url = serve(shop)
        out = Path(folder) / "listings.jsonl"
        env = {**os.environ, "IPWATCH_HOME": str(Path(folder) / "home")}
        env.pop("IPWATCH_REDIS_URL", None)
        if progress:
            print(f"crawl: {CRAWL_PRODUCTS} products at {url}, politeness off (our own loopback site)")
        try:
            done = subprocess.run([sys.executable, "-W", "ignore", "-m", "ipwatch.cli", "crawl", url, "--out", str(out),
                                   "--max-pages", str(CRAWL_PRODUCTS * 2), "--no-polite", "--allow-private"],
                                  env=env, capture_output=True, text=True, check=True)
        finally:
            server.shutdown()
            server.server_close()
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        urls = [json.loads(line)["url"] for line in out.read_text(encoding="utf-8").splitlines()]
    found = {u.split("/", 3)[3] for u in urls}
    return {
        "crawl_products": len(rows),
        "crawl_pages": summary["pages"],
        "crawl_pages_per_s": summary["pages_per_s"],
        "crawl_limit_pages_per_s": CRAWL_LIMIT_PAGES_PER_S,
        "crawl_missed": sum(1 for r in rows if r["shop_path"].lstrip("/") not in found),
        "crawl_duplicates": len(urls) - len(set(urls)),
    }
