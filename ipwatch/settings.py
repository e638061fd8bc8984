"""The one configuration object: every field has a default and a description (prefix IPWATCH_)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_RETENTION_DAYS = 1096  # three years, counting a leap day


class Settings(BaseSettings):
    """ipwatch configuration, read from the environment (``IPWATCH_*``)."""

    model_config = SettingsConfigDict(env_prefix="IPWATCH_", extra="ignore")

    home: Path = Field(
        default=Path("./var"),
        description="Directory holding the SQLite file, indices, model artifacts and caches.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store; default is a SQLite file (WAL mode) in IPWATCH_HOME.",
    )
    default_currency: str = Field(
        default="CNY",
        description="Currency assumed for a listing price that names none.",
    )
    flag_threshold: float | None = Field(
        default=None,
        description="Risk at or above which a listing is flagged; default comes from the scorer's rules.",
    )

    embedding_model: str | None = Field(
        default=None,
        description="Local path of a sentence-transformers model; default: the packaged USE multilingual v3.",
    )
    faiss_approximate_above: int = Field(
        default=100_000,
        description="Exemplar count above which the FAISS index is approximate (IVF-SQ8) instead of exact.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL: crawlers share one scheduler and dupe filter there (several machines, one frontier).",
    )
    redis_prefix: str = Field(
        default="ipwatch",
        description="Prefix of the Redis keys the shared crawl frontier uses.",
    )
    knowledge_base: bool = Field(
        default=True,
        description="Match what the brand knowledge base knows of listed brands (product lines, other names, "
                    "knock-off marks) until an admin approves or rejects it; each such reason says so.",
    )
    knowledge_files: str | None = Field(
        default=None,
        description="Extra brand knowledge files (YAML as the bundled one, or an en/zh names CSV), separated by the "
                    "path separator (:); read by `brands import` and `brands enrich` for proposals.",
    )
    retention_days: int = Field(
        default=1096,
        description="Days decided cases and their listing evidence are kept after the last change (E-Commerce Law "
                    "art. 31: at least 3 years); `ipwatch retention --purge` deletes only what is older.",
    )
    rate_limit_per_second: float = Field(
        default=50.0, ge=0,
        description="Requests per second each API key may make on average (per worker process); 0 turns it off. "
                    "Requests without a valid key are limited the same way per client address.",
    )
    rate_limit_burst: int = Field(
        default=200, ge=1,
        description="Requests a key may make at once before the per-second rate applies (answers 429, Retry-After).",
    )
    api_threads: int | None = Field(
        default=None, ge=1, le=200,
        description="Threads per API worker for the database routes; default 1 on SQLite (its writes queue for one "
                    "writer anyway, and a second thread only hands the GIL to and fro while the writer holds the "
                    "lock), 4 on PostgreSQL (whose round trips a few threads overlap).",
    )
    max_body_bytes: int = Field(
        default=5_000_000,
        description="Largest HTTP request body the API accepts, in bytes.",
    )

    @field_validator("flag_threshold")
    @classmethod
    def _threshold_in_range(cls, value: float | None) -> float | None:
        if value is not None and not 0.0 < value < 1.0:
            raise ValueError("flag_threshold must lie strictly between 0 and 1")
        return value

    @field_validator("retention_days")
    @classmethod
    def _at_least_three_years(cls, value: int) -> int:
        if value < MIN_RETENTION_DAYS:
            raise ValueError(f"retention_days must be at least {MIN_RETENTION_DAYS} (3 years, E-Commerce Law art. 31)")
        return value

    @field_validator("knowledge_files")
    @classmethod
    def _knowledge_files_exist(cls, value: str | None) -> str | None:
        for part in (value or "").split(os.pathsep):
            if part.strip() and not Path(part.strip()).is_file():
                raise ValueError(f"no such knowledge file: {part.strip()}")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``IPWATCH_HOME/ipwatch.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'ipwatch.db').resolve()}"

    @property
    def resolved_api_threads(self) -> int:
        """The database routes' threads per worker: ``api_threads``, else by the database."""
        if self.api_threads is not None:
            return self.api_threads
        return 1 if self.resolved_database_url.startswith("sqlite") else 4

    @property
    def knowledge_paths(self) -> list[Path]:
        """The extra knowledge files named by ``knowledge_files``."""
        return [Path(p) for p in (self.knowledge_files or "").split(os.pathsep) if p.strip()]

    @property
    def index_dir(self) -> Path:
        """Where FAISS exemplar indices live (derived data, rebuilt from the database)."""
        return self.home / "indices"

    @property
    def models_dir(self) -> Path:
        """Where registered model versions live."""
        return self.home / "models"

    @property
    def cache_dir(self) -> Path:
        """Where compiled libraries and other derived files live."""
        return self.home / "cache"
