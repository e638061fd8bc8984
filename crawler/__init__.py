"""Crawling shop pages into listings: product extraction now; the Scrapy project grows here."""

from .extract import ExtractedProduct, extract_product

__all__ = ["ExtractedProduct", "extract_product"]
