"""Scrapy settings: polite by default (robots.txt, AutoThrottle, one request at a time per domain)."""

BOT_NAME = "ipwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
USER_AGENT = "ipwatch-crawler/0.1 (+infringement monitoring; obeys robots.txt)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 0.5
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024  # a product page larger than this is refused
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
HTTPCACHE_ENABLED = False  # `ipwatch crawl --cache` turns it on for re-crawls
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.RFC2616Policy"
DOWNLOADER_MIDDLEWARES = {"crawler.middlewares.PrivateAddressMiddleware": 60}
ITEM_PIPELINES = {
    "crawler.pipelines.ValidatePipeline": 100,
    "crawler.pipelines.DedupePipeline": 200,
    "crawler.pipelines.StorePipeline": 300,
}
IPWATCH_ALLOW_PRIVATE = False
IPWATCH_ALLOWED_HOSTS: list[str] = []  # private hosts allowed by name (an internal mirror), the rest refused
TWISTED_DNS_RESOLVER = "crawler.resolver.PublicOnlyResolver"
IPWATCH_STORE_URL = None  # a database URL: store (and with IPWATCH_SCORE, score and queue) every listing
IPWATCH_SCORE = False
LOG_LEVEL = "INFO"
