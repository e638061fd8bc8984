"""Every setting has a default and a description, and the README documents it."""

from pathlib import Path

import pytest

from ipwatch.settings import Settings


def test_every_setting_is_described_and_documented() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert field.description, name
        assert f"IPWATCH_{name.upper()}" in readme, f"IPWATCH_{name.upper()} missing from the README"


def test_bad_threshold_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPWATCH_FLAG_THRESHOLD", "1.5")
    with pytest.raises(ValueError, match="flag_threshold"):
        Settings()


def test_default_database_is_sqlite_in_home(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'ipwatch.db').resolve()}"


def test_api_threads_follow_the_database_unless_set(tmp_path: Path) -> None:
    assert Settings(home=tmp_path).resolved_api_threads == 1  # SQLite: one writer
    assert Settings(home=tmp_path, database_url="postgresql://db/x").resolved_api_threads == 4
    assert Settings(home=tmp_path, api_threads=3).resolved_api_threads == 3
