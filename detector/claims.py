"""A learned detector of counterfeit claims in words no lexicon holds ("和正品无差别", "identical to retail").

A character n-gram logistic regression, trained when the library is compiled (deterministic, under
a second) on:

* positives: the lexicon's claim terms (self-declaration, quality claims, provenance) and claims
  composed from ``rules/claims.yaml`` ([connector] [the genuine article] [sameness]);
* negatives: ordinary listing wording: the rules' exempt phrases, category keywords, accessory and
  second-hand words, the generator-independent ``ordinary`` list, and those words joined in pairs.

At scoring time only titles that name a listed brand are read: each chunk of the normalised title
(between separators), and windows of it, is scored; a window above the threshold is a claim, with
its span, and is reported as a reason like a lexicon term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

CLAIM_CATEGORIES = ("self_declaration", "quality_claim", "provenance")
THRESHOLD = 0.75
_CHUNK_RE = re.compile(r"[^,，;；。!！?？|/、()（）\[\]【】\n]+")
_WORD_RE = re.compile(r"\S+")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
MAX_WORDS = 7  # English windows: up to this many words
MAX_CHARS = 12  # Chinese windows: up to this many characters
MIN_LATIN_CHARS = 10  # English windows: at least this long


@dataclass
class ClaimDetector:
    """Scores windows of normalised text for a claim of being (like) the genuine article."""

    vectorizer: Any
    model: Any
    threshold: float = THRESHOLD

    @classmethod
    def fit(cls, claims: dict[str, Any], positives: list[str], negatives: list[str]) -> ClaimDetector:
        """Train on lexicon claim terms (``positives``), composed claims and ordinary wording."""
        from sklearn.feature_extraction.text import HashingVectorizer
        from sklearn.linear_model import LogisticRegression

        from .text import normalise_term

        pos = {normalise_term(p) for p in [*positives, *composed_claims(claims)]}
        ordinary = [*claims["ordinary"]["zh"], *claims["ordinary"]["en"], *negatives]
        neg = {normalise_term(n) for n in ordinary}
        words = sorted(neg)
        neg |= {f"{a} {b}" for a, b in zip(words, words[1:] + words[:1], strict=True)}  # ordinary words side by side
        neg -= pos
        texts = sorted(pos) + sorted(neg)
        labels = np.array([1] * len(pos) + [0] * len(neg))
        vectorizer = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=2**18,
                                       alternate_sign=False, norm="l2")
        model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000, random_state=0)
        model.fit(vectorizer.transform(texts), labels)
        return cls(vectorizer, model)

    def find(self, text: str) -> list[tuple[int, int, float]]:
        """Claim windows ``(start, end, probability)`` in a normalised text, best first, not overlapping."""
        return self.find_many([text])[0]

    def find_many(self, texts: list[str]) -> list[list[tuple[int, int, float]]]:
        """:meth:`find` for a batch: one vectorisation and one prediction for every window of every text."""
        owners: list[int] = []
        spans: list[tuple[int, int]] = []
        pieces: list[str] = []
        for i, text in enumerate(texts):
            for a, b in _windows(text):
                owners.append(i)
                spans.append((a, b))
                pieces.append(text[a:b])
        out: list[list[tuple[int, int, float]]] = [[] for _ in texts]
        if not pieces:
            return out
        probs = self.model.predict_proba(self.vectorizer.transform(pieces))[:, 1]
        found = sorted(((float(p), owners[k], *spans[k]) for k, p in enumerate(probs) if p >= self.threshold),
                       reverse=True)
        for p, i, a, b in found:
            if not any(a < e and s < b for s, e, _ in out[i]):
                out[i].append((a, b, round(p, 3)))
        return out


def composed_claims(claims: dict[str, Any]) -> list[str]:
    """Every claim the composition rules of ``rules/claims.yaml`` make."""
    zh, en = claims["compose"]["zh"], claims["compose"]["en"]
    out = [f"{c}{g}{s}" for c, g, s in product(zh["connector"], zh["genuine"], zh["sameness"])]
    out += [f"{g}{s}" for g, s in product(zh["genuine"], zh["sameness"])]
    out += list(zh["standalone"])
    sameness = [*en["sameness"], *(f"same {a} as" for a in en["aspect"]), *(f"the same {a} as" for a in en["aspect"])]
    out += [f"{s} {g}" for s, g in product(sameness, en["genuine"])]
    out += list(en["standalone"])
    return out


def _windows(text: str):  # type: ignore[no-untyped-def]
    """Chunks between separators, and word or character windows inside longer ones."""
    for chunk in _CHUNK_RE.finditer(text):
        start = chunk.start()
        piece = chunk.group()
        words = [(m.start() + start, m.end() + start) for m in _WORD_RE.finditer(piece)]
        for i in range(len(words)):
            for j in range(i, min(i + MAX_WORDS, len(words))):
                a, b = words[i][0], words[j][1]
                segment = text[a:b]
                cjk = _CJK_RE.search(segment)
                if cjk and b - a > MAX_CHARS:
                    break
                if (cjk and b - a >= 3) or (not cjk and j > i and b - a >= MIN_LATIN_CHARS):
                    yield a, b  # a claim is a phrase: two words or more, or three characters
            word_start, word_end = words[i]
            if word_end - word_start > 4 and _CJK_RE.search(text[word_start:word_end]):  # inside a long Chinese word
                for a in range(word_start, word_end - 1):
                    for b in range(a + 3, min(a + MAX_CHARS, word_end) + 1):
                        if (a, b) != (word_start, word_end):
                            yield a, b
