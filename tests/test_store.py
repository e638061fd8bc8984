"""The library store on real databases: SQLite files, and PostgreSQL when configured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detector import Brand, LexiconTerm
from feature_store import LibraryFileError, LibraryStore, make_engine, read_brands, read_terms

NIKE = {"id": "nike", "names": {"zh": ["耐克"], "en": ["Nike"]}, "aliases": ["Air Jordan", "AJ"],
        "owner": "Nike, Inc.", "categories": ["shoes"], "tier": "key", "authorized_sellers": ["nike-official"],
        "reference_prices": {"CNY": 899, "USD": 130}, "known_variants": ["耐K"]}


def write(path: Path, payload: object) -> Path:
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return path


def test_import_merges_by_id_and_versions(database_url: str, tmp_path: Path) -> None:
    store = LibraryStore(database_url, cache_dir=tmp_path / "cache")
    first = store.import_brands(read_brands(write(tmp_path / "a.json", {"brands": [NIKE]})))
    assert (first.added, first.updated, first.total) == (1, 0, 1)
    again = store.import_brands(read_brands(write(tmp_path / "b.json", {"brands": [NIKE]})))
    assert (again.added, again.unchanged, again.version) == (0, 1, first.version)
    changed = dict(NIKE, aliases=["Air Jordan", "AJ", "空军一号"])
    third = store.import_brands(read_brands(write(tmp_path / "c.json", {"brands": [changed]})))
    assert third.updated == 1 and third.version != first.version
    assert store.brands()[0].aliases == ["Air Jordan", "AJ", "空军一号"]
    assert [v.version for v in store.versions()][-1] == third.version
    library = store.load_library()
    assert library.version == third.version and library.brand("nike") is not None
    store.close()


def test_bundled_library_round_trips(database_url: str, bundled_brands: list[Brand],
                                     bundled_terms: list[LexiconTerm]) -> None:
    store = LibraryStore(database_url)
    store.import_brands(bundled_brands)
    store.import_terms(bundled_terms)
    assert len(store.brands()) == len(bundled_brands) >= 60
    assert len(store.terms()) == len(bundled_terms) >= 150
    assert {b.id: b for b in store.brands()} == {b.id: b for b in bundled_brands}
    store.close()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"brands": [NIKE, {**NIKE, "id": "adidas", "names": {"zh": [], "en": []}}]}, "record 2 (id 'adidas')"),
        ({"brands": [NIKE, {**NIKE, "id": "x", "tier": "gold"}]}, "field 'tier'"),
        ({"brands": [NIKE, {**NIKE, "id": "y", "reference_prices": {"CNY": -1}}]}, "field 'reference_prices'"),
        ({"brands": [NIKE, NIKE]}, "duplicate id 'nike'"),
        ({"brands": [NIKE, {**NIKE, "id": "z", "colour": "red"}]}, "field 'colour'"),
        ({"brands": []}, "no records"),
    ],
)
def test_malformed_file_is_refused_whole(database_url: str, tmp_path: Path, payload: object, message: str) -> None:
    store = LibraryStore(database_url)
    store.import_brands([Brand.model_validate({**NIKE, "id": "puma", "names": {"zh": ["彪马"], "en": ["Puma"]}})])
    before = store.brands()
    with pytest.raises(LibraryFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        store.import_brands(read_brands(write(tmp_path / "bad.json", payload)))
    assert store.brands() == before
    store.close()


def test_yaml_and_csv_formats(tmp_path: Path) -> None:
    yaml_file = tmp_path / "list.yaml"
    yaml_file.write_text("brands:\n  - {id: nike, names: {zh: [耐克], en: [Nike]}, reference_prices: {CNY: 899}}\n",
                         encoding="utf-8")
    csv_file = tmp_path / "list.csv"
    csv_file.write_text(
        "id,names_zh,names_en,aliases,categories,reference_prices,known_variants\n"
        "nike,耐克,Nike,Air Jordan|AJ,shoes|apparel,CNY:899|USD:130,耐K\n", encoding="utf-8")
    from_yaml, from_csv = read_brands(yaml_file)[0], read_brands(csv_file)[0]
    assert from_yaml.names.zh == from_csv.names.zh == ["耐克"]
    assert from_csv.aliases == ["Air Jordan", "AJ"] and from_csv.reference_prices == {"CNY": 899, "USD": 130}
    terms_csv = tmp_path / "terms.csv"
    terms_csv.write_text("term,language,strength,category\n高仿,zh,strong,self_declaration\n", encoding="utf-8")
    assert read_terms(terms_csv)[0].strength == "strong"
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("id,names_zh,names_en,reference_prices\nnike,耐克,Nike,CNY:lots\n", encoding="utf-8")
    with pytest.raises(LibraryFileError, match="record 1 .*reference_prices"):
        read_brands(bad_csv)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("list.json", "{not json", "invalid JSON at line 1"),
    ("list.yaml", "brands: [a: b: c", "invalid YAML"),
    ("list.txt", "x", "unknown format .txt"),
    ("missing.json", None, "no such file"),
])
def test_unreadable_files(tmp_path: Path, name: str, content: str | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(LibraryFileError, match=message):
        read_brands(path)


def test_stale_library_cache_is_rebuilt(tmp_path: Path, bundled_brands: list[Brand]) -> None:
    store = LibraryStore(f"sqlite:///{tmp_path / 'db.sqlite'}", cache_dir=tmp_path / "cache")
    store.import_brands(bundled_brands[:3])
    version = store.load_library().version
    cached = tmp_path / "cache" / f"library-{version}.pkl"
    assert cached.exists()
    cached.write_bytes(b"truncated")
    assert store.load_library().version == version
    store.close()


def test_only_the_newest_compiled_libraries_stay_on_disk(tmp_path: Path, bundled_brands: list[Brand]) -> None:
    """Every list change writes a compiled library (about 200 MB for the bundled list): old ones go."""
    store = LibraryStore(f"sqlite:///{tmp_path / 'db.sqlite'}", cache_dir=tmp_path / "cache")
    versions = []
    for brand in bundled_brands[:LibraryStore.CACHED_LIBRARIES + 2]:
        store.import_brands([brand])
        versions.append(store.load_library().version)
    kept = {p.name for p in (tmp_path / "cache").iterdir()}
    assert kept == {f"library-{v}.pkl" for v in versions[-LibraryStore.CACHED_LIBRARIES:]}
    store.close()


def test_processes_compiling_the_same_library_at_once_share_the_cache(tmp_path: Path,
                                                                      bundled_brands: list[Brand]) -> None:
    """API workers start together and each compiles the library: none may fail on the other's cache file."""
    import multiprocessing

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    store = LibraryStore(url, cache_dir=tmp_path / "cache")
    store.import_brands(bundled_brands)
    store.close()
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(3) as pool:
        versions = pool.starmap(_load_version, [(url, tmp_path / "cache")] * 3)
    assert len(set(versions)) == 1
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [f"library-{versions[0]}.pkl"]  # no temporary left


def _load_version(url: str, cache: Path) -> str:
    store = LibraryStore(url, cache_dir=cache)
    try:
        return store.load_library().version
    finally:
        store.close()


def test_a_fresh_store_has_the_bundled_lexicon_and_imports_extend_it(
        database_url: str, bundled_terms: list[LexiconTerm]) -> None:
    store = LibraryStore(database_url)
    assert {t.term for t in store.terms()} == {t.term for t in bundled_terms}
    assert store.load_library().terms  # a list imported alone is scored with the counterfeit-signal terms
    extra = LexiconTerm(term="同厂直出货", language="zh", strength="strong", category="provenance")
    report = store.import_terms([extra])
    assert report.added == 1 and report.total == len(bundled_terms) + 1  # the bundled terms kept, not replaced
    assert extra.term in {t.term for t in store.terms()}
    store.close()


def test_a_connection_the_server_dropped_while_idle_is_replaced(database_url: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool pings a connection only after a rest (not on every checkout); one the server closed
    meanwhile is replaced, not handed to a request. Reads run without a transaction on PostgreSQL."""
    from sqlalchemy import text

    from feature_store import store as store_module

    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite files are not pooled server connections")
    store = LibraryStore(database_url)
    try:
        with store.sessions() as session:
            backend = session.scalar(text("SELECT pg_backend_pid()"))
            # autocommit: the statement left no transaction open on the connection
            status = session.connection().connection.dbapi_connection.info.transaction_status
            assert status.name == "IDLE"
        other = make_engine(database_url)  # another pool: the store's one connection is the one to drop
        with other.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
            assert admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        other.dispose()
        monkeypatch.setattr(store_module, "IDLE_PING_SECONDS", 0.0)
        with store.sessions() as session:
            assert session.scalar(text("SELECT pg_backend_pid()")) != backend
        assert store.versions() is not None
    finally:
        store.close()
