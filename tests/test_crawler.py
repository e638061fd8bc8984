"""The crawler: parse callbacks on saved responses, the SSRF guard, and a real crawl of the demo shop."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.demo_shop import build_shop, serve
from crawler.spiders.product import ProductSpider

FIXTURES = Path(__file__).parent / "fixtures" / "zyte_product_extraction_benchmark"


def spider_for(url: str) -> ProductSpider:
    crawler = get_crawler(ProductSpider)
    spider = ProductSpider.from_crawler(crawler, start_urls=[url])
    return spider


def test_parse_product_on_a_saved_page() -> None:
    truth = json.loads((FIXTURES / "ground-truth.json").read_text(encoding="utf-8"))
    page_id, expected = next((k, v) for k, v in sorted(truth.items()) if "johnlewis" in v["url"] and v.get("price"))
    body = gzip.decompress((FIXTURES / "html" / f"{page_id}.html.gz").read_bytes())
    response = HtmlResponse(url=expected["url"], body=body, encoding="utf-8")
    item = spider_for(expected["url"]).parse_product(response)
    assert item is not None and item["title"] and item["url"] == expected["url"]
    assert abs(item["price"] - float(expected["price"][0])) < 0.011 and item["currency"] == "GBP"
    assert len(item["page_hash"]) == 64 and item["crawled_at"]


def test_non_product_pages_and_bad_arguments() -> None:
    response = HtmlResponse(url="https://shop.example/about", body=b"<html><h1>About us</h1></html>")
    assert spider_for("https://shop.example/").parse_product(response) is None
    with pytest.raises(ValueError, match="not an http"):
        spider_for("ftp://shop.example/")


def test_crawl_of_the_demo_shop(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    rows = build_shop(shop, products=120)
    server, url = serve(shop)
    home = tmp_path / "home"
    env = {**os.environ, "IPWATCH_HOME": str(home)}
    env.pop("IPWATCH_DATABASE_URL", None)
    cli = [sys.executable, "-W", "ignore", "-m", "ipwatch.cli"]
    try:
        blocked = subprocess.run([*cli, "crawl", url, "--max-pages", "5"], env=env, capture_output=True, text=True)
        assert blocked.returncode != 0  # loopback refused: nothing crawled is a failure, naming URL and flag
        assert json.loads(blocked.stdout.strip().splitlines()[-1])["blocked_private"] >= 1
        assert url in blocked.stderr and "--allow-private" in blocked.stderr, blocked.stderr
        subprocess.run([*cli, "brands", "import", "feature_store/data/protection_list.yaml"], env=env, check=True,
                       capture_output=True, cwd=Path(__file__).parent.parent)
        out = tmp_path / "listings.jsonl"
        done = subprocess.run([*cli, "crawl", url, "--out", str(out), "--max-pages", "1000", "--no-polite",
                               "--allow-private", "--score"], env=env, capture_output=True, text=True, check=True)
    finally:
        server.shutdown()
        server.server_close()
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    listings = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert summary["listings"] == len(rows) == len(listings) == summary["stored_new"]  # no page missed
    assert len({x["url"] for x in listings}) == len(listings)  # no duplicate listing
    by_path = {x["url"].split("/", 3)[3]: x for x in listings}
    for row in rows[:30]:
        got = by_path[row["shop_path"].lstrip("/")]
        assert got["title"] == row["title"] and abs(got["price"] - row["price"]) < 0.011


def test_distributed_frontier_in_redis(tmp_path: Path) -> None:
    url_env = os.environ.get("IPWATCH_TEST_REDIS_URL")
    if not url_env:
        pytest.skip("IPWATCH_TEST_REDIS_URL is not set: no Redis server to test the shared frontier against")
    import redis

    client = redis.Redis.from_url(url_env)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis at {url_env} is not reachable: {exc}")
    prefix = f"ipwatch-test-{os.getpid()}"
    shop = tmp_path / "shop"
    rows = build_shop(shop, products=40)
    server, url = serve(shop)
    env = {**os.environ, "IPWATCH_HOME": str(tmp_path / "home"), "IPWATCH_REDIS_URL": url_env,
           "IPWATCH_REDIS_PREFIX": prefix}
    cli = [sys.executable, "-W", "ignore", "-m", "ipwatch.cli", "crawl", url, "--no-polite", "--allow-private"]
    try:
        first = subprocess.run([*cli, "--out", str(tmp_path / "a.jsonl")], env=env, capture_output=True, text=True,
                               check=True)
        second = subprocess.run([*cli, "--out", str(tmp_path / "b.jsonl")], env=env, capture_output=True, text=True,
                                check=True)
        seen = client.scard(f"{prefix}:products:dupefilter")
    finally:
        server.shutdown()
        server.server_close()
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()
    assert json.loads(first.stdout.strip().splitlines()[-1])["listings"] == len(rows)
    assert json.loads(second.stdout.strip().splitlines()[-1])["listings"] == 0  # every page already in the frontier
    assert seen >= len(rows)


def test_private_address_guard_after_redirects_and_at_connection(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A public page redirecting to a private address is refused at the hop; so is a name whose address turns
    private when the connection resolves it (DNS rebinding), unless that host is allowed by name."""
    from scrapy import Request
    from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import Response
    from scrapy.resolver import CachingThreadedResolver, dnscache
    from scrapy.utils.test import get_crawler
    from twisted.internet import defer
    from twisted.internet.error import DNSLookupError

    from crawler.middlewares import PrivateAddressMiddleware
    from crawler.resolver import PublicOnlyResolver
    from crawler.spiders.product import ProductSpider

    crawler = get_crawler(ProductSpider, {"IPWATCH_ALLOW_PRIVATE": False})
    spider = crawler._create_spider(start_urls=["http://93.184.215.14/"])
    crawler.spider = spider
    crawler.stats.open_spider()
    start = Request("http://93.184.215.14/item/1")
    hop = Response(start.url, status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"},
                   request=start)
    redirected = RedirectMiddleware.from_crawler(crawler).process_response(start, hop)
    assert isinstance(redirected, Request) and "169.254.169.254" in redirected.url
    guard = PrivateAddressMiddleware.from_crawler(crawler)
    assert guard.process_request(start, spider) is None  # the public page itself is fetched
    with pytest.raises(IgnoreRequest, match="non-public"):
        guard.process_request(redirected, spider)  # every hop re-enters the downloader, and is refused
    assert "169.254.169.254" in crawler.stats.get_value("ipwatch/blocked/urls")[0]

    resolved = {"shop.example": "10.0.0.7", "mirror.internal": "10.0.0.8", "public.example": "93.184.215.14"}
    monkeypatch.setattr(CachingThreadedResolver, "getHostByName",
                        lambda self, name, timeout=(): defer.succeed(resolved[name]))
    resolver = PublicOnlyResolver.from_crawler(get_crawler(settings_dict={"IPWATCH_ALLOWED_HOSTS": [
        "mirror.internal"]}), reactor=None)
    outcomes: dict[str, object] = {}
    for name in resolved:
        resolver.getHostByName(name).addBoth(lambda result, name=name: outcomes.__setitem__(name, result))
    assert isinstance(outcomes["shop.example"].value, DNSLookupError)  # type: ignore[union-attr]
    assert "non-public" in str(outcomes["shop.example"].value)  # type: ignore[union-attr]
    assert outcomes["mirror.internal"] == "10.0.0.8" and outcomes["public.example"] == "93.184.215.14"
    dnscache.clear()
