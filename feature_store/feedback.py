"""Feedback into the library: confirmed counterfeits become exemplars; the disguised spellings they used,
the knowledge base's names and product lines for a listed brand, and product lines mined from its own
listings are proposed — held for an admin, never added alone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .knowledge import ENRICHMENT_KINDS, BrandKnowledge, document_counts, name_key, product_lines
from .schema import ExemplarRow, VariantProposalRow
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
        proposals = [variant for _, variant, _ in self.propose(mine_variants(result), case["id"])]
        return {"exemplar_added": bool(added), "proposals": proposals}

    def enrich(self, knowledge: BrandKnowledge, brand_ids: Iterable[str] | None = None,
               mine: bool = True, brands: list[Any] | None = None,
               session: Session | None = None) -> list[tuple[str, str, str]]:
        """Propose what the knowledge base and the brands' own listings add to listed brands; the new proposals.

        A text proposed before (pending, approved or rejected) is not proposed again. ``brands`` and
        ``session``: brands being imported in that open transaction, so the import and its proposals
        are stored together or not at all.
        """
        wanted = set(brand_ids) if brand_ids is not None else None
        if brands is None:
            brands = [b for b in self.library.brands() if wanted is None or b.id in wanted]
        findings = [(b.id, text, kind) for b in brands for text, kind in knowledge.proposals(b)]
        if mine and brands:
            findings += self._catalogue_lines(brands)
        return self.propose(findings, None, session=session, listed_brands=brands if session else None)

    def _catalogue_lines(self, brands: list[Any]) -> list[tuple[str, str, str]]:
        """Product lines mined from each brand's exemplars (genuine catalogue and confirmed counterfeits)."""
        from detector.library import english_words, load_lexical_rules, load_product_kinds

        with self.sessions() as session:
            rows = session.execute(select(ExemplarRow.brand_id, ExemplarRow.text)).all()
        if not rows:
            return []
        by_brand: dict[str, list[str]] = {}
        for brand_id, text in rows:
            by_brand.setdefault(brand_id, []).append(text)
        rules = load_lexical_rules()
        stop = {name_key(w) for w in [*(w for words in load_product_kinds().keywords.values() for w in words),
                                      *rules.accessory_words, *rules.second_hand_markers, *rules.nominative_cues,
                                      *rules.exempt_phrases, *(t.term for t in self.library.terms())]}
        english = english_words()
        # each brand's listings are read once; a brand's "others" are everything less its own
        counts = {brand_id: document_counts(texts) for brand_id, texts in by_brand.items()}
        total: Counter[str] = sum(counts.values(), Counter())
        out = []
        for brand in brands:
            own, n_own = counts.get(brand.id, Counter()), len(by_brand.get(brand.id, []))
            out += [(brand.id, line, "catalogue_line")
                    for line in product_lines(brand, own, n_own, total - own, len(rows) - n_own, stop, english)]
        return out

    def propose(self, variants: list[tuple[str, str, str]], case_id: int | None, session: Session | None = None,
                listed_brands: list[Any] | None = None) -> list[tuple[str, str, str]]:
        """Record new proposals (brand, text, kind); a text already proposed or listed is skipped."""
        if session is None:
            with self.sessions.begin() as own:
                return self.propose(variants, case_id, own, listed_brands)
        brands = self.library.brands() if listed_brands is None else listed_brands
        listed = {(b.id, v) for b in brands for v in [*b.known_variants, *b.all_names(), *b.aliases]}
        made = []
        existing = {(r.brand_id, r.variant) for r in session.scalars(select(VariantProposalRow))}
        for brand, variant, kind in variants:
            if (brand, variant) in existing or (brand, variant) in listed:
                continue
            existing.add((brand, variant))
            session.add(VariantProposalRow(brand_id=brand, variant=variant, kind=kind, case_id=case_id,
                                           status="pending", created_at=datetime.now(UTC)))
            made.append((brand, variant, kind))
        if any(kind in ENRICHMENT_KINDS for _brand, _variant, kind in made):
            session.flush()  # undecided knowledge is matched at once: a new library version
            self.library.record_version(session, f"{len(made)} knowledge proposal(s)")
        return made

    def proposals(self, status: str | None = "pending") -> list[dict[str, Any]]:
        with self.sessions() as session:
            query = select(VariantProposalRow).order_by(VariantProposalRow.id)
            if status:
                query = query.where(VariantProposalRow.status == status)
            return [{"id": r.id, "brand_id": r.brand_id, "variant": r.variant, "kind": r.kind, "case_id": r.case_id,
                     "status": r.status} for r in session.scalars(query)]

    def decide_proposal(self, proposal_id: int, approve: bool, actor: str) -> dict[str, Any]:
        """Approve (the text joins the brand's list entry, a new library version) or reject one proposal."""
        outcome = self.decide_many([proposal_id], approve, actor)
        return {"id": proposal_id, "status": outcome["status"], "library_version": outcome["library_version"]}

    def decide_many(self, proposal_ids: list[int], approve: bool, actor: str) -> dict[str, Any]:
        """Approve or reject pending proposals at once; approvals make one new library version.

        A spelling mined from a case or a knock-off mark joins the brand's ``known_variants``; a name,
        alias or product line from the knowledge base or the brand's listings joins its ``aliases``.
        Refused whole (nothing decided) when one id is not a pending proposal.
        """
        status = "approved" if approve else "rejected"
        additions: dict[str, dict[str, list[str]]] = {}
        knowledge_rejected = False  # an enrichment finding: the library version records its rejection
        with self.sessions.begin() as session:
            for proposal_id in proposal_ids:
                row = session.get(VariantProposalRow, proposal_id)
                if row is None or row.status != "pending":
                    raise LookupError(f"no pending proposal {proposal_id}")
                row.status, row.decided_by = status, actor
                knowledge_rejected |= not approve and row.kind in ENRICHMENT_KINDS
                field = ENRICHMENT_KINDS.get(row.kind, "known_variants")
                additions.setdefault(row.brand_id, {}).setdefault(field, []).append(row.variant)
            version = None
            if not approve and knowledge_rejected:
                # a rejected knowledge-base finding is no longer matched: a new library version
                session.flush()
                version = self.library.record_version(session, f"{len(proposal_ids)} proposal(s) rejected by {actor}")
            if approve and additions:
                updated = []
                for brand in self.library.brands():
                    if brand.id in additions:
                        extra = additions[brand.id]
                        updated.append(brand.model_copy(update={
                            name: [*getattr(brand, name), *(v for v in values if v not in getattr(brand, name))]
                            for name, values in extra.items()}))
                note = f"{len(proposal_ids)} proposal(s) approved by {actor}"
                version = self.library.import_brands(updated, note=note, session=session).version
        return {"ids": proposal_ids, "status": status, "library_version": version}
