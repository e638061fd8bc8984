"""The ipwatch command line against a real store (SQLite file, and PostgreSQL when configured)."""

from __future__ import annotations

import json
from pathlib import Path

from feature_store import bundled_lexicon, bundled_protection_list


def load_bundled(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("brands", "import", str(bundled_protection_list())).exit_code == 0
    assert cli("lexicon", "import", str(bundled_lexicon())).exit_code == 0


def test_brands_import_and_list(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("brands", "import", str(bundled_protection_list()))
    assert result.exit_code == 0
    assert "added" in result.output and "library version lib-" in result.output
    listed = json.loads(cli("brands", "list", "--json").output)
    ids = {b["id"] for b in listed["brands"]}
    assert {"nike", "wahaha", "nongfu_spring", "zhang_xiaoquan", "hikvision", "xihu_longjing"} <= ids
    again = cli("brands", "import", str(bundled_protection_list()))
    assert " 0 added, 0 updated" in again.output


def test_brands_import_names_labels_the_taxonomy_does_not_know(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    listed = tmp_path / "brands.json"
    listed.write_text(json.dumps({"brands": [
        {"id": "forever", "names": {"zh": ["永久"]}, "categories": ["bicycles"]},
        {"id": "hoka", "names": {"en": ["HOKA"]}, "categories": ["footwear"]}]}), encoding="utf-8")
    result = cli("brands", "import", str(listed))
    assert result.exit_code == 0
    assert "does not know (1 brands): bicycles." in result.output and "footwear" not in result.output


def test_bad_file_exits_nonzero_with_one_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_bundled(cli)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"brands": [{"id": "nike", "names": {"zh": ["耐克"]}, "tier": "???"}]}))
    result = cli("brands", "import", str(bad))
    assert result.exit_code != 0
    assert "record 1 (id 'nike'): field 'tier'" in result.output
    listed = json.loads(cli("brands", "list", "--json").output)
    assert next(b for b in listed["brands"] if b["id"] == "nike")["tier"] == "key"  # unchanged


def test_score_jsonl_in_order_with_error_lines(cli) -> None:  # type: ignore[no-untyped-def]
    load_bundled(cli)
    lines = [
        json.dumps({"listing_id": "a", "title": "耐克 AJ1 高仿 莆田"}, ensure_ascii=False),
        "{broken json",
        json.dumps({"listing_id": "c", "title": "", "price": 5}),
        json.dumps({"listing_id": "d", "title": "男士 T恤 纯棉"}, ensure_ascii=False),
    ]
    result = cli("score", "-", input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("listing_id") for o in out] == ["a", None, "c", "d"]
    assert out[0]["flagged"] and out[0]["brand_id"] == "nike"
    assert "invalid JSON" in out[1]["error"] and "field 'title'" in out[2]["error"]
    assert not out[3]["flagged"]
    assert "2 listing(s) could not be scored" in result.stderr


def test_score_csv_and_explain(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_bundled(cli)
    csv_file = tmp_path / "listings.csv"
    csv_file.write_text("listing_id,title,price,currency\nx1,奈克 气垫跑步鞋,129,CNY\nx2,Fresh apples 3 lb,4.5,USD\n",
                        encoding="utf-8")
    result = cli("score", str(csv_file), "--explain")
    assert result.exit_code == 0
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["flagged"] and any(r["signal"] == "homophone_name" and r.get("detail") for r in first["reasons"])
    assert not second["flagged"]


def test_score_refuses_an_empty_protection_list(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("score", "-", input='{"title": "耐克"}\n')
    assert result.exit_code != 0
    assert "protection list is empty" in result.output


def test_fresh_home_starts_empty(cli) -> None:  # type: ignore[no-untyped-def]
    assert json.loads(cli("brands", "list", "--json").output) == {"brands": []}


def test_demo_prints_flagged_table(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("demo", "--no-crawl")
    assert result.exit_code == 0
    assert "Flagged listings" in result.output and "nike" in result.output


def test_labels_generate_and_eval_contract(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_bundled(cli)
    labels = tmp_path / "dev.jsonl"
    assert cli("labels", "generate", "--out", str(labels), "--per-family", "8", "--seed", "3").exit_code == 0
    result = cli("eval", "--labels", str(labels), "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    for key in ("n", "precision", "recall", "f1", "pr_auc", "roc_auc", "threshold", "recall_at_precision_95",
                "groups", "brands"):
        assert key in report
    from eval import DERIVED_FAMILIES, NEGATIVE_KINDS, POSITIVE_FAMILIES

    groups = len(POSITIVE_FAMILIES) + len(NEGATIVE_KINDS) + len(DERIVED_FAMILIES)
    assert report["n"] in (groups * 8, (groups + 1) * 8)  # one group more when ../shared/data adds real titles
    assert all({"n", "flag_rate"} <= set(g) for g in report["groups"].values())
    assert all({"n", "precision", "recall"} <= set(b) for b in report["brands"].values())


def test_eval_bad_labels(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_bundled(cli)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "x", "label": 3}\n')
    result = cli("eval", "--labels", str(bad))
    assert result.exit_code != 0 and "line 1: field 'label'" in result.output


def test_bench_lexical_small(cli) -> None:  # type: ignore[no-untyped-def]
    load_bundled(cli)
    result = cli("bench", "--suite", "lexical", "--json", "--n", "3000")
    assert result.exit_code == 0
    figures = json.loads(result.stdout)
    assert figures["lexical_per_s"] > 0 and figures["aho_corasick_limit_per_s"] > 0
    assert figures["lexical_limit_per_s"] == figures["aho_corasick_limit_per_s"]
