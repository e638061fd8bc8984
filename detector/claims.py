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
    cues: frozenset[str] = frozenset()  # character pairs far commoner in claims than in ordinary wording
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
        return cls(vectorizer, model, _cue_pairs(pos, neg))

    def find(self, text: str) -> list[tuple[int, int, float]]:
        """Claim windows ``(start, end, probability)`` in a normalised text, best first, not overlapping."""
        return self.find_many([text])[0]

    def find_many(self, texts: list[str]) -> list[list[tuple[int, int, float]]]:
        """:meth:`find` for a batch: one vectorisation and one prediction for every window of every text."""
        owners: list[int] = []
        spans: list[tuple[int, int]] = []
        pieces: list[str] = []
        from .text import SKELETON

        cues = self.cues
        for i, text in enumerate(texts):
            text = text.translate(SKELETON)  # the form the detector was trained on (l as i), same length
            if cues and not _has_cue(text, cues):
                continue  # nothing any claim is made of: the common case, settled here
            for a, b in _windows(text):
                piece = text[a:b]
                if not cues or _has_cue(piece, cues):
                    owners.append(i)
                    spans.append((a, b))
                    pieces.append(piece)
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


def _has_cue(text: str, cues: frozenset[str]) -> bool:
    if any(text[k:k + 2] in cues for k in range(len(text) - 1) if not text[k].isascii()):
        return True
    return any(word in cues for word in text.split())


def _cue_pairs(positives: set[str], negatives: set[str]) -> frozenset[str]:
    """Chinese character pairs and English words at least three times as common in claims as in ordinary wording.

    A window without one is never scored: a fast pass that keeps the classifier to the few windows
    that could hold a claim.
    """
    def pairs(texts: set[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for text in texts:
            found = {text[k:k + 2] for k in range(len(text) - 1) if not text[k].isascii() and " " not in text[k:k + 2]}
            found |= {w for w in text.split() if w.isascii() and len(w) >= 4}
            for pair in found:
                counts[pair] = counts.get(pair, 0) + 1
        return counts

    pos, neg = pairs(positives), pairs(negatives)
    pos_n, neg_n = max(len(positives), 1), max(len(negatives), 1)
    return frozenset(p for p, n in pos.items() if n >= 3 and n / pos_n >= 3 * (neg.get(p, 0) + 1) / neg_n)


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
