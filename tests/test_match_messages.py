"""The matcher on messages as people write them: requests written as sentences, what an entry
can answer (`bot.matching.asks`), and places carried from one question of a message to the
next. Cases are our own wordings, written from the source reports, not from an evaluation set."""

from __future__ import annotations

import dataclasses
from functools import lru_cache, partial

import pytest

from bot.kb.intents import load_intents
from bot.kb.loader import load_knowledge
from bot.kb.model import Entry
from bot.matching.asks import asked, asked_in_english, focus, lacking, yes_no
from bot.matching.clauses import asks, read, split
from bot.matching.counts import asked_figures, count_given, count_given_en, figure_given
from bot.matching.decision import Bands, Candidate, Decision, judge
from bot.matching.details import asked_details, asked_yes_no, given_details
from bot.matching.entry_details import EntryDetails
from bot.matching.matcher import Matcher
from bot.matching.normalize import normalize
from bot.matching.retrieval import Hit
from bot.matching.romanised import Romanised
from bot.paths import bundled_dir


@lru_cache(maxsize=1)
def matcher() -> Matcher:
    return Matcher(load_knowledge(bundled_dir("knowledge")), load_intents(bundled_dir("intents")))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("帮我转个人工客服吧，这个机器人答非所问", "human"),
        ("我不想再跟机器人聊了，叫个工作人员来", "human"),
        ("Honestly I'd rather talk to a human about this", "human"),
        ("我前天提的那个问题现在处理得怎样了", "ticket_status"),
        ("之前反映的事情有人回复了没有啊", "ticket_status"),
        ("我前几天问的问题有人回了没", "ticket_status"),
        ("麻烦帮我查下我的工单进度", "ticket_status"),
        ("Is there any reply yet on my question?", "ticket_status"),
        ("算了 刚刚那个不要了", "cancel"),
        ("撤销刚才的", "cancel"),
        ("Can I talk to a real person please?", "human"),
        ("你都能回答哪些方面的问题？", "help"),
        ("what can you help me with?", "help"),
        ("你是干什么的，都能问些啥", "help"),
        ("我上周提的问题有进展了吗", "ticket_status"),
        ("撤销我刚才的提问吧，已经问到了", "cancel"),
        ("我的工单不用处理了", "cancel"),
        ("能给我看下服务目录吗", "menu"),
        ("ok, that helped", "thanks"),
        ("我上个月反映的事情有人处理没得", "ticket_status"),
        ("我的问题办好了没", "ticket_status"),
        ("我的工单撤销吧，事情已经自己解决了", "cancel"),
        ("把分类目录发给我看看", "menu"),
        ("功能列表发我看下", "menu"),
        ("my ticket 有进展没得？🤔", "ticket_status"),
        ("how do I use this? 我该啷个问", "help"),
        ("cancel that pls, nvm", "cancel"),
        ("thx a lot!! super helpful", "thanks"),
        ("谢谢哈，你好耐斯🙏", "thanks"),
        ("ok bye, see ya", "goodbye"),
        ("不晓得咋个用，教下我嘛", "help"),
        ("回到首页嘛", "menu"),
        # one's own request by other names (诉求, 单子, 申请), and how it goes
        ("上回报的那个诉求走到哪一步了", "ticket_status"),
        ("i filed a complaint on monday, any progress?", "ticket_status"),
        ("那个单子作废了 不用回答了", "cancel"),
        ("帮我撤销一下", "cancel"),
        ("把主菜单调出来", "menu"),
        ("back to the menu please", "menu"),
        ("这个要怎么用", "help"),
        # chat shorthand and who is spoken to beside a phrase
        ("see u later 小助手", "goodbye"),
        ("ok thx 小助手", "thanks"),
        ("anybody there? hello", "greeting"),
        ("把功能菜单给我看下嘛", "menu"),
        ("request进度查一下", "ticket_status"),
        ("晚安 拜拜", "goodbye"),
        ("我不会用，怎么问你", "help"),
    ],
)
def test_a_request_written_as_a_sentence_is_its_intent(text: str, intent: str) -> None:
    """A request for a person, one's own ticket's progress or to cancel, written as a sentence
    rather than as an example phrase, is that intent and not an answer about the assistant."""
    decision = matcher().decide(text)
    assert (decision.outcome, decision.intent) == ("intent", intent)


@pytest.mark.parametrize(
    "text",
    [
        "工单有几种状态，认领是什么意思",  # about tickets in general: the assistant's entry
        "提交的问题去哪里看处理进度",
        "How do I talk to a real person?",
        "取消通办申请需要什么手续",  # cancelling something else: not the dialogue's cancel
        "我的问题是人才公寓怎么申请",  # "my question is …": a question, not its progress
        "怎么联系楼小二的工作人员",
        "what do you know about Yucaihui",  # names a subject: the knowledge base answers
        "你能帮我查下渝才荟怎么申请吗",
        "取消袁家岗通办的申请要带什么",
        "那个问题撤回了吗",  # whether it was withdrawn: not a request to withdraw it
        "把人才目录发给我看看",  # a list in the reports, not the categories
        "桥北社区食堂的菜单列出来看看",  # a canteen's menu, not the assistant's
        "what is the status of the Yucaihui platform",  # not one's own request
    ],
)
def test_a_question_about_tickets_or_people_is_not_a_request(text: str) -> None:
    """Asking how tickets or people are reached is a question, not a request to act."""
    assert matcher().decide(text).outcome != "intent"


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("我可以去旁听吗", {"旁听"}),  # yes/no: the words before the particle
        ("家庭收入标准是多少", {"收入标准"}),
        ("渝中旋律是啥意思", {"渝中旋律"}),  # X是啥: X is what is asked
        ("楼小二主要负责啥子", set()),  # what it does: the entry says it in its own words
        ("这个体系是干啥用的", {"体系"}),  # X是干啥: X still
        ("渝中区法律援助中心在哪里", {"援助中心"}),  # X在哪: X too
        ("楼小二是做什么的", set()),  # what it is: no word of its own
        ("袁家岗卫生服务站什么时候设立的", set()),  # a time: the detail rules judge it
        ("那个平台叫什么名字", set()),  # a name: 名字 is generic
    ],
)
def test_focus_is_the_word_next_to_the_question_word(question: str, words: set[str]) -> None:
    """What a question asks about is read next to its question word, without the characters
    that only shape a question; yes/no is read on the clause as written."""
    clauses = [(matcher().normalizer(c, fillers=False), yes_no(c)) for c in split(question)]
    assert focus(clauses) == frozenset(words)


def test_an_entry_holds_a_focus_word_by_its_characters() -> None:
    """A word is held when the text has it, or at least half of its pairs of characters."""
    assert lacking(frozenset({"收入标准", "旁听"}), "低保 申请 收入 标准") == {"旁听"}
    assert lacking(frozenset({"寄存行李"}), "驿站 提供 饮水 充电 休息") == {"寄存行李"}
    assert lacking(frozenset({"党员比例"}), "党员占比近80%") == frozenset()  # all but one


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("好的拜拜", "goodbye"),
        ("谢谢 再见", "goodbye"),
        ("再见 谢谢", "thanks"),
        ("你好 谢谢", "thanks"),
    ],
)
def test_thanks_greetings_and_goodbyes_said_together_are_what_is_said_last(
    text: str, intent: str
) -> None:
    """A chat message of two social phrases is one intent, the last said; never a ticket."""
    decision = matcher().decide(text)
    assert (decision.outcome, decision.intent) == ("intent", intent)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hi, what can you help me with?", "help"),
        ("你好，转人工", "human"),
        ("thx a lot!! 很有用", "thanks"),
        ("cancel that pls, wrong question", "cancel"),
    ],
)
def test_a_greeting_before_a_request_is_the_request(text: str, intent: str) -> None:
    """A greeting is politeness before what is asked; a thanks may say why ("很有用")."""
    decision = matcher().decide(text)
    assert (decision.outcome, decision.intent) == ("intent", intent)


def test_whom_to_hand_something_to_is_a_contact_the_reports_do_not_give() -> None:
    """ "入党申请书交给哪个" asks for a person or office; the entry tells what the branch is."""
    decision = matcher().decide("时代天街骑手党支部的入党申请书交给哪个")
    assert decision.outcome == "ticket"
    assert matcher().decide("时代天街新就业群体党支部是干什么的").outcome == "answer"


def test_a_detail_asked_of_the_first_questions_subject_is_filed_beside_its_answer() -> None:
    """The first question is answered; "他们的联系电话" (not in the reports) is filed, not
    answered by an entry that merely mentions phone numbers."""
    decision = matcher().decide("楼小二是谁派的？他们的联系电话是多少？")
    outcomes = [(p.outcome, p.entry_id) for p in decision.parts]
    assert outcomes == [("answer", "louxiaoer"), ("ticket", None)]


def test_a_yes_no_follow_up_is_asked_of_the_first_questions_subject() -> None:
    """ "是免费的吗" after a question about 人才咖啡 asks whether the coffee is free, not
    whether anything at all is free (the riders' stations offer free services)."""
    decision = matcher().decide("渝才荟上的人才咖啡在哪里喝，是免费的吗")
    assert "nuanxin-yizhan" not in decision.entries
    assert decision.outcome == "ticket"


def test_where_the_asker_lives_holds_for_a_question_naming_no_place() -> None:
    """ "我家住在大渡口 … 社区有没有调解邻里纠纷的地方" is about 大渡口's communities: the
    Yuzhong studio is no answer; a hometown ("老家在大渡口") is not where one lives."""
    lives = matcher().decide(
        "我家住在大渡口，楼上楼下经常因为漏水吵架。社区有没有专门调解邻里纠纷的地方？"
    )
    assert lives.entry_id != "hongyan-pioneer-neighbour-studio"
    came = matcher().decide("我老家在大渡口，现在在渝中上班。社区有没有专门调解邻里纠纷的地方？")
    assert came.entry_id == "hongyan-pioneer-neighbour-studio"


def test_a_place_in_the_story_before_the_clause_a_question_points_at_is_not_asked_about() -> None:
    """ "我是北京来的 … 这个平台有啥子福利": where the asker comes from is story, two clauses before
    the one the question points at; the question is about 渝才荟, which the reports cover."""
    decision = matcher().decide(
        "我是北京来的，在解放碑上班。同事说渝中人才有个平台叫渝才荟，这个平台有啥子福利？"
    )
    assert (decision.outcome, decision.entry_id) == ("answer", "yucaihui-platform")


def test_a_long_message_is_answered_from_its_own_band_when_its_entry_leads() -> None:
    """A story around the question dilutes the evidence: a long message whose entry leads the
    next by `Bands.long_lead` is answered from `Bands.answer_long`, below a short question's
    band; with the long band at the short one it would have gone to staff."""
    kb, intents = matcher().kb, matcher().intents
    question = (
        "我们厂子注册在石油路，现在要融资，还牵扯到别的区的一块用地，两边跑得头都大了。"
        "街道能帮企业跨区协调吗？一般怎么操作？"
    )
    decision = matcher().decide(question)
    assert decision.outcome == "answer"
    assert Bands().answer_long <= decision.score < Bands().answer
    assert decision.score - decision.candidates[1].score >= Bands().long_lead
    strict = Matcher(kb, intents, Bands(answer_long=Bands().answer))
    assert strict.decide(question).outcome == "ticket"


def test_a_short_message_saying_something_besides_its_question_has_the_long_band() -> None:
    """ "我老是搞不清楚" asks nothing and dilutes the evidence as a story does: a clear leader
    is answered from the long band; the same question alone needs no such help."""
    kb, intents = matcher().kb, matcher().intents
    question = "渝中挨到哪几个区的嘛，我老是搞不清楚"
    decision = matcher().decide(question)
    assert (decision.outcome, decision.entry_id) == ("answer", "pilin-dangjian")
    assert Bands().answer_long <= decision.score < Bands().answer
    # (哪几个 also asks which ones: the identity band would answer it on its own.) Without
    # those bands the message read whole is below the band, and the question weighed above the
    # remark answers it on the short band
    strict = Matcher(kb, intents, Bands(answer_long=Bands().answer, answer_identity=Bands().answer))
    weighed = strict.decide(question)
    assert (weighed.outcome, weighed.entry_id) == ("answer", "pilin-dangjian")
    assert weighed.score >= Bands().answer > decision.score


def test_a_long_message_without_a_clear_leader_is_not_answered_from_the_long_band() -> None:
    """Two entries close together below the short band: not sure enough, so staff answer."""
    kb, intents = matcher().kb, matcher().intents
    # (the 大渡口文化馆 classes used here before have an entry of their own since the seed sweep)
    question = "我是跑外卖的，平时在时代天街一带接单。听说那边有给骑手的地方，都能干些什么？"
    decision = matcher().decide(question)
    assert decision.outcome == "ticket"
    loose = Matcher(kb, intents, Bands(long_lead=0.0))
    assert loose.decide(question).outcome == "answer"  # the lead is what holds it back


def test_a_question_about_what_an_entry_never_says_loses_confidence() -> None:
    """The same programme asked about something its entry never mentions (storing luggage at
    暖新驿站) is less certain than a question about what it offers (charging), and goes to
    staff; the penalty is `Bands.ask_penalty`."""
    kb, intents = matcher().kb, matcher().intents
    plain = Matcher(kb, intents, Bands(ask_penalty=0.0))
    question = "暖新驿站可以寄存行李吗"
    before, after = plain.decide(question), matcher().decide(question)
    assert before.outcome == "answer"
    assert after.outcome == "ticket"
    assert before.score - after.score == pytest.approx(Bands().ask_penalty)
    assert matcher().decide("暖新驿站可以充电不").entry_id == "nuanxin-yizhan"


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("骑手驿站里有没有淋浴间", {"淋浴间"}),  # whether there is a thing: the thing after
        ("区里有没有专门调解纠纷的地方", {"调解纠纷"}),  # 专门 and 地方 ask nothing
        ("在袁家岗办事好麻烦 有没得办法", set()),  # a way: any answer is one
    ],
)
def test_whether_there_is_a_thing_asks_about_the_thing(question: str, words: set[str]) -> None:
    """ "有没有X" asks about X; it is read on the question as written, since normalising
    leaves only 有."""
    assert asked(question, partial(matcher().normalizer, fillers=False)).words == frozenset(words)


def test_whether_there_is_a_thing_no_entry_mentions_goes_to_staff() -> None:
    """The riders' stations never say whether they have showers; they do say charging."""
    assert matcher().decide("骑手驿站里有没有淋浴间，晚上能在里面休息不").outcome == "ticket"
    assert matcher().decide("骑手驿站有没有充电的地方").entry_id == "nuanxin-yizhan"


def test_a_place_holds_for_the_next_question_about_the_same_thing() -> None:
    """Another district named in one question holds for a second question about the same
    entries ("…老年食堂，老人吃一顿饭多少钱": still 巴南, which no report covers), not for a
    second question about something else."""
    same = matcher().decide("巴南区有没有老年食堂，老人吃一顿饭多少钱")
    assert same.outcome == "ticket"
    assert same.entries == ()
    other = matcher().decide("化龙桥和成都哪些街道结对了？楼小二是做什么的")
    assert other.entries == ("chengyu-hualongqiao-partnership", "louxiaoer")


def test_a_short_message_reads_places_and_subjects_from_its_question() -> None:
    """A subject named only in the story before a short question (a visa the asker came on)
    does not keep the entry the question names from answering."""
    decision = matcher().decide(
        "I came to Chongqing on a talent visa last month. What does the Yucaihui platform offer?"
    )
    assert (decision.outcome, decision.entry_id) == ("answer", "yucaihui-platform")


@pytest.mark.parametrize(
    ("clause", "details"),
    [
        ("周6上班", {"hours"}),  # "周六上班吗" once normalised: the particle is gone
        ("免费喝", {"price"}),
        ("办卡要交钱", {"price"}),
        ("可以去旁听", set()),
        ("场地周末可以借", {"hours"}),  # a day off, in a question of yes or no
        ("星期6能去", {"hours"}),
        ("豆花饭周日多少钱", set()),  # … not in one asking how much (the price rules read it)
    ],
)
def test_a_yes_no_clause_asks_for_the_detail_it_ends_with(clause: str, details: set[str]) -> None:
    """Normalising takes 吗 away, so "上班吗" cannot be a detail word; a clause that asked yes
    or no as written is read by how it ends."""
    assert asked_yes_no(clause) == frozenset(details)


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("暖新驿站周末开门吗", "asks for hours"),
        ("楼宇党群服务中心要提前预约吗", "asks for booking"),
        ("企业天地借会议室要缴费吗", "asks for price"),
    ],
)
def test_a_yes_no_question_for_a_detail_the_reports_omit_goes_to_staff(
    question: str, reason: str
) -> None:
    """Whether a place opens at the weekend or needs booking is a detail the reports do not
    give: a ticket, not the programme's description."""
    decision = matcher().decide(question)
    assert decision.outcome == "ticket"
    assert decision.reason.startswith(reason)


@pytest.mark.parametrize("question", ["九龙坡那边的人才会客厅在什么地方", "九龙坡区有没有楼小二"])
def test_an_entry_that_only_shares_the_place_does_not_answer(question: str) -> None:
    """The question is about something Yuzhong has (人才会客厅, 楼小二) asked for 九龙坡: the
    袁家岗 entries name 九龙坡 and outscore it on that word alone, but without the place they are
    no answer, so the question goes to staff."""
    decision = matcher().decide(question)
    assert decision.outcome == "ticket"
    assert decision.reason.startswith("names 9龙坡")


def test_a_districts_own_programme_still_answers_with_its_place() -> None:
    """An entry whose title names the district (大渡口's grid) answers though the place carries
    much of the match."""
    decision = matcher().decide("大渡口的网格一共划了多少个")
    assert (decision.outcome, decision.entry_id) == ("answer", "dadukou-grid-party-community")


def test_an_entry_whose_title_names_the_place_answers_with_it() -> None:
    """Hualongqiao's partner streets in Chengdu: the entry's title names Chengdu (in English
    too), so the place is its subject, not a district it cannot serve."""
    question = "Does Hualongqiao street have partner streets in Chengdu? Which ones?"
    decision = matcher().decide(question)
    assert (decision.outcome, decision.entry_id) == ("answer", "chengyu-hualongqiao-partnership")


@pytest.mark.parametrize(
    "question",
    [
        "暖新驿站现在还提供免费充电吗",
        "Is the Nuanxin rider station still open?",
        "暖新驿站今年还在搞免费充电没得",
    ],
)
def test_whether_something_still_holds_goes_to_staff(question: str) -> None:
    """The reports are dated: whether a service is still offered today is for staff to check."""
    decision = matcher().decide(question)
    assert decision.outcome == "ticket"
    assert "current" in decision.reason


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("早上好哈小助手~", "greeting"),  # examples and particles: 早上好 + 哈 + 小助手
        ("谢谢小助手", "thanks"),  # who is spoken to is not what is said
        ("好的谢谢你哈小助手", "thanks"),
        ("小助手", "greeting"),  # alone, calling the assistant greets it
        ("thx a lot!", "thanks"),
        ("thanks again guys", "thanks"),
        ("嗯嗯", "thanks"),  # nods and thumbs: nothing left after normalising, yet "got it"
        ("👍", "thanks"),
        ("不用了 谢谢", "thanks"),  # calling off and thanking: what is said last
        ("您好，打扰一下", "greeting"),
        ("hi, anyone here?", "greeting"),
        ("能不能让真人来回答", "human"),
        ("Has anyone replied to my question yet?", "ticket_status"),
        ("我不问了，撤了吧", "cancel"),
        ("ok bye, have a nice day", "goodbye"),
        ("谢谢哈，讲得很清楚👍", "thanks"),
        ("刚才那个问题不用管了，帮我撤回", "cancel"),
        ("把服务分类列出来我看看", "menu"),
        ("没有其他问题了，再见哈👋", "goodbye"),
        ("先这样嘛，改天聊", "goodbye"),
        ("你都能帮我办些啥子嘛", "help"),
        ("thx a lot 帮了大忙！", "thanks"),
        ("what can u do? 你可以回答哪些问题", "help"),
        ("halp, what can u do for me", "help"),  # "help" mistyped before the question
        ("我也不会弄 你都可以解答些什么嘛", "help"),  # a remark, then the request
        ("这个助手是干嘛用的？", "help"),
        ("上周提的问题\n处理得咋样了", "ticket_status"),
        ("cancel my ticket pls 我那个问题不需要处理了", "cancel"),
        ("ok bye, talk later", "goodbye"),
        ("你这个机器人都能回答些啥子", "help"),
        ("撤销我刚刚提交的工单", "cancel"),
        ("What can this bot do for me?", "help"),
        ("我之前提交的问题不用了，帮我撤销掉", "cancel"),
        ("好的拜拜了 改天再问", "goodbye"),  # 了 only colours the phrase
        ("没啥了 拜拜哈", "goodbye"),
        ("您好，请问现在有人在吗？", "greeting"),
        ("好的，那我就不打扰了，拜拜～", "goodbye"),
        ("Okay, bye for now!", "goodbye"),
        ("请问你这个机器人能帮我做些什么？", "help"),  # 请问 before it
        ("你都晓得些啥子嘛", "help"),
        ("What kind of questions can you answer?", "help"),  # not the entry about the bot
        ("说不清楚 我要跟真人说", "human"),
        ("Please cancel my previous request, it is sorted.", "cancel"),
    ],
)
def test_a_chat_phrase_as_people_write_it_is_its_intent(text: str, intent: str) -> None:
    """Particles, emoji, who is spoken to, two languages, several lines: the intent all the same."""
    decision = matcher().decide(text)
    assert (decision.outcome, decision.intent) == ("intent", intent)


def test_an_entry_without_the_named_thing_loses_to_the_template_it_shares() -> None:
    """ "袁家岗社区属于哪个街道" shares every word but the name with an entry's question about
    民乐村社区; that entry holds nothing of 袁家岗 and must not answer it."""
    decision = matcher().decide("袁家岗社区属于哪个街道")
    assert decision.entry_id != "minle-community-overview"
    assert "minle-community-overview" not in {c.entry_id for c in decision.candidates[:1]}


def test_which_building_is_answered_by_an_entry_naming_it_without_a_door_number() -> None:
    """The hall's answer names its building and says the reports give no door number: which
    building is its to answer, the door number is not."""
    hall = "听说上清寺有个数智经济人才会客厅，具体在哪栋楼里面？"
    assert matcher().decide(hall).entry_id == "digital-talent-hall"
    assert matcher().decide("数智经济人才会客厅门牌号是多少").outcome == "ticket"


def test_which_subdistrict_needs_an_entry_that_names_one() -> None:
    """The Dadukou entry names the district, not the subdistrict of its mediation room."""
    assert matcher().decide("平哥调解室在哪个街道").outcome == "ticket"
    assert matcher().decide("数智经济人才会客厅在哪个街道").entry_id == "digital-talent-hall"


def test_a_fee_of_its_own_needs_an_entry_naming_it() -> None:
    """The canteen's answer gives meal prices: what a meal costs is its to answer, a delivery
    fee or a deposit it never names is not."""
    assert matcher().decide("桥北社区食堂吃一顿多少钱").entry_id == "jiangbei-qiaobei-canteen"
    assert matcher().decide("桥北社区食堂送餐上门要收配送费吗？").outcome == "ticket"
    assert matcher().decide("人才公寓要交押金吗").outcome == "ticket"


@pytest.mark.parametrize(
    ("question", "detail"),
    [
        ("我学考古的在不在目录里面", "list"),  # whether one thing is on a list
        ("明年还组织去成都考察吗", "current"),  # whether a dated report still holds
    ],
)
def test_a_second_question_about_what_the_reports_do_not_say_is_filed(
    question: str, detail: str
) -> None:
    """Asked after a question an entry answers, such a question is filed beside the answer."""
    first = {
        "list": "渝中发布过急需紧缺人才目录吗？",
        "current": "化龙桥跟成都哪几个街道结了友好街道？",
    }
    decision = matcher().decide(first[detail] + question)
    assert [p.outcome for p in decision.parts] == ["answer", "ticket"]
    assert detail in decision.parts[1].reason


def test_where_roughly_is_answered_by_the_building_or_subdistrict_an_entry_names() -> None:
    """ "在哪个位置" is answered by the hall's building and subdistrict; the door number the
    reports leave out still goes to staff."""
    rough = "听说渝中有个专门给数字科技圈的人交流的人才会客厅，在哪个位置？"
    decision = matcher().decide(rough)
    assert decision.outcome == "answer"
    assert "上清寺" in matcher().kb.entry(decision.entry_id or "").answer
    assert matcher().decide("数智经济人才会客厅的详细地址是多少").outcome == "ticket"


@pytest.mark.parametrize(
    "question",
    [
        "人才公寓优惠具体怎么申请",  # how to apply: the entry says the reports do not tell
        "桥北社区食堂的社员卡怎么办理",
        "外地的本科生能申请人才公寓吗",  # who may apply: a condition the reports do not give
        "厉家菜在大都会几楼",  # which floor: an address
    ],
)
def test_a_procedure_or_condition_the_reports_do_not_give_goes_to_staff(question: str) -> None:
    assert matcher().decide(question).outcome == "ticket"


def test_where_to_apply_is_answered_by_the_platform_the_entry_names() -> None:
    """The reports name the platform the apartment discount is on, not its procedure."""
    decision = matcher().decide("渝中的人才公寓优惠在哪里申请")
    assert decision.outcome == "answer"
    assert "渝才荟" in matcher().kb.entry(decision.entry_id or "").answer


def test_when_something_began_needs_a_date_with_what_began_then() -> None:
    """Every answer carries its report's date; only a date with what began at it ("2025年3月
    … 设立") tells when something opened."""
    opened = matcher().decide("袁家岗那个卫生服务站是什么时候建的")
    assert opened.entry_id == "yuanjiagang-health-station"
    for question in ("渝才荟平台哪年上线的", "When was the World Financial Center built?"):
        assert matcher().decide(question).outcome == "ticket", question


def test_a_count_is_given_only_next_to_what_it_counts() -> None:
    """ "两个社区" beside a hospital's name does not say how many doctors there are; "党员6300
    余名" says how many Party members, and "服务队300余支" how many teams."""
    assert count_given("志愿服务队300余支。", "count:支队伍") is True
    assert count_given("楼宇中有党员6300余名、党组织316个。", "count:名党员") is True
    assert count_given("两个社区交界处设立卫生服务站，依托大坪医院。", "count:个医生") is False
    # a longer name is also found by its head: "几个大项目" in "招大引强项目6个"
    assert count_given("完成市外正式合同额1.5亿元，招大引强项目6个。", "count:个大项目") is True
    assert count_given("完成市外正式合同额1.5亿元，招大引强项目6个。", "count:个大会议") is False
    assert count_given("大楼入驻单位409个。", "count:家单位") is True  # 家 or 个, alike


def test_an_area_in_ten_thousands_of_square_metres_is_given() -> None:
    """ "2.8万平方米" gives the area "好多平方" asks for."""
    assert "area" in given_details("为企业解决办公用房2.8万平方米。")
    assert "area" not in given_details("为企业解决办公用房需求36个。")


@pytest.mark.parametrize(
    "question",
    ["民乐村社区党委书记是哪个", "企业天地党群中心归哪个领导管", "负责我们大厦的楼小二是哪个"],
)
def test_who_holds_a_post_is_a_name_the_reports_do_not_give(question: str) -> None:
    assert matcher().decide(question).outcome == "ticket"


def test_who_sends_or_runs_something_is_not_a_persons_name() -> None:
    """ "楼小二是谁派的" asks which body sends them, which the entry says."""
    assert "name" not in asked_details("楼小2是谁派的")
    assert "name" in asked_details("楼小2是谁")


def test_an_english_count_needs_a_number_of_that_thing_in_the_english_answer() -> None:
    assert count_given_en("438 parking spaces reserved for riders.", "count_en:dedi|park|spac")
    assert not count_given_en(
        "A health station on the boundary, backed by a hospital.", "count_en:beds"
    )
    spaces = "How many dedicated parking spaces are there for riders near Shidai Tianjie?"
    assert matcher().decide(spaces).entry_id == "rider-parking-bike-stations"
    beds = "How many beds does the Yuanjiagang health station have?"
    assert matcher().decide(beds).outcome == "ticket"


@pytest.mark.parametrize(
    "question",
    [
        "化龙桥党工委2025年主要在哪几方面发力",  # in which respects, not in which places
        "路灯坏了好几天 在这里能报不",  # several days in the story, not "how many days"
        "Do I have to take my documents to the other Yuanjiagang office myself?",
        "这个中心是哪领导管的",  # which leader, not where to collect
    ],
)
def test_words_that_only_look_like_a_detail_ask_for_none(question: str) -> None:
    assert asked_details(normalize(question)) == frozenset()


@pytest.mark.parametrize(
    "question",
    [
        "南岸那边的社区有没有像袁来一家那样的跨区通办",
        "江北也有人才会客厅那种地方吗",
        "Is there something like Yucaihui in Jiangbei?",
    ],
)
def test_the_same_programme_elsewhere_after_a_model_goes_to_staff(question: str) -> None:
    """The reports describe the model, not whether another place copied it."""
    assert matcher().decide(question).outcome == "ticket"


def test_seems_is_not_a_comparison() -> None:
    assert "likewise" not in asked_details(normalize("今年好像不一样了，楼小二是做什么的"))


def test_people_counted_without_a_measure_word_are_a_count() -> None:
    """ "永海科技有好多员工": a count of staff, which the company's entry does not give."""
    assert "count:名员工" in asked_details(matcher().normalize("永海科技公司有好多员工"))
    assert matcher().decide("永海科技公司有好多员工").outcome == "ticket"


def test_a_year_after_every_year_an_entry_names_goes_to_staff() -> None:
    """The reports cannot tell what came after them; an earlier year may be in the report."""
    assert matcher().decide("2026年人才工作会议什么时候开").outcome == "ticket"
    assert matcher().decide("2025年人才工作会议是哪天开的").outcome == "answer"
    # figures "as of the report", with no year: not what was so in a year the question names
    assert matcher().decide("2021年渝中的亿元税收楼宇是多少栋").outcome == "ticket"
    # the paragraph giving the count is of 2023, in a report of 2024
    assert matcher().decide("化龙桥2023年新增了几家市场主体").outcome == "answer"
    assert matcher().decide("2024年化龙桥那边又新增了几家市场主体").outcome == "ticket"


def test_a_count_of_companies_is_not_an_amount() -> None:
    assert "price" not in asked_details("给多少家企业提供了服务")


def test_a_nod_before_a_question_is_not_a_question() -> None:
    """ "要得嘛，那…莎姐平台是哪个部门弄的": one question, about 莎姐 (the nod alone had been
    answered with the policy-consultation entry)."""
    decision = matcher().decide("要得嘛，那大渡口的莎姐平台是哪个部门建的")
    assert not decision.parts
    assert decision.entry_id in (None, "dadukou-shajie-platform")
    assert [q.text for q in read("要得嘛，那莎姐平台是哪个部门建的").questions] == [
        "那莎姐平台是哪个部门建的"
    ]


def test_ones_own_number_is_not_a_contact_asked_for() -> None:
    assert "contact" not in asked_details(matcher().normalize("你们会不会保存我的电话号码"))
    assert "contact" in asked_details(matcher().normalize("党群服务中心的联系电话是多少"))


def test_how_big_a_figure_is_not_an_area() -> None:
    assert "area" not in asked_details("how big is yonghai technology s annual trade volume")
    assert "area" in asked_details("how big is the hall in square metres")


@pytest.mark.parametrize(
    "question",
    [
        "江北那种老人几块钱吃一顿的社区食堂，渝中这边有没有？",  # the model elsewhere
        "大渡口那个一到二岗三单，渝中有没有一样的？",
        "红岩能量值兑换的礼品在哪里领？有哪些礼品，给个清单",  # a list the reports do not give
        "大渡口文化馆的书法公益课每周几上课？",  # which weekday: hours
        "桥北社区食堂的社员卡怎么办？需要带什么证件",  # getting a card
        "桥北社区食堂送餐上门要不要另外收配送费？",  # 另外 here is "extra", not a second question
    ],
)
def test_near_misses_from_the_tenth_and_eleventh_sets_go_to_staff(question: str) -> None:
    assert matcher().decide(question).outcome == "ticket", question


def test_a_real_person_mentioned_is_not_a_request_for_one() -> None:
    """ "…mentioning him as if he's a real person": a question about 楼小二, not a request."""
    text = "Who is Lou Xiao Er? Our manager talks about him as if he's a real person."
    assert matcher().decide(text).outcome != "intent"
    assert matcher().decide("I want a real person please").intent == "human"


@pytest.mark.parametrize(
    ("question", "detail", "asked"),
    [
        ("when is the nuanxin station open", "hours", True),  # opening hours, not a date
        ("when does the health station close", "hours", True),
        ("any clinic close to my flat", "hours", False),  # near, not closing time
        ("会议什么时候召开的", "since", True),  # when a meeting was held
        ("能给多少钱", "price", True),
        ("下一场招聘会在哪里办", "next", True),
        ("桥北食堂怎么办社员卡", "apply", True),
        ("这个站的党建指导员叫什么名字", "name", True),
        ("那个党委书记是谁来当", "name", False),  # who serves as: a role the reports give
        ("黄金十二条全名是啥", "name", False),  # a programme's full name is not a person's
        ("渝才荟平台怎么注册", "apply", True),
        ("江北那87个助餐点有清单吗", "list", True),
        ("我们楼的楼小二怎么联系", "contact", True),
        ("书法班在哪个社区上课", "address", True),
        ("民乐村的积分能换什么", "exchange", True),
        ("康锦家园那段路什么时候完工", "finish", True),
        ("黄金十二条第三条讲的啥", "list", True),  # one item by its number
        ("离解放碑最近的驿站是哪个", "address", True),  # the nearest one
        ("最近有什么招聘会", "address", False),  # recently, not nearest
        ("楼小二是怎么选拔出来的", "apply", True),  # how someone is chosen
        ("共享会议室用一次要不要付钱", "price", True),
        ("睦邻工作室在哪个小区", "address", True),
    ],
)
def test_detail_words_people_write(question: str, detail: str, asked: bool) -> None:
    assert (detail in asked_details(matcher().normalize(question))) is asked


@pytest.mark.parametrize(
    "text",
    [
        "我们小区门口的路灯坏了一个多礼拜，晚上黑黢黢的",
        "The street lights outside our building have been broken for a week.",
        "时代天街骑手停车那块堆满了没人要的破车，没人管",
        "好多外卖电瓶车停在我们楼的消防通道上，说了也不听",  # 好多: many, not how many
    ],
)
def test_a_report_of_a_problem_that_asks_nothing_goes_to_staff(text: str) -> None:
    """An entry on how to report street problems is no reply to the report itself."""
    decision = matcher().decide(text)
    assert (decision.outcome, decision.reason) == ("ticket", "reports a problem")


@pytest.mark.parametrize(
    "text",
    [
        "小区门口井盖缺了一块好几天，摔到人哪个负责",
        "The bar below our flat plays music until 3am every night. Who do I complain to?",
        "骑手停车位天天被货车占了，我们没地方停",
        "社区食堂的包子是馊的，吃了拉肚子，哪个负责",
        "车子停在路边被拖走了，凭什么？",
        "The drain cover on our lane is missing. Please send someone.",
        "A workshop next door runs machines all night and the noise keeps us up. Who can stop it?",
        "楼上天天半夜搬东西，噪音大得很，哪个来管嘛",
        "解放碑旁边的人行道破了个大洞，老人都绊倒了，哪个来修",
    ],
)
def test_a_report_of_a_problem_asking_who_answers_for_it_goes_to_staff(text: str) -> None:
    """Who is responsible, who to complain to: a complaint, not a question an entry answers."""
    decision = matcher().decide(text)
    assert (decision.outcome, decision.reason) == ("ticket", "reports a problem")


def test_a_problem_with_a_question_on_how_to_report_it_is_answered() -> None:
    """ "路烂了咋个报" asks how to report it, which the street-problem entry answers."""
    assert matcher().decide("小区门口路烂了咋个报").entry_id == "street-problem-report"


def test_an_answer_giving_the_count_asked_by_what_it_counts_gains_confidence() -> None:
    """ "好多家企业" asked, "吸引企业110余家" in the answer: evidence the entry answers it."""
    question = "化龙桥那个三会一盟现在有好多家企业了"
    with_bonus = matcher().decide(question)
    without = Matcher(matcher().kb, matcher().intents, Bands(figure_bonus=0.0)).decide(question)
    assert with_bonus.entry_id == "sanhui-yimeng"
    assert with_bonus.score == pytest.approx(without.score + Bands().figure_bonus)


def test_a_figure_is_asked_of_the_word_before_how_much() -> None:
    """ "合同额是好多" asks a figure of 合同额 (by its last two characters): "合同额1.5亿元"."""
    assert asked_figures(matcher().normalize("签约完成的合同额是好多")) == {"同额"}
    assert asked_figures(matcher().normalize("跟共建街道交流了好多次")) == {"交流"}
    assert figure_given("完成市外正式合同额1.5亿元。", "同额")
    assert not figure_given("合同额没有公布。全年引进企业30家。", "同额")


def test_a_count_named_by_one_character_is_no_evidence_of_an_answer() -> None:
    """ "好多党员" is not answered by "36名党建指导员" (党 beside the number) for the bonus,
    though the count detail lets it through."""
    answer = "选派了36名党建指导员。"
    assert count_given(answer, "count:名党员") is True
    assert count_given(answer, "count:名党员", strict=True) is False


def test_we_few_is_not_how_many() -> None:
    """ "我们几个骑手经常…" is a story (a few of us), not a question or a count."""
    assert not asks("我们几个骑手经常在路上看到井盖缺了就拍照上报")
    assert not any(d.startswith("count:") for d in asked_details("我们几个骑手经常上报"))


def test_a_yes_no_question_beside_a_filed_one_is_asked_of_its_subject() -> None:
    """ "长江索道票价多少，本地人有没有优惠": whether locals get a discount is asked of the cable
    car, which the reports do not cover; no entry merely mentioning 优惠 answers it."""
    decision = matcher().decide("长江索道票价多少，本地人有没有优惠")
    assert decision.outcome == "ticket"
    assert not decision.parts


def test_a_figure_for_the_whole_year_is_not_given_by_a_quarter() -> None:
    """The reports give 大渡口's first quarter; a question for the whole year goes to staff,
    while the quarter is still answered."""
    assert "annual" in asked_details("大渡口全年的gdp是多少")
    assert matcher().decide("大渡口全年的GDP是多少？").outcome == "ticket"
    quarter = matcher().decide("大渡口一季度GDP是多少？")
    assert (quarter.outcome, quarter.entry_id) == ("answer", "dadukou-q1-economy")


def test_which_people_asks_for_their_names() -> None:
    """ "都有哪几位老师" asks for people by name, which an entry gives only when its own questions
    ask for them; "有哪几家" still asks which ones."""
    assert "name" in asked_details("名师领航计划都有哪几位")
    assert "which" in asked_details("引进的是哪几家餐厅")


def test_something_similar_elsewhere_asks_likewise() -> None:
    """ "有没有类似“袁来一家”那种…": whether the model is copied elsewhere, which the reports
    do not say."""
    assert "likewise" in asked_details("南岸和渝中之间有类似 袁来1家 那种品牌")


def test_yuzhong_named_by_one_question_does_not_hold_for_one_naming_its_own_thing() -> None:
    """ "重庆救助通能申请哪些救助？我在渝中申请低保要准备哪些材料": the first asks of 重庆救助通
    and is answered; the second, about 渝中, is filed."""
    decision = matcher().decide("重庆救助通能申请哪些救助？我在渝中申请低保要准备哪些材料")
    assert [p.outcome for p in decision.parts] == ["answer", "ticket"]
    assert decision.parts[0].entry_id == "jiangbei-chongqing-jiuzhutong"


def test_a_year_or_quarter_the_entry_does_not_name_is_not_answered_by_it() -> None:
    """The 2024 incubators do not answer for 2023, nor the first quarter for the second; the
    2023 figures of 化龙桥 answer a question naming 2023."""
    assert matcher().decide("2023年渝中新认定了几个市级孵化器？").outcome == "ticket"
    assert matcher().decide("大渡口今年二季度GDP增长了多少？").outcome == "ticket"
    named = matcher().decide("化龙桥2023年新增了多少家市场主体？")
    assert (named.outcome, named.entry_id) == ("answer", "hualongqiao-enterprise-figures")


@pytest.mark.parametrize(
    "text",
    [
        "去社区开证明，两边互相推，跑了两趟都没办成，请找人跟进一下",
        "The pipe upstairs is leaking into our kitchen. Can someone come and deal with it?",
    ],
)
def test_a_problem_with_a_request_to_act_on_it_goes_to_staff(text: str) -> None:
    """A report of a problem asking someone to act is a ticket, whatever entry it resembles."""
    decision = matcher().decide(text)
    assert (decision.outcome, decision.reason) == ("ticket", "reports a problem")


def test_which_leader_or_overnight_are_details_the_reports_leave_out() -> None:
    """ "是哪位区领导" asks a name the building-chief entry says the reports do not publish
    (成员名单); "停过夜不" asks the hours of the riders' parking."""
    assert "name" in asked_details("环球金融中心的楼长是哪位区领导")
    assert "hours" in asked_details("骑手停车位晚上可以停过夜不")
    assert matcher().decide("我们楼的帮帮团是哪位区领导在负责？").outcome == "ticket"


def test_how_many_such_things_counts_the_things() -> None:
    """ "多少个这样的驿站" counts 驿站, and asks of the kind the clause before described."""
    assert "count:个驿站" in asked_details("全区一共有多少个这样的驿站")
    reading = read("社区说江北有网格驿站，全区一共有多少个这样的驿站？")
    assert reading.questions[0].context == "社区说江北有网格驿站"
    assert read("在职党员是不是也要这样报到？").questions[0].context == ""


def test_what_points_buy_is_given_by_an_answer_naming_what_they_are_exchanged_for() -> None:
    """ "兑换时间和地点" missing is not what the points buy missing."""
    wanted = asked_details(matcher().normalize("积分能换什么"))
    exchanged = EntryDetails.of(frozenset(), "可定期兑换礼品。报道没有给出兑换时间和地点。")
    kept = EntryDetails.of(frozenset(), "建立服务纪实、工作评价、积分管理清单。")
    assert (exchanged.unanswered(wanted), kept.unanswered(wanted)) == (set(), {"exchange"})


@pytest.mark.parametrize("text", ["磁器口晚上几点关门，要门票不", "养猫要登记吗，渝中在哪里办"])
def test_a_short_follow_up_about_what_staff_are_asked_is_not_answered_apart(text: str) -> None:
    """门票 of 磁器口, not the 门票折扣 of 渝才荟: read with the question before it, it is filed."""
    decision = matcher().decide(text)
    assert (decision.outcome, decision.entries) == ("ticket", ())


def test_a_question_about_something_else_after_an_answered_one_is_filed() -> None:
    """ "…停车位有多少个？我电动车被偷了咋个报警": the theft names what the parking entry cannot
    serve, so it is a second question, filed beside the answer, not the same one again."""
    decision = matcher().decide("时代天街骑手停车位有多少个？我电动车在那边被偷了咋个报警")
    assert [p.outcome for p in decision.parts] == ["answer", "ticket"]


def test_is_there_still_is_not_a_joint_between_two_questions() -> None:
    assert split("今年还有没有才聚渝中专场招聘会") == ["今年还有没有才聚渝中专场招聘会"]


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("四色四务到底是啥子名堂哦，说来听一哈噻", "sise-overview"),
        ("渝才荟上头有啥子优惠嘛，说来听一哈", "yucaihui-platform"),
    ],
)
def test_asking_to_be_told_in_chongqing_speech_is_a_filler(question: str, entry_id: str) -> None:
    """ "说来听一哈", "给我摆一哈" only ask to be told (knowledge/lexicon.yaml, fillers): the
    question beside them is answered as if it stood alone."""
    assert matcher().decide(question).entry_id == entry_id


@pytest.mark.parametrize(
    ("question", "detail"),
    [
        ("审批要几个工作日", "date"),
        ("入驻要交什么申请材料", "requirements"),
        ("进站有没有年龄限制", "age"),
        ("How old do you have to be to join?", "age"),
        ("这个平台在哪里注册", "apply"),
        ("互助群群号是多少", "contact"),
        ("那个群怎么进", "signup"),
        ("网上吹哨要填些什么", "requirements"),
        ("具体是哪15项", "which"),
        ("能发个全文不", "download"),
        ("每户补偿了多少钱", "fee:补偿"),
        ("办社员卡要交多少钱", "fee:办卡"),
        ("我今年38了 还能申请人才公寓优惠不", "requirements"),
    ],
)
def test_details_the_reports_rarely_give_are_read_in_many_words(question: str, detail: str) -> None:
    """Working days, application materials, age limits, where to register, a group's number:
    asked in a resident's words, each is a detail an entry must give to answer it."""
    assert detail in asked_details(matcher().normalize(question))


@pytest.mark.parametrize(
    "question",
    [
        "义渡热爱志愿者在哪个平台注册 多大年龄可以参加",
        "重庆救助通的临时救助审批要几个工作日",
        "睦邻工作室的陆睦今年多大年纪了",
    ],
)
def test_a_detail_in_other_words_still_goes_to_staff(question: str) -> None:
    assert matcher().decide(question).outcome == "ticket"


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("what is 楼小二", "louxiaoer"),
        ("thanks! btw what does 一到二岗三单 mean?", "dadukou-yidao-ergang-sandan"),
        ("hi 小助手, what is the 黄金十二条?", "talent-golden-twelve"),
        # a romanised name with its Chinese in brackets, a few words after the question
        ("hey, what's this 'Lou Shi Lou Ban' (楼事楼办) thing?", "loushi-loubanlouyi"),
        ("what is the Huā Lóng Diǎn Jīng（化龙点睛）brand", "hualongdianjing"),
    ],
)
def test_an_english_question_about_a_chinese_name_is_asked_of_the_name(
    question: str, entry: str
) -> None:
    """ "What is 楼小二?": the name alone says what is asked, so it is asked in Chinese."""
    decision = matcher().decide(question)
    assert (decision.outcome, decision.entry_id) == ("answer", entry)


@pytest.mark.parametrize(
    "question",
    [
        "What is the phone of the Shajie (莎姐) platform?",
        "My mum lives near Daping (大坪). Can she see a doctor there?",
    ],
)
def test_a_bracketed_name_in_another_question_is_not_asked_what_it_is(question: str) -> None:
    assert matcher().decide(question).outcome == "ticket"


def test_an_english_question_about_a_name_the_reports_lack_is_still_a_ticket() -> None:
    assert matcher().decide("what is 火锅底料").outcome == "ticket"


def test_people_counted_before_the_question_word_are_a_count() -> None:
    """ "楼宇里头党员有好多": a count of Party members, as "有好多党员" is; not a sum of money."""
    assert "count:名党员" in asked_details(matcher().normalize("楼宇里头党员有好多"))
    assert not any(
        d.startswith("count:") for d in asked_details(matcher().normalize("党员交多少钱"))
    )
    decision = matcher().decide("渝中区楼宇里头党员有好多")
    assert (decision.outcome, decision.entry_id) == ("answer", "zhibu-jianzai-loushang")


@pytest.mark.parametrize(
    ("question", "identity"),
    [
        ("那个计划叫什么", True),
        ("莎姐平台是哪个单位建的", True),
        ("数字工匠园区是什么级别的项目", True),
        ("暖新驿站的免费服务有几项", True),
        ("我想了解一下楼长制", True),
        ("暖新驿站几点开门", False),
        ("渝才荟怎么注册", False),
        ("老年食堂吃一顿多少钱", False),
        ("什么时候开始报名", False),
    ],
)
def test_a_question_about_a_thing_itself_is_told_from_one_about_its_details(
    question: str, identity: bool
) -> None:
    assert asked(question, normalize).identity is identity


@pytest.mark.parametrize(
    ("question", "identity"),
    [
        ("What is the Yuan Lai Yi Jia initiative?", True),
        ("which subdistricts are its partners", True),
        ("How do I register for the talent card?", False),
    ],
)
def test_an_english_question_about_a_thing_itself(question: str, identity: bool) -> None:
    assert asked_in_english(question).identity is identity


def test_a_question_about_a_thing_itself_is_answered_when_its_entry_leads_far() -> None:
    """ "莎姐平台是哪个部门牵头的" shares few words with the entry's questions, but no other entry
    comes near it: the entry about 莎姐 is the one to say who runs it. Without the identity band
    the question went to staff."""
    kb, intents = matcher().kb, matcher().intents
    question = "莎姐平台是哪个部门牵头的"
    decision = matcher().decide(question)
    assert (decision.outcome, decision.entry_id) == ("answer", "dadukou-shajie-platform")
    assert decision.score < Bands().answer_long
    off = Matcher(kb, intents, Bands(answer_identity=Bands().answer))
    assert off.decide(question).outcome == "ticket"


def test_the_identity_band_needs_a_far_lead_and_a_question_about_the_thing() -> None:
    def hit(entry_id: str, coverage: float) -> Hit:
        similarity = coverage * 100
        return Hit(entry_id, 9.0, coverage, similarity, unknown=0.0, question="")

    far = [hit("a", 0.30), hit("b", 0.10)]
    near = [hit("a", 0.30), hit("b", 0.25)]
    bands = Bands()
    assert judge(far, bands, "zh", identity=True).outcome == "answer"
    assert judge(far, bands, "zh").outcome == "ticket"
    assert judge(near, bands, "zh", identity=True).outcome == "ticket"
    # English has fewer wordings per entry and a higher band of its own
    assert judge(far, bands, "en", identity=True).outcome == "ticket"
    english = [hit("a", 0.36), hit("b", 0.10)]
    assert judge(english, bands, "en", identity=True).outcome == "answer"


def test_a_companys_name_is_given_only_by_an_answer_that_names_it() -> None:
    """The report names the canteen's partner firm but not the returning founder's company."""
    founder = matcher().decide("陈希的公司叫啥名字")
    assert (founder.outcome, founder.reason) == (
        "ticket",
        "asks for firm, which the nearest entry does not give",
    )
    canteen = matcher().decide("桥北社区食堂跟一家企业合作，那家企业叫什么")
    assert (canteen.outcome, canteen.entry_id) == ("answer", "jiangbei-qiaobei-canteen")


@pytest.mark.parametrize(
    ("question", "entry"),
    [("渝才荟怎么用", "yucaihui-platform"), ("暖新驿站不晓得咋个用", "nuanxin-yizhan")],
)
def test_how_to_use_something_the_knowledge_base_names_is_a_question(
    question: str, entry: str
) -> None:
    """ "怎么用" alone asks how to use the assistant; of 渝才荟 it asks about 渝才荟."""
    decision = matcher().decide(question)
    assert (decision.outcome, decision.entry_id) == ("answer", entry)


def test_these_few_years_count_nothing() -> None:
    """ "这几年发展很快" tells a story; "这几年引进了几家企业" still asks how many firms."""
    assert asked_details(normalize("中元汇吉这几年发展很快，尿检一体机在哪个医院做的验证")) == set()
    assert asked_details(normalize("这几年引进了几家企业")) == {"count:家企业"}
    # nor do "十几个人" and "前几天" in a story
    assert asked_details(normalize("我们是一家十几个人的小律所，前几天搬进来")) == set()
    assert asked_details(normalize("自己跑了好几个部门都没搞定")) == set()


@pytest.mark.parametrize(
    ("question", "count"),
    [
        ("蓝玫瑰团队带了好多人入行", "count:人"),  # 入行 is what they did, not what is counted
        ("是连续几年拿到的", "count:年"),
        ("红岩骑手几个人", "count:名"),  # people, however they are counted
        ("有好多个党员", "count:个党员"),
        ("驿站有几个噻", "count:个"),  # 噻 is a particle, not what is counted
    ],
)
def test_what_a_count_counts_is_a_thing_not_what_is_done(question: str, count: str) -> None:
    assert asked_details(matcher().normalize(question)) == {count}


def test_the_first_batch_answers_which_batch() -> None:
    assert count_given("重庆市首批中小学党组织书记“双带头人”工作室", "count:批") is True
    assert count_given("重庆市中小学党组织书记“双带头人”工作室", "count:批") is False


def test_a_romanised_name_is_glossed_with_its_chinese() -> None:
    names = Romanised(["报道说“四色四务”和“袁来一家”", "“红岩”"])
    assert names.glossed("What does 'Si Se Si Wu' stand for?") == (
        "What does 'Si Se Si Wu' (四色四务) stand for?"
    )
    assert (
        names.glossed("what is yuán lái yī jiā about") == "what is yuán lái yī jiā (袁来一家) about"
    )
    assert names.glossed("sisesiwu (四色四务) again") == "sisesiwu (四色四务) again"
    # two syllables name too much to be glossed ("hongyan" is in many English names)
    assert names.glossed("the Hongyan riders") == "the Hongyan riders"


def test_an_english_question_about_a_romanised_name_is_asked_of_the_name() -> None:
    decision = matcher().decide("So what does si se si wu stand for at Qiyetiandi?")
    assert (decision.outcome, decision.entry_id, decision.language) == (
        "answer",
        "sise-overview",
        "en",
    )


def test_of_entries_close_together_the_one_whose_title_names_what_is_asked_answers() -> None:
    """渝才荟's entry and the apartment discount's come out level on "那个平台叫啥"; only the
    first's title (“渝才荟”数智平台) holds 平台, so it is the answer, not a choice of two."""
    decision = matcher().decide("人才公寓优惠是在哪个平台上领的，那个平台叫啥")
    assert (decision.outcome, decision.entry_id, decision.reason) == (
        "answer",
        "yucaihui-platform",
        "close; its title names what is asked",
    )
    level = {c.entry_id for c in decision.candidates[:2]}
    assert level == {"yucaihui-platform", "talent-apartment"}


def _team(entry_id: str, name: str, answer: str) -> Entry:
    question = f"{name}带了多少名家庭主妇入行"
    return Entry(entry_id, name, "resident", "resident", (question,), answer, ())


@pytest.mark.parametrize(("figure", "outcome"), [("20余名", "answer"), ("一些", "clarify")])
def test_entries_close_together_that_each_give_the_figure_asked_leave_no_choice(
    figure: str, outcome: str
) -> None:
    """Two entries level on "带了多少名家庭主妇入行": when both say how many, asking which one
    is meant is no help, and the first answers; when neither does, the choice stays."""
    kb, intents = matcher().kb, matcher().intents
    teams = (
        _team("a", "甲团队", f"甲团队帮助{figure}家庭主妇加入外卖行业。"),
        _team("b", "乙团队", f"乙团队也帮助{figure}家庭主妇加入外卖行业。"),
    )
    small = Matcher(dataclasses.replace(kb, entries=teams), intents)
    decision = small.decide("带了多少名家庭主妇入行")
    assert decision.outcome == outcome


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        (
            "放假想做志愿，初中同学拉我报名“义渡热爱”，说很好玩。这个现在有好多支队伍？",
            "dadukou-yidu-volunteers",
        ),
        ("开家长会的时候校长讲了巴蜀中学的双带头人工作室，这是啥子哦", "bashu-school-party"),
    ],
)
def test_a_subject_named_in_the_story_is_not_what_is_asked(question: str, entry: str) -> None:
    """初中 and 校长 tell who said it; the question is about 义渡热爱 and the studio."""
    decision = matcher().decide(question)
    assert (decision.outcome, decision.entry_id) == ("answer", entry)


def test_a_subject_named_in_the_question_still_is() -> None:
    decision = matcher().decide("大渡口的高中生能报“义渡热爱”吗？")
    assert (decision.outcome, decision.reason) == (
        "ticket",
        "names 高中, which the nearest entry does not cover",
    )


def test_entries_close_together_are_told_apart_by_what_a_pointing_question_points_at() -> None:
    """Of two entries in a tie, the one whose title names what is asked is answered; when the
    last clause names nothing ("这个是做什么的"), the nearest clause before it that names
    something is what it asks of: 民乐议事365, not the story's 民乐村社区."""
    tie = Decision(
        "clarify",
        75.0,
        candidates=(
            Candidate("minle-community-overview", 75.0),
            Candidate("minle-yishi-365", 75.0),
        ),
    )
    asking = "我家在石油路民乐村社区 楼下老在说民乐议事365 这个是做什么的"
    decided = matcher()._titled(tie, asking)
    assert (decided.outcome, decided.entry_id) == ("answer", "minle-yishi-365")
    assert matcher()._titled(tie, "这个是做什么的").outcome == "clarify"


def test_an_english_question_naming_a_thing_in_chinese_leaves_out_entries_without_it() -> None:
    """ "this 1+4+N 服务帮帮团": entries that do not hold 帮帮团 lose confidence, as they do for
    a Chinese question, and the entry about it is answered."""
    decision = matcher().decide(
        "I manage a tower in Jiefangbei. What is this 1+4+N 服务帮帮团 for?"
    )
    assert (decision.outcome, decision.entry_id) == ("answer", "louzhang-system")
    stations = matcher().decide(
        "Which free services do the rider stations (暖新驿站) near Shidai Tianjie give?"
    )
    assert stations.entry_id == "nuanxin-yizhan"
    assert all(
        c.entry_id != "rider-parking-bike-stations" or c.score < 40 for c in stations.candidates
    )


def test_a_figure_is_asked_of_the_word_before_or_after_the_question_word() -> None:
    assert "同额" in asked_figures("合同额是多少")
    assert "合同" in asked_figures("签了多少合同额")
    assert "个项" not in asked_figures("签了多少个项目")  # a count, by its measure word


def test_a_subject_of_the_story_is_not_what_a_question_asked_by_its_mark_names() -> None:
    """ "这个站是好久开的哦？" asks by its question mark alone; 挂号 in the story before it is
    not what it is about, so the health station's entry is not refused for it."""
    message = (
        "我住袁家岗，平时去大坪医院挂号要排好久。听说交界那边开了个卫生服务站，这个站是好久开的哦？"
    )
    decision = matcher().decide(message)
    assert (decision.outcome, decision.entry_id) == ("answer", "yuanjiagang-health-station")


def test_a_thing_described_after_that_is_a_question_of_its_own() -> None:
    """ "那个带家庭主妇跑外卖的女骑手团队叫什么" describes what it asks about: it does not point
    back at the parking question before it, and both are answered."""
    decision = matcher().decide(
        "给骑手划的专属停车位一共几个？那个带家庭主妇跑外卖的女骑手团队叫什么？"
    )
    assert [part.entry_id for part in decision.parts] == [
        "rider-parking-bike-stations",
        "rider-mutual-aid-rights",
    ]


def test_a_figure_only_one_entry_holds_names_what_a_question_is_about() -> None:
    """ "885" is held by one entry's questions: entries without it lose confidence (the grid
    system's entry shares only 体系), as for a name; a year names nothing."""
    decision = matcher().decide("885体系是什么")
    assert (decision.outcome, decision.entry_id) == ("answer", "yuzhong-economy-overview")
    assert "2024" not in matcher()._named_things("2024年的体系")
    # a formula names its programme too ("1+8+63" is Dadukou's Party-building communities)
    assert "1+8+63" in matcher()._named_things("1+8+63是什么意思")


@pytest.mark.parametrize(
    "text",
    [
        "Came to Chongqing for work. What districts border Yuzhong?",
        "Moved to Chongqing for work last week. Which districts border Yuzhong?",
    ],
)
def test_a_short_story_that_levels_two_entries_gives_way_to_the_question(text: str) -> None:
    """Read whole, "moved here for work" draws the talent entries level with the one the
    question is about, or dilutes it below the band; the question weighed above the story
    answers."""
    decision = matcher().decide(text)
    assert (decision.outcome, decision.entry_id) == ("answer", "pilin-dangjian")


def test_haigui_is_a_returnee_from_study_abroad() -> None:
    """海归 is what people call 留学人员 (the lexicon maps it), so the park is found by it."""
    decision = matcher().decide("有没有专门给海归开的创业园，叫啥名字")
    assert (decision.outcome, decision.entry_id) == ("answer", "returnee-startup-park")


@pytest.mark.parametrize(
    "text",
    [
        "We are moving our team into the World Financial Center. Roughly how many businesses "
        "are based in that building?",
        "My office is in the World Financial Center. How many businesses are based in that tower?",
    ],
)
def test_an_english_title_named_in_the_story_decides_whose_figure_is_asked(text: str) -> None:
    """ "the World Financial Center" is the title of one entry: an entry without it (Hualongqiao's
    figures, which also count businesses) loses as for a Chinese name, and of two entries
    giving the figure the one whose English title names it answers."""
    decision = matcher().decide(text)
    assert (decision.outcome, decision.entry_id) == ("answer", "global-financial-center-tenants")
    assert "world financial center" in matcher()._english_names(text)
    assert not matcher()._english_names("What is the talent policy for start-ups?")


def test_a_question_naming_nothing_is_about_a_rare_name_its_story_gives() -> None:
    """ "我娃儿在巴蜀中学读初二 … 那个工作室叫什么": the school the story names is what the
    question is about, as if the question had named it."""
    text = "我娃儿在巴蜀中学读初二。家长会上老师说学校有个书记工作室，那个工作室叫什么？"
    decision = matcher().decide(text)
    assert (decision.outcome, decision.entry_id) == ("answer", "bashu-school-party")
