"""``ipwatch crawl``: the Scrapy project driven from the command line."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .settings import Settings


def crawl_settings(settings: Settings, out: Path | None, score: bool, polite: bool, allow_private: bool,
                   cache: bool, known_brands: list[str] | None = None, allowed_hosts: list[str] | None = None) -> Any:
    from scrapy.settings import Settings as ScrapySettings

    scrapy_settings = ScrapySettings()
    scrapy_settings.setmodule("crawler.settings", priority="project")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        scrapy_settings.set("FEEDS", {str(out): {"format": "jsonlines", "encoding": "utf8", "overwrite": True}})
    if not polite:  # a local site of our own: no throttling
        scrapy_settings.set("AUTOTHROTTLE_ENABLED", False)
        scrapy_settings.set("DOWNLOAD_DELAY", 0)
        scrapy_settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 16)
    scrapy_settings.set("IPWATCH_ALLOW_PRIVATE", allow_private)
    scrapy_settings.set("IPWATCH_ALLOWED_HOSTS", allowed_hosts or [])
    # The marks on the protection list: a page that states no brand gets the one its title names.
    scrapy_settings.set("IPWATCH_KNOWN_BRANDS", known_brands or [])
    if score:
        scrapy_settings.set("IPWATCH_STORE_URL", settings.resolved_database_url)
        scrapy_settings.set("IPWATCH_SCORE", True)
    if cache:
        scrapy_settings.set("HTTPCACHE_ENABLED", True)
        scrapy_settings.set("HTTPCACHE_DIR", str((settings.home / "httpcache").resolve()))
    if settings.redis_url:  # distributed mode: one frontier and dupe filter shared through Redis
        scrapy_settings.set("SCHEDULER", "scrapy_redis.scheduler.Scheduler")
        scrapy_settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter")
        scrapy_settings.set("SCHEDULER_PERSIST", True)
        scrapy_settings.set("REDIS_URL", settings.redis_url)
        scrapy_settings.set("SCHEDULER_QUEUE_KEY", f"{settings.redis_prefix}:%(spider)s:requests")
        scrapy_settings.set("SCHEDULER_DUPEFILTER_KEY", f"{settings.redis_prefix}:%(spider)s:dupefilter")
    scrapy_settings.set("LOG_LEVEL", "WARNING")
    scrapy_settings.set("LOG_INSTALL_ROOT_HANDLER", False)
    return scrapy_settings


def _protected_names(settings: Settings) -> list[str]:
    """English and Chinese names of the stored protection list (empty when nothing is stored yet)."""
    from feature_store.store import sqlite_file

    from .running import library_store

    path = sqlite_file(settings.resolved_database_url)
    if path is not None and not path.exists():
        return []  # no store here yet: a plain crawl does not create one
    store = library_store(settings)
    try:
        return [name for brand in store.brands() for name in brand.all_names()]
    finally:
        store.close()


def run_crawl(urls: list[str], settings: Settings, out: Path | None = None, score: bool = False,
              max_pages: int = 1000, polite: bool = True, allow_private: bool = False,
              cache: bool = False, allowed_hosts: list[str] | None = None) -> dict[str, Any]:
    """Crawl ``urls`` and return a summary of pages, listings and drops (with reasons)."""
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.product import ProductSpider, ProductSpiderArgs

    ProductSpiderArgs(start_urls=urls, max_pages=max_pages)  # refuse bad arguments before starting Twisted
    process = CrawlerProcess(crawl_settings(settings, out, score, polite, allow_private, cache,
                                            _protected_names(settings), allowed_hosts))
    crawler = process.create_crawler(ProductSpider)
    started = time.perf_counter()
    process.crawl(crawler, start_urls=urls, max_pages=max_pages)
    process.start()
    elapsed = time.perf_counter() - started
    stats = crawler.stats.get_stats()
    pages = int(stats.get("response_received_count", 0))
    return {
        "pages": pages,
        "listings": int(stats.get("item_scraped_count", 0)),
        "dropped": {k.removeprefix("ipwatch/drop/"): v for k, v in stats.items() if k.startswith("ipwatch/drop/")},
        "blocked_private": int(stats.get("ipwatch/blocked/private_address", 0)),
        "refused": list(stats.get("ipwatch/blocked/urls", [])),
        "dns_refused": int(stats.get("downloader/exception_type_count/twisted.internet.error.DNSLookupError", 0)),
        "stored_new": int(stats.get("ipwatch/stored/new", 0)),
        "seconds": round(elapsed, 2),
        "pages_per_s": round(pages / elapsed, 1) if elapsed else None,
    }
