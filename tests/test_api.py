"""The review API through TestClient(create_app(...)) on a real database, and one real `ipwatch serve`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import wait_until_serving
from fastapi.testclient import TestClient

from api import create_app
from detector import Brand, BrandNames
from feature_store import LibraryStore, bundled_lexicon, bundled_protection_list, read_brands, read_terms
from feature_store.review import ReviewStore
from ipwatch.settings import Settings


@pytest.fixture
def service(tmp_path: Path, database_url: str) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], ReviewStore]]:
    settings = Settings(home=tmp_path / "home", database_url=database_url)
    store = LibraryStore(database_url, cache_dir=settings.cache_dir)
    store.import_brands(read_brands(bundled_protection_list()))
    store.import_terms(read_terms(bundled_lexicon()))
    review = ReviewStore(store)
    headers = {role: {"Authorization": f"Bearer {review.create_key(f'{role}-1', role)}"}
               for role in ("submitter", "reviewer", "analyst", "admin")}
    with TestClient(create_app(settings)) as client:
        yield client, headers, review
    store.close()


def test_auth_and_roles(service) -> None:  # type: ignore[no-untyped-def]
    client, headers, review = service
    body = {"listings": [{"title": "耐克 AJ1 高仿"}]}
    assert client.post("/v1/score", json=body).status_code == 401
    assert client.post("/v1/score", json=body, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.post("/v1/score", json=body, headers=headers["reviewer"]).status_code == 403
    assert client.post("/v1/score", json=body, headers=headers["submitter"]).status_code == 200
    assert client.get("/v1/cases", headers=headers["submitter"]).status_code == 403
    assert client.get("/v1/cases", headers=headers["analyst"]).status_code == 200
    review.revoke_key("submitter-1")
    assert client.post("/v1/score", json=body, headers=headers["submitter"]).status_code == 401


def test_score_contract(service) -> None:  # type: ignore[no-untyped-def]
    client, headers, _ = service
    listings = [{"listing_id": "x1", "title": "耐克 AJ1 高仿 莆田", "price": 199},
                {"listing_id": "x2", "title": "红富士苹果 新鲜水果 5斤", "price": 29}]
    response = client.post("/v1/score", json={"listings": listings}, headers=headers["submitter"])
    results = response.json()["results"]
    assert [r["listing_id"] for r in results] == ["x1", "x2"]
    assert results[0]["flagged"] and results[0]["brand_id"] == "nike" and not results[1]["flagged"]
    reason = next(r for r in results[0]["reasons"] if r["signal"] == "counterfeit_term")
    assert listings[0]["title"][reason["span"][0]:reason["span"][1]] == reason["text"]


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"listings": []}, 422, "listings"),
    ({"listings": [{"title": "x"}] * 1001}, 422, "listings"),
    ({"listings": [{"title": ""}]}, 422, "title"),
    ({"listings": [{"title": "x", "colour": "red"}]}, 422, "colour"),
    ({"listings": [{"title": "x", "price": "cheap"}]}, 422, "price"),
    ({"items": []}, 422, "items"),
])
def test_bad_input_names_the_field(service, body: dict, status: int, field: str) -> None:  # type: ignore[no-untyped-def, type-arg]
    client, headers, _ = service
    response = client.post("/v1/score", json=body, headers=headers["submitter"])
    assert response.status_code == status
    assert field in json.dumps(response.json())


def test_bad_json_and_oversized_body(service) -> None:  # type: ignore[no-untyped-def]
    client, headers, review = service
    bad = client.post("/v1/listings", content=b"{not json", headers={**headers["submitter"],
                                                                     "Content-Type": "application/json"})
    assert bad.status_code == 422
    big = {"listings": [{"listing_id": str(i), "title": "x" * 1900} for i in range(1000)] * 3}
    assert client.post("/v1/listings", json=big, headers=headers["submitter"]).status_code == 413
    half_bad = {"listings": [{"listing_id": "ok", "title": "耐克 高仿"}, {"listing_id": "bad", "title": ""}]}
    assert client.post("/v1/listings", json=half_bad, headers=headers["submitter"]).status_code == 422
    assert review.list_cases()[0] == []  # nothing partly stored


def test_intake_is_idempotent_with_revisions(service) -> None:  # type: ignore[no-untyped-def]
    client, headers, _ = service
    listing = {"listing_id": "tb-1", "platform": "taobao", "title": "耐克 AJ1 高仿 莆田", "seller_id": "shop-1"}
    first = client.post("/v1/listings", json={"listings": [listing]}, headers=headers["submitter"]).json()["items"][0]
    again = client.post("/v1/listings", json={"listings": [listing]}, headers=headers["submitter"]).json()["items"][0]
    assert first["created"] and not again["created"] and again["case_id"] == first["case_id"]
    changed = {**listing, "price": 99.0}
    third = client.post("/v1/listings", json={"listings": [changed]}, headers=headers["submitter"]).json()["items"][0]
    assert third["created"] and third["revision"] == 2 and third["case_id"] != first["case_id"]


def test_bodies_built_without_revalidation_match_their_documented_models(service) -> None:  # type: ignore[no-untyped-def]
    """/v1/score, /v1/listings and /v1/cases skip FastAPI's response validation (api/responses.py): each body
    must still be exactly what the route's response_model documents."""
    from api.schemas import CasePage, ScoreResponse, SubmitResponse

    client, headers, review = service
    listings = [{"listing_id": f"m{i}", "platform": "tb", "title": t, "price": 99, "seller_id": "s"}
                for i, t in enumerate(["耐克 AJ1 高仿 莆田", "红富士苹果 5斤", "Rolex replica AAA watch"])]
    for path, model, body in (("/v1/score", ScoreResponse, {"listings": listings}),
                              ("/v1/listings", SubmitResponse, {"listings": listings})):
        response = client.post(path, json=body, headers=headers["submitter"])
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        parsed = response.json()
        assert model.model_validate(parsed).model_dump(exclude_unset=True) == parsed
    page = client.get("/v1/cases?limit=2", headers=headers["reviewer"]).json()
    assert CasePage.model_validate(page).model_dump() == page and len(page["items"]) == 2 and page["next_cursor"]
    # the stored JSON text spliced in says what the decoded rows say, on every page and filter
    for query in ({"limit": 2}, {"limit": 2, "cursor": page["next_cursor"]}, {"brand_id": "nike"}, {"status": None}):
        items, cursor = review.list_cases(**query)
        assert json.loads(review.queue_page_json(**query)) == {"items": items, "next_cursor": cursor}


def test_queue_decisions_concurrency_and_audit(service) -> None:  # type: ignore[no-untyped-def]
    client, headers, review = service
    titles = ["耐克 AJ1 高仿 莆田", "奈克 气垫跑步鞋", "LV同款 老花包", "男士 T恤 纯棉", "Rolex replica AAA"]
    listings = [{"listing_id": f"l{i}", "platform": "tb", "title": t, "seller_id": "shop-9"}
                for i, t in enumerate(titles)]
    client.post("/v1/listings", json={"listings": listings}, headers=headers["submitter"])
    page = client.get("/v1/cases?limit=2", headers=headers["reviewer"]).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get(f"/v1/cases?limit=10&cursor={page['next_cursor']}", headers=headers["reviewer"]).json()
    risks = [c["risk"] for c in page["items"] + rest["items"]]
    assert risks == sorted(risks, reverse=True) and len(risks) == 5 and rest["next_cursor"] is None
    nike = client.get("/v1/cases?brand_id=nike", headers=headers["reviewer"]).json()["items"]
    assert {c["listing"]["listing_id"] for c in nike} == {"l0", "l1"}

    case = page["items"][0]
    decision = {"decision": "infringing", "note": "fake", "version": case["version"]}
    ok = client.post(f"/v1/cases/{case['id']}/decision", json=decision, headers=headers["reviewer"])
    assert ok.status_code == 200 and ok.json()["version"] == case["version"] + 1
    stale = client.post(f"/v1/cases/{case['id']}/decision", json=decision, headers=headers["admin"])
    assert stale.status_code == 409
    assert client.post(f"/v1/cases/{case['id']}/decision", json=decision,
                       headers=headers["analyst"]).status_code == 403
    queue_ids = {c["id"] for c in client.get("/v1/cases?limit=50", headers=headers["reviewer"]).json()["items"]}
    assert case["id"] not in queue_ids
    detail = client.get(f"/v1/cases/{case['id']}", headers=headers["analyst"]).json()
    assert detail["status"] == "infringing" and detail["seller_history"]["cases"]["infringing"] == 1
    assert [a["action"] for a in detail["audit"]] == ["case_created", "decision"]
    assert detail["audit"][1]["before"]["status"] == "open" and detail["audit"][1]["after"]["status"] == "infringing"
    assert client.get("/v1/cases/99999", headers=headers["reviewer"]).status_code == 404
    assert client.delete(f"/v1/cases/{case['id']}", headers=headers["admin"]).status_code == 405


def test_health_metrics_and_openapi(service) -> None:  # type: ignore[no-untyped-def]
    client, headers, _ = service
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["library_version"].startswith("lib-")
    client.post("/v1/score", json={"listings": [{"title": "x"}]}, headers=headers["submitter"])
    assert "ipwatch_listings_scored_total" in client.get("/metrics").text
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/score", "/v1/listings", "/v1/cases", "/v1/cases/{case_id}/decision"} <= set(paths)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_end_to_end_serve(tmp_path: Path) -> None:
    env = {**os.environ, "IPWATCH_HOME": str(tmp_path / "home")}
    env.pop("IPWATCH_DATABASE_URL", None)
    cli = [sys.executable, "-m", "ipwatch.cli"]
    subprocess.run([*cli, "brands", "import", str(bundled_protection_list())], env=env, check=True,
                   capture_output=True)
    created = subprocess.run([*cli, "keys", "create", "--role", "submitter", "--name", "e2e", "--json"], env=env,
                             check=True, capture_output=True, text=True)
    key = json.loads(created.stdout)["key"]
    port = _free_port()
    server = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(server, base)
        request = urllib.request.Request(
            f"{base}/v1/score", data=json.dumps({"listings": [{"title": "奈克 气垫跑步鞋"}]}).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        result = json.loads(urllib.request.urlopen(request, timeout=5).read())["results"][0]
        assert result["flagged"] and result["brand_id"] == "nike"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_infringing_decision_feeds_the_library(service, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from feature_store.feedback import LibraryFeedback

    client, headers, review = service
    listing = {"listing_id": "fb-1", "platform": "tb", "title": "奈克 气垫跑步鞋 男款", "seller_id": "s-1"}
    case_id = client.post("/v1/listings", json={"listings": [listing]}, headers=headers["submitter"]).json()[
        "items"][0]["case_id"]
    decided = client.post(f"/v1/cases/{case_id}/decision", json={"decision": "infringing", "version": 1},
                          headers=headers["reviewer"]).json()
    assert decided["feedback"]["exemplar_added"] and decided["feedback"]["proposals"] == ["奈克"]
    app_feedback: LibraryFeedback = client.app.state.feedback
    pending = app_feedback.proposals()
    assert [(p["brand_id"], p["variant"]) for p in pending] == [("nike", "奈克")]
    store = client.app.state.library_store
    assert "奈克" not in next(b for b in store.brands() if b.id == "nike").known_variants  # held, not added
    outcome = app_feedback.decide_proposal(pending[0]["id"], approve=True, actor="admin-1")
    assert outcome["status"] == "approved" and outcome["library_version"]
    assert "奈克" in next(b for b in store.brands() if b.id == "nike").known_variants


def test_evidence_seller_and_stats(service) -> None:  # type: ignore[no-untyped-def]
    client, headers, review = service
    listings = [{"listing_id": f"e{i}", "platform": p, "title": t, "seller_id": "bad-shop", "price": 199,
                 "crawled_at": "2026-11-25T10:00:00Z", "url": f"https://shop.example/{i}"}
                for i, (p, t) in enumerate([("taobao", "耐克 AJ1 高仿 莆田"), ("jd", "奈克 气垫跑步鞋")])]
    items = client.post("/v1/listings", json={"listings": listings}, headers=headers["submitter"]).json()["items"]
    for item in items:
        client.post(f"/v1/cases/{item['case_id']}/decision", json={"decision": "infringing", "version": 1},
                    headers=headers["reviewer"])
    package = client.get(f"/v1/cases/{items[0]['case_id']}/evidence", headers=headers["analyst"]).json()
    assert package["mark"]["owner"] == "Nike, Inc." and package["crawl"]["crawled_at"] == "2026-11-25T10:00:00Z"
    assert package["reasons"] and package["library_version"] and len(package["package_sha256"]) == 64
    assert [a["action"] for a in package["decision_trail"]] == ["case_created", "decision"]
    head = package["audit_chain_head"]  # anchors the package in the audit chain as it stood then
    assert head == review.audit_head() and review.verify_audit().head_id == head["row"]
    page = client.get(f"/v1/cases/{items[0]['case_id']}/evidence?format=html", headers=headers["analyst"])
    assert page.status_code == 200 and "<mark" in page.text and "Nike, Inc." in page.text
    seller = client.get("/v1/sellers/bad-shop", headers=headers["reviewer"]).json()
    assert seller["repeat_infringer"] and seller["platforms"] == ["jd", "taobao"] and seller["confirmed"] == 2
    stats = client.get("/v1/stats", headers=headers["analyst"]).json()
    assert stats["decided"] == 2 and stats["flag_precision"] == 1.0 and stats["median_seconds_to_decision"] >= 0
    assert client.get("/v1/stats", headers=headers["submitter"]).status_code == 403


def test_bulk_decisions_and_notice_clock(service) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    client, headers, review = service
    listings = [{"listing_id": f"b{i}", "platform": "tb", "title": t} for i, t in
                enumerate(["耐克 AJ1 高仿", "LV同款 老花包", "Rolex replica AAA"])]
    ids = [i["case_id"] for i in
           client.post("/v1/listings", json={"listings": listings}, headers=headers["submitter"]).json()["items"]]
    body = {"decisions": [{"case_id": ids[0], "decision": "infringing", "version": 1},
                          {"case_id": ids[1], "decision": "not_infringing", "version": 1},
                          {"case_id": ids[2], "decision": "infringing", "version": 7}]}
    results = client.post("/v1/cases/decisions", json=body, headers=headers["reviewer"]).json()["results"]
    assert [r["status_code"] for r in results] == [200, 200, 409]

    def act(case_id: int, action: str) -> int:
        return client.post(f"/v1/cases/{case_id}/notice", json={"action": action},
                           headers=headers["reviewer"]).status_code

    assert act(ids[1], "notice_sent") == 409  # not decided infringing
    assert act(ids[0], "counter_notice") == 409  # out of order
    assert [act(ids[0], a) for a in ("notice_sent", "taken_down", "counter_notice")] == [200, 200, 200]
    clock = client.get(f"/v1/cases/{ids[0]}/notice", headers=headers["analyst"]).json()
    assert clock["state"] == "counter_notice" and 14.9 < clock["days_left"] <= 15 and not clock["lapsed"]
    later = review.notice_clock(ids[0], now=datetime.now(UTC) + timedelta(days=16))
    assert later["lapsed"] and later["days_left"] == 0


def test_admin_crud_with_cli_validation(service) -> None:  # type: ignore[no-untyped-def]
    client, headers, _ = service
    new_brand = {"id": "zorvex", "names": {"zh": ["卓维斯"], "en": ["Zorvex"]}, "categories": ["electronics"],
                 "reference_prices": {"CNY": 1999}}
    assert client.post("/v1/admin/brands", json={"brands": [new_brand]}, headers=headers["reviewer"]).status_code == 403
    bad = client.post("/v1/admin/brands", json={"brands": [{**new_brand, "tier": "gold"}]}, headers=headers["admin"])
    assert bad.status_code == 422 and "record 1 (id 'zorvex'): field 'tier'" in bad.json()["detail"]
    ok = client.post("/v1/admin/brands", json={"brands": [new_brand]}, headers=headers["admin"]).json()
    assert ok["added"] == 1
    scored = client.post("/v1/score", json={"listings": [{"title": "卓维斯 蓝牙耳机 高仿"}]},
                         headers=headers["submitter"]).json()["results"][0]
    assert scored["flagged"] and scored["brand_id"] == "zorvex" and scored["library_version"] == ok["library_version"]
    terms = client.post("/v1/admin/lexicon", json={"terms": [{"term": "超级复刻", "strength": "strong",
                                                               "category": "self_declaration"}]},
                        headers=headers["admin"]).json()
    assert terms["added"] == 1
    created = client.post("/v1/admin/keys", json={"name": "new-platform", "role": "submitter"},
                          headers=headers["admin"]).json()
    assert created["key"].startswith("ipw_")
    assert client.delete("/v1/admin/keys/new-platform", headers=headers["admin"]).status_code == 200


def test_a_quiet_worker_takes_up_a_list_change_made_elsewhere(service, database_url: str) -> None:  # type: ignore[no-untyped-def]
    """A brand added by another process (the CLI, another worker) while this app gets no request at all:
    its watcher recompiles, so the next request is already scored on the new list."""
    client, headers, _ = service
    before = client.app.state.detector.library.version
    other = LibraryStore(database_url)
    other.import_brands([Brand(id="quorvex", names=BrandNames(en=["Quorvex"]), categories=["shoes"])])
    latest = other.latest_version()
    other.close()
    assert latest != before
    deadline = time.monotonic() + 60
    while client.app.state.detector.library.version != latest:  # no request in between
        assert time.monotonic() < deadline, "the app never reloaded the changed list"
        time.sleep(0.05)
    scored = client.post("/v1/score", json={"listings": [{"title": "Quorvex 同款 高仿 运动鞋", "price": 99}]},
                         headers=headers["submitter"]).json()["results"][0]
    assert scored["brand_id"] == "quorvex" and scored["flagged"] and scored["library_version"] == latest


def test_reviewed_false_positives_feed_the_next_training_set(service) -> None:  # type: ignore[no-untyped-def]
    client, headers, review = service
    listings = [{"listing_id": "r1", "platform": "tb", "title": "耐克 AJ1 高仿 莆田"},
                {"listing_id": "r2", "platform": "tb", "title": "LV同款 老花包"}]
    ids = [i["case_id"] for i in
           client.post("/v1/listings", json={"listings": listings}, headers=headers["submitter"]).json()["items"]]
    client.post("/v1/cases/decisions", headers=headers["reviewer"], json={"decisions": [
        {"case_id": ids[0], "decision": "infringing", "version": 1},
        {"case_id": ids[1], "decision": "not_infringing", "version": 1}]})
    rows = {r["listing_id"]: r for r in review.reviewed_training_rows()}
    assert rows["r1"]["label"] == 1 and rows["r2"]["label"] == 0
    assert rows["r2"]["group"] == "reviewed_false_positive" and rows["r2"]["title"] == "LV同款 老花包"
