"""SQLAlchemy 2 tables of the feature library. Alembic migrations under ``migrations/`` create them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, Text, UniqueConstraint
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
