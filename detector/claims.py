"""A learned detector of counterfeit claims in words no lexicon holds ("和正品无差别", "identical to retail").

A character n-gram logistic regression, trained when the library is compiled (deterministic, under
a second) on:

* positives: the lexicon's claim terms (self-declaration, quality claims, provenance) and claims
  composed from ``rules/claims.yaml`` ([connector] [the genuine article] [sameness], and
  [cannot] [perceive] [the difference]);
* negatives: ordinary listing wording: the rules' exempt phrases, category keywords, accessory and
  second-hand words, the generator-independent ``ordinary`` list, those words joined in pairs, and
  the shorter windows inside its English phrases (titles are read in windows).

At scoring time only titles that name a listed brand are read: each chunk of the normalised title
(between separators), and windows of it, is scored; a window above the threshold is a claim, with
its span, and is reported as a reason like a lexicon term.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import product, repeat
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
CJK_LEAD = 3  # Chinese windows start at most this many characters before their cue
# Windows the semantic stage embeds (ClaimDetector.windows_to_embed)
EMBED_WINDOWS = 4  # per title, at most
EMBED_CJK_CHARS = 20  # a Chinese window, at most
EMBED_WORDS = 12  # an English window, at most, in words
EMBED_LEAD_WORDS = 3  # ...starting this many words before its first cue
EMBED_MIN_CJK = 4  # shorter Chinese windows say too little to read
EMBED_MIN_WORDS = 3
EMBED_THRESHOLD = 0.8  # the embedding claim model's probability at which a window is a claim: "the same as the
# shop's" in new words reads 0.80 to 0.86, ordinary comparisons (a picture, the last batch) 0.16 to 0.71; at 0.8 no
# negative of the held-out sets nor any genuine real-brand title holds one (0.9 until 2026-12-07)


@dataclass
class ClaimDetector:
    """Scores windows of normalised text for a claim of being (like) the genuine article.

    The model is linear over a window's character n-grams (2 to 4, inside words padded with a
    space), counted and l2-normalised over every n-gram of the window; ``weights`` holds the
    learned weight of each n-gram seen in training (unseen ones weigh nothing), so a window is
    scored with a few dictionary look-ups and no per-batch library call.
    """

    weights: dict[str, float]
    intercept: float
    cues: frozenset[str] = frozenset()  # character pairs and words far commoner in claims than in ordinary wording
    threshold: float = THRESHOLD
    # what it was trained on, as written: claims and ordinary wording (the embedding claim model of the semantic
    # stage learns from the same, see :meth:`windows_to_embed`)
    positives: tuple[str, ...] = field(default=(), repr=False, compare=False)
    negatives: tuple[str, ...] = field(default=(), repr=False, compare=False)
    # the words a Chinese comparison opens with (和, 跟): a title's segment led by one is a comparison, the
    # embedding claim model reads it whatever words follow ("和超市卖的同一批货")
    connectors: frozenset[str] = frozenset()
    _cue_re: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pairs = sorted(c for c in self.cues if not c.isascii())
        words = sorted(c for c in self.cues if c.isascii())
        parts = [f"(?=({'|'.join(map(re.escape, pairs))}))"] if pairs else []
        if words:
            parts.append(rf"(?<!\S)({'|'.join(map(re.escape, words))})(?!\S)")
        self._cue_re = re.compile("|".join(parts)) if parts else None

    @classmethod
    def fit(cls, claims: dict[str, Any], positives: list[str], negatives: list[str]) -> ClaimDetector:
        """Train on lexicon claim terms (``positives``), composed claims and ordinary wording."""
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression

        from .text import normalise_term

        written = sorted({*positives, *composed_claims(claims), *denied_claims(claims)})
        sameness = {normalise_term(p) for p in [*positives, *composed_claims(claims)]}
        denied = {normalise_term(p) for p in denied_claims(claims)}
        pos = sameness | denied
        ordinary = [*claims["ordinary"]["zh"], *claims["ordinary"]["en"], *negatives]
        plain = sorted(set(ordinary) - set(written))
        neg = {normalise_term(n) for n in ordinary}
        words = sorted(neg)
        neg |= {f"{a} {b}" for a, b in zip(words, words[1:] + words[:1], strict=True)}  # ordinary words side by side
        neg |= {part for text in words for part in _sub_windows(text)}  # titles are read in windows: so is wording
        neg -= pos
        texts = sorted(pos) + sorted(neg)
        labels = np.array([1] * len(pos) + [0] * len(neg))
        vocabulary: dict[str, int] = {}
        rows, cols, values = [], [], []
        for row, text in enumerate(texts):
            counts = ngram_counts(text)
            norm = math.sqrt(sum(c * c for c in counts.values())) or 1.0
            for gram, count in counts.items():
                rows.append(row)
                cols.append(vocabulary.setdefault(gram, len(vocabulary)))
                values.append(count / norm)
        matrix = csr_matrix((values, (rows, cols)), shape=(len(texts), len(vocabulary)))
        model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000, random_state=0)
        model.fit(matrix, labels)
        coef = model.coef_[0]
        weights = {gram: float(coef[i]) for gram, i in vocabulary.items() if coef[i]}
        connectors = frozenset(normalise_term(c) for c in claims["compose"]["zh"]["connector"])
        return cls(weights, float(model.intercept_[0]), _cue_pairs(neg, sameness, denied), positives=tuple(written),
                   negatives=tuple(plain), connectors=connectors)

    def windows_to_embed(
        self, text: str, gaps: frozenset[int], blocked: list[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        """A few windows of a normalised title for the semantic stage's embedding claim model, which reads
        wording the n-gram model never saw ("和专柜货放一起根本认不出", "identical to what the counters sell").

        Only segments holding a cue (a Chinese word between spaces, ``gaps``, or an English clause between
        punctuation): the segment itself, and its part from a little before its first cue; and an English
        clause after the one naming the brand, cue or not (", identical to what the counters sell"), or a Chinese
        segment after it that opens with a connector (和超市卖的同一批货): a title says what the product is first,
        then what is said of it. A ``blocked`` span (the brand's name) inside a window is left out of its reading
        (:func:`outside`), never cut in part; no window too short to say anything; at most EMBED_WINDOWS.
        """
        from .text import SKELETON

        if self._cue_re is None:
            return []
        skeleton = text.translate(SKELETON)
        cues = [m.start() for m in self._cue_re.finditer(skeleton)]
        named = min((s for s, _e in blocked), default=len(text))
        out: list[tuple[int, int]] = []
        for a, b in _segments(text, gaps):
            after = a > named  # a clause after the one naming the brand (another name in it is read around)
            held = [c for c in cues if a <= c < b]
            if not held and _CJK_RE.search(text[a:b]):
                # a comparison opened after the brand's name (千禾酱油和超市卖的…), in its segment or the next
                name_end = max((e for s, e in blocked if a <= s and e <= b), default=a if a > named else None)
                opened = self._comparison_at(text[a:b], name_end - a) if name_end is not None else None
                held = [] if opened is None else [a + opened]
            elif not held and after:
                held = [a]  # an English clause after the one naming the brand
            if not held:
                continue
            # a window starts after the brand's name where the name stands before the cue (毛戈平高光和专柜货...)
            a = max([a, *(e for s, e in blocked if a <= s and e <= held[0])])
            cjk = bool(_CJK_RE.search(text[a:b]))
            if cjk:
                starts = [a, max(a, held[0] - CJK_LEAD)]
                spans = [(start, min(b, start + EMBED_CJK_CHARS)) for start in starts]
            else:
                words = [(m.start() + a, m.end() + a) for m in _WORD_RE.finditer(text[a:b])]
                first = next(i for i, (_s, e) in enumerate(words) if e > held[0])
                spans = [(words[i][0], words[min(len(words), i + EMBED_WORDS) - 1][1])
                         for i in (0, max(0, first - EMBED_LEAD_WORDS))]
            for start, end in spans:
                piece = " ".join(text[a:b] for a, b in outside(start, end, blocked))
                long_enough = (len(_CJK_RE.findall(piece)) >= EMBED_MIN_CJK if cjk
                               else len(piece.split()) >= EMBED_MIN_WORDS)
                # a name inside the window is read around ("exactly like the ones in the [Sanrio] shop"); one
                # across its edge would be read in part
                across = any(s < start < e or s < end < e for s, e in blocked)
                if long_enough and (start, end) not in out and not across:
                    out.append((start, end))
        return out[:EMBED_WINDOWS]

    def _comparison_at(self, segment: str, start: int) -> int | None:
        """Where in a Chinese segment, at ``start`` or after, a connector stands as a word of its own (和 of
        和超市卖的; never inside 和田玉 or 跟团游), or None."""
        from .text import word_spans

        if not self.connectors:
            return None
        return next((s for w, s, _e in word_spans(segment) if s >= start and w in self.connectors), None)

    def probability(self, window: str) -> float:
        """The model's probability that ``window`` (normalised, skeleton form) is a claim."""
        grams = ngrams(window)
        if not grams:
            return 0.0
        weights = self.weights
        if len(set(grams)) == len(grams):  # the common case: no n-gram twice, every count is 1
            total, squares = sum(map(weights.get, grams, repeat(0.0))), float(len(grams))
        else:
            counts = Counter(grams)
            total = sum(weights.get(g, 0.0) * c for g, c in counts.items())
            squares = float(sum(c * c for c in counts.values()))
        return 1.0 / (1.0 + math.exp(-(self.intercept + total / math.sqrt(squares))))

    def find(self, text: str) -> list[tuple[int, int, float]]:
        """Claim windows ``(start, end, probability)`` in a normalised text, best first, not overlapping."""
        return self.find_many([text])[0]

    def find_many(
        self, texts: list[str], blocked: list[list[tuple[int, int]]] | None = None
    ) -> list[list[tuple[int, int, float]]]:
        """:meth:`find` for a batch. Only windows holding a cue are scored: the few that could be a claim.

        ``blocked``: spans per text no window may overlap (the brand's name: "Neverfull identical to the
        retail version" holds the claim "identical to the retail version", not a claim with the name in it).
        """
        from .text import SKELETON

        out: list[list[tuple[int, int, float]]] = [[] for _ in texts]
        cue_re = self._cue_re
        for i, text in enumerate(texts):
            text = text.translate(SKELETON)  # the form the detector was trained on (l as i), same length
            if cue_re is None:
                cues = [(0, len(text))]  # no cue learned: every window is scored
            else:
                cues = [(m.start(), m.start() + len(m.group(1) or m.group(2))) for m in cue_re.finditer(text)]
                if not cues:
                    continue  # nothing any claim is made of: the common case, settled by one regex scan
            found = []
            spans = blocked[i] if blocked else ()
            for a, b in _windows(text, cues):
                held = [s for s, e in cues if a <= s and e <= b]
                if not held or any(a < e and s < b for s, e in spans):
                    continue
                # Inside a run of Chinese, a claim starts at its cue or a few characters before it (和正品一样,
                # 对比正品看不出): later starts are its tails, the same words minus their connector.
                if min(held) - a > CJK_LEAD and " " not in text[a:b] and _CJK_RE.search(text[a:b]):
                    continue
                p = self.probability(text[a:b])
                if p >= self.threshold:
                    found.append((p, a, b))
            for p, a, b in sorted(found, reverse=True):
                if not any(a < e and s < b for s, e, _ in out[i]):
                    out[i].append((a, b, round(p, 3)))
        return out


def outside(start: int, end: int, blocked: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of ``start:end`` outside the ``blocked`` spans (a brand's name), in order."""
    parts, at = [], start
    for s, e in sorted(blocked):
        if s >= end or e <= at:
            continue
        if s > at:
            parts.append((at, s))
        at = max(at, e)
    if at < end:
        parts.append((at, end))
    return parts


def _segments(text: str, gaps: frozenset[int]) -> list[tuple[int, int]]:
    """Spans of a normalised title between punctuation, split where spaces stood between Chinese characters
    (``gaps``) and at the spaces around Chinese words; an English clause stays whole."""
    out = []
    for chunk in _CHUNK_RE.finditer(text):
        bounds = sorted({chunk.start(), chunk.end(), *(g for g in gaps if chunk.start() < g < chunk.end())})
        for a, b in zip(bounds, bounds[1:], strict=False):
            if _CJK_RE.search(text[a:b]):
                out.extend((m.start() + a, m.end() + a) for m in _WORD_RE.finditer(text[a:b]))
            else:
                stripped = text[a:b].strip()
                if stripped:
                    start = a + text[a:b].index(stripped)
                    out.append((start, start + len(stripped)))
    return out


def ngrams(text: str) -> list[str]:
    """Character 2- to 4-grams of each word of ``text``, the word padded with a space on each side."""
    return [padded[k : k + n] for word in text.split() for padded in (f" {word} ",) for n in (2, 3, 4)
            for k in range(len(padded) - n + 1)]


def ngram_counts(text: str) -> dict[str, int]:
    """:func:`ngrams` counted."""
    return dict(Counter(ngrams(text)))


def _cue_pairs(negatives: set[str], *families: set[str]) -> frozenset[str]:
    """Chinese character pairs and English words at least three times as common in a family of claims as in
    ordinary wording (each family on its own, so that a large one does not drown another's words).

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

    neg, neg_n = pairs(negatives), max(len(negatives), 1)
    cues: set[str] = set()
    for positives in families:
        pos, pos_n = pairs(positives), max(len(positives), 1)
        cues.update(p for p, n in pos.items() if n >= 3 and n / pos_n >= 3 * (neg.get(p, 0) + 1) / neg_n)
    return frozenset(cues)


def _sub_windows(text: str) -> list[str]:
    """The shorter windows :meth:`ClaimDetector.find_many` would read inside an English phrase of three words
    or more ("difference due to" in "slight color difference due to lighting")."""
    words = text.split()
    if len(words) < 3 or _CJK_RE.search(text):
        return []
    return [part for i in range(len(words)) for j in range(i + 2, len(words) + 1) if j - i < len(words)
            for part in (" ".join(words[i:j]),) if len(part) >= MIN_LATIN_CHARS]


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


def denied_claims(claims: dict[str, Any]) -> list[str]:
    """Claims that no one can tell the item from the genuine one (看不出区别, can't tell the difference)."""
    zh, en = claims["compose"]["zh"], claims["compose"]["en"]
    denied = [f"{d}{x}" for d, x in product(zh["denial"], zh["difference"])]
    out = denied + [f"{g}{d}" for g, d in product(zh["genuine"], denied)]
    out += [f"{d} {p} {x}" for d, p, x in product(en["denial"], en["perceive"], en["difference"])]
    return out


def _windows(text: str, cues: list[tuple[int, int]]):  # type: ignore[no-untyped-def]
    """Chunks between separators, and word or character windows inside longer ones (near a cue)."""
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
                # only windows holding a cue that starts at most CJK_LEAD characters into them (see find_many)
                starts = sorted({a for s, e in cues if word_start <= s and e <= word_end
                                 for a in range(max(word_start, s - CJK_LEAD), s + 1)})
                for a in starts:
                    for b in range(a + 3, min(a + MAX_CHARS, word_end) + 1):
                        if (a, b) != (word_start, word_end):
                            yield a, b
