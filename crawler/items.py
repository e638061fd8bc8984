"""Scrapy items: a crawled listing in the listing contract, plus evidence for notices."""

import scrapy


class ListingItem(scrapy.Item):
    listing_id = scrapy.Field()
    platform = scrapy.Field()
    title = scrapy.Field()
    description = scrapy.Field()
    price = scrapy.Field()
    currency = scrapy.Field()
    seller_id = scrapy.Field()
    seller_name = scrapy.Field()
    url = scrapy.Field()
    category = scrapy.Field()
    image_urls = scrapy.Field()
    crawled_at = scrapy.Field()
    brand = scrapy.Field()
    page_hash = scrapy.Field()  # SHA-256 of the page as fetched: evidence that the page said this
    sources = scrapy.Field()
