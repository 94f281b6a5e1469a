"""Retrieval: BM25 (bm25s) over every entry's questions and title, with the evidence to judge it.

One `Index` per language. Each question (and the title) is one document; an entry's retrieval
score is its best document. For the few best entries we then gather the evidence the decision
needs (see `Hit`): how much of the query the entry actually covers, weighted by how rare each
token is across entries, and how close the query is to the entry's nearest question.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
from rapidfuzz import fuzz

Tokenizer = Callable[[str], list[str]]

# bm25s logs every index build at DEBUG; an index is rebuilt on every reload and eval fold.
logging.getLogger("bm25s").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Channel:
    """A way to turn text into tokens, and how much its BM25 score counts."""

    name: str
    tokenize: Tokenizer
    weight: float = 1.0


@dataclass(frozen=True)
class Doc:
    """One searchable text of an entry: a question, the title, or the answer."""

    entry_id: str
    text: str  # normalised
    answer: bool = False  # answers count less: they describe, questions ask


@dataclass(frozen=True)
class Hit:
    """One candidate entry for a query, with the evidence for and against it."""

    entry_id: str
    bm25: float  # weighted BM25 of the entry's best document
    coverage: float  # 0-1: IDF-weighted share of the query's tokens found in the entry
    similarity: float  # 0-100: rapidfuzz ratio to the entry's nearest question (token lists)
    unknown: float  # 0-1: IDF-weighted share of the query's single characters/words no entry has
    question: str  # the entry's nearest question (normalised), for explanations


ANSWER_WEIGHT = 1.0  # an answer document counts as much as a question in the ranking
ANSWER_COVERAGE = 0.6  # a query token found only in the answer counts this much as covered


class _ChannelIndex:
    def __init__(self, channel: Channel, docs: Sequence[Doc], owners: np.ndarray, n: int) -> None:
        self.channel = channel
        self.doc_tokens = [channel.tokenize(d.text) for d in docs]
        self.bm25 = bm25s.BM25()
        # bm25s needs at least one token per document; "" is its own empty token.
        self.bm25.index([t or [""] for t in self.doc_tokens], show_progress=False)
        self.vocab: dict[str, int] = dict(self.bm25.vocab_dict)
        self.asked: list[set[str]] = [set() for _ in range(n)]
        self.told: list[set[str]] = [set() for _ in range(n)]
        for owner, doc, tokens in zip(owners, docs, self.doc_tokens, strict=True):
            (self.told if doc.answer else self.asked)[owner].update(tokens)
        df: Counter[str] = Counter()
        for asked, told in zip(self.asked, self.told, strict=True):
            df.update(asked | told)
        self.idf = {t: _idf(n, c) for t, c in df.items()}
        self.unknown_idf = _idf(n, 0)
        self.units = [_units(tokens) for tokens in self.doc_tokens]

    def scores(self, tokens: list[str]) -> np.ndarray:
        ids = [self.vocab[t] for t in tokens if t in self.vocab and t]
        if not ids:
            return np.zeros(len(self.doc_tokens), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(ids), dtype=np.float32)

    def coverage(self, tokens: set[str], entry: int) -> tuple[float, float]:
        """(share covered by the entry, share unknown to every entry), both IDF-weighted."""
        total = covered = unknown = 0.0
        asked, told = self.asked[entry], self.told[entry]
        for token in tokens:
            weight = self.idf.get(token, self.unknown_idf)
            total += weight
            if token in asked:
                covered += weight
            elif token in told:
                covered += ANSWER_COVERAGE * weight
            elif token not in self.idf and "|" not in token:
                unknown += weight
        if total == 0:
            return 0.0, 0.0
        return covered / total, unknown / total


def _units(tokens: list[str]) -> list[str]:
    """The single units of a token list (bigrams dropped), in order."""
    return [t for t in tokens if "|" not in t]


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


class Index:
    """BM25 over an entry's documents, searched through one or more channels."""

    def __init__(self, docs: Sequence[Doc], channels: Sequence[Channel]) -> None:
        ordered = sorted(docs, key=lambda d: d.entry_id)  # an entry's docs side by side
        self.entry_ids: list[str] = []
        owners: list[int] = []
        for doc in ordered:
            if not self.entry_ids or self.entry_ids[-1] != doc.entry_id:
                self.entry_ids.append(doc.entry_id)
            owners.append(len(self.entry_ids) - 1)
        self.docs = ordered
        self.owners = np.asarray(owners, dtype=np.int64)
        self.starts = np.flatnonzero(np.r_[True, self.owners[1:] != self.owners[:-1]])
        self.doc_weights = np.asarray(
            [ANSWER_WEIGHT if d.answer else 1.0 for d in ordered], dtype=np.float32
        )
        n = len(self.entry_ids)
        self.channels = [_ChannelIndex(c, ordered, self.owners, n) for c in channels]

    def __len__(self) -> int:
        return len(self.entry_ids)

    def search(self, text: str, k: int = 5) -> list[Hit]:
        """The k best entries for a normalised query, best first, each with its evidence."""
        if not self.entry_ids or not text:
            return []
        queries = [c.channel.tokenize(text) for c in self.channels]
        doc_scores = np.zeros(len(self.docs), dtype=np.float32)
        for index, tokens in zip(self.channels, queries, strict=True):
            doc_scores += index.channel.weight * index.scores(tokens)
        doc_scores *= self.doc_weights
        entry_scores = np.maximum.reduceat(doc_scores, self.starts)
        k = min(k, len(entry_scores))
        top = np.argpartition(-entry_scores, k - 1)[:k]
        top = top[np.argsort(-entry_scores[top], kind="stable")]
        return [
            self._hit(int(e), float(entry_scores[e]), queries) for e in top if entry_scores[e] > 0
        ]

    def _hit(self, entry: int, bm25: float, queries: list[list[str]]) -> Hit:
        shares = [c.coverage(set(q), entry) for c, q in zip(self.channels, queries, strict=True)]
        coverage = max(cov for cov, _ in shares)
        unknown = shares[0][1]
        # Similarity to the nearest question, on the last channel's units (pinyin for Chinese):
        # order-aware and tolerant of homophone typos.
        last = self.channels[-1]
        query_units = _units(queries[-1])
        start = int(self.starts[entry])
        end = int(self.starts[entry + 1]) if entry + 1 < len(self.starts) else len(self.docs)
        best, nearest = 0.0, ""
        for d in range(start, end):
            if self.docs[d].answer:
                continue
            score = fuzz.ratio(query_units, last.units[d])
            if score > best:
                best, nearest = score, self.docs[d].text
        return Hit(self.entry_ids[entry], bm25, coverage, best, unknown, nearest)
