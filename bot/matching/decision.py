"""The decision types and the three bands: answer, clarify, ticket.

A candidate's confidence (0-100) mixes two kinds of evidence from `bot.retrieval.Hit`: the
IDF-weighted share of the query's tokens that the entry covers (a near miss such as
"企业天地电话多少" leaves its informative part, 电话, uncovered) and how close the query is to
the entry's nearest question. The BM25 score only ranks; it never decides on its own.

A question that asks for a specific detail (a phone number, opening hours, a fee …; see
`bot.details`) can only be answered by an entry that gives it. The best remaining candidate is
answered when its confidence reaches the band; candidates within `gap` of it are offered
together (clarify); a little below the band a clear leader is proposed (confirm: "您是想问…吗？");
below that the question becomes a ticket for staff.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from bot.matching.entry_details import EntryDetails
from bot.matching.retrieval import Hit

Verdict = Literal["answer", "clarify", "confirm", "intent", "ticket"]  # what to do with a message


# Why a question with no refusal to its name goes to staff: its nearest entry is too far.
NOT_COVERED = "no entry covers the question well enough"
# Why the first of entries close together is answered: each gives the figure asked for.
FIGURES_CLOSE = "close; each gives the figure asked"


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float  # 0-100


@dataclass(frozen=True)
class Decision:
    """What to do with one message."""

    outcome: Verdict
    score: float = 0.0  # 0-100: confidence in the top candidate (or intent)
    entry_id: str | None = None  # outcome "answer": the entry to show
    intent: str | None = None  # outcome "intent": its name
    candidates: tuple[Candidate, ...] = ()  # best first; for "clarify" the 2-3 choices
    gibberish: bool = False  # outcome "ticket" for input with nothing to act on: ask to rephrase
    language: str = "zh"  # "en" when the question is written in English
    reason: str = ""  # a few words for logs and `eval`: why this outcome
    # outcome "ticket": the nearest entries worth a look while staff answer (they may hold part
    # of the answer, or say which detail the reports leave out)
    related: tuple[Candidate, ...] = ()
    # A message asking two things: one decision per question, in the message's order (each an
    # answer or a ticket, its `question` the part it is about); the message's own outcome is
    # then "answer" with the first answered entry.
    parts: tuple[Decision, ...] = ()
    question: str = ""  # for a part: the words of the message it answers

    @property
    def entries(self) -> tuple[str, ...]:
        """Every entry this decision answers with (several when the message asked two things)."""
        if self.parts:
            return tuple(p.entry_id for p in self.parts if p.outcome == "answer" and p.entry_id)
        return (self.entry_id,) if self.outcome == "answer" and self.entry_id else ()


@dataclass(frozen=True)
class Bands:
    """Thresholds (0-100), calibrated on tests/data/eval.yaml and eval_near_misses.yaml; see
    BENCHMARKS.md, "Matching" and "Near misses".

    English questions have their own threshold: an entry has two or three English variants
    against eight Chinese ones, so the same evidence is spread thinner.
    """

    answer: float = 42.0  # confidence needed to answer a Chinese question
    answer_en: float = 45.0  # … an English one
    # A long message (a story around its question) dilutes the coverage evidence: the right
    # entry comes first at a lower confidence than a short question's (BENCHMARKS.md, "Long
    # messages"). It is answered from this band when it leads the next entry by `long_lead`.
    answer_long: float = 36.0
    answer_long_en: float = 40.0
    long_lead: float = 5.0
    # A question about a thing itself (what it is, its name, rank, parts: `Asked.identity`)
    # whose nearest entry leads every other by far is answered from this band: the entry is
    # the one about that thing (BENCHMARKS.md, "Questions about a thing itself").
    answer_identity: float = 24.0
    answer_identity_en: float = 34.0
    identity_lead: float = 10.0
    identity_lead_en: float = 14.0
    gap: float = 1.0  # candidates within this of the best are offered together (clarify)
    coverage_weight: float = 0.6  # the rest is similarity to the nearest question
    contained_share: float = 1.0  # a long message: how much an entry question inside it counts
    unknown_penalty: float = 0.0  # per share of the query's characters no entry has
    # Below the answer band, a usable entry this confident and this far ahead of the next is
    # proposed ("您是想问「…」吗？"): 是 shows it, 不是 files the ticket. Off (= the answer band):
    # on the lexical evidence alone most proposals were out-of-scope questions (BENCHMARKS.md,
    # "Confirm step").
    confirm: float = 42.0
    confirm_en: float = 45.0
    confirm_gap: float = 5.0
    # An entry whose own text lacks a word the question asks about (`bot.matching.asks`) loses
    # this much confidence: a clear answer survives a paraphrase, a borderline one does not.
    ask_penalty: float = 8.0
    # An entry that holds none of the named thing the question is about (a name only a few
    # entries hold, such as 袁家岗) loses this much: it shares the question's other words only.
    name_penalty: float = 16.0
    # An entry whose answer gives the figure the question asks for (`EntryDetails.states_figure`)
    # gains this much: a count by what it counts, a figure right after the word asked about.
    figure_bonus: float = 6.0
    refused_lead: float = 10.0  # an entry refused for a detail or place that led by this much …
    # … leaves the question to staff rather than to the next candidate
    related: float = 36.0  # a ticket offers the nearest entries with at least this confidence …
    related_count: int = 2  # … this many at most
    candidates: int = 10  # how many entries retrieval hands over

    def answer_for(self, language: str) -> float:
        """The confidence a question in this language needs to be answered."""
        return self.answer_en if language == "en" else self.answer


def confidence(hit: Hit, bands: Bands, long: bool = False) -> float:
    """0-100 from coverage and similarity (less an optional penalty for unknown characters).

    For a long message (`long`: read as clauses, `bot.clauses`) the coverage is the better of
    the query's coverage and how much of the entry's best question its asking part holds: a
    story around the question dilutes the first, not the second.
    """
    w = bands.coverage_weight
    covered = max(hit.coverage, bands.contained_share * hit.contained) if long else hit.coverage
    raw = w * covered + (1 - w) * hit.similarity / 100 - bands.unknown_penalty * hit.unknown
    return round(max(0.0, min(1.0, raw)) * 100, 1)


def judge(
    hits: list[Hit],
    bands: Bands,
    language: str,
    wanted: frozenset[str] = frozenset(),
    details: Mapping[str, EntryDetails] | None = None,
    outside: Callable[[str], set[str]] | None = None,
    long: bool = False,
    storied: bool = False,
    lacking: Callable[[str], frozenset[str]] | None = None,
    unnamed: Callable[[str], bool] | None = None,
    states: Callable[[str], bool] | None = None,
    identity: bool = False,
) -> Decision:
    """Answer, clarify or ticket, from the retrieval hits (best first).

    `wanted` are the specific details the question asks for (`bot.details`); an entry that
    cannot give one of them is not a candidate at all. Nor is an entry for which `outside`
    returns terms: places or subjects the question names that the entry cannot serve
    (`bot.scope`). An entry for which `lacking` returns words (what the question asks about
    that the entry never says, `bot.matching.asks`) loses `bands.ask_penalty` of confidence;
    one for which `unnamed` holds (it names none of the question's rare names) loses
    `bands.name_penalty`; one for which `states` holds (its answer gives the figure asked)
    gains `bands.figure_bonus`.

    A clear leader of a `long` message (read as clauses) is answered from the long band; so is
    one of a short message that is `storied` (it says something besides its question: "渝中挨到
    哪几个区的嘛，我老是搞不清楚"), whose other words dilute the evidence in the same way.
    """
    answer_at = bands.answer_for(language)
    long_at = bands.answer_long_en if language == "en" else bands.answer_long

    def rate(hit: Hit) -> float:
        score = confidence(hit, bands, long)
        if lacking and bands.ask_penalty and lacking(hit.entry_id):
            score = max(0.0, score - bands.ask_penalty)
        if unnamed and unnamed(hit.entry_id):
            score = max(0.0, score - bands.name_penalty)
        if bands.figure_bonus and states and states(hit.entry_id):
            score = min(100.0, score + bands.figure_bonus)
        return score

    rated = sorted(((rate(h), h) for h in hits), key=lambda pair: -pair[0])
    blocked: set[str] = set()
    usable: list[Candidate] = []
    strangers: dict[str, set[str]] = {}
    refused = 0.0  # the best confidence of an entry that cannot serve the question
    for score, hit in rated:
        missing = details[hit.entry_id].unanswered(wanted) if details and wanted else frozenset()
        blocked |= missing
        stranger = outside(hit.entry_id) if outside else set()
        if stranger:
            strangers[hit.entry_id] = stranger
        if not missing and not stranger:
            usable.append(Candidate(hit.entry_id, score))
        else:
            refused = max(refused, score)
    # The question is about a refused entry's subject when that entry led by far: another entry
    # sharing a few words is no answer to it ("工业上楼在哪里" is not about 楼宇党群服务中心).
    # So it is when the best entry of all is refused for a place or subject the question names
    # ("南岸区的人才会客厅在哪"): the question is about that entry's subject somewhere else.
    leader_refused = bool(rated) and rated[0][1].entry_id in strangers
    if usable and (leader_refused or refused - usable[0].score > bands.refused_lead):
        usable = []
    lead = usable[0].score - (usable[1].score if len(usable) > 1 else 0.0) if usable else 0.0
    if (
        (long or storied)
        and usable
        and long_at <= usable[0].score < answer_at
        and lead >= bands.long_lead
    ):
        answer_at = long_at  # a clear leader of a long or storied message: answered
    identity_at, identity_lead = (
        (bands.answer_identity_en, bands.identity_lead_en)
        if language == "en"
        else (bands.answer_identity, bands.identity_lead)
    )
    if identity and usable and identity_at <= usable[0].score < answer_at and lead >= identity_lead:
        answer_at = identity_at  # far ahead on a question about the thing itself
    confirm_at = bands.confirm_en if language == "en" else bands.confirm
    if usable and confirm_at <= usable[0].score < answer_at and lead >= bands.confirm_gap:
        return Decision(
            "confirm",
            usable[0].score,
            usable[0].entry_id,
            candidates=tuple(usable[:3]),
            language=language,
            reason="close, not sure: asks whether it is meant",
        )
    if not usable or usable[0].score < answer_at:
        # A ticket still lists the nearest entries (blocked ones too), for logs and `ask`.
        nearest = tuple(Candidate(h.entry_id, s) for s, h in rated[:3])
        reason = NOT_COVERED
        nearest_id = rated[0][1].entry_id if rated else ""
        if nearest_id in strangers:
            terms = "、".join(sorted(strangers[nearest_id]))
            reason = f"names {terms}, which the nearest entry does not cover"
        elif details and wanted and nearest_id and details[nearest_id].unanswered(wanted):
            reason = f"asks for {', '.join(sorted(blocked))}, which the nearest entry does not give"
        top = nearest[0].score if nearest else 0.0
        related = tuple(c for c in nearest if c.score >= bands.related)[: bands.related_count]
        return Decision(
            "ticket", top, candidates=nearest, language=language, reason=reason, related=related
        )
    top = usable[0].score
    close = tuple(c for c in usable[:3] if top - c.score < bands.gap)
    reason = "one clear winner"
    if len(close) >= 2:
        if not (states and all(states(c.entry_id) for c in close)):
            return Decision("clarify", top, candidates=close, language=language, reason="close")
        reason = FIGURES_CLOSE  # "廖泽萌帮了多少家庭主妇入行": no choice
    return Decision(
        "answer",
        top,
        usable[0].entry_id,
        candidates=tuple(usable[:3]),
        language=language,
        reason=reason,
    )
