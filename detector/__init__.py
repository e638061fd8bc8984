"""The pure detector core: a listing and a loaded library in, a scored result with evidence out.

Nothing here touches a database, the network or the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from .claims import CLAIM_CATEGORIES, EMBED_THRESHOLD, outside
from .features import FEATURE_NAMES, TrainedModel, feature_of, feature_vector
from .lexical import LexicalEvidence, LexicalMatcher
from .library import Library, library_version
from .scoring import Assessment, BrandChoice, RuleScorer
from .semantic import SemanticEvidence, SemanticStage
from .text import NormalisedText, normalise, title_words
from .types import Brand, BrandNames, LexiconTerm, Listing, Reason, ScoreResult

__all__ = [
    "FEATURE_NAMES",
    "Assessment",
    "Brand",
    "BrandNames",
    "Detector",
    "LexicalEvidence",
    "LexicalMatcher",
    "LexiconTerm",
    "Library",
    "Listing",
    "NormalisedText",
    "Reason",
    "RuleScorer",
    "ScoreResult",
    "SemanticEvidence",
    "SemanticStage",
    "TrainedModel",
    "feature_vector",
    "library_version",
    "normalise",
]


class Detector:
    """The cascade over one library: lexical matching, then a trained model or the rule scorer."""

    def __init__(
        self,
        library: Library,
        threshold: float | None = None,
        default_currency: str = "CNY",
        model: TrainedModel | None = None,
        semantic: SemanticStage | None = None,
    ) -> None:
        if model is not None and tuple(model.feature_names) != FEATURE_NAMES:
            raise ValueError(f"model {model.version} was trained on other features; retrain it")
        # labels the taxonomy does not know ("televisions"), read by their embeddings
        self._unknown_labels = library.unknown_labels() if semantic is not None else {}
        if self._unknown_labels:
            library = library.with_label_kinds(semantic.label_kinds(self._unknown_labels))
        self.library = library
        self.matcher = LexicalMatcher(library)
        self.scorer = RuleScorer(library, threshold)
        self.model = model
        self.semantic = semantic
        self.threshold = threshold if threshold is not None else (model.threshold if model else self.scorer.threshold)
        self.model_version = model.version if model else self.scorer.version
        self.default_currency = default_currency
        clear = self.scorer.assess(Listing(title="-"), LexicalEvidence.nothing("-"), default_currency)
        self._clear_result = self._score_assessment(Listing(title="-"), clear)
        self._clear_features = feature_vector(clear)  # what every listing in which nothing was found looks like

    def analyse(self, listing: Listing) -> LexicalEvidence:
        return self.matcher.analyse(listing.title, listing.category)

    def assess(
        self, listing: Listing, evidence: LexicalEvidence | None = None, semantic: SemanticEvidence | None = None
    ) -> Assessment:
        """The rule assessment of one listing: brand, reasons, feature groups."""
        found = evidence if evidence is not None else self.analyse(listing)
        return self.scorer.assess(listing, found, self.default_currency, semantic)

    def features(self, listings: Iterable[Listing], batch_size: int = 512) -> Iterator[list[float]]:
        """Feature vectors (FEATURE_NAMES order) for listings, matched a batch at a time."""
        batch: list[Listing] = []
        for listing in listings:
            batch.append(listing)
            if len(batch) >= batch_size:
                yield from self._features_batch(batch)
                batch = []
        if batch:
            yield from self._features_batch(batch)

    def _features_batch(self, batch: list[Listing]) -> list[list[float]]:
        """Features through the same cascade as scoring: a listing scoring sees semantically, training does too."""
        assessed = self._assess_batch(batch)
        return [feature_vector(assessed[i]) if i in assessed else list(self._clear_features) for i in range(len(batch))]

    def _semantic_for(self, listings: list[Listing], evidence: list[LexicalEvidence]) -> list[SemanticEvidence | None]:
        """Stage 2 for listings stage 1 picked: against the named brand, or the nearest one."""
        assert self.semantic is not None
        wanted = [i for i, e in enumerate(evidence) if e.brand_hits or e.terms or e.semantic_candidate]
        out: list[SemanticEvidence | None] = [None] * len(listings)
        if wanted:
            choices = [self.scorer.choose_brand(evidence[i]) for i in wanted]
            found = self.semantic.assess([listings[i].title for i in wanted],
                                         [choice.brand.id if choice else None for choice in choices])
            words: list[int] = []  # titles whose only mention is a dictionary word nothing read as the name
            for k, (i, choice, item) in enumerate(zip(wanted, choices, found, strict=True)):
                out[i] = item
                labels = self._labels_to_ask(evidence[i], choice)
                if labels and choice is not None:
                    self._nearest_label(evidence[i], labels, [(h.start, h.end) for h in choice.hits], item)
                if choice is not None and self.scorer.unread_word(choice, item):
                    words.append(k)
            if words:
                # such a title names no brand (喂食 is feeding, not 卫仕): read against the nearest brand's
                # counterfeits, as any title naming none is (PK-FD2X 自动喂食器 is a model number of another brand)
                nearest = self.semantic.assess([listings[wanted[k]].title for k in words], [None] * len(words))
                for k, item in zip(words, nearest, strict=True):
                    out[wanted[k]] = item
                    choices[k] = None
            self._embedded_claims([(evidence[i], out[i], choice) for i, choice in zip(wanted, choices, strict=True)])
        return out

    def _embedded_claims(
        self, asked: list[tuple[LexicalEvidence, SemanticEvidence | None, BrandChoice | None]]
    ) -> None:
        """Claims in wording the n-gram claim detector never saw, read by the embedding claim model, for titles
        naming a brand in which no claim was found yet; recorded on their semantic evidence."""
        assert self.semantic is not None
        claims = self.library.claims
        windows: list[tuple[SemanticEvidence, int, int, str]] = []
        for found, item, choice in asked:
            if choice is None or item is None or found.claims or self._claimed(found):
                continue
            blocked = [(h.start, h.end) for h in found.brand_hits]
            for start, end in claims.windows_to_embed(found.text.text, found.text.gaps, blocked):
                reading = " ".join(found.text.original_text(a, b).strip() for a, b in outside(start, end, blocked))
                windows.append((item, start, end, reading))
        if not windows:
            return
        probabilities = self.semantic.claim_probabilities([w[3] for w in windows], claims.positives, claims.negatives)
        for (item, start, end, _text), probability in zip(windows, probabilities, strict=True):
            if probability >= EMBED_THRESHOLD and not any(start < e and s < end for s, e, _p in item.claims):
                item.claims.append((start, end, round(float(probability), 3)))

    def _claimed(self, found: LexicalEvidence) -> bool:
        """Whether a lexicon claim term already speaks in the title."""
        return any(self.library.terms[t.ref].category in CLAIM_CATEGORIES for t in found.terms)

    def _labels_to_ask(self, evidence: LexicalEvidence, choice: BrandChoice | None) -> list[str] | None:
        """The brand labels a title's words are compared with, where the taxonomy leaves the question open: for
        a weak mention, the labels it does not know; for a name that is also a dictionary word in a title naming
        no kind of product, all of them (is 红豆 杂粮 the brand's kind of product? is "Spalding NBA game ball"?);
        for a title holding a part word, or any name written plainly, in a title naming none of the brand's kinds,
        all of them too."""
        if choice is None:
            return None
        if choice.best.needs_context:
            # labels the taxonomy does not know; and, in a title naming none of the brand's kinds, every label:
            # a label the embedding maps to a kind ("ice cream" to food) may be named in words the kind lacks (雪糕)
            if not self.library.of_brand_kind(evidence.categories, self.library.brand_index[choice.brand.id]):
                return choice.brand.categories or None
            return self._unknown_labels.get(choice.brand.id)
        if not evidence.categories and (self.scorer.reads_as_word(choice) or self.scorer.everyday_mark(choice)):
            return choice.brand.categories or None
        if (evidence.accessory or self.scorer.plainly_named(choice)) and not self.scorer.in_category(
                evidence, choice.brand):
            # a part word in a title of none of the brand's kinds: is it the brand's own product (充电器 beside a
            # maker of chargers, whatever form its name took)? RuleScorer._own_product_words keeps it a product
            # if so. A house mark written plainly there: do the title's words name the brand's kind at all
            # ("coros chorus sheet music choir" beside "sports watches")? The price asks (RuleScorer._price)
            return choice.brand.categories or None
        return None

    def _nearest_label(self, evidence: LexicalEvidence, labels: list[str], mention: list[tuple[int, int]],
                       item: SemanticEvidence) -> None:
        """The title's word (outside the mention) nearest one of ``labels``, recorded on ``item``: 卷纸 to "toilet
        paper" beside 维大, 杂粮 to "apparel" beside 红豆 (see :meth:`_labels_to_ask` for which labels); a word
        the label is written with ("merino" beside "merino base layers"), or that CC-CEDICT glosses as the label
        (水饺 "boiled dumpling" beside "frozen dumplings"), is nearest of all, at 1.0."""
        assert self.semantic is not None
        words = title_words(evidence.text, mention)
        shared = self.library.kinds.shared_label_word(words, labels)
        if shared is not None:  # a word of the label itself ("merino" of "merino base layers"): no cosine needed
            item.label_word, item.label = shared
            item.label_sim = 1.0
            return
        glossed = self.library.kinds.glossed_label_word(words, labels)
        if glossed is not None:  # a Chinese word the dictionary reads as the label (水饺 "boiled dumpling")
            item.label_word, item.label, item.label_gloss = glossed
            item.label_sim = 1.0
            return
        nearest = self.semantic.nearest_label(words, labels)
        if nearest is not None:
            word, label, item.label_sim = nearest
            item.label_word, item.label = words[word], labels[label]

    def score(self, listing: Listing) -> ScoreResult:
        """Score one listing."""
        return self._score_batch([listing])[0]

    def _score_assessment(self, listing: Listing, assessment: Assessment) -> ScoreResult:
        if self.model is None or self.scorer.cleared(assessment):
            # A listing the rules clear (the owner's own seller; the mark in its everyday sense on another kind of
            # product) infringes nothing on the list: the rules' risk stands, which a model trained on generated
            # listings, where such listings are few, would only raise (an authorised F-91W at a third of a flag).
            return self.scorer.result(listing, assessment, assessment.logit, self.threshold, self.model_version)
        logit, contributions = self.model.explain(feature_vector(assessment))
        by_feature = dict(zip(FEATURE_NAMES, contributions, strict=True))
        # The rule log-odds feature is a weighted sum of the rule parts: hand each part its share.
        rule_value = assessment.logit
        rule_weight = by_feature.pop("rule_logit") / rule_value if rule_value else 0.0
        groups: dict[str | None, list[Reason]] = {}
        for reason in assessment.reasons:
            groups.setdefault(reason.feature, []).append(reason)
        shown: set[str] = set()  # features whose contribution a reason carries
        for group, reasons in groups.items():
            total = 0.0
            if group is not None:
                feature = feature_of(group) or ""
                own = by_feature.get(feature, 0.0) if group in assessment.parts and feature not in shown else 0.0
                shown.add(feature)
                total = own + rule_weight * assessment.parts.get(group, 0.0)
            rule_total = sum(r.weight for r in reasons)
            for reason in reasons:  # shared in proportion to the rule weights (the strongest term leads)
                part = reason.weight / rule_total if rule_total else 1.0 / len(reasons)
                reason.weight = round(float(total * part), 3)
        # What no reason carries (indicators such as the number of brand hits, rule parts without a reason):
        # one reason, so that the reasons and the model's intercept add up to the risk's log-odds.
        rest = {f: c for f, c in by_feature.items() if f not in shown and abs(c) >= 0.0005}
        rest.update({f"rule:{g}": rule_weight * v for g, v in assessment.parts.items()
                     if g not in groups and abs(rule_weight * v) >= 0.0005})
        base = rule_weight * (rule_value - sum(assessment.parts.values()))  # the rules' bias and fixed terms
        if abs(base) >= 0.0005:
            rest["rule:base"] = base
        if rest:
            listed = sorted(rest.items(), key=lambda kv: -abs(kv[1]))
            assessment.reasons.append(Reason(
                signal="model_adjustment", text="", weight=round(float(sum(rest.values())), 3),
                detail="the model's weights on what no other reason shows: "
                       + ", ".join(f"{f} {c:+.2f}" for f, c in listed[:6])))
        return self.scorer.result(listing, assessment, logit, self.threshold, self.model_version)

    def score_many(self, listings: Iterable[Listing], batch_size: int = 512) -> Iterator[ScoreResult]:
        """Score listings in input order, matching them a batch at a time."""
        pending = iter(listings)
        while batch := list(islice(pending, batch_size)):
            yield from self._score_batch(batch)

    def _score_batch(self, batch: list[Listing]) -> list[ScoreResult]:
        clear = self._clear_result  # most listings: nothing found, the same verdict with their own id
        risk, flagged, level, library_version, model_version = (
            clear.risk, clear.flagged, clear.level, clear.library_version, clear.model_version)
        results = [ScoreResult(x.listing_id, risk, flagged, level, None, [], library_version, model_version)
                   for x in batch]
        for i, assessment in self._assess_batch(batch).items():
            results[i] = self._score_assessment(batch[i], assessment)
        return results

    def _assess_batch(self, batch: list[Listing]) -> dict[int, Assessment]:
        """The cascade for a batch: the assessments of the listings in which anything was found, by index.

        Stage 1's prefilter and the exemplar vocabulary pick candidates; only they get the full
        lexical analysis, and stage 2 for those it leaves with a brand, a term or a semantic pick.
        """
        titles = [x.title for x in batch]
        need = set(self.matcher.candidates(titles))
        semantic_need = self.semantic.candidates(titles) if self.semantic else set()
        out: dict[int, Assessment] = {}
        if need or semantic_need:
            order = sorted(need | semantic_need)
            chosen = [batch[i] for i in order]
            evidence = self.matcher.analyse_full([x.title for x in chosen], [x.category for x in chosen])
            for i, found in zip(order, evidence, strict=True):
                found.semantic_candidate = i in semantic_need
            semantic = self._semantic_for(chosen, evidence) if self.semantic else [None] * len(chosen)
            for i, listing, found, near in zip(order, chosen, evidence, semantic, strict=True):
                if found.brand_hits or found.terms or found.homonyms or near is not None:
                    out[i] = self.assess(listing, found, near)
        return out
