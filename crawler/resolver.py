"""The DNS resolver the crawl connects through: it refuses names that resolve to non-public addresses."""

from __future__ import annotations

from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from .middlewares import AddressPolicy


class PublicOnlyResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, checking the address each connection will use against the policy."""

    policy = AddressPolicy(allow_private=False)

    @classmethod
    def from_crawler(cls, crawler, reactor):  # type: ignore[no-untyped-def]
        resolver = super().from_crawler(crawler, reactor)
        resolver.policy = AddressPolicy.from_settings(crawler.settings)
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:  # noqa: N802 - Twisted's interface
        return super().getHostByName(name, timeout).addCallback(self._public, name)

    def _public(self, address: str, name: str) -> str:
        if self.policy.refuses(name, address):
            raise DNSLookupError(f"{name} resolves to a non-public address {address}; refused (--allow-private)")
        return address
