"""Domain records the detector works on: listings, protection-list brands, lexicon terms, results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Strength = Literal["strong", "soft"]
Tier = Literal["key", "standard", "gi"]
Level = Literal["high", "medium", "low", "none"]


class Listing(BaseModel):
    """One marketplace listing; only ``title`` is needed to score it."""

    model_config = ConfigDict(extra="allow")

    listing_id: str | None = None
    platform: str | None = None
    title: str = Field(min_length=1, max_length=2000)
    description: str | None = None
    price: float | None = Field(default=None, ge=0)
    currency: str | None = None
    seller_id: str | None = None
    seller_name: str | None = None
    url: str | None = None
    category: str | None = None
    image_urls: list[str] = Field(default_factory=list)
    crawled_at: str | None = None

    @field_validator("listing_id", "seller_id", "platform", mode="before")
    @classmethod
    def _ids_as_text(cls, value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("currency")
    @classmethod
    def _currency_upper(cls, value: str | None) -> str | None:
        return value.strip().upper() if value else None


class BrandNames(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zh: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)


class Brand(BaseModel):
    """A mark on the key-trademark protection list."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    names: BrandNames
    aliases: list[str] = Field(default_factory=list)
    owner: str | None = None
    registration: str | None = None
    categories: list[str] = Field(default_factory=list)
    tier: Tier = "key"
    authorized_sellers: list[str] = Field(default_factory=list)
    reference_prices: dict[str, float] = Field(default_factory=dict)
    known_variants: list[str] = Field(default_factory=list)

    @field_validator("names")
    @classmethod
    def _has_a_name(cls, names: BrandNames) -> BrandNames:
        if not names.zh and not names.en:
            raise ValueError("a brand needs at least one name in names.zh or names.en")
        return names

    @field_validator("aliases", "categories", "authorized_sellers", "known_variants")
    @classmethod
    def _no_blank_items(cls, items: list[str]) -> list[str]:
        cleaned = [item.strip() for item in items]
        if any(not item for item in cleaned):
            raise ValueError("list items must not be blank")
        return cleaned

    @field_validator("reference_prices")
    @classmethod
    def _positive_prices(cls, prices: dict[str, float]) -> dict[str, float]:
        for currency, value in prices.items():
            if value <= 0:
                raise ValueError(f"reference price for {currency} must be positive")
        return {currency.upper(): value for currency, value in prices.items()}

    def all_names(self) -> list[str]:
        """House-mark names in both languages."""
        return [*self.names.zh, *self.names.en]


class LexiconTerm(BaseModel):
    """An entry in the counterfeit-signal lexicon."""

    model_config = ConfigDict(extra="forbid")

    term: str = Field(min_length=1, max_length=64)
    language: Literal["zh", "en", "any"] = "any"
    strength: Strength
    category: str = Field(min_length=1, max_length=40, pattern=r"^[a-z_]+$")
    source: str | None = None

    @field_validator("term")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("term must not be blank")
        return value


@dataclass(slots=True)
class Reason:
    """One piece of evidence behind a score: what fired, where in the title, and its contribution.

    ``weight`` is the signal's contribution to the risk in log-odds (positive raises the risk);
    ``span`` is [start, end) in the original title.
    """

    signal: str
    text: str
    weight: float
    span: tuple[int, int] | None = None
    brand_id: str | None = None
    detail: str | None = None
    feature: str | None = None  # the feature group this reason stands for (internal, not serialised)

    def to_dict(self, explain: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"signal": self.signal, "text": self.text}
        if self.span is not None:
            out["span"] = list(self.span)
        out["weight"] = self.weight
        if explain:
            if self.brand_id is not None:
                out["brand_id"] = self.brand_id
            if self.detail is not None:
                out["detail"] = self.detail
        return out


@dataclass(slots=True)
class ScoreResult:
    """The detector's verdict on one listing (the score-result contract)."""

    listing_id: str | None
    risk: float
    flagged: bool
    level: str
    brand_id: str | None
    reasons: list[Reason]
    library_version: str
    model_version: str
    error: str | None = None

    def to_dict(self, explain: bool = False) -> dict[str, Any]:
        """The JSON object of the contract; ``explain`` adds each reason's brand and detail."""
        out: dict[str, Any] = {
            "listing_id": self.listing_id,
            "risk": self.risk,
            "flagged": self.flagged,
            "level": self.level,
            "brand_id": self.brand_id,
            "reasons": [r.to_dict(explain) for r in self.reasons],
            "library_version": self.library_version,
            "model_version": self.model_version,
        }
        if self.error is not None:
            out["error"] = self.error
        return out
