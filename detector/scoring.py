"""Stage 3 without a trained model: a transparent rule scorer over the lexical evidence.

Each contribution is a log-odds weight from ``rules/scoring.yaml``; the risk is the logistic
of their sum, and every contribution is reported as a reason with its span in the title.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from .lexical import EVASION_KINDS, BrandHit, Hit, LexicalEvidence, reads_as_word
from .library import (
    BARE_CUE_MIN_LETTERS,
    DERIVED_SOURCE,
    POSTPOSED,
    Library,
    dictionary_words,
    everyday_key,
    name_says_kind,
)
from .semantic import SemanticEvidence
from .text import has_cjk, normalise_term
from .types import Brand, LexiconTerm, Listing, Reason, ScoreResult

RULE_MODEL_VERSION = "rules-v{version}"


@dataclass
class Assessment:
    """Everything a scorer needs: the brand, the reasons (tagged by feature group), the rule parts."""

    choice: BrandChoice | None
    reasons: list[Reason]
    parts: dict[str, float]  # feature group → rule contribution in log-odds
    indicators: dict[str, float]
    logit: float  # the rule scorer's log-odds


@dataclass(frozen=True)
class BrandChoice:
    """The brand a listing is judged against and the strongest hit naming it."""

    brand: Brand
    best: BrandHit
    hits: list[BrandHit]
    weight: float


def level_for(risk: float, levels: dict[str, float]) -> str:
    for name in ("high", "medium", "low"):
        if risk >= levels[name]:
            return name
    return "none"


# Rule parts that clear a listing of its mark (the owner's own seller; the mark's everyday sense on another kind),
# each also a feature of the same name: whichever scorer runs, such a listing keeps the rules' risk
# (RuleScorer.cleared; models.training.served_risks for a model's held-out figures)
CLEARING = ("authorized_seller", "other_product_kind")


class RuleScorer:
    """Scores lexical evidence with the weights of the scoring rules."""

    def __init__(self, library: Library, threshold: float | None = None) -> None:
        self.library = library
        self.rules = library.scoring
        self.threshold = float(threshold if threshold is not None else self.rules["threshold"])
        self.version = RULE_MODEL_VERSION.format(version=self.rules["version"])

    def hit_weight(self, hit: BrandHit) -> float:
        weights = self.rules["brand_match"]
        if hit.needs_context:
            # a dictionary word read as the name (圣像) that nothing put in context is the word: no evidence
            return 0.0 if reads_as_word(hit) else float(weights["weak_without_context"])
        return float(weights[hit.kind])

    def _accessory_factor(self, evidence: LexicalEvidence, hit: BrandHit) -> float:
        if evidence.accessory and hit.kind in ("homophone", "initials", "near_name", "mixed", "shape"):
            return float(self.rules["accessory_weak_evasion_factor"])
        return 1.0

    def choose_brand(self, evidence: LexicalEvidence) -> BrandChoice | None:
        """The brand with the strongest evidence (ties: more hits, then earliest)."""
        grouped: dict[int, list[BrandHit]] = {}
        for hit in evidence.brand_hits:
            grouped.setdefault(hit.brand, []).append(hit)
        if not grouped:
            return None

        def rank(item: tuple[int, list[BrandHit]]) -> tuple[float, int, int]:
            _, hits = item
            return (max(self.hit_weight(h) for h in hits), len(hits), -min(h.start for h in hits))

        b_idx, hits = max(grouped.items(), key=rank)
        best = max(hits, key=lambda h: (self.hit_weight(h), -h.start))
        weight = self.hit_weight(best) * self._accessory_factor(evidence, best)
        return BrandChoice(self.library.brands[b_idx], best, hits, weight)

    def assess(
        self,
        listing: Listing,
        evidence: LexicalEvidence,
        default_currency: str = "CNY",
        semantic: SemanticEvidence | None = None,
    ) -> Assessment:
        """The rule contributions by feature group, the reasons behind them, and raw indicators."""
        rules = self.rules
        reasons: list[Reason] = []
        parts: dict[str, float] = {}
        if semantic is not None and semantic.claims:  # claims the embedding claim model read (stage 2)
            evidence = replace(evidence, claims=[*evidence.claims, *(
                Hit("embedded_claim", p, a, b, evidence.text.text[a:b]) for a, b, p in semantic.claims)])
        choice = self.choose_brand(evidence)
        if choice is not None and self.unread_word(choice, semantic):
            choice = None  # a dictionary word read as a name (圣像, 喂食 for 卫仕) that nothing put in context is the
            # word: the title names no brand, and the semantic stage read it as such (Detector._semantic_for)
        if choice is None and semantic is not None:
            choice = self._semantic_candidate(evidence, semantic)
        elif choice is not None and semantic is not None and semantic.brand_id == choice.brand.id and all(
                h.kind == "alias" for h in choice.hits):
            # a product line alone (Khaki, The Monsters) is no weaker evidence than no name at all: a title that
            # close to the brand's counterfeits is their candidate, its line named beside it
            candidate = self._semantic_candidate(evidence, semantic, named_line=True)
            if candidate is not None and candidate.weight > choice.weight:
                choice = BrandChoice(choice.brand, candidate.best, [candidate.best, *choice.hits], candidate.weight)
        if choice is not None and evidence.accessory:
            evidence = self._own_product_words(evidence, choice, semantic)
        shared = self._exemplar_words(choice, semantic)
        own_words = bool(shared)  # words of the brand's own products: the listing is of its kind
        if choice is not None and choice.best.needs_context and shared:
            # what a weak mention lacked: the title is in the words of this brand's own counterfeits
            choice = self._in_context(evidence, choice, f"shares {', '.join(shared[:4])} with {choice.brand.id}'s "
                                                        "counterfeit exemplars")
        elif choice is not None and choice.best.needs_context and self._means_label(choice, semantic):
            # ...or a word of the title means one of the brand's own labels, in words the taxonomy lacks; the
            # reading that gave the mention its context is the listing's kind too (巧克力派 is choco pie, though
            # the taxonomy's 巧克力 makes it sweets beside a brand of snacks)
            choice = self._in_context(evidence, choice, _label_reading(semantic))
            own_words = True
        brand_id = choice.brand.id if choice else None
        nominative = self._nominative(evidence, choice)
        group = None

        if choice is not None:
            group = f"brand_{choice.best.kind}"
            parts[group] = choice.weight
            for hit in choice.hits:
                weight = choice.weight if hit is choice.best else 0.0
                reason = self._reason(evidence, _signal_for(hit), hit.start, hit.end, weight, brand_id, hit.detail)
                reason.feature = group if hit is choice.best else None
                reasons.append(reason)
            if choice.best.kind == "alias" and not any(h.kind == "name" for h in choice.hits):
                extra = float(rules["brand_match"]["alias_without_mark"])
                parts["alias_without_mark"] = extra
                reasons.append(Reason(signal="alias_without_mark", text=choice.best.word, weight=extra,
                                      brand_id=brand_id, detail="product line named without the house mark",
                                      feature="alias_without_mark"))

        self._terms(evidence, reasons, parts, nominative is not None, choice)
        ratio = None
        other_kind = self._other_kind(evidence, choice, semantic, own_words) if choice is not None else None
        if other_kind:
            assert choice is not None
            weight = float(rules["other_product_kind"])
            parts["other_product_kind"] = weight
            reasons.append(Reason(signal="other_product_kind", text=other_kind, weight=weight, brand_id=brand_id,
                                  detail=f"a listing of {other_kind}; {choice.brand.id} makes "
                                         f"{', '.join(choice.brand.categories) or 'no listed kind'}",
                                  feature="other_product_kind"))
        if choice is not None and not other_kind:
            ratio = self._price(listing, evidence, choice, reasons, parts, default_currency, nominative is not None,
                                semantic)
            seller = {listing.seller_id, listing.seller_name} - {None}
            if seller & set(choice.brand.authorized_sellers):
                weight = float(rules["authorized_seller"])
                parts["authorized_seller"] = weight
                seller_text = str(listing.seller_id or listing.seller_name)
                reasons.append(Reason(signal="authorized_seller", text=seller_text, weight=weight, brand_id=brand_id,
                                      detail="seller is authorised by the mark owner", feature="authorized_seller"))
            if nominative is not None:
                weight = float(rules["nominative_use"])
                parts["nominative_use"] = weight
                reason = self._reason(evidence, "nominative_use", nominative.start, nominative.end, weight,
                                      brand_id, "names the brand only to say what it fits")
                reason.feature = "nominative_use"
                reasons.append(reason)
        if semantic is not None and choice is not None and semantic.brand_id == choice.brand.id:
            # a listing at the brand's own price is the genuine product as plausibly as its counterfeit
            full_price = ratio is not None and ratio >= float(rules["semantic"]["full_price_ratio"])
            explained = bool(evidence.second_hand or evidence.accessory) or nominative is not None or (
                "authorized_seller" in parts) or full_price
            self._semantic_support(evidence, semantic, choice, reasons, parts, explained)
        for hit, context in evidence.homonyms:
            reasons.append(self._reason(evidence, "homonym_context", context.start, context.end, 0.0,
                                        self.library.brands[hit.brand].id,
                                        f"{hit.word} used in its everyday sense"))
        indicators = {
            "has_brand": float(choice is not None),
            "price_log_ratio": math.log(max(ratio, 1e-3)) if ratio is not None else 0.0,
            "needs_context": float(choice is not None and choice.best.needs_context),
            "brand_hits": float(len(choice.hits)) if choice else 0.0,
            "second_hand": float(bool(evidence.second_hand)) if choice else 0.0,
            "accessory": float(bool(evidence.accessory)) if choice else 0.0,
            "category_context": float(choice is not None and self.in_category(evidence, choice.brand)),
            "semantic_counterfeit_sim": semantic.counterfeit_sim if semantic and choice else 0.0,
            "semantic_margin": semantic.margin if semantic and choice else 0.0,
        }
        return Assessment(choice, reasons, parts, indicators, float(rules["bias"]) + sum(parts.values()))

    def _in_context(self, evidence: LexicalEvidence, choice: BrandChoice, why: str) -> BrandChoice:
        """The choice with its weak mention in context (``why``), weighed as its kind of match."""
        weight = float(self.rules["brand_match"][choice.best.kind]) * self._accessory_factor(evidence, choice.best)
        best = replace(choice.best, needs_context=False,
                       detail=(choice.best.detail + "; " if choice.best.detail else "") + f"in context: {why}")
        return BrandChoice(choice.brand, best, [best if h is choice.best else h for h in choice.hits], weight)

    def _own_product_words(self, evidence: LexicalEvidence, choice: BrandChoice,
                           semantic: SemanticEvidence | None) -> LexicalEvidence:
        """The evidence without the accessory words that name the chosen brand's own product (a case from a
        maker of protective cases is its product: its price is compared, its mention is no compatibility).

        Also the word the semantic stage found to mean one of the brand's labels, in another language (电池
        to a maker of "batteries"): a word read as the brand's kind of product cannot be a part for it.
        """
        b_idx = self.library.brand_index[choice.brand.id]
        means_label = self._means_label(choice, semantic)
        kept = [a for a in evidence.accessory
                if not self.library.names_own_product(a.word, b_idx) and a.word != means_label]
        return evidence if len(kept) == len(evidence.accessory) else replace(evidence, accessory=kept)

    def _means_label(self, choice: BrandChoice, semantic: SemanticEvidence | None) -> str | None:
        """The title word the semantic stage read as one of the chosen brand's labels, if any: at label_word_min,
        or label_word_known_min for a weak mention and a label the taxonomy knows (its keywords were not there)."""
        if semantic is None or semantic.brand_id != choice.brand.id or not semantic.label_word:
            return None
        # for a weak mention, a label the taxonomy knows has keywords the title lacks: a word must be nearer to it
        unknown = self.library.unknown_labels().get(choice.brand.id, ())
        known = choice.best.needs_context and semantic.label not in unknown
        needed = self.rules["product_kind"]["label_word_known_min" if known else "label_word_min"]
        return semantic.label_word if semantic.label_sim >= float(needed) else None

    def _semantic_candidate(self, evidence: LexicalEvidence, semantic: SemanticEvidence,
                            named_line: bool = False) -> BrandChoice | None:
        """A listing naming no brand (``named_line``: only a product line of it) that sits close to one brand's
        counterfeits becomes its candidate.

        How close: nearer the counterfeits than ordinary wording for the kind of product, by less where the
        title shares words with them that name no kind of product (洛达, i-Type) or a model number; a title
        sharing only ordinary wording with them (鲜肉粽 嘉兴 端午 for a zongzi maker's exemplar) and naming
        nothing of the brand is the kind of product, not its counterfeit, unless it is nearly one of them.
        """
        rules = self.rules["semantic"]
        index = self.library.brand_index.get(semantic.brand_id or "")
        distinctive = len(semantic.distinctive_terms) >= int(rules["distinctive_terms_min"])
        if semantic.model_numbers:
            needed = float(rules["model_number_min"])
        elif distinctive:
            needed = float(rules["candidate_min_distinctive"])
        elif named_line:
            needed = float(rules["candidate_min"])
        else:
            needed = float(rules["candidate_min_ordinary"])
        background = float(rules["background_margin_own_model_number" if semantic.own_model_number else
                                 "background_margin_model_number" if semantic.model_numbers else
                                 "background_margin_distinctive" if distinctive else "background_margin"])
        if (
            index is None
            or semantic.counterfeit_sim < needed
            # a model number only this brand's counterfeits write names it, however near another brand's wording
            or (not semantic.own_model_number
                and semantic.counterfeit_sim - semantic.runner_up_sim < float(rules["candidate_gap"]))
            or semantic.margin < float(rules["candidate_margin"])
            or semantic.counterfeit_sim - semantic.background_sim < background
        ):
            return None
        brand = self.library.brands[index]
        length = len(evidence.text.text)
        detail = (f"cosine {semantic.counterfeit_sim:.2f} to counterfeit exemplars "
                  f"{', '.join(f'#{n}' for n in semantic.neighbours[:3])} of {brand.id}")
        if semantic.model_numbers:
            detail += f"; shares model number {', '.join(semantic.model_numbers)}"
        elif distinctive:
            detail += f"; shares {', '.join(semantic.distinctive_terms[:4])}"
        detail += f"; {semantic.background_sim:.2f} to ordinary wording for its kind of product"
        hit = BrandHit(index, "semantic", 0, max(length, 1), brand.id, detail=detail)
        return BrandChoice(brand, hit, [hit], float(self.rules["brand_match"]["semantic"]))

    def _semantic_support(self, evidence: LexicalEvidence, semantic: SemanticEvidence, choice: BrandChoice,
                          reasons: list[Reason], parts: dict[str, float], explained: bool) -> None:
        """Closeness to the brand's counterfeits over its genuine catalogue.

        Without a genuine catalogue to weigh against, closeness says only that the listing is the same
        product as a counterfeit; a used one, a part or an authorised seller's is that too, so such a
        listing (``explained``) takes no support then.
        """
        rules = self.rules["semantic"]
        if choice.best.kind == "semantic":
            return
        weight = 0.0
        if semantic.margin >= float(rules["support_margin"]) and (semantic.genuine_known or not explained):
            for band in rules["support"]:
                if semantic.counterfeit_sim >= float(band["min"]):
                    weight = float(band["weight"])
                    break
        signal, group = "similar_counterfeit_exemplar", "semantic_support"
        if not weight and semantic.margin <= float(rules["genuine_margin"]):
            weight, signal, group = float(rules["genuine_weight"]), "similar_genuine_exemplar", "semantic_genuine"
        if weight:
            parts[group] = weight
            ids = ", ".join(f"#{n}" for n in semantic.neighbours[:3])
            reasons.append(Reason(signal=signal, text=evidence.text.original[:80], weight=weight,
                                  brand_id=choice.brand.id, feature=group,
                                  detail=f"cosine {semantic.counterfeit_sim:.2f} to counterfeits ({ids}), "
                                         f"{semantic.genuine_sim:.2f} to the genuine catalogue"))

    def unread_word(self, choice: BrandChoice, semantic: SemanticEvidence | None) -> bool:
        """Whether the chosen mention is a dictionary word read as the name (``reads_as_word``) that neither the
        brand's counterfeit words nor a word read as one of its labels put in context: the word, not the name."""
        return (choice.best.needs_context and reads_as_word(choice.best)
                and not self._exemplar_words(choice, semantic) and not self._means_label(choice, semantic))

    def _exemplar_words(self, choice: BrandChoice | None, semantic: SemanticEvidence | None) -> list[str]:
        """Distinctive words of the chosen brand's counterfeit exemplars in the title, its names left out,
        when there are enough of them to make the title that brand's kind of product."""
        if choice is None or semantic is None or semantic.brand_id != choice.brand.id:
            return []
        words = self._beyond_names(choice, semantic)
        return words if len(words) >= int(self.rules["product_kind"]["shared_terms_min"]) else []

    @staticmethod
    def _beyond_names(choice: BrandChoice, semantic: SemanticEvidence) -> list[str]:
        """The words the title shares with the brand's counterfeit exemplars other than its names and lines."""
        names = [normalise_term(n) for n in (*choice.brand.all_names(), *choice.brand.aliases)]
        return [t for t in semantic.shared_terms if not any(t in n for n in names)]

    def in_category(self, evidence: LexicalEvidence, brand: Brand) -> bool:
        return self.library.of_brand_kind(evidence.categories, self.library.brand_index[brand.id])

    def _everyday_word(
        self, evidence: LexicalEvidence, choice: BrandChoice, semantic: SemanticEvidence | None
    ) -> str | None:
        """Names and lines that are everyday words, alone, with nothing of the brand's kind, no likeness (claims
        are ruled out by :meth:`_other_kind` before it asks).

        "citizen science kit" names no watch; "Citizen Eco-Drive watch" does (the taxonomy's word);
        "mailer boxes with box logo" is no streetwear, "苹果木 烧烤炭" no phone.
        """
        if not self.everyday_mark(choice):
            return None
        if not evidence.categories and _mark_then_line(choice, evidence.text.text):
            # the house mark followed by its line (Specialized Tarmac), in a title naming no other kind of
            # product (a day tour of the Grand Canyon Ultimate is a tour), means the brand, not the words
            return None
        if self.in_category(evidence, choice.brand):
            return None
        if semantic is not None and semantic.brand_id == choice.brand.id and semantic.neighbours and (
                semantic.counterfeit_sim >= float(self.rules["product_kind"]["exemplar_min"])):
            return None
        if self._means_label(choice, semantic):
            return None  # a word the taxonomy lacks names one of its labels (NBA beside "basketballs")
        return (f"'{choice.best.word}' in its everyday sense: nothing in the title is a kind of product "
                f"{choice.brand.id} makes")

    def _other_kind(
        self, evidence: LexicalEvidence, choice: BrandChoice, semantic: SemanticEvidence | None,
        own_words: bool,
    ) -> str | None:
        """What the listing plainly is when the brand makes no such thing (a poster, a book), else None.

        From the taxonomy's words in the title, when the brand's category labels name kinds the
        taxonomy knows (else it cannot tell: 剃须刀 is not a knife to a brand of "shavers"); where it
        has none, a title plainly of a kind that carries marks as its subject (a film, a book) is still
        another kind, and otherwise the brand's own exemplars decide: a title far from every exemplar of
        the brand is not the brand's kind of product.
        """
        brand = choice.brand
        if not brand.categories or _disguised(choice.best) or choice.best.kind == "semantic":
            # a disguised spelling (三只松鼡, Nlke) has no everyday sense to read it in; a listing picked for
            # its closeness to the brand's counterfeits is the brand's kind of product by that closeness
            return None
        if evidence.terms or evidence.claims:
            # a counterfeit claim or "X同款" reads the mention as the mark, whatever the product (a Chanel-style
            # coat rides on Chanel though the list names only its bags)
            return None
        everyday = self._everyday_word(evidence, choice, semantic)
        if everyday:
            return everyday
        b_idx = self.library.brand_index[brand.id]
        if evidence.categories and self.in_category(evidence, brand):
            return None  # of its kind (a taxonomy kind, or its own label written out: "cookware")
        if own_words:
            # in the words of the brand's own confirmed counterfeits (人体工学椅), whatever kind a taxonomy word
            # inside them names (电脑 of 电脑椅, a computer chair): the platform's cases know the brand's products;
            # or a weak mention given its context by a word read as one of the brand's own labels
            return None
        read = self._means_label(choice, semantic)
        if read and any(word in read.lower() for kind in evidence.sure_categories
                        for word in self.library.kinds.keywords.get(kind, ())):
            # the word a taxonomy kind was read in is one of the brand's own labels: 电纸书 is an e-reader (CC-CEDICT
            # "electronic book reader"), though its 书 is a book
            return None
        if evidence.categories and self.library.brand_kinds_known[b_idx]:
            if not evidence.sure_categories:
                return None  # named only by a character inside another word (剃须刀's 刀)
            if any(self.library.kinds.named_inside(label, evidence.sure_categories) for label in brand.categories):
                return None  # the title's kind is the head of the brand's own label (手表: watch in smartwatches)
            return ", ".join(sorted(evidence.sure_categories))
        subjects = evidence.sure_categories & self.library.kinds.subject_kinds
        if subjects and subjects == evidence.sure_categories and not subjects & self.library.brand_kinds[b_idx]:
            return ", ".join(sorted(subjects))  # a film titled with the mark, whatever the brand's labels are
        if semantic is None or semantic.brand_id != brand.id or not semantic.neighbours:
            return None
        if semantic.counterfeit_sim >= float(self.rules["product_kind"]["exemplar_min"]):
            return None
        return f"another kind of product (cosine {semantic.counterfeit_sim:.2f} to the nearest exemplar of {brand.id})"

    @staticmethod
    def cleared(assessment: Assessment) -> bool:
        """Whether the rules clear the listing of its mark: another kind of product (read only where the title
        makes no claim: RuleScorer._other_kind), or a seller the mark owner authorised, who sells that mark's
        goods: no infringement of it, whatever the price."""
        return any(part in assessment.parts for part in CLEARING)

    def result(
        self, listing: Listing, assessment: Assessment, logit: float, threshold: float, model_version: str
    ) -> ScoreResult:
        """A result from a log-odds risk; without a listed mark the risk stays below a flag."""
        risk = 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))
        cleared = self.cleared(assessment)
        if assessment.choice is None or cleared:
            # No listed mark, a mark in its everyday sense on another kind of product with no counterfeit claim,
            # or the owner's own seller: nothing on the list is infringed, whichever scorer produced the log-odds.
            risk = min(risk, float(self.rules["no_brand_cap"]), threshold * 0.9)
        risk = round(risk, 4)
        return ScoreResult(
            listing_id=listing.listing_id,
            risk=risk,
            flagged=assessment.choice is not None and not cleared and risk >= threshold,
            level=level_for(risk, self.rules["levels"]),
            brand_id=assessment.choice.brand.id if assessment.choice else None,
            reasons=sorted(assessment.reasons, key=lambda r: -abs(r.weight)),
            library_version=self.library.version,
            model_version=model_version,
        )

    # -- parts --------------------------------------------------------------------------------

    def _nominative(self, evidence: LexicalEvidence, choice: BrandChoice | None):  # type: ignore[no-untyped-def]
        if choice is None or choice.best.kind in EVASION_KINDS:
            return None
        for hit in choice.hits:
            for cue in evidence.nominative:
                if cue.ref != POSTPOSED and cue.end <= hit.start and hit.start - cue.end <= 6:
                    return cue
        return None

    def _terms(
        self,
        evidence: LexicalEvidence,
        reasons: list[Reason],
        parts: dict[str, float],
        nominative: bool,
        choice: BrandChoice | None,
    ) -> None:
        rules = self.rules
        scored = []
        for hit in evidence.terms:
            term = self.library.terms[hit.ref]
            if nominative and term.category in ("brand_riding", "quality_claim"):
                continue
            weight = float(rules["terms"].get(term.category, rules["terms"]["default"]))
            weight *= float(rules["strength"][term.strength])
            if evidence.second_hand and term.category == "provenance" and term.strength == "soft":
                weight *= float(rules["second_hand_soft_provenance_factor"])
            if term.category in rules["adjacent_categories"] and not _beside_brand(
                    hit, choice, rules["adjacency"], evidence, int(rules["adjacency_words"])):
                weight = min(weight, float(rules["extra_term"]))
            scored.append((weight, hit, term))
        claim_weight = float(rules["terms"]["learned_claim"])
        for hit in evidence.claims:
            if not nominative:
                scored.append((claim_weight, hit, _LEARNED_CLAIM))
        scored.sort(key=lambda item: -item[0])
        seen: set[str] = set()
        for i, (weight, hit, term) in enumerate(scored):
            if term.term in seen:
                continue
            seen.add(term.term)
            contribution = weight if i == 0 else min(weight, float(rules["extra_term"]))
            group = f"term_{term.category}"
            parts[group] = parts.get(group, 0.0) + contribution
            signal = "counterfeit_term" if term.category == "self_declaration" else term.category
            detail = f"{term.strength} {term.category} term"
            if term.source and term.source.startswith(DERIVED_SOURCE):  # derived from the lexicon (library.py)
                detail += f": {term.source}"
            if term is _LEARNED_CLAIM:
                how = "embedding claim model" if hit.kind == "embedded_claim" else "learned claim detector"
                detail = f"claims to be like the genuine article ({how}, p={hit.ref:.2f})"
            reason = self._reason(evidence, signal, hit.start, hit.end, contribution, None, detail)
            reason.feature = group
            reasons.append(reason)

    def _price(
        self,
        listing: Listing,
        evidence: LexicalEvidence,
        choice: BrandChoice,
        reasons: list[Reason],
        parts: dict[str, float],
        default_currency: str,
        nominative: bool,
        semantic: SemanticEvidence | None = None,
    ) -> float | None:
        """Adds the price signal; returns the price over the reference price when it applies.

        A price of 0 is a placeholder (price on request, a feed's missing value), not a price: no signal.
        """
        if not listing.price or nominative or evidence.accessory or _cue_after(evidence, choice):
            return None
        currency = listing.currency or _unstated_currency(listing.title, choice.brand, default_currency)
        reference = choice.brand.reference_prices.get(currency)
        if not reference:
            return None
        word = self._names_another_thing(evidence, choice, semantic)
        if word:
            reasons.append(Reason(signal="price_not_compared", text=f"{listing.price:g} {currency}", weight=0.0,
                                  brand_id=choice.brand.id, detail=word))
            return None
        part_of = self.library.accessory_only(evidence.categories, self.library.brand_index[choice.brand.id])
        if part_of:
            reasons.append(Reason(signal="price_not_compared", text=f"{listing.price:g} {currency}", weight=0.0,
                                  brand_id=choice.brand.id,
                                  detail=f"a listing of {', '.join(sorted(part_of))}; the reference price "
                                         f"{reference:g} {currency} is for {', '.join(choice.brand.categories)}"))
            return None
        ratio = listing.price / reference
        weight = 0.0
        for band in self.rules["price"]:
            if ratio < float(band["below"]):
                weight = float(band["weight"])
                break
        if weight and evidence.second_hand and ratio >= float(self.rules["second_hand_exempt_below"]):
            weight *= float(self.rules["second_hand_price_factor"])
        if weight:
            parts["price_ratio"] = weight
            unstated = "" if listing.currency else f" (no currency given: read as {currency})"
            reasons.append(Reason(signal="price_ratio", text=f"{listing.price:g} {currency}", weight=round(weight, 3),
                                  brand_id=choice.brand.id, feature="price_ratio",
                                  detail=f"{ratio:.0%} of the reference price {reference:g} {currency}{unstated}"))
        return ratio

    def _names_another_thing(self, evidence: LexicalEvidence, choice: BrandChoice,
                             semantic: SemanticEvidence | None) -> str | None:
        """Why the price says nothing of a brand mentioned plainly in a title that, by its words, is not the
        brand's kind of product, or not the brand's at all: the reference price is for what the brand's labels
        name, and nothing says the listing is that. None where that is not so, where a lexicon term or claim
        speaks, and (but for the first reading) where the semantic stage is not there to read the title's words.
        Three readings, the bar set by the kind of mention:

        * a product line only the knowledge base holds that is also an English word, written alone ("polarized
          aviator sunglasses": the style's own name), unless the title is close to the brand's counterfeits by
          more than its names (a model number they share);
        * a Chinese name that is also a dictionary word (红豆, 红蜻蜓), alone in a title naming no kind of product
          and holding no word as near as label_word_min to the brand's labels (杂粮 is no underwear), nor close to
          its counterfeits: the listing may be the word's thing at the word's price;
        * any name, in a title naming none of the brand's kinds nor a kind its fellows on the list sell beside
          one of them (fish oil, for a maker of supplements, where another brand is labelled both), whose every
          word is farther than label_word_far from each label ("coros chorus sheet music choir" to "sports
          watches", 箭牌 口香糖 to "toilets"), and close to the brand's counterfeits for nothing but the name
          ("Hermes greek god statue" is 0.44 from "Hermes Birkin 30 fake"). Only words that far count for any
          name: a weak embedding links some words poorly to their labels (油烟机 to "range hoods"). Not for a name
          that says its kind itself (Moroccanoil beside "hair oil": "Moroccanoil Treatment" is the oil).
        """
        if evidence.terms or evidence.claims:
            return None
        kind = self.rules["product_kind"]
        if semantic is not None and semantic.brand_id != choice.brand.id:
            semantic = None  # read against another brand: says nothing of this one
        near_counterfeits = semantic is not None and semantic.counterfeit_sim >= float(kind["exemplar_min"])
        if self.everyday_line_alone(choice):
            if semantic is not None and near_counterfeits and self._beyond_names(choice, semantic):
                return None  # the title shares more than the line's name with the brand's counterfeits (a model)
            return (f"'{choice.best.word}' is a line of {choice.brand.id} only by the knowledge base, and an English "
                    "word too (the name of a style: aviator sunglasses); nothing else of the brand is written")
        if semantic is None or not self.plainly_named(choice):
            return None
        makes = f"a kind of product {choice.brand.id} makes ({', '.join(choice.brand.categories)})"
        nearest = (f"; nearest: {semantic.label_word} to {semantic.label} (cosine {semantic.label_sim:.2f})"
                   if semantic.label_word else "")
        if (not evidence.categories and self.reads_as_word(choice) and not near_counterfeits
                and semantic.label_sim < float(kind["label_word_min"])):
            return f"'{choice.best.word}' is also a word, and nothing in the title is {makes}{nearest}"
        if (semantic.label_word and not self.in_category(evidence, choice.brand)
                and not self.library.of_kin_kind(evidence.categories, self.library.brand_index[choice.brand.id])
                and not any(name_says_kind(h.word, choice.brand.categories) for h in choice.hits)
                and semantic.label_sim < float(kind["label_word_far"])
                and not (near_counterfeits and self._beyond_names(choice, semantic))):
            return f"nothing in the title is near {makes}{nearest}"
        return None

    @staticmethod
    def plainly_named(choice: BrandChoice) -> bool:
        """Whether every mention is the house mark written as listed: no product line (a line is the brand's
        product), no disguise (a disguise has no other sense) and nothing read from the knowledge base."""
        return all(h.kind == "name" and not h.from_knowledge for h in choice.hits)

    def everyday_mark(self, choice: BrandChoice) -> bool:
        """Whether every mention is a name or line written plainly that is also an everyday word (Citizen, Box
        Logo, Spalding, 冠军; ``Library.everyday_names``): alone, it may mean the word."""
        everyday = self.library.everyday_names
        return all(h.kind in ("name", "alias") and everyday_key(h.word) in everyday for h in choice.hits)

    def everyday_line_alone(self, choice: BrandChoice) -> bool:
        """Whether every mention is a product line the knowledge base alone holds that is also an English word
        (Aviator, Wayfarer; ``Library.everyday_lines``), written plainly without the house mark. Not a Chinese
        one: 飞天 53度 and 倒钩 are how sellers name the line itself, 阿迪 a nickname of the house."""
        everyday = self.library.everyday_lines
        return all(h.kind == "alias" and h.from_knowledge and h.word.isascii() and everyday_key(h.word) in everyday
                   for h in choice.hits)

    @staticmethod
    def reads_as_word(choice: BrandChoice) -> bool:
        """Whether every mention is a Chinese name written plainly that the dictionary holds as a word."""
        words = dictionary_words()
        return RuleScorer.plainly_named(choice) and all(has_cjk(h.word) and h.word in words for h in choice.hits)

    def _reason(
        self, evidence: LexicalEvidence, signal: str, start: int, end: int, weight: float,
        brand_id: str | None, detail: str | None,
    ) -> Reason:
        return Reason(signal=signal, text=evidence.snippet(start, end), span=evidence.span(start, end),
                      weight=round(weight, 3), brand_id=brand_id, detail=detail)


def _unstated_currency(title: str, brand: Brand, default_currency: str) -> str:
    """The currency of a price sent without one: the platform's default, except that a title with no Chinese
    character, for a brand with a US-dollar reference price, is read in dollars (a Walmart or Amazon title
    priced 25 is no 25 CNY Nike). Said in the price reason."""
    if default_currency != "USD" and "USD" in brand.reference_prices and not has_cjk(title):
        return "USD"
    return default_currency


def _label_reading(semantic: SemanticEvidence) -> str:
    """How a title word was read as one of the brand's labels: a word of the label itself, or by its cosine."""
    if semantic.label_gloss:
        return f"{semantic.label_word} is '{semantic.label_gloss}' (CC-CEDICT), its label {semantic.label}"
    if semantic.label_sim >= 1.0:
        return f"{semantic.label_word} is a word of its label {semantic.label}"
    return f"{semantic.label_word} is {semantic.label} (cosine {semantic.label_sim:.2f})"


def _mark_then_line(choice: BrandChoice, text: str) -> bool:
    """Whether the brand's name is directly followed by one of its product lines, as its products are named."""
    names = [h for h in choice.hits if h.kind == "name"]
    return any(line.kind == "alias" and name.end <= line.start and not text[name.end:line.start].strip()
               for name in names for line in choice.hits)


def _disguised(hit: BrandHit) -> bool:
    """A spelling made to pass for the mark: a known variant, a respelling, a look-alike, a homophone (a homophone
    that is a dictionary word counts only where a word of the title is read as the brand's label, so none that
    counts has an everyday sense)."""
    return hit.kind in ("variant", "obfuscated", "lookalike", "shape", "mixed", "homophone")


_LEARNED_CLAIM = LexiconTerm(term="(learned claim)", strength="strong", category="learned_claim")

_SIGNALS = {
    "name": "brand_name",
    "alias": "brand_alias",
    "variant": "brand_variant",
    "obfuscated": "obfuscated_name",
    "lookalike": "lookalike_name",
    "homophone": "homophone_name",
    "pinyin": "pinyin_name",
    "initials": "pinyin_initials",
    "near_name": "near_name",
    "mixed": "mixed_script_name",
    "shape": "lookalike_character",
    "semantic": "similar_counterfeit_exemplar",
}


def _cue_after(evidence: LexicalEvidence, choice: BrandChoice) -> bool:
    """A compatibility cue after the brand ("MacBook Air 13寸 内胆包 适用", "墨囊 替换"): what it fits, not what it is.

    Only cues that cannot be a plain function word count there (适用, 替换, compatible with, replacement;
    not "for" or "fits", which also join a product to what it is for).
    """
    first = min(h.start for h in choice.hits)
    return any(cue.start >= first and _no_function_word(cue.word) for cue in evidence.nominative)


def _no_function_word(cue: str) -> bool:
    return not cue.isascii() or " " in cue or len(cue) >= BARE_CUE_MIN_LETTERS


_SEGMENT_BREAKS = frozenset(",，;；|/、。!！?？【】[]()（）")


def _beside_brand(hit: object, choice: BrandChoice | None, gap: int, evidence: LexicalEvidence,
                  gap_words: int) -> bool:
    """Whether a term stands beside a mention of the chosen brand, in the same segment.

    Beside means within ``gap`` normalised characters, or, for a term written in Latin letters (dupe,
    inspired by), within ``gap_words`` words: an English noun phrase is counted in words ("Guerlain honey
    oil serum dupe"), a Chinese one in characters (LV同款). Punctuation ends a segment: in "斯凯奇,唐嫣同款"
    the 同款 is the actress's, not the brand's.
    """
    if choice is None:
        return False
    start, end = hit.start, hit.end  # type: ignore[attr-defined]
    original = evidence.text.original
    term_start, term_end = evidence.span(start, end)
    latin = gap_words > 0 and original[term_start:term_end].isascii()
    for h in choice.hits:
        if h.end <= start:
            left, right, apart = (h.start, h.end), (start, end), start - h.end
        elif end <= h.start:
            left, right, apart = (start, end), (h.start, h.end), h.start - end
        else:
            continue
        between = original[evidence.span(*left)[1] : evidence.span(*right)[0]]  # removed separators included
        if _SEGMENT_BREAKS.intersection(between):
            continue
        if apart <= gap or (latin and len(_WORD_RE.findall(between)) <= gap_words):
            return True
    return False


_WORD_RE = re.compile(r"[^\W_]+")


def _signal_for(hit: BrandHit) -> str:
    return _SIGNALS[hit.kind]
