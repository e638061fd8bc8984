"""The generic product spider: follows links within the start domains, turns product pages into listings."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlparse

import scrapy
from pydantic import BaseModel, Field, field_validator
from scrapy.linkextractors import LinkExtractor

from ..extract import extract_product
from ..items import ListingItem


class ProductSpiderArgs(BaseModel):
    """Spider arguments, validated: start URLs and a page budget."""

    start_urls: list[str] = Field(min_length=1)
    max_pages: int = Field(default=1000, ge=1)
    platform: str | None = None

    @field_validator("start_urls")
    @classmethod
    def _http(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
                raise ValueError(f"not an http(s) URL: {url!r}")
        return urls


class ProductSpider(scrapy.Spider):
    name = "products"

    def __init__(self, start_urls: list[str] | str = (), max_pages: int | str = 1000, platform: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        urls = start_urls.split(",") if isinstance(start_urls, str) else list(start_urls)
        self.args = ProductSpiderArgs(start_urls=urls, max_pages=int(max_pages), platform=platform)
        self.start_urls = self.args.start_urls
        self.allowed_domains = sorted({urlparse(u).hostname or "" for u in self.start_urls})
        # Same scheme, host and port as a start URL (allow_domains compares host:port with the domain).
        origins = sorted({f"{urlparse(u).scheme}://{urlparse(u).netloc}" for u in self.start_urls})
        self.links = LinkExtractor(allow=[rf"^{re.escape(o)}(/|$)" for o in origins],
                                   deny_extensions=["jpg", "png", "gif", "css", "js", "pdf", "zip"])
        self.pages = 0

    def parse(self, response: scrapy.http.Response, **kwargs: Any) -> Any:
        """Yield a listing for a product page, and requests for links within the start domains."""
        self.pages += 1
        item = self.parse_product(response)
        if item is not None:
            yield item
        else:
            self.crawler.stats.inc_value("ipwatch/pages/not_product")
        if self.pages < self.args.max_pages and isinstance(response, scrapy.http.TextResponse):
            for link in self.links.extract_links(response):
                yield response.follow(link.url, callback=self.parse)

    @cached_property
    def _known_brands(self) -> tuple[str, ...]:
        """The protection list's names the crawl was given (read once; none for a spider without a crawler)."""
        crawler = getattr(self, "crawler", None)
        return tuple(crawler.settings.getlist("IPWATCH_KNOWN_BRANDS")) if crawler is not None else ()

    def parse_product(self, response: scrapy.http.Response) -> ListingItem | None:
        """Pure: a saved response in, a listing item (or None when the page is not a product)."""
        if not isinstance(response, scrapy.http.TextResponse):
            return None
        try:
            product = extract_product(response.text, response.url, self._known_brands)
        except Exception:  # noqa: BLE001 - broken markup is counted, never fatal
            self.crawler.stats.inc_value("ipwatch/drop/broken_markup")
            return None
        if product.price is None or not product.title:
            return None
        host = urlparse(response.url).hostname or "site"
        return ListingItem(
            listing_id=hashlib.sha1(response.url.encode()).hexdigest()[:16], platform=self.args.platform or host,
            title=product.title, description=(product.description or "")[:2000] or None, price=product.price,
            currency=product.currency, seller_name=product.seller_name, url=response.url,
            seller_id=f"{host}:{product.seller_name}" if product.seller_name else None,
            image_urls=product.image_urls[:10], brand=product.brand,
            crawled_at=datetime.now(UTC).isoformat(timespec="seconds"),
            page_hash=hashlib.sha256(response.body).hexdigest(), sources=product.sources,
        )
