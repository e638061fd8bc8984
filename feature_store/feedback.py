"""Feedback from decisions into the library: confirmed counterfeits become exemplars, and the
disguised spellings they used are proposed as known variants — held for an admin, never added alone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from .schema import VariantProposalRow
from .store import LibraryStore

MINED_SIGNALS = {
    "homophone_name": "homophone",
    "pinyin_initials": "initials",
    "lookalike_name": "lookalike",
    "obfuscated_name": "obfuscated",
    "near_name": "near_name",
}


def mine_variants(result: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(brand_id, spelling as written, kind) for each disguised brand match in a score result."""
    found = []
    for reason in result.get("reasons", []):
        kind = MINED_SIGNALS.get(reason.get("signal", ""))
        brand = reason.get("brand_id") or result.get("brand_id")
        text = str(reason.get("text") or "").strip()
        if kind and brand and 2 <= len(text) <= 60:
            found.append((brand, text, kind))
    return found


class LibraryFeedback:
    """Turns reviewers' decisions into exemplars and variant proposals."""

    def __init__(self, library: LibraryStore, index_dir: Path, model: str | None = None) -> None:
        self.library = library
        self.sessions = library.sessions
        self.index_dir = index_dir
        self.model = model

    def confirmed_counterfeit(self, case: dict[str, Any], actor: str) -> dict[str, Any]:
        """An ``infringing`` decision: the listing becomes a counterfeit exemplar; spellings are proposed."""
        from .exemplars import ExemplarStore

        listing, result = case["listing"], case["result"]
        brand = result.get("brand_id")
        added = 0
        if brand and brand in {b.id for b in self.library.brands()}:
            store = ExemplarStore(self.library, self.index_dir, self.model)
            record = {"title": listing["title"], "brand_id": brand, "listing_id": listing.get("listing_id"),
                      "description": listing.get("description")}
            added = store.add([record], "counterfeit", source=f"case {case['id']} by {actor}").added
        proposals = self.propose(mine_variants(result), case["id"])
        return {"exemplar_added": bool(added), "proposals": proposals}

    def propose(self, variants: list[tuple[str, str, str]], case_id: int | None) -> list[str]:
        """Record new proposals (a spelling already proposed or listed is skipped)."""
        listed = {(b.id, v) for b in self.library.brands() for v in [*b.known_variants, *b.all_names(), *b.aliases]}
        made = []
        with self.sessions.begin() as session:
            existing = {(r.brand_id, r.variant) for r in session.scalars(select(VariantProposalRow))}
            for brand, variant, kind in variants:
                if (brand, variant) in existing or (brand, variant) in listed:
                    continue
                existing.add((brand, variant))
                session.add(VariantProposalRow(brand_id=brand, variant=variant, kind=kind, case_id=case_id,
                                               status="pending", created_at=datetime.now(UTC)))
                made.append(variant)
        return made

    def proposals(self, status: str | None = "pending") -> list[dict[str, Any]]:
        with self.sessions() as session:
            query = select(VariantProposalRow).order_by(VariantProposalRow.id)
            if status:
                query = query.where(VariantProposalRow.status == status)
            return [{"id": r.id, "brand_id": r.brand_id, "variant": r.variant, "kind": r.kind, "case_id": r.case_id,
                     "status": r.status} for r in session.scalars(query)]

    def decide_proposal(self, proposal_id: int, approve: bool, actor: str) -> dict[str, Any]:
        """Approve (the spelling joins the brand's known_variants, a new library version) or reject."""
        with self.sessions.begin() as session:
            row = session.get(VariantProposalRow, proposal_id)
            if row is None or row.status != "pending":
                raise LookupError(f"no pending proposal {proposal_id}")
            row.status, row.decided_by = ("approved" if approve else "rejected"), actor
            brand_id, variant = row.brand_id, row.variant
        version = None
        if approve:
            brand = next(b for b in self.library.brands() if b.id == brand_id)
            updated = brand.model_copy(update={"known_variants": [*brand.known_variants, variant]})
            version = self.library.import_brands([updated], note=f"variant {variant!r} approved by {actor}").version
        return {"id": proposal_id, "status": "approved" if approve else "rejected", "library_version": version}
