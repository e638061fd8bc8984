"""The authorisation matrix, generated from the app's own route table, and the UI's cross-site defences."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.access import POLICY, csrf_token, route_methods, undeclared
from feature_store import LibraryStore, bundled_lexicon, bundled_protection_list, read_brands, read_terms
from feature_store.review import ROLES, ReviewStore
from ipwatch.settings import Settings

CALLERS = ("no key", "revoked key", *ROLES)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str], int]]:
    """A real app on a SQLite file: a key per role, a revoked key and one case to address."""
    home = tmp_path_factory.mktemp("access")
    settings = Settings(home=home, rate_limit_per_second=0)
    store = LibraryStore(settings.resolved_database_url, cache_dir=settings.cache_dir)
    store.import_brands(read_brands(bundled_protection_list()))
    store.import_terms(read_terms(bundled_lexicon()))
    review = ReviewStore(store)
    keys = {role: review.create_key(f"{role}-m", role) for role in ROLES}
    keys["revoked key"] = review.create_key("gone", "admin")
    review.revoke_key("gone")
    case = review.submit([({"listing_id": "m1", "title": "耐克 高仿"}, {"risk": 0.9, "level": "high"})], "t")[0]
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client, keys, case.case_id
    store.close()


def _url(path: str, case_id: int) -> str:
    values = {"case_id": str(case_id), "name": "no-such-key", "seller_id": "shop-1"}
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def _call(client: TestClient, method: str, url: str, *, bearer: str | None = None, cookie: str | None = None,
          csrf: bool = True) -> int:
    headers = {} if bearer is None else {"Authorization": f"Bearer {bearer}"}
    if cookie is not None and csrf:
        headers["X-CSRF-Token"] = csrf_token(cookie)
    client.cookies.clear()
    if cookie is not None:
        client.cookies.set("ipwatch_session", cookie)
    response = client.request(method, url, headers=headers, json={} if method in ("POST", "PUT", "PATCH") else None)
    client.cookies.clear()
    return response.status_code


def _admitted(status: int, credential: str) -> bool:
    """Past the door: anything but 401/403 (and, for pages, anything but the redirect to the login)."""
    return status not in (401, 403) and not (credential == "session" and status == 303)


def test_every_route_has_a_declared_rule(world) -> None:  # type: ignore[no-untyped-def]
    client, _keys, _case = world
    assert undeclared(client.app) == []
    declared_but_gone = set(POLICY) - set(route_methods(client.app))
    assert declared_but_gone == set(), "stale rules in api/access.py"


def test_an_app_with_an_undeclared_route_does_not_start(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from api.routes import health

    monkeypatch.setattr(health.router, "routes", [*health.router.routes])
    health.router.add_api_route("/debug", lambda: {"secret": 1}, methods=["GET"])
    with pytest.raises(RuntimeError, match="/debug"):
        create_app(Settings(home=tmp_path))


def test_authorisation_matrix(world) -> None:  # type: ignore[no-untyped-def]
    """Every route × method × (no key, revoked key, each role by key, each role by UI cookie)."""
    client, keys, case_id = world
    wrong: list[str] = []
    checked = 0
    for method, path in route_methods(client.app):
        rule = POLICY[(method, path)]
        url = _url(path, case_id)
        for caller in CALLERS:
            key = keys.get(caller)
            by_key = _call(client, method, url, bearer=key)
            by_cookie = _call(client, method, url, cookie=key) if key else by_key
            allowed_key = rule.credential == "none" or (rule.credential == "key" and caller in rule.roles)
            allowed_cookie = rule.credential == "none" or (rule.credential == "session" and caller in rule.roles)
            checked += 2
            if _admitted(by_key, rule.credential) != allowed_key:
                wrong.append(f"{method} {path} by {caller}'s key: {by_key}")
            if _admitted(by_cookie, rule.credential) != allowed_cookie:
                wrong.append(f"{method} {path} by {caller}'s session cookie: {by_cookie}")
    assert checked >= 2 * len(CALLERS) * 25
    assert wrong == [], "\n".join(wrong)


def test_ui_posts_need_a_same_site_origin_and_the_page_token(world) -> None:  # type: ignore[no-untyped-def]
    client, keys, case_id = world
    key = keys["reviewer"]
    url = f"/ui/cases/{case_id}/decision"
    body = {"decision": "needs_info", "version": 1}
    client.cookies.set("ipwatch_session", key)
    try:
        assert client.post(url, json=body).status_code == 403  # no token
        assert client.post(url, json=body, headers={"X-CSRF-Token": "0" * 64}).status_code == 403
        evil = {"X-CSRF-Token": csrf_token(key), "Origin": "https://evil.example"}
        refused = client.post(url, json=body, headers=evil)
        assert refused.status_code == 403 and "evil.example" in refused.json()["detail"]
        login = client.post("/ui/login", data={"key": key}, headers={"Origin": "https://evil.example"})
        assert login.status_code == 403
        page = client.get("/ui")
        assert csrf_token(key) in page.text and f"/ui/cases/{case_id}/evidence" in page.text
        same = {"X-CSRF-Token": csrf_token(key), "Origin": "http://testserver"}
        assert client.post(url, json=body, headers=same).json()["status"] == "needs_info"
    finally:
        client.cookies.clear()


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, rate_limit_per_second=1, rate_limit_burst=5)
    store = LibraryStore(settings.resolved_database_url, cache_dir=settings.cache_dir)
    store.import_brands(read_brands(bundled_protection_list()))
    review = ReviewStore(store)
    busy, calm = review.create_key("busy", "analyst"), review.create_key("calm", "analyst")
    with TestClient(create_app(settings)) as client:
        codes = [client.get("/v1/stats", headers={"Authorization": f"Bearer {busy}"}) for _ in range(8)]
        assert [c.status_code for c in codes[:5]] == [200] * 5
        limited = codes[-1]
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert "retry after" in limited.json()["detail"]
        assert client.get("/v1/stats", headers={"Authorization": f"Bearer {calm}"}).status_code == 200  # per key
        guesses = [client.get("/v1/stats", headers={"Authorization": f"Bearer wrong-{n}"}).status_code
                   for n in range(8)]
        assert guesses[:5] == [401] * 5 and guesses[-1] == 429  # guessing keys: per address
    store.close()


def test_work_per_request_is_bounded(world) -> None:  # type: ignore[no-untyped-def]
    client, keys, _case = world
    headers = {"Authorization": f"Bearer {keys['submitter']}"}
    big = [{"title": "nike " * 390, "description": "real " * 3990} for _ in range(100)]  # 2.19 M chars, 2.2 MB
    refused = client.post("/v1/score", json={"listings": big}, headers=headers)
    assert refused.status_code == 422 and "split the batch" in str(refused.json()["detail"])
    long_title = client.post("/v1/score", json={"listings": [{"title": "x" * 2001}]}, headers=headers)
    assert long_title.status_code == 422 and "title" in str(long_title.json()["detail"])
