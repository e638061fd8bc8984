"""SQLAlchemy 2 tables of the feature library. Alembic migrations under ``migrations/`` create them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class BrandRow(Base):
    """A mark on the protection list."""

    __tablename__ = "brands"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    names_zh: Mapped[list[str]] = mapped_column(JSON, default=list)
    names_en: Mapped[list[str]] = mapped_column(JSON, default=list)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    known_variants: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner: Mapped[str | None] = mapped_column(String(200))
    registration: Mapped[str | None] = mapped_column(String(200))
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    tier: Mapped[str] = mapped_column(String(16), default="key")
    authorized_sellers: Mapped[list[str]] = mapped_column(JSON, default=list)
    reference_prices: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LexiconRow(Base):
    """A counterfeit-signal term."""

    __tablename__ = "lexicon_terms"
    __table_args__ = (UniqueConstraint("term", name="uq_lexicon_term"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    term: Mapped[str] = mapped_column(String(64), nullable=False)
    language: Mapped[str] = mapped_column(String(8), default="any")
    strength: Mapped[str] = mapped_column(String(8), nullable=False)
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    source: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LibraryVersionRow(Base):
    """A content hash of the protection list and lexicon at one point in time."""

    __tablename__ = "library_versions"

    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    brands: Mapped[int] = mapped_column(Integer)
    terms: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)


class ApiKeyRow(Base):
    """An API key, stored only as a SHA-256 hash of the random key."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ListingRow(Base):
    """One revision of a submitted or crawled listing."""

    __tablename__ = "listings"
    __table_args__ = (
        UniqueConstraint("platform", "listing_id", "content_hash", name="uq_listing_content"),
        UniqueConstraint("platform", "listing_id", "revision", name="uq_listing_revision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(64))
    listing_id: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer)
    seller_id: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict] = mapped_column(JSON)  # type: ignore[type-arg]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseRow(Base):
    """A scored listing revision in the review queue."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    listing_row: Mapped[int] = mapped_column(ForeignKey("listings.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    risk: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(10))
    brand_id: Mapped[str | None] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(64))
    seller_id: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[dict] = mapped_column(JSON)  # type: ignore[type-arg]
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    # Every UPDATE is "... WHERE version = <the version read>": two reviewers deciding at once cannot both win.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (Index("ix_cases_queue", "status", "risk", "id"), Index("ix_cases_seller", "seller_id"))


class AuditRow(Base):
    """An append-only record of a change: who, when, what, before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict | None] = mapped_column(JSON)  # type: ignore[type-arg]
    after: Mapped[dict | None] = mapped_column(JSON)  # type: ignore[type-arg]
    prev_hash: Mapped[str | None] = mapped_column(String(64))  # the row before it (feature_store.audit)
    row_hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_case", "case_id"),)


class ExemplarRow(Base):
    """A confirmed counterfeit or genuine listing of a brand, with its embedding (float32 bytes)."""

    __tablename__ = "exemplars"
    __table_args__ = (UniqueConstraint("kind", "brand_id", "text_hash", "model", name="uq_exemplar"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12))
    brand_id: Mapped[str] = mapped_column(String(64))
    listing_id: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VariantProposalRow(Base):
    """A disguised spelling mined from a confirmed case; added to the list only when approved."""

    __tablename__ = "variant_proposals"
    __table_args__ = (UniqueConstraint("brand_id", "variant", name="uq_variant_proposal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    brand_id: Mapped[str] = mapped_column(String(64))
    variant: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(100))
