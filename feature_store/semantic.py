"""The semantic stage over stored exemplars: candidate vocabulary, embeddings and FAISS neighbours."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

import ahocorasick
import numpy as np

from detector import SemanticEvidence
from detector.text import SKELETON, normalise_term, normalised_batch_text

from .exemplars import ExemplarStore
from .index import APPROXIMATE_ABOVE
from .store import LibraryStore

_LATIN_TERM = re.compile(r"[a-z0-9][a-z0-9.\-]{1,}[a-z0-9]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]{2,}")
_WRITTEN_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]*[A-Za-z0-9]")
_QUANTITY = re.compile(r"\d+(?:\.\d+)?([a-z]+)")
MAX_BRANDS_PER_TERM = 2  # a term shared by more brands is generic ("男表", "automatic")
TEXT_VECTOR_CACHE = 50_000  # words and labels kept embedded for nearest_label; emptied when full
LABEL_KIND_MIN = 0.70  # a category label this close to a keyword of a kind names that kind ("televisions": tv)
CLAIM_MODELS_KEPT = 4  # embedding claim models kept per process (one per embedding model and lexicon)
_CLAIM_MODELS: dict[tuple[str, tuple[str, ...], tuple[str, ...]], tuple[np.ndarray, float]] = {}


def exemplar_terms(text: str) -> set[str]:
    """Latin tokens of three or more characters and Chinese character pairs of an exemplar.

    Quantities (500ml, 49mm, 256gb) are left out: any brand's goods come in them.
    """
    form = normalise_term(text)
    terms = {t for t in _LATIN_TERM.findall(form)
             if (any(c.isalpha() for c in t) or is_model_number(t)) and not is_quantity(t)}
    for run in _CJK_RUN.findall(form):
        terms.update(run[i : i + 2] for i in range(len(run) - 1))
    return terms


def is_model_number(term: str) -> bool:
    """116610LV, 555088-101, 310.30.42.50.01.001: long, with digits, and more than a plain number (or a
    quantity: 500ml)."""
    digits = any(c.isdigit() for c in term)
    return len(term) >= 5 and digits and not is_quantity(term) and (
        any(c.isalpha() for c in term) or "-" in term or "." in term or len(term) >= 7)


def codes_in_capitals(title: str) -> str:
    """The title with its model numbers in capitals, as catalogues and confirmed cases write them: the embedding
    model reads case, and a seller who types nw-j4px means NW-J4PX. Other words keep their case."""
    def capitals(match: re.Match[str]) -> str:
        token = match.group()
        return token.upper() if token.islower() and _written_model_number(token) else token

    return _WRITTEN_TOKEN.sub(capitals, title)


def is_quantity(term: str) -> bool:
    """A number and a unit of ``rules/lexical.yaml``'s quantity_units (500ml, 5000mah), normalised as terms are."""
    found = _QUANTITY.fullmatch(term)
    return bool(found) and found.group(1) in _quantity_units()


@lru_cache(maxsize=1)
def _quantity_units() -> frozenset[str]:
    from detector.library import load_lexical_rules

    return frozenset(normalise_term(unit) for unit in load_lexical_rules().quantity_units)  # as terms are read


class ExemplarSemantics:
    """Implements detector.SemanticStage from the exemplars of one embedding model."""

    def __init__(self, store: ExemplarStore, min_terms: int = 2) -> None:
        self.model = store.model
        cf_ids, cf_brands, cf_vectors, cf_texts = store.rows("counterfeit")
        gen_ids, gen_brands, gen_vectors, _ = store.rows("genuine")
        self.version = f"sem-{store.model_name}-{len(cf_ids)}c{len(gen_ids)}g"
        self.index = store.index("counterfeit")
        self.brand_of = dict(zip(cf_ids.tolist(), cf_brands, strict=True))
        self.counterfeits = _by_brand(cf_ids, cf_brands, cf_vectors)
        self.genuine = _by_brand(gen_ids, gen_brands, gen_vectors)
        self.min_terms = min_terms
        self.vocabulary = self._vocabulary(cf_texts, cf_brands)
        self.model_terms = _model_number_terms(cf_texts)
        self.background = _background_vectors(store)
        self.ordinary = _ordinary_terms()  # built once per process, at load rather than on a first request
        self._label_kinds: dict[str, frozenset[str]] = {}
        self._text_vectors: dict[str, np.ndarray] = {}  # words and labels nearest_label has embedded
        self._store = store

    @property
    def empty(self) -> bool:
        return not self.counterfeits

    def is_model_term(self, term: str) -> bool:
        """Whether an exemplar term (normalised) is a model number: by its form, or because an exemplar wrote it
        as one (TL-PV1Z normalises to tipviz, its digit folded into the letter it looks like)."""
        return term in self.model_terms or is_model_number(term)

    def _vocabulary(self, texts: list[str], brands: list[str]) -> ahocorasick.Automaton | None:
        owners: dict[str, set[str]] = defaultdict(set)
        for text, brand in zip(texts, brands, strict=True):
            for term in exemplar_terms(text):
                owners[term].add(brand)
        automaton = ahocorasick.Automaton()
        for term, term_brands in owners.items():
            if len(term_brands) <= MAX_BRANDS_PER_TERM:
                automaton.add_word(term, (term, tuple(sorted(term_brands))))
        if len(automaton) == 0:
            return None
        automaton.make_automaton()
        return automaton

    def candidates(self, texts: Sequence[str]) -> set[int]:
        """Titles sharing two terms (or one model number) with one brand's counterfeit exemplars."""
        if self.vocabulary is None or not texts:
            return set()
        joined = normalised_batch_text(list(texts))
        starts = list(accumulate((len(p) + 1 for p in joined.split("\n")[:-1]), initial=0))
        found: dict[tuple[int, str], set[str]] = defaultdict(set)
        picked: set[int] = set()
        for last, (term, brands) in self.vocabulary.iter(joined):
            index = bisect_right(starts, last - len(term) + 1) - 1
            for brand in brands:
                terms = found[(index, brand)]
                terms.add(term)
                if len(terms) >= self.min_terms or self.is_model_term(term):
                    picked.add(index)
        return picked

    def assess(self, titles: Sequence[str], brand_ids: Sequence[str | None]) -> list[SemanticEvidence]:
        from .embedding import encode

        vectors = encode([codes_in_capitals(t) for t in titles], self.model)
        out = []
        background = (vectors @ self.background.T).max(axis=1) if len(self.background) else np.zeros(len(vectors))
        for title, vector, brand, ordinary in zip(titles, vectors, brand_ids, background, strict=True):
            held = self._vocabulary_in(title)  # one pass of the exemplar vocabulary over the title
            owner = self._model_number_owner(held) if brand is None else None
            evidence = self._nearest_brand(vector) if brand is None else self._against(vector, brand)
            if owner is not None and owner != evidence.brand_id:
                # the one brand whose counterfeits write this model number, however its wording reads
                evidence = self._against(vector, owner, runner_up=evidence.counterfeit_sim)
            if evidence.brand_id is not None:
                evidence.shared_terms = sorted({term for term, brands in held if evidence.brand_id in brands})
                # a code the counterfeits of two brands or more write is a spec (5W-30, an oil grade), no model
                alone = {term for term, brands in held if brands == (evidence.brand_id,)}
                evidence.model_numbers = _as_written(title, [t for t in evidence.shared_terms
                                                             if t in alone and self.is_model_term(t)])
                evidence.distinctive_terms = [t for t in evidence.shared_terms if t not in self.ordinary]
                evidence.own_model_number = owner == evidence.brand_id
            evidence.background_sim = float(ordinary)
            out.append(evidence)
        return out

    def label_kinds(self, unknown: dict[str, list[str]]) -> dict[str, frozenset[str]]:
        """Kinds of the taxonomy for category labels it does not know, by embedding them beside its keywords.

        ``unknown``: brand id → labels. A label names the kinds of every keyword at least LABEL_KIND_MIN
        similar to it ("televisions" → tv → electronics; "instant cameras" → camera). Below that the
        neighbours are noise (menswear sits nearer furniture than belts), so such a label names nothing.
        """
        from .embedding import encode

        named = self._label_kinds  # each label embedded once per stage: a reload rebuilds the detector, not this
        labels = sorted({label for items in unknown.values() for label in items} - set(named))
        if labels and len(self.background):
            sims = encode(labels, self.model) @ self.background.T  # label × keyword
            for i, label in enumerate(labels):
                named[label] = frozenset(kind for kind, cols in _keyword_kinds().items()
                                         if float(sims[i, cols].max()) >= LABEL_KIND_MIN)
        out = {brand: frozenset().union(*(named.get(label, frozenset()) for label in items))
               for brand, items in unknown.items()}
        return {brand: kinds for brand, kinds in out.items() if kinds}

    def nearest_label(self, words: Sequence[str], labels: Sequence[str]) -> tuple[int, int, float] | None:
        """The title word and the brand label nearest each other, by their embeddings (each text embedded
        once per stage: a few words per weak mention, a few labels per brand)."""
        if not words or not labels:
            return None
        from .embedding import encode

        cache = self._text_vectors
        new = [t for t in dict.fromkeys([*words, *labels]) if t not in cache]
        if new:
            if len(cache) + len(new) > TEXT_VECTOR_CACHE:
                cache.clear()
            cache.update(zip(new, encode(new, self.model), strict=True))
        sims = np.array([cache[w] for w in words]) @ np.array([cache[label] for label in labels]).T
        word, label = np.unravel_index(int(sims.argmax()), sims.shape)
        return int(word), int(label), float(sims[word, label])

    def claim_probabilities(self, windows: Sequence[str], positives: Sequence[str],
                            negatives: Sequence[str]) -> list[float]:
        """Per window, the probability that it is a counterfeit claim: a logistic regression over embeddings of
        the claim detector's own training wording (its claims against ordinary wording), fitted once per process
        (:meth:`_claim_model`); the phrases' embeddings are cached on disk beside the indices."""
        from .embedding import encode

        if not windows or not positives or not negatives:
            return [0.0] * len(windows)
        weights, intercept = self._claim_model(tuple(positives), tuple(negatives))
        vectors = encode([str(w) for w in windows], self.model)
        return (1.0 / (1.0 + np.exp(-(vectors @ weights + intercept)))).tolist()

    def _claim_model(self, positives: tuple[str, ...], negatives: tuple[str, ...]) -> tuple[np.ndarray, float]:
        """Weights and intercept, fitted once per process, embedding model and training wording (a reload, a
        new stage over the same exemplars or another store's stage reuses them)."""
        key = (self._store.model_name, positives, negatives)
        if key not in _CLAIM_MODELS:
            from sklearn.linear_model import LogisticRegression

            matrix = np.vstack([_cached_vectors(self._store, "claims", positives),
                                _cached_vectors(self._store, "ordinary", negatives)])
            labels = np.array([1] * len(positives) + [0] * len(negatives))
            model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000, random_state=0)
            model.fit(matrix, labels)
            if len(_CLAIM_MODELS) >= CLAIM_MODELS_KEPT:
                _CLAIM_MODELS.clear()
            _CLAIM_MODELS[key] = (model.coef_[0].astype(np.float32), float(model.intercept_[0]))
        return _CLAIM_MODELS[key]

    def _vocabulary_in(self, title: str) -> list[tuple[str, tuple[str, ...]]]:
        """The exemplar terms the title holds, each with the brands whose counterfeit exemplars write it."""
        if self.vocabulary is None:
            return []
        return [found for _end, found in self.vocabulary.iter(normalise_term(title))]

    def _model_number_owner(self, held: list[tuple[str, tuple[str, ...]]]) -> str | None:
        """The brand whose counterfeit exemplars, and no other brand's, write a model number of ``held``."""
        owners = {brands[0] for term, brands in held if len(brands) == 1 and self.is_model_term(term)}
        return owners.pop() if len(owners) == 1 else None

    def _against(self, vector: np.ndarray, brand: str, runner_up: float = 0.0) -> SemanticEvidence:
        evidence = SemanticEvidence(brand_id=brand, runner_up_sim=runner_up)
        if brand in self.counterfeits:
            ids, matrix = self.counterfeits[brand]
            sims = matrix @ vector
            order = np.argsort(-sims)[:5]
            evidence.counterfeit_sim = float(sims[order[0]])
            evidence.neighbours = [int(ids[i]) for i in order]
        if brand in self.genuine:
            evidence.genuine_known = True
            evidence.genuine_sim = float((self.genuine[brand][1] @ vector).max())
        return evidence

    def _nearest_brand(self, vector: np.ndarray) -> SemanticEvidence:
        sims, ids = self.index.search(vector[None, :], 20)
        best: dict[str, float] = {}
        for sim, exemplar in zip(sims[0], ids[0], strict=True):
            brand = self.brand_of.get(int(exemplar))
            if brand is not None and sim > best.get(brand, -1.0):
                best[brand] = float(sim)
        if not best:
            return SemanticEvidence(brand_id=None)
        ranked = sorted(best.items(), key=lambda item: -item[1])
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        return self._against(vector, ranked[0][0], runner_up)


def _model_number_terms(texts: list[str]) -> frozenset[str]:
    """The normalised forms of the model numbers exemplars write (TL-PV1Z: tipviz)."""
    return frozenset(normalise_term(token) for text in texts for token in _WRITTEN_TOKEN.findall(text)
                     if _written_model_number(token))


def _written_model_number(token: str) -> bool:
    """Whether a token as written is a model number (units are stored normalised: 500ML is a quantity)."""
    return is_model_number(token) and not is_quantity(normalise_term(token))


def _as_written(title: str, terms: list[str]) -> list[str]:
    """Normalised terms as the seller wrote them in the title (116610lv → 116610LV)."""
    if not terms:
        return []
    written = {normalise_term(token): token for token in _WRITTEN_TOKEN.findall(title)}
    return sorted(written.get(term, term) for term in terms)


def load_semantic_stage(library: LibraryStore, index_dir: Path, model: str | None = None,
                        approximate_above: int = APPROXIMATE_ABOVE) -> ExemplarSemantics | None:
    """The semantic stage over stored exemplars, or None when there are no counterfeit exemplars."""
    store = ExemplarStore(library, index_dir, model, approximate_above)
    if not store.counts().get("counterfeit"):
        return None
    return ExemplarSemantics(store)


def background_phrases() -> list[str]:
    """Ordinary wording for kinds of product: every keyword of the product taxonomy, Chinese and English.

    A title naming no brand is only a brand's candidate when it sits clearly closer to the brand's
    counterfeits than to this: a plain "机械表 男 全自动" is near a watch counterfeit because it is a
    watch, not because it is that counterfeit.
    """
    from detector.library import load_lexical_rules, load_product_kinds

    kinds, rules = load_product_kinds(), load_lexical_rules()
    words = {w for ws in kinds.keywords.values() for w in ws}
    words |= {w for ws in rules.category_keywords.values() for w in ws}
    return sorted(words)


@lru_cache(maxsize=1)
def _ordinary_terms() -> frozenset[str]:
    """Terms (as :func:`exemplar_terms` reads them) that are ordinary wording: every term of the taxonomy's
    keywords, English words and the two-character words of jieba's dictionary (夜光, 自动, 刀具). What is
    left is a seller's own vocabulary: makers' jargon, model names (洛达, 搪胶, itype)."""
    from detector.library import dictionary_words, english_words

    terms: set[str] = set()
    for phrase in background_phrases():
        terms |= exemplar_terms(phrase)
        terms.update(normalise_term(word) for word in phrase.split())
    chinese = {normalise_term(w) for w in dictionary_words() if len(w) == 2}
    english = {w.translate(SKELETON) for w in english_words()}  # lower-case letters: the skeleton is all of it
    return frozenset(terms | chinese | english)


@lru_cache(maxsize=1)
def _keyword_kinds() -> dict[str, list[int]]:
    """Kind → the rows of :func:`background_phrases` that are its keywords."""
    from detector.library import load_product_kinds

    row = {phrase: i for i, phrase in enumerate(background_phrases())}
    return {kind: sorted({row[w] for w in words if w in row})
            for kind, words in load_product_kinds().keywords.items() if any(w in row for w in words)}


def _background_vectors(store: ExemplarStore) -> np.ndarray:
    """Embeddings of :func:`background_phrases`, cached on disk by model and phrase list."""
    return _cached_vectors(store, "background", background_phrases())


def _cached_vectors(store: ExemplarStore, name: str, phrases: Sequence[str]) -> np.ndarray:
    """Embeddings of ``phrases``, cached on disk by model and phrase list (``name``: the file's prefix)."""
    import hashlib

    from .embedding import encode

    digest = hashlib.sha256("\n".join([store.model_name, *phrases]).encode()).hexdigest()[:12]
    path = store.index_dir / f"{name}-{digest}.npy"
    if path.exists():
        try:
            cached = np.load(path)
            if cached.shape[0] == len(phrases):
                return cached
        except (OSError, ValueError):
            pass  # unreadable: embedded again below
    vectors = np.ascontiguousarray(encode(list(phrases), store.model), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp.npy")
    np.save(partial, vectors)
    partial.replace(path)
    return vectors


def _by_brand(ids: np.ndarray, brands: list[str], vectors: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    grouped: dict[str, list[int]] = defaultdict(list)
    for row, brand in enumerate(brands):
        grouped[brand].append(row)
    return {brand: (ids[rows], np.ascontiguousarray(vectors[rows])) for brand, rows in grouped.items()}
