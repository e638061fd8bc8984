"""Downloader middleware: never fetch private, loopback or link-local addresses unless allowed."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlparse

from scrapy.exceptions import IgnoreRequest

MAX_REFUSED_KEPT = 20  # refused URLs named in the crawl's summary


class PrivateAddressMiddleware:
    """Refuses requests to hosts that resolve to non-public addresses (SSRF guard)."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    @classmethod
    def from_crawler(cls, crawler):  # type: ignore[no-untyped-def]
        return cls(crawler.settings.getbool("IPWATCH_ALLOW_PRIVATE"))

    def process_request(self, request, spider):  # type: ignore[no-untyped-def]
        if self.allow_private:
            return None
        host = urlparse(request.url).hostname or ""
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
        except OSError:
            return None  # resolution errors are the downloader's to report
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved:
                stats = spider.crawler.stats
                stats.inc_value("ipwatch/blocked/private_address")
                refused = stats.get_value("ipwatch/blocked/urls") or []
                if len(refused) < MAX_REFUSED_KEPT:
                    stats.set_value("ipwatch/blocked/urls", [*refused, f"{request.url} ({ip})"])
                raise IgnoreRequest(f"{host} resolves to a non-public address {ip}")
        return None
