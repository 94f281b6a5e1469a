"""The matcher on the shipped knowledge base and intents: answer, clarify, ticket and intent."""

from __future__ import annotations

import dataclasses
from functools import cache

import bm25s
import numpy as np
import pytest

from bot.kb.intents import IntentSet, load_intents
from bot.kb.loader import load_knowledge
from bot.kb.model import KnowledgeBase
from bot.matching.asks import yes_no
from bot.matching.bm25 import BM25, GramBM25
from bot.matching.decision import Bands, judge
from bot.matching.details import asked_details, missing_details
from bot.matching.entry_details import EntryDetails
from bot.matching.holdout import leave_one_out
from bot.matching.matcher import MAX_QUERY_CHARS, Matcher
from bot.matching.retrieval import Channel, Doc, Hit, Index
from bot.matching.tokens import char_tokens, grams, marked_syllable, pinyin_tokens, units
from bot.paths import bundled_dir


@cache
def shipped() -> tuple[KnowledgeBase, IntentSet, Matcher]:
    kb = load_knowledge(bundled_dir("knowledge"))
    intents = load_intents(bundled_dir("intents"))
    return kb, intents, Matcher(kb, intents)


def _entry_questions() -> list[tuple[str, str]]:
    kb, _, _ = shipped()
    return [(e.id, q) for e in kb.entries for q in (*e.questions, e.title)]


def _intent_examples() -> list[tuple[str, str]]:
    _, intents, _ = shipped()
    return [(i.id, x) for i in intents.intents for x in i.examples]


@pytest.mark.parametrize(("entry_id", "question"), _entry_questions())
def test_every_entry_question_finds_its_entry(entry_id: str, question: str) -> None:
    """Each question (and the title) of an entry is answered with that entry.

    A question that is also an intent phrase (转人工 under the assistant's own entry) is taken
    by the intent, which the engine handles first by design.
    """
    _, _, matcher = shipped()
    decision = matcher.decide(question)
    if decision.outcome == "intent":
        return
    assert (decision.outcome, decision.entry_id) == ("answer", entry_id)


@pytest.mark.parametrize(("intent", "example"), _intent_examples())
def test_every_intent_example_matches_its_intent(intent: str, example: str) -> None:
    _, _, matcher = shipped()
    decision = matcher.decide(example)
    assert (decision.outcome, decision.intent) == ("intent", intent)


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("你好，请问楼小二是做什么的", "louxiaoer"),  # a greeting inside a question
        ("袁家岗社区通半", "yuanjiagang-tongban"),  # input-method typo
        ("袁來一家 跨區通辦", "yuanjiagang-tongban"),  # Traditional characters
        ("渝中人才政策黄金12条", "talent-golden-twelve"),  # digits for 十二
        ("What is Yucaihui?", "yucaihui-platform"),  # English
    ],
)
def test_answers_the_way_residents_ask(question: str, entry_id: str) -> None:
    _, _, matcher = shipped()
    decision = matcher.decide(question)
    assert (decision.outcome, decision.entry_id) == ("answer", entry_id)


def test_english_question_is_marked_english() -> None:
    _, _, matcher = shipped()
    assert matcher.decide("What is Yucaihui?").language == "en"
    assert matcher.decide("渝才荟是什么").language == "zh"


@pytest.mark.parametrize(
    "question",
    [
        "企业天地党群服务中心电话多少",  # the entry exists, the phone number does not
        "黄金十二条补贴多少钱",  # the entry says the amounts are not given
        "暖新驿站几点开门几点关门",
        "渝中区人口多少",  # the overview mentions population density, gives no figure
        "What is the population of Yuzhong?",
        "公积金怎么提取",  # an ordinary service the sources do not cover
        "今天天气咋样",
    ],
)
def test_defers_what_the_knowledge_base_does_not_answer(question: str) -> None:
    """Near misses and uncovered topics become tickets, not a generic answer."""
    _, _, matcher = shipped()
    decision = matcher.decide(question)
    assert decision.outcome == "ticket"
    assert not decision.gibberish


@pytest.mark.parametrize("text", ["", "   ", "asdfgh", "🙂🙂🙂", "？？？", "啊啊啊啊", "123456789"])
def test_meaningless_input_asks_to_rephrase(text: str) -> None:
    _, _, matcher = shipped()
    decision = matcher.decide(text)
    assert (decision.outcome, decision.gibberish) == ("ticket", True)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("谢谢你哈 辛苦了", "thanks"),
        ("thank you so much", "thanks"),
        ("哈喽哈喽", "greeting"),
        ("不要了 退出", "cancel"),
    ],
)
def test_short_conversational_messages_are_intents(text: str, intent: str) -> None:
    _, _, matcher = shipped()
    assert matcher.decide(text).intent == intent


def test_scores_and_candidates_are_bounded_and_ordered() -> None:
    """Scores are 0-100, candidates best first, at most three."""
    _, _, matcher = shipped()
    for question in ("楼宇党群服务中心", "人才", "骑手", "What services are there?"):
        decision = matcher.decide(question)
        scores = [c.score for c in decision.candidates]
        assert len(scores) <= 3
        assert scores == sorted(scores, reverse=True)
        assert all(0 <= s <= 100 for s in (*scores, decision.score))


def test_two_equally_close_entries_are_offered_as_a_choice() -> None:
    """When two entries tie at the top, the matcher clarifies instead of picking one."""
    docs = [Doc("a", "人才公寓"), Doc("b", "人才公寓"), Doc("c", "骑手驿站")]
    index = Index(docs, [Channel("char", char_tokens), Channel("pinyin", pinyin_tokens, 0.5)])
    decision = judge(index.search("人才公寓", k=3), Bands(), "zh")
    assert decision.outcome == "clarify"
    assert {c.entry_id for c in decision.candidates} == {"a", "b"}


def test_coverage_is_what_decides_not_the_bm25_score() -> None:
    """A hit with a high BM25 score but little coverage of the query is not answered."""
    hit = Hit("a", bm25=99.0, coverage=0.1, similarity=20.0, unknown=0.0, question="x")
    assert judge([hit], Bands(), "zh").outcome == "ticket"


def test_an_entry_saying_a_detail_is_missing_cannot_answer_for_it() -> None:
    """Its answer says the reports give no opening hours: an hours question is not its to answer."""
    answer = "据报道有15项服务。报道没有提供驿站的具体地址和开放时间。"
    details = EntryDetails.of(frozenset(), answer)
    assert {"address", "hours"} <= missing_details("报道没有提供驿站的具体地址和开放时间")
    assert details.unanswered(asked_details("暖新驿站几点开门")) == {"hours"}
    assert details.unanswered(asked_details("暖新驿站有哪些服务")) == frozenset()
    overview = EntryDetails.of(frozenset(), "人口密度、建筑密度高。")
    assert overview.unanswered(asked_details("渝中区人口多少")) == {"population"}
    assert overview.unanswered(asked_details("渝中人口密度高不高")) == frozenset()
    # "也没有……" goes on listing what the reports leave out
    listed = "报道没有公布清单的发布时间，也没有大会的日期、地点和报名方式。"
    assert {"signup", "address"} <= missing_details(listed)


def test_where_to_collect_or_redeem_is_asked_as_where() -> None:
    """ "在哪个咖啡店领", "兑换地点在哪": a place; an entry without one cannot answer it."""
    platform = EntryDetails.of(frozenset(), "平台提供人才咖啡、公寓优惠等服务。")
    assert platform.unanswered(asked_details("人才咖啡在哪个咖啡店领")) == {"where"}
    points = EntryDetails.of(frozenset(), "积分可兑换礼品。报道没有给出兑换时间和地点。")
    assert points.unanswered(asked_details("积分兑换地点在哪")) == {"where"}
    assert "where" not in asked_details("积分能换哪些东西")
    assert "where" not in asked_details("在哪个领导那里报到")  # which leader, not where
    assert "where" not in asked_details("公寓优惠在哪个平台上领")  # which platform: its name


def test_a_simile_or_a_services_name_is_not_the_detail_it_looks_like() -> None:
    """ "像送外卖一样送政策" compares; "family doctor sign-up" is the service (家庭医生签约)."""
    assert "likewise" not in asked_details("有个像送外卖1样送政策上门的队伍 有多少人")
    assert "likewise" in asked_details("渝中有没有像袁来1家那样的通办")
    assert "signup" not in asked_details("does the circle cover family doctor sign up")
    assert "signup" in asked_details("how do i sign up for the classes")


def test_a_day_a_place_and_a_schedule_are_told_apart() -> None:
    """ "是几号开的" asks the day of a meeting (an entry giving 3月19日 answers), "在几号" a door
    number, "每个月几号开会" a schedule, "在哪个场馆办" a place."""
    assert "date" in asked_details("区人才工作会议是几号开的")
    assert "address" not in asked_details("区人才工作会议是几号开的")
    assert "address" in asked_details("驿站在这条街几号")
    assert "hours" in asked_details("议事会每个月几号开会")
    assert "where" in asked_details("招聘会1般在哪个场馆办")


def test_a_share_is_given_by_a_percentage() -> None:
    """ "占全区税收百分之几" asks for a share: an entry with a percentage gives it, one with
    counts only does not; 百分之几 asks no count."""
    shares = EntryDetails.of(frozenset(), "亿元楼宇贡献税收88.37亿元，占全区税收的47.64%。")
    counts = EntryDetails.of(frozenset(), "渝中有40栋亿元级税收楼宇。")
    asked = asked_details("占全区税收百分之几")
    assert asked == {"share"}
    assert shares.unanswered(asked) == frozenset()
    assert counts.unanswered(asked) == {"share"}


def test_a_not_a_of_doing_something_asks_yes_or_no() -> None:
    """ "周六办不办结婚登记" asks yes or no (so 周六 asks for opening days); "是不是更便宜"
    and "能不能帮我们跑腿" ask of what follows."""
    assert yes_no("周六办不办结婚登记")
    assert not yes_no("周日是不是更便宜")
    assert not yes_no("能不能帮我们跑腿交资料")


def test_an_entry_refused_far_ahead_leaves_the_question_to_staff() -> None:
    """When the entry a question is about cannot give what it asks, a distant runner-up that
    shares a few words is no answer either; a close one still is."""
    details = {
        "hotel": EntryDetails.of(frozenset(), "报道没有提供酒店的地址。"),
        "other": EntryDetails.of(frozenset(), "服务中心位于解放碑。"),
    }
    wanted = asked_details("渝都酒店的地址")

    def hit(entry_id: str, coverage: float) -> Hit:
        return Hit(
            entry_id,
            bm25=9.0,
            coverage=coverage,
            similarity=coverage * 100,
            unknown=0.0,
            question="",
        )

    far = judge([hit("hotel", 0.95), hit("other", 0.6)], Bands(), "zh", wanted, details)
    near = judge([hit("hotel", 0.7), hit("other", 0.6)], Bands(), "zh", wanted, details)
    assert (far.outcome, near.outcome, near.entry_id) == ("ticket", "answer", "other")


def test_a_price_in_the_answer_lets_it_answer_a_how_much_question() -> None:
    details = EntryDetails.of(frozenset(), "据报道，石油路街道帮助企业融资2500万元。")
    assert details.unanswered(asked_details("石油路帮企业融了多少钱")) == frozenset()


def test_matcher_follows_a_changed_knowledge_base() -> None:
    """A matcher built on a knowledge base without an entry no longer answers with it."""
    kb, intents, _ = shipped()
    smaller = dataclasses.replace(
        kb,
        entries=tuple(
            dataclasses.replace(e, related=tuple(r for r in e.related if r != "louxiaoer"))
            for e in kb.entries
            if e.id != "louxiaoer"
        ),
    )
    decision = Matcher(smaller, intents).decide("楼小二是做什么的")
    assert decision.entry_id != "louxiaoer"


def test_bm25_scores_equal_the_bm25s_library() -> None:
    """bot.bm25 is a faster build of the same Lucene BM25 that bm25s computes."""
    docs = [["楼", "小", "楼|小"], ["小", "二", "小|二", "二"], ["楼", "宇"], ["x"]]
    query = ["楼", "二", "二", "unknown"]
    reference = bm25s.BM25()
    reference.index(docs, show_progress=False)
    ids = [reference.vocab_dict[t] for t in query if t in reference.vocab_dict]
    assert np.allclose(BM25(docs).scores(query), reference.get_scores(ids), atol=1e-6)


def test_a_repeated_query_token_counts_once_per_repeat() -> None:
    """A token repeated n times scores n times its single weight (counted, not looped)."""
    index = BM25([["渝", "中"], ["中", "区"], ["区"]])
    assert np.allclose(index.scores(["区"] * 3), 3 * index.scores(["区"]))


def test_a_100000_character_question_still_gets_a_decision() -> None:
    """An over-long question (ask and eval pass text uncut) is read up to a cap and decided."""
    _, _, matcher = shipped()
    text = "渝中区" * 33334
    decision = matcher.decide(text)
    assert decision.outcome in ("answer", "clarify", "intent", "ticket")
    assert decision == matcher.decide(text[:MAX_QUERY_CHARS])


def test_gram_index_scores_as_the_string_index_of_the_same_grams() -> None:
    """GramBM25 (bigrams as integer pairs) and its pinyin translation equal BM25 over strings."""
    kb, _, _ = shipped()
    texts = [e.answer for e in kb.entries[:20]] + [q for e in kb.entries[:20] for q in e.questions]
    docs = [units(t) for t in texts]
    gram = GramBM25(docs)
    pinyin = gram.translated(marked_syllable)
    for query in ("楼小二能帮企业做啥", "渝中区人材公寓租金", "1+4+n 是什么", "没有的字 zzz"):
        assert np.allclose(
            gram.scores(char_tokens(query)),
            BM25([grams(d) for d in docs]).scores(char_tokens(query)),
        )
        expected = BM25([pinyin_tokens(t) for t in texts]).scores(pinyin_tokens(query))
        assert np.allclose(pinyin.scores(pinyin_tokens(query)), expected)


def test_leave_one_out_leaves_out_questions_an_intent_takes() -> None:
    """An entry question an intent answers first ("转人工") is not counted as a retrieval miss.
    The shipped entries hold no such question any more, so one is given one."""
    kb, intents, _ = shipped()
    assistant = kb.entry("assistant-capabilities")
    assistant = dataclasses.replace(assistant, questions=(*assistant.questions, "转人工"))
    chosen = [assistant, kb.entry("louxiaoer"), kb.entry("sise-overview")]
    small = dataclasses.replace(kb, entries=tuple(chosen))
    result = leave_one_out(small, intents)
    assert result.intents >= 1
    assert result.total == sum(len(e.questions) for e in chosen) - result.intents
    assert "转人工" not in {question for _, question, _ in result.misses}


def test_leave_one_out_with_near_holds_out_the_questions_near_duplicates() -> None:
    """An entry whose only other wording is a near-duplicate of the held-out question finds it
    in plain leave-one-out, but not once near-duplicates are held out too (its title and answer
    say little of what the questions ask)."""
    kb, intents, _ = shipped()
    base = kb.entry("louxiaoer")
    entry = dataclasses.replace(
        base,
        title="党建指导员",
        questions=("楼小二能帮企业做什么", "楼小二能帮企业做些什么"),
        answer="渝中选派党建指导员担任楼小二。",
    )
    small = dataclasses.replace(kb, entries=(entry, kb.entry("sise-overview")))
    plain = leave_one_out(small, intents)
    near = leave_one_out(small, intents, near=75)
    assert {q for entry_id, q, _ in plain.misses if entry_id == "louxiaoer"} == set()
    assert {q for entry_id, q, _ in near.misses if entry_id == "louxiaoer"} != set()
    assert (plain.near, near.near) == (None, 75)
