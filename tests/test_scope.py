"""Scope terms and question words: a question about another place or subject is not answered."""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest

from bot.kb.intents import IntentSet, load_intents
from bot.kb.loader import load_knowledge
from bot.kb.model import KnowledgeBase
from bot.matching.details import asked_details
from bot.matching.entry_details import EntryDetails
from bot.matching.matcher import Matcher
from bot.matching.scope import Scope
from bot.matching.tokens import MIXED_WEIGHT, QUESTION_WEIGHT, char_tokens, question_scale
from bot.paths import bundled_dir


@cache
def shipped() -> tuple[KnowledgeBase, IntentSet, Matcher]:
    kb = load_knowledge(bundled_dir("knowledge"))
    intents = load_intents(bundled_dir("intents"))
    return kb, intents, Matcher(kb, intents)


def _scope(texts: dict[str, str]) -> Scope:
    return Scope(["江北", "巴南", "大坪", "jiangbei", "社保", "区长", "bus"], texts)


def test_question_words_weigh_little_in_coverage() -> None:
    """怎么 and 多少 shape a question; 社 and 保 say what it is about."""
    tokens = char_tokens("社保怎么补")
    scale = dict(zip(tokens, question_scale(tokens), strict=True))
    assert scale["社"] == scale["社|保"] == 1.0
    assert scale["怎"] == scale["怎|么"] == QUESTION_WEIGHT
    assert scale["保|怎"] == MIXED_WEIGHT


def test_a_subject_must_appear_in_the_entry() -> None:
    scope = _scope({"street": "道路坏了怎么反映", "social": "社保卡怎么办"})
    named = scope.named("社保卡丢了怎么补")
    assert named == {"社保"}
    assert scope.lacking("street", named) == {"社保"}
    assert scope.lacking("social", named) == set()


def test_a_place_must_appear_in_the_entry() -> None:
    """An entry about 江北 cannot answer for 巴南, nor can one about Yuzhong as a whole."""
    scope = _scope({"canteen": "江北老年食堂", "district": "人才公寓优惠", "both": "江北和巴南"})
    named = scope.named("巴南有老年食堂")
    assert named == {"巴南"}
    assert scope.lacking("canteen", named) == {"巴南"}
    assert scope.lacking("district", named) == {"巴南"}
    assert scope.lacking("both", named) == set()


def test_a_place_named_in_pinyin_is_served_by_an_entry_naming_it_in_chinese() -> None:
    """ "jiangbei" in an English question is the 江北 an entry's Chinese answer names."""
    scope = Scope(
        ["江北", "jiangbei"],
        {"canteen": "江北老年食堂", "hall": "人才会客厅"},
        None,
        {"jiangbei": "江北"},
    )
    named = scope.named("is there a canteen in jiangbei")
    assert (scope.lacking("canteen", named), scope.lacking("hall", named)) == (set(), {"jiangbei"})


def test_yuzhong_named_blocks_another_districts_programme() -> None:
    """ "渝中区的老年食堂" is not answered by 江北's canteen, which its title says is 江北区's;
    naming both districts, or neither, is."""
    scope = Scope(["江北"], {"canteen": "江北区老年食堂 渝中"}, {"canteen": "江北"})
    assert scope.lacking("canteen", scope.named("渝中区的老年食堂多少钱")) == {"渝中"}
    assert scope.lacking("canteen", scope.named("渝中和江北的老年食堂")) == set()
    assert scope.lacking("canteen", scope.named("老年食堂多少钱")) == set()


def test_english_scope_terms_match_whole_words_only() -> None:
    scope = _scope({})
    assert scope.named("which bus goes to jiangbei") == {"jiangbei", "bus"}
    assert scope.named("busy businesses") == frozenset()


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("巴南区有没得老年食堂", "巴南"),  # the canteen entries are about 江北
        ("社保卡丢了啷个补", "社保"),
        ("渝中区区长是哪个", "区长"),  # not the 楼长 of a building
        ("重庆市长是哪个", "市长"),
        ("南岸区有没得人才会客厅", "南岸"),  # Yuzhong's 会客厅 say nothing of 南岸
    ],
)
def test_questions_naming_another_place_or_subject_become_tickets(
    question: str, named: str
) -> None:
    _, _, matcher = shipped()
    decision = matcher.decide(question)
    assert decision.outcome == "ticket"
    assert named in decision.reason


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("爸妈住江北 附近有没得老年食堂", "jiangbei-elderly-meal-points"),  # the entry's place
        ("九龙坡那边的人可以在渝中办事不", "yuanjiagang-tongban"),
        ("我在大坪上班 人才公寓有啥子优惠", "talent-apartment"),  # subdistricts are not terms
        ("解放碑有没得人才会客厅", "yuzhong-talent-hall"),
    ],
)
def test_questions_naming_a_place_the_entry_serves_are_answered(
    question: str, entry_id: str
) -> None:
    _, _, matcher = shipped()
    decision = matcher.decide(question)
    assert (decision.outcome, decision.entry_id) == ("answer", entry_id)


def test_without_scope_terms_the_same_question_is_answered_wrongly() -> None:
    """The scope rule is what keeps "巴南区有没得老年食堂" from the 江北 entry."""
    kb, intents, _ = shipped()
    bare = dataclasses.replace(kb, lexicon=dataclasses.replace(kb.lexicon, places=(), subjects=()))
    decision = Matcher(bare, intents).decide("巴南区有没得老年食堂")
    assert decision.outcome == "answer"
    assert str(decision.entry_id).startswith("jiangbei")


@pytest.mark.parametrize(
    ("question", "population"),
    [
        ("渝中区有多少人", True),
        ("渝中区1共有多少人", True),
        ("解放碑有多少人住", True),
        ("How many people live in Yuzhong?", True),
        ("楼小2有多少人", False),  # a group's size, not a population
        ("化龙桥网格员有多少人", False),
        ("渝中区有多少人才", False),
    ],
)
def test_a_population_question_is_told_from_a_head_count(question: str, population: bool) -> None:
    assert ("population" in asked_details(question.lower())) is population


def test_a_population_question_is_not_answered_with_a_head_count() -> None:
    """ "渝中区有好多人" shares every word with "渝中区医务人员有多少人" but asks something else."""
    _, _, matcher = shipped()
    assert matcher.decide("渝中区有好多人").outcome == "ticket"
    assert matcher.decide("渝中区医务人员有好多人").entry_id == "yuzhong-medical-resources"


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("化龙桥街道党工委书记叫什么名字", True),
        ("石油路街道办主任姓什么", True),
        ("who founded yonghai technology", True),
        ("化龙桥街道的楼宇党建品牌叫什么", False),  # a brand's name is what the entry gives
        ("廖泽萌是谁", False),  # who a named person is: the entry says
        ("who runs the clinic at the boundary", False),  # an organisation may run it
        ("朋友说有个人才数智平台 这个平台叫什么名字", False),  # a programme's name
        ("那个女骑手团队的队长叫什么", True),
        ("who chairs the chamber of commerce", True),
    ],
)
def test_a_question_asking_for_a_persons_name_is_recognised(question: str, name: bool) -> None:
    assert ("name" in asked_details(question)) is name


def test_a_persons_name_is_only_given_by_an_entry_that_asks_for_it() -> None:
    """No regex can tell a name in an answer, so only an entry whose questions ask may answer."""
    entry = EntryDetails.of(frozenset(), "廖泽萌是时代天街的骑手。")
    assert entry.unanswered(frozenset({"name"})) == {"name"}
    assert EntryDetails.of(frozenset({"name"}), "").unanswered(frozenset({"name"})) == frozenset()


@pytest.mark.parametrize(
    ("question", "detail"),
    [
        ("蓝玫瑰女骑手团队怎么报名", "signup"),
        ("卓越工程师工作室怎么申报", "signup"),
        ("名校名院人才直通车今年什么时候报名", "when"),
        ("急需紧缺人才目录里都有哪些岗位", "list"),
        ("黄金12条具体是哪12条", "list"),
        ("黄金十二条能不能全部列出来", "list"),
        ("能把原文发我1份吗", "download"),
        ("can you send me the application form", "download"),
        ("渝中人才咖啡免费喝吗", "price"),
        ("留学人员创业园入驻要交房租吗", "price"),
        ("有多少补贴", "price"),
        ("那438个停车位具体在哪几条街", "address"),
        ("江北婚姻登记处周6上班吗", "hours"),
        ("企业天地有多大面积", "area"),
        ("how many square metres is the building", "area"),
    ],
)
def test_detail_asks_people_write(question: str, detail: str) -> None:
    """Each of these asks for a detail the reports rarely give, so only an entry that gives it
    (or whose own questions ask for it) may answer; otherwise the question goes to staff."""
    assert detail in asked_details(question)


@pytest.mark.parametrize(
    "question",
    ["老人社员周日吃豆花饭好多钱", "袁家岗通办是哪年开始的", "暖新驿站在哪", "楼小二是干啥的"],
)
def test_ordinary_questions_ask_no_new_detail(question: str) -> None:
    """A day of the week, a year or "where is" a named place do not block an entry by themselves."""
    assert asked_details(question) & {"hours", "when", "address", "signup", "list"} == set()


@pytest.mark.parametrize(
    ("question", "answer", "given"),
    [
        ("袁家岗卫生服务站有几个医生坐诊", "服务站由大坪医院支持，设有全科诊室。", False),
        ("骑手停车位有多少个", "规划出438个骑手专属停车位。", True),
        ("环球金融中心有几个领事馆", "入驻了7家领事馆。", True),  # 个 counts any measure
        ("渝中区有多少栋建成楼宇", "渝中全区建成楼宇362栋。", True),
        ("义渡热爱有多少支队伍", "组织志愿服务队300余支。", True),
        ("党建引领物业一共有多少条措施", "出台党建引领物业服务15项措施。", True),  # 条 or 项
        ("一共有多少条措施", "组织了15支队伍。", False),
        ("红岩骑手跑腿代办总共跑了多少单", "骑手们为老人跑腿代办。", False),
        ("499个网格配了多少名网格员", "划分了499个网格。", False),
    ],
)
def test_a_count_is_answered_only_by_an_entry_that_gives_that_count(
    question: str, answer: str, given: bool
) -> None:
    """ "几个医生" asks for a count: an entry that names no number of doctors cannot answer it,
    however many of the question's other words it shares."""
    wanted = asked_details(question)
    assert any(d.startswith("count:") for d in wanted)
    assert (EntryDetails.of(frozenset(), answer).unanswered(wanted) == set()) is given
