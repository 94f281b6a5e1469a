"""Retrieval: BM25 (`bot.bm25`) over every entry's questions, title and answer, with evidence.

One `Index` per language. Each question (and the title) is one document; an entry's retrieval
score is its best document. For the few best entries we then gather the evidence the decision
needs (see `Hit`): how much of the query the entry actually covers, weighted by how rare each
token is across entries, and how close the query is to the entry's nearest question.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from bot.matching.bm25 import BM25, GramBM25

Tokenizer = Callable[[str], list[str]]


@lru_cache(maxsize=1 << 17)
def _tokens(tokenize: Callable[[str], list[str]], text: str) -> tuple[str, ...]:
    """A document's tokens, remembered: an index built again on the same knowledge (a reload,
    each fold of leave-one-out, the checks on a proposal) tokenises only what changed."""
    return tuple(tokenize(text))


@dataclass(frozen=True)
class Channel:
    """A way to turn text into tokens, and how much its BM25 score counts."""

    name: str
    tokenize: Tokenizer
    weight: float = 1.0
    answers: bool = True  # whether answer documents are tokenised for this channel too
    # When set, `tokenize(text)` is exactly the unigrams and bigrams (`bot.tokens.grams`) of
    # `units(text)`, and the index is built from the units in numpy (`bot.bm25.GramBM25`).
    units: Callable[[str], list[str]] | None = None
    # When set, this channel's units are `derive(u)` for each unit u of the channel before it
    # (a units channel with the same `answers`), so its index is translated from that one.
    derive: Callable[[str], str] | None = None


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
    # 0-1: IDF-weighted share of the entry's best question found in the query's asking parts:
    # a long message that has a question of the entry inside it, whatever story surrounds it
    contained: float = 0.0


ANSWER_WEIGHT = 1.0  # an answer document counts as much as a question in the ranking
ANSWER_COVERAGE = 0.6  # a query token found only in the answer counts this much as covered


class _ChannelIndex:
    def __init__(
        self,
        channel: Channel,
        docs: Sequence[Doc],
        owners: np.ndarray,
        n: int,
        before: _ChannelIndex | None = None,
    ) -> None:
        self.channel = channel
        use = channel.answers
        self.bm25: BM25
        if channel.derive is not None and before and isinstance(before.bm25, GramBM25):
            self.bm25 = before.bm25.translated(channel.derive)
        elif channel.units is not None:
            split = channel.units
            self.bm25 = GramBM25(
                [_tokens(split, d.text) if use or not d.answer else () for d in docs]
            )
        else:
            self.bm25 = BM25(
                [_tokens(channel.tokenize, d.text) if use or not d.answer else () for d in docs]
            )
        self.n = n
        # Which entry holds which token, from the BM25 postings: keys token_id * n + entry.
        answer = np.asarray([d.answer for d in docs], dtype=bool)[self.bm25.docs]
        keys = self.bm25.tokens * n + owners[self.bm25.docs]
        # Postings run by token, then document, and an entry's documents are consecutive: so
        # the keys are sorted, and counting distinct keys per token gives entry frequencies.
        self.asked = _ByEntry(_distinct(keys[~answer]), n)
        self.told = _ByEntry(_distinct(keys[answer]), n)
        held = _distinct(keys)
        df = np.bincount(held // max(n, 1), minlength=self.bm25.size)
        self.df = df  # token id → how many entries hold it (questions or answer)
        self.idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        self.unknown_idf = _idf(n, 0)

    def scores(self, tokens: list[str]) -> np.ndarray:
        return self.bm25.scores(tokens)

    def weigh(
        self, tokens: list[str], scale: list[float] | None = None
    ) -> tuple[list[tuple[int, float]], float, float]:
        """A query's known tokens as (id, weight), its total weight, and its unknown share.

        A token's weight is its IDF, times `scale` where given (see `Index`'s `light`): the
        largest factor at any of its positions.
        """
        known: list[tuple[int, float]] = []
        total = unknown = 0.0
        factor_of: dict[str, float] = {}
        for token, factor in zip(tokens, scale or [1.0] * len(tokens), strict=True):
            factor_of[token] = max(factor, factor_of.get(token, 0.0))
        distinct = list(factor_of)
        for token, token_id in zip(distinct, self.bm25.ids_of(distinct), strict=True):
            factor = factor_of[token]
            if token_id is None:
                total += factor * self.unknown_idf
                unknown += 0.0 if "|" in token else factor * self.unknown_idf
            else:
                weight = factor * float(self.idf[token_id])
                known.append((token_id, weight))
                total += weight
        return known, total, (unknown / total if total else 0.0)

    def coverage(self, known: list[tuple[int, float]], total: float, entry: int) -> float:
        """IDF-weighted share of the query the entry covers (answer-only tokens count less)."""
        covered = 0.0
        asked, told = self.asked.of(entry), self.told.of(entry)
        for token_id, weight in known:
            if token_id in asked:
                covered += weight
            elif token_id in told:
                covered += ANSWER_COVERAGE * weight
        return covered / total if total else 0.0

    def weighted(self, tokens: list[str], scale: list[float]) -> dict[int, float]:
        """One question's known tokens, each with its IDF times its light factor (`scale`)."""
        found: dict[int, float] = {}
        for token_id, factor in zip(self.bm25.ids_of(tokens), scale, strict=True):
            if token_id is not None:
                found[token_id] = max(found.get(token_id, 0.0), factor * float(self.idf[token_id]))
        return found


class _ByEntry:
    """Token ids per entry, from sorted keys token_id * n + entry; sets made on first use.

    Only the few entries a query ranks ever need their set, so building every set at start-up
    (half a million ids at 1,000 entries) would be wasted work.
    """

    def __init__(self, keys: np.ndarray, n: int) -> None:
        entries = keys % max(n, 1)
        if n <= np.iinfo(np.uint16).max:  # numpy sorts 16-bit integers by radix: linear time
            entries = entries.astype(np.uint16)
        order = np.argsort(entries, kind="stable")
        self.tokens = keys[order] // max(n, 1)
        self.starts = np.searchsorted(entries[order], np.arange(n + 1))
        self.sets: dict[int, frozenset[int]] = {}

    def of(self, entry: int) -> frozenset[int]:
        found = self.sets.get(entry)
        if found is None:
            start, end = self.starts[entry], self.starts[entry + 1]
            found = self.sets[entry] = frozenset(self.tokens[start:end].tolist())
        return found


def _distinct(sorted_keys: np.ndarray) -> np.ndarray:
    """The distinct values of a sorted array."""
    if not len(sorted_keys):
        return sorted_keys
    return sorted_keys[np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]]


def _units(tokens: Sequence[str]) -> list[str]:
    """The single units of a token list (bigrams dropped), in order."""
    return [t for t in tokens if "|" not in t]


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


class Index:
    """BM25 over an entry's documents, searched through one or more channels."""

    def __init__(
        self,
        docs: Sequence[Doc],
        channels: Sequence[Channel],
        light: Callable[[list[str]], list[float]] | None = None,
    ) -> None:
        # `light(tokens)`: a weight factor for each of the first channel's query tokens, the
        # same for the token at that position on every channel (they are aligned: one unit or
        # pair of units each); question words count little towards coverage.
        self.light = light
        ordered = sorted(docs, key=lambda d: d.entry_id)  # an entry's docs side by side
        self.entry_ids: list[str] = []
        owners: list[int] = []
        for doc in ordered:
            if not self.entry_ids or self.entry_ids[-1] != doc.entry_id:
                self.entry_ids.append(doc.entry_id)
            owners.append(len(self.entry_ids) - 1)
        self.docs = ordered
        self.position = {entry_id: e for e, entry_id in enumerate(self.entry_ids)}
        self.owners = np.asarray(owners, dtype=np.int64)
        self.starts = np.flatnonzero(np.r_[True, self.owners[1:] != self.owners[:-1]])
        self.doc_weights = np.asarray(
            [ANSWER_WEIGHT if d.answer else 1.0 for d in ordered], dtype=np.float32
        )
        n = len(self.entry_ids)
        self.channels: list[_ChannelIndex] = []
        for channel in channels:
            before = self.channels[-1] if self.channels else None
            self.channels.append(_ChannelIndex(channel, ordered, self.owners, n, before))
        # Single units of each question on the last channel, for the similarity (answers are
        # never compared).
        last = channels[-1].tokenize
        self.units = [[] if d.answer else _units(_tokens(last, d.text)) for d in ordered]
        self._question_tokens: dict[int, list[dict[int, float]]] = {}
        self.asked: list[list[int]] = [[] for _ in self.entry_ids]  # each entry's questions
        for d, (doc, owner) in enumerate(zip(ordered, owners, strict=True)):
            if not doc.answer:
                self.asked[owner].append(d)

    def __len__(self) -> int:
        return len(self.entry_ids)

    def held_by(self, tokens: list[str]) -> list[int]:
        """How many entries hold each token (first channel; 0 for a token no entry has)."""
        first = self.channels[0]
        return [0 if i is None else int(first.df[i]) for i in first.bm25.ids_of(tokens)]

    def search(self, text: str, k: int = 5) -> list[Hit]:
        """The k best entries for a normalised query, best first, each with its evidence."""
        return self.search_parts([(text, 1.0)], k)

    def search_parts(
        self, parts: Sequence[tuple[str, float]], k: int = 5, contained: bool = False
    ) -> list[Hit]:
        """The k best entries for a query in weighted parts (normalised text, weight).

        A message with a story before its question is searched as its clauses, the asking ones
        weighing 1 and the story less (`bot.match`): each part's BM25 score counts times its
        weight, and so does each of its tokens in coverage. Similarity to the nearest question
        is measured on the parts weighing at least half the heaviest (the story left out). No
        pair of tokens spans two parts. With `contained`, each hit also says how much of its
        entry's best question those parts hold (`Hit.contained`; it costs a pass over the
        candidates' questions, so only long messages ask for it).
        """
        parts = [(text, weight) for text, weight in parts if text]
        if not self.entry_ids or not parts:
            return []
        doc_scores = np.zeros(len(self.docs), dtype=np.float32)
        queries: list[list[str]] = [[] for _ in self.channels]
        factors: list[float] = []
        for text, weight in parts:
            tokens = [c.channel.tokenize(text) for c in self.channels]
            for index, query, part in zip(self.channels, queries, tokens, strict=True):
                doc_scores += weight * index.channel.weight * index.scores(part)
                query.extend(part)
            light = self.light(tokens[0]) if self.light else [1.0] * len(tokens[0])
            factors.extend(weight * f for f in light)
        doc_scores *= self.doc_weights
        entry_scores = np.maximum.reduceat(doc_scores, self.starts)
        k = min(k, len(entry_scores))
        top = np.argpartition(-entry_scores, k - 1)[:k]
        top = top[np.argsort(-entry_scores[top], kind="stable")]
        weighed = [c.weigh(q, factors) for c, q in zip(self.channels, queries, strict=True)]
        heaviest = max(weight for _, weight in parts)
        last = self.channels[-1].channel.tokenize
        similar = [u for text, w in parts if w >= heaviest / 2 for u in _units(last(text))]
        hits = [
            self._hit(int(e), float(entry_scores[e]), similar, weighed)
            for e in top
            if entry_scores[e] > 0
        ]
        if not contained:
            return hits
        # The tokens of the asking parts (the story left out), for `Hit.contained`.
        held: list[set[int]] = [set() for _ in self.channels]
        for text, weight in parts:
            if weight >= heaviest / 2:
                for c, ids in zip(self.channels, held, strict=True):
                    ids.update(i for i in c.bm25.ids_of(c.channel.tokenize(text)) if i is not None)
        return [
            replace(hit, contained=self._contained(self.position[hit.entry_id], held))
            for hit in hits
        ]

    def _contained(self, entry: int, held: list[set[int]]) -> float:
        """How much of the entry's best question the query holds (best channel, best question):
        the IDF-weighted share of the question's tokens that are among the query's."""
        best = 0.0
        for d in self.asked[entry]:
            for weights, query in zip(self._question_weights(d), held, strict=True):
                total = sum(weights.values())
                if total:
                    held_weight = sum(w for token_id, w in weights.items() if token_id in query)
                    best = max(best, held_weight / total)
        return best

    def _question_weights(self, doc: int) -> list[dict[int, float]]:
        """A question's weighted tokens on each channel (made the first time it is needed)."""
        made = self._question_tokens.get(doc)
        if made is None:
            text = self.docs[doc].text
            made = []
            for c in self.channels:
                tokens = c.channel.tokenize(text)
                scale = self.light(tokens) if self.light else [1.0] * len(tokens)
                made.append(c.weighted(tokens, scale))
            self._question_tokens[doc] = made
        return made

    def _hit(
        self,
        entry: int,
        bm25: float,
        query_units: list[str],
        weighed: list[tuple[list[tuple[int, float]], float, float]],
    ) -> Hit:
        coverage = max(
            c.coverage(known, total, entry)
            for c, (known, total, _) in zip(self.channels, weighed, strict=True)
        )
        unknown = weighed[0][2]
        # Similarity to the nearest question, on the last channel's units (pinyin for Chinese):
        # order-aware and tolerant of homophone typos.
        asked = self.asked[entry]
        found = process.extractOne(
            query_units, [self.units[d] for d in asked], scorer=fuzz.ratio, processor=None
        )
        best, nearest = 0.0, ""
        if found is not None and found[1] > 0:
            best, nearest = float(found[1]), self.docs[asked[found[2]]].text
        return Hit(self.entry_ids[entry], bm25, coverage, best, unknown, nearest)
