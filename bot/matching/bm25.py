"""Okapi BM25 (the Lucene variant, as bm25s computes it) over pre-tokenised documents, in numpy.

Why not bm25s itself: it scores identically (tests/test_match.py compares the two), but its
index build counts tokens document by document in Python. For the char channel at 1,000 entries
(10,957 question, title and answer documents, 521,309 tokens) bm25s took 1.7 s and the string
`BM25` here 0.3 s on our 2-core machine (bench/bench_match.py; BENCHMARKS.md): here the counting
is one sort of (token, document) pairs. Start-up matters: the bot rebuilds the index on every
reload.

`GramBM25` goes further for the Chinese channels, whose tokens are the unigrams and adjacent
bigrams of a list of units: it numbers each unit once and forms the bigrams as integer pairs in
numpy, so no bigram string is ever built for a document (only for a query).
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

import numpy as np


class BM25:
    """An inverted index: for each token, the documents holding it and their BM25 weights."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75) -> None:
        numbering: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        tokens = itertools.chain.from_iterable(docs)
        ids = np.fromiter(map(numbering.__getitem__, tokens), dtype=np.int64)
        lengths = np.fromiter((len(t) for t in docs), dtype=np.int64, count=len(docs))
        self.vocab: dict[str, int] = dict(numbering)
        doc_ids = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        self._index(ids, doc_ids, lengths, len(self.vocab), k1, b)

    def ids_of(self, tokens: Sequence[str]) -> list[int | None]:
        """Each token's id, or None when no document holds it."""
        return [self.vocab.get(t) for t in tokens]

    def _index(
        self,
        ids: np.ndarray,
        doc_ids: np.ndarray,
        lengths: np.ndarray,
        size: int,
        k1: float,
        b: float,
    ) -> None:
        """Build the postings from every token occurrence (token id, document id)."""
        self.n, self.size = len(lengths), size  # documents, distinct tokens
        pairs, tf = _counted(ids * max(self.n, 1) + doc_ids)
        token, doc = np.divmod(pairs, max(self.n, 1))  # sorted by token, then document
        df = np.bincount(token, minlength=size)
        idf = np.log(1 + (self.n - df + 0.5) / (df + 0.5))
        average = lengths.mean() if self.n else 1.0
        norm = k1 * ((1 - b) + b * lengths[doc] / max(average, 1e-9))
        self.weights = (idf[token] * tf / (norm + tf)).astype(np.float32)
        self.docs = doc.astype(np.int32)  # per posting: its document …
        self.tokens = token  # … and its token id (postings are sorted by token)
        self.starts = np.searchsorted(token, np.arange(size + 1))

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """Every document's BM25 score for a tokenised query (a repeated token counts twice).

        Each distinct token's postings are added once, times its count: a query that repeats
        one word 30,000 times costs one posting list, not 30,000.
        """
        counted = Counter(tokens)
        docs: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for index, count in zip(self.ids_of(list(counted)), counted.values(), strict=True):
            if index is None:
                continue
            start, end = self.starts[index], self.starts[index + 1]
            docs.append(self.docs[start:end])
            weights.append(self.weights[start:end] * count)
        if not docs:
            return np.zeros(self.n, dtype=np.float32)
        # One pass over all the postings (cheaper than one scattered add per token).
        summed = np.bincount(np.concatenate(docs), np.concatenate(weights), minlength=self.n)
        return summed.astype(np.float32)


SEEN_TOKENS = 100_000  # query tokens a GramBM25 remembers the ids of (then it starts again)


class GramBM25(BM25):
    """BM25 over the unigrams and adjacent bigrams ('a|b') of each document's units.

    Scores exactly as `BM25([grams(units) for units in docs])` would (`bot.tokens.grams`).
    """

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75) -> None:
        numbering: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        flat = itertools.chain.from_iterable(docs)
        unit_ids = np.fromiter(map(numbering.__getitem__, flat), dtype=np.int64)
        counts = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        self._grams(unit_ids, counts, dict(numbering), k1, b)

    def translated(self, translate: Callable[[str], str]) -> GramBM25:
        """The same documents with each unit replaced by `translate(unit)` (its pinyin, say).

        Each distinct unit is translated once; the documents are mapped in numpy.
        """
        numbering: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        old_to_new = np.fromiter(
            (numbering[translate(u)] for u in self.units), dtype=np.int64, count=len(self.units)
        )
        other = GramBM25.__new__(GramBM25)
        other._grams(old_to_new[self.unit_ids], self.counts, dict(numbering), self.k1, self.b)
        return other

    def ids_of(self, tokens: Sequence[str]) -> list[int | None]:
        missing = [t for t in tokens if t not in self._seen]
        if missing:
            if len(self._seen) > SEEN_TOKENS:
                self._seen.clear()
            self._seen.update(zip(missing, self._look_up(missing), strict=True))
        return [self._seen[t] for t in tokens]

    def _look_up(self, tokens: Sequence[str]) -> list[int | None]:
        """Token ids from the sorted keys (one searchsorted for all the tokens)."""
        size = len(self.units)
        keys = np.full(len(tokens), -1, dtype=np.int64)
        for i, token in enumerate(tokens):
            match [self.units.get(p) for p in token.split("|")]:
                case [int(unit)]:
                    keys[i] = unit
                case [int(left), int(right)]:
                    keys[i] = size + left * size + right
        at = np.minimum(np.searchsorted(self.keys, keys), max(len(self.keys) - 1, 0))
        found = (keys >= 0) & (self.keys[at] == keys) if len(self.keys) else keys < -1
        return [int(a) if f else None for a, f in zip(at.tolist(), found.tolist(), strict=True)]

    def _grams(
        self,
        unit_ids: np.ndarray,
        counts: np.ndarray,
        units: dict[str, int],
        k1: float,
        b: float,
    ) -> None:
        self.units, self.unit_ids, self.counts, self.k1, self.b = units, unit_ids, counts, k1, b
        self._seen: dict[str, int | None] = {}  # query tokens already looked up
        size = len(units)
        n = len(counts)
        doc_of_unit = np.repeat(np.arange(n, dtype=np.int64), counts)
        # A bigram joins two neighbouring units of the same document; key: after the unigrams.
        same = doc_of_unit[1:] == doc_of_unit[:-1]
        bigrams = size + unit_ids[:-1][same] * size + unit_ids[1:][same]
        keys = np.concatenate([unit_ids, bigrams])
        doc_ids = np.concatenate([doc_of_unit, doc_of_unit[:-1][same]])
        self.keys, token_ids = np.unique(keys, return_inverse=True)
        lengths = np.bincount(doc_ids, minlength=n)
        self._index(token_ids.ravel(), doc_ids, lengths, len(self.keys), k1, b)


def _counted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values, sorted, and how often each occurs (np.unique, by one sort)."""
    ordered = np.sort(values)
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else ordered
    counts = np.diff(np.r_[starts, len(ordered)])
    return ordered[starts], counts
