"""The crawler's SSRF guard: never fetch private, loopback or link-local addresses unless allowed.

Checked twice: here, for every request the downloader sees (start URLs, followed links and each redirect
hop, which Scrapy schedules as a new request), naming refused URLs in the crawl summary; and in
``crawler.resolver``, on the address the connection actually uses, so a name that resolves to a public
address for this check and a private one a moment later (DNS rebinding) is still refused.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlparse

from scrapy.exceptions import IgnoreRequest

MAX_REFUSED_KEPT = 20  # refused URLs named in the crawl's summary


def non_public(address: str) -> bool:
    """Loopback, private, link-local, reserved or unspecified: not a shop on the internet."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified \
        or ip.is_multicast


class AddressPolicy:
    """Which hosts may be fetched: public ones, plus private ones only when allowed (all, or by name)."""

    def __init__(self, allow_private: bool, allowed_hosts: Iterable[str] = ()) -> None:
        self.allow_private = allow_private
        self.allowed_hosts = {h.strip().lower() for h in allowed_hosts if h.strip()}

    @classmethod
    def from_settings(cls, settings) -> AddressPolicy:  # type: ignore[no-untyped-def]
        return cls(settings.getbool("IPWATCH_ALLOW_PRIVATE"), settings.getlist("IPWATCH_ALLOWED_HOSTS"))

    def refuses(self, host: str, address: str) -> bool:
        return not self.allow_private and host.lower() not in self.allowed_hosts and non_public(address)


class PrivateAddressMiddleware:
    """Refuses requests to hosts that resolve to non-public addresses (SSRF guard)."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler):  # type: ignore[no-untyped-def]
        return cls(AddressPolicy.from_settings(crawler.settings))

    def process_request(self, request, spider):  # type: ignore[no-untyped-def]
        if self.policy.allow_private:
            return None
        host = urlparse(request.url).hostname or ""
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
        except OSError:
            return None  # resolution errors are the downloader's to report
        for address in sorted(addresses):
            if self.policy.refuses(host, address):
                stats = spider.crawler.stats
                stats.inc_value("ipwatch/blocked/private_address")
                refused = stats.get_value("ipwatch/blocked/urls") or []
                if len(refused) < MAX_REFUSED_KEPT:
                    stats.set_value("ipwatch/blocked/urls", [*refused, f"{request.url} ({address})"])
                raise IgnoreRequest(f"{host} resolves to a non-public address {address}")
        return None
