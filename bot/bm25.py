"""Okapi BM25 (the Lucene variant, as bm25s computes it) over pre-tokenised documents, in numpy.

Why not bm25s itself: it scores identically (tests/test_match.py compares the two), but its
index build counts tokens document by document in Python. For the char channel at 1,000 entries
(10,957 question, title and answer documents, 521,309 tokens) bm25s took 1.7 s and this module
0.3 s on our 2-core machine (bench/bench_match.py; BENCHMARKS.md): here the counting is one sort
of (token, document) pairs. Start-up matters: the bot rebuilds the index on every reload.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np


class BM25:
    """An inverted index: for each token, the documents holding it and their BM25 weights."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.n = len(docs)
        numbering: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        ids = [numbering[token] for tokens in docs for token in tokens]
        self.vocab: dict[str, int] = dict(numbering)
        lengths = np.fromiter((len(t) for t in docs), dtype=np.int64, count=self.n)
        token_ids = np.asarray(ids, dtype=np.int64)
        doc_ids = np.repeat(np.arange(self.n, dtype=np.int64), lengths)
        pairs, tf = _counted(token_ids * max(self.n, 1) + doc_ids)
        token, doc = np.divmod(pairs, max(self.n, 1))  # sorted by token, then document
        df = np.bincount(token, minlength=len(self.vocab))
        idf = np.log(1 + (self.n - df + 0.5) / (df + 0.5))
        average = lengths.mean() if self.n else 1.0
        norm = k1 * ((1 - b) + b * lengths[doc] / max(average, 1e-9))
        self.weights = (idf[token] * tf / (norm + tf)).astype(np.float32)
        self.docs = doc.astype(np.int32)  # per posting: its document …
        self.tokens = token  # … and its token id (postings are sorted by token)
        self.starts = np.searchsorted(token, np.arange(len(self.vocab) + 1))

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """Every document's BM25 score for a tokenised query (a repeated token counts twice).

        Each distinct token's postings are added once, times its count: a query that repeats
        one word 30,000 times costs one posting list, not 30,000.
        """
        out = np.zeros(self.n, dtype=np.float32)
        for token, count in Counter(tokens).items():
            index = self.vocab.get(token)
            if index is None:
                continue
            start, end = self.starts[index], self.starts[index + 1]
            weights = self.weights[start:end]
            out[self.docs[start:end]] += weights if count == 1 else count * weights
        return out


def _counted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values, sorted, and how often each occurs (np.unique, by one sort)."""
    ordered = np.sort(values)
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else ordered
    counts = np.diff(np.r_[starts, len(ordered)])
    return ordered[starts], counts
