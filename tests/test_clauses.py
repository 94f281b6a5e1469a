"""Reading a message for the part that asks (bot.clauses): clauses, questions and their context."""

from __future__ import annotations

import pytest

from bot.matching.clauses import Question, asks, echoes, read, split, thin


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们做外包，搬到渝中。到底包括哪几样？", ["我们做外包", "搬到渝中", "到底包括哪几样"]),
        ("蓝玫瑰女骑手团队怎么报名 要交钱不", ["蓝玫瑰女骑手团队怎么报名", "要交钱不"]),
        ("楼小二是干啥的然后袁家岗通办在哪办", ["楼小二是干啥的", "然后袁家岗通办在哪办"]),
        ("要是我搬到渝中的话能不能申请人才公寓", ["要是我搬到渝中的话", "能不能申请人才公寓"]),
        (
            "Hi, I run a studio in Yuzhong. Is there a meeting room? Thanks.",
            ["Hi, I run a studio in Yuzhong.", "Is there a meeting room?", "Thanks."],
        ),
        ("1+4+N是什么", ["1+4+N是什么"]),
    ],
)
def test_split_cuts_at_punctuation_spaces_and_spoken_joints(text: str, expected: list[str]) -> None:
    """Clauses end at sentence punctuation and commas, at a space between Chinese characters,
    before 然后 / 另外 / 还有 and after 的话; English is cut into sentences only."""
    assert split(text) == expected


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("楼小二是干啥的", True),
        ("要交钱不", True),
        ("现在是不是两边都能办了", True),
        ("我想了解下人才政策", True),
        ("路灯坏了好几天了", False),  # 好几天 is a count, not a question
        ("这类孵化平台多不多", True),  # A-not-A
        ("驿站离地铁站远不远", True),
        ("全区的楼宇面积有多大", True),  # how big
        ("楼里有很多大企业", False),  # many big firms: no question
        ("我们是做软件外包的", False),
        ("Is there a meeting room", True),
        ("I run a small design studio", False),
        ("想跟几个朋友一起做AI应用", False),  # a few friends: what one means to do
        ("化龙桥跟几个街道结了对", True),  # how many
        ("打算找几家企业合作，有啥渠道", True),  # something else asks
        ("好多外卖电瓶车停在消防通道上", False),  # many e-bikes, opening a clause
        ("好多钱一碗", True),  # how much, opening one
        ("好多人参加了嘛", True),  # something else asks
        ("在深圳做了几年数字化方案", False),  # for a few years
        ("跑了几次都没办成，咋办", True),  # something else asks
        ("才聚渝中办了几场", True),  # how many
        ("啥都不懂", False),  # nothing at all
        ("老板想从北上广挖几个高端人才过来", False),  # a few, of what one means to do
        ("啥都不懂？", True),  # asked
        ("这个站是好久开的", True),  # 好久: when
        ("好久能修好", True),  # … or how long
        ("好久没去了", False),  # a long time
        ("挂号要排好久", False),
    ],
)
def test_asks_recognises_questions_without_a_question_mark(clause: str, expected: bool) -> None:
    """Question words, yes/no forms (…不, 是不是) and 想了解 make a clause ask; a story does not."""
    assert asks(clause) is expected


def test_thin_question_takes_the_clause_before_it_as_context() -> None:
    """ "到底包括哪几样" names nothing: the clause before it ("听说有个四色四务") is its context."""
    reading = read("在化龙桥租了一层楼。听说有个“四色四务”，到底包括哪几样？")
    assert reading.questions == (Question("到底包括哪几样", "听说有个“四色四务”"),)
    assert reading.story == ("在化龙桥租了一层楼",)


def test_a_question_pointing_back_takes_the_clause_that_names_what_it_points_at() -> None:
    """ "这栋楼…" points back past a clause that names nothing to the one naming the building."""
    names = lambda clause: "环球金融中心" in clause  # noqa: E731 - stands in for the matcher's
    reading = read(
        "朋友推荐了环球金融中心，说里面外资和领事馆很多。这栋楼现在一共入驻了多少个经营主体？",
        names,
    )
    assert reading.questions == (
        Question("这栋楼现在一共入驻了多少个经营主体", "朋友推荐了环球金融中心"),
    )
    assert reading.story == ("说里面外资和领事馆很多",)


def test_a_question_pointing_back_takes_every_clause_that_names_something_within_three() -> None:
    """ "这栋楼…" after two clauses that name things (the building, what is in it) and one that
    names nothing: both naming clauses, in order, are what it points at; the other is story."""
    names = lambda clause: "环球金融中心" in clause or "领事机构" in clause  # noqa: E731
    reading = read(
        "在环球金融中心做物业助理，领导让我整理一份楼宇简介。他说我们楼里领事机构特别多。"
        "这栋楼现在入驻的经营主体一共有好多个？",
        names,
    )
    assert reading.questions == (
        Question(
            "这栋楼现在入驻的经营主体一共有好多个",
            "在环球金融中心做物业助理 他说我们楼里领事机构特别多",
        ),
    )
    assert reading.story == ("领导让我整理一份楼宇简介",)


def test_whether_there_is_one_here_too_asks_of_the_thing_the_clause_before_describes() -> None:
    """ "解放碑这边有没有" names a place, not what it asks for: the clause before says what."""
    names = lambda clause: "解放碑" in clause  # noqa: E731 - stands in for the matcher's
    reading = read("我看到别个区有那种老年食堂，解放碑这边有没有？我妈一个人在家", names)
    assert reading.questions == (Question("解放碑这边有没有", "我看到别个区有那种老年食堂"),)
    assert reading.story == ("我妈一个人在家",)


def test_a_question_resuming_the_verb_of_the_story_before_it_asks_of_its_object() -> None:
    """ "能攒红岩能量值，攒起来能干啥": 攒 what, the clause before says. A question naming its own
    subject, or one after a clause that asks, is not read so."""
    reading = read("平时爱做志愿服务。听说做志愿能攒红岩能量值，攒起来到底能干啥？")
    assert reading.questions == (Question("攒起来到底能干啥", "听说做志愿能攒红岩能量值"),)
    names = lambda clause: "渝才荟" in clause  # noqa: E731 - stands in for the matcher's
    own = read("同事领过渝才荟的优惠券。领渝才荟优惠要啥条件？", names)
    assert own.questions == (Question("领渝才荟优惠要啥条件", ""),)


def test_a_question_naming_nothing_asks_of_what_the_story_clause_before_it_names() -> None:
    """ "企业天地那个党群服务中心，平时能帮企业做些啥": the clause before names what it asks of;
    a question naming something of its own stands alone."""
    names = lambda clause: "党群服务中心" in clause or "渝才荟" in clause  # noqa: E731
    reading = read("企业天地那个党群服务中心，平时能帮企业做些啥？", names)
    assert reading.questions == (Question("平时能帮企业做些啥", "企业天地那个党群服务中心"),)
    own = read("企业天地那个党群服务中心很好，渝才荟能办啥？", names)
    assert own.questions == (Question("渝才荟能办啥", ""),)


def test_these_three_points_back() -> None:
    """ "这三个数字分别代表啥": which three, the clause naming them says."""
    names = lambda clause: "党建共同体" in clause  # noqa: E731 - stands in for the matcher's
    reading = read("区里有“1+8+63”的党建共同体，我们社区也在里头。这三个数字分别代表啥？", names)
    assert reading.questions[0].context == "区里有“1+8+63”的党建共同体"


def test_a_question_opening_with_what_it_wants_to_know_can_still_point_back() -> None:
    """ "想先了解下这栋楼…" points back just as "这栋楼…" does."""
    names = lambda clause: "环球金融中心" in clause  # noqa: E731 - stands in for the matcher's
    reading = read("打算搬进解放碑环球金融中心。想先了解下这栋楼里有多少家领事机构？", names)
    assert reading.questions == (
        Question("想先了解下这栋楼里有多少家领事机构", "打算搬进解放碑环球金融中心"),
    )


def test_a_question_asked_of_a_place_inside_takes_the_clause_naming_the_place() -> None:
    """ "里头聚了多少家企业" asks about the place a clause before named; without such a clause the
    question stands alone."""
    names = lambda clause: "会客厅" in clause  # noqa: E731 - stands in for the matcher's
    reading = read("我想去环球互联网大厦那个人才会客厅耍下，里头聚了好多家企业哦", names)
    assert reading.questions == (
        Question("里头聚了好多家企业哦", "我想去环球互联网大厦那个人才会客厅耍下"),
    )
    alone = read("上周去耍了一下，里头聚了好多家企业哦", names)
    assert alone.questions == (Question("里头聚了好多家企业哦"),)


def test_a_follow_up_pointing_back_is_a_second_question_about_the_same_subject() -> None:
    """ "他们的联系电话是多少" after "楼小二是谁派的" asks about 楼小二 again, something else:
    it is a question of its own, with the first question as its context."""
    reading = read("楼小二是谁派的？他们的联系电话是多少？")
    assert reading.questions == (
        Question("楼小二是谁派的"),
        Question("他们的联系电话是多少", "楼小二是谁派的"),
    )


def test_a_thin_follow_up_joins_the_question_before_it() -> None:
    """ "要交钱不" after "怎么报名" is the same question, not a second one."""
    reading = read("蓝玫瑰女骑手团队怎么报名 要交钱不")
    assert [q.text for q in reading.questions] == ["蓝玫瑰女骑手团队怎么报名 要交钱不"]


def test_a_short_yes_no_follow_up_naming_something_asks_about_the_question_before() -> None:
    """ "是免费的吗" after "人才咖啡在哪里喝" names 免费, which few titles hold, so it is not
    thin; still, a short yes/no question after a question asks about that one's subject."""
    names = lambda clause: "免费" in clause  # noqa: E731
    reading = read("渝才荟上的人才咖啡在哪里喝，是免费的吗", names)
    assert reading.questions == (
        Question("渝才荟上的人才咖啡在哪里喝"),
        Question("是免费的吗", "渝才荟上的人才咖啡在哪里喝"),
    )
    # a question word makes it a question of its own
    assert read("人才咖啡在哪里，免费的有哪些", names).questions[1] == Question("免费的有哪些")


def test_two_full_questions_stay_two_and_lose_their_joint() -> None:
    """Each question stands alone; the joint 另外 is not part of the question shown back."""
    reading = read("骑手停车位有多少个？另外暖新驿站在哪")
    assert [q.text for q in reading.questions] == ["骑手停车位有多少个", "暖新驿站在哪"]


def test_a_story_without_a_question_has_no_questions() -> None:
    """A complaint asks nothing: the matcher then reads the message whole."""
    reading = read("我们楼下的路灯坏了好几天了，一直没人修")
    assert (reading.questions, reading.asking) == ((), "我们楼下的路灯坏了好几天了 一直没人修")


@pytest.mark.parametrize(
    ("clause", "expected"),
    [("到底包括哪几样", True), ("要交钱不", True), ("暖新驿站在哪", False), ("what is it", True)],
)
def test_thin_means_too_few_naming_characters(clause: str, expected: bool) -> None:
    assert thin(clause) is expected


def test_a_clause_ended_by_a_question_mark_asks() -> None:
    """A question mark is cut away with the clause's end, yet it made the clause a question:
    "还要办一个大会？" asks, the same words ended by a full stop tell."""
    asked = read("我们公司在化龙桥。听说街道明年要发布合作清单，还要办一个大会？")
    assert [q.text for q in asked.questions] == ["还要办一个大会"]
    told = read("我们公司在化龙桥。听说街道明年要发布合作清单，还要办一个大会。")
    assert told.questions == ()


def test_what_someone_mentioned_is_a_topic_not_the_askers_story() -> None:
    """A clause reporting what someone mentioned or what was set up ("老师提到学校搞了个…")
    brings up the subject asked about, like 听说."""
    reading = read("孩子读初二。家长会上老师提到学校搞了个思政工作室，家长能参加吗？")
    assert reading.topics == ("家长会上老师提到学校搞了个思政工作室",)


def test_a_question_that_points_back_takes_the_clause_before() -> None:
    """ "这个体系是干啥用的" names a kind of thing, not which one: the clause before says."""
    reading = read("听说渝中在搞楼宇评价。还有个8维评价体系，这个体系是干啥用的？")
    assert reading.questions == (Question("这个体系是干啥用的", "还有个8维评价体系"),)


def test_a_clause_that_only_asks_to_be_told_adds_no_question() -> None:
    """ "…到底是啥子，我也说不清楚，你晓得不": one question, not a second about knowing."""
    reading = read("回来他问我莎姐到底是啥子，我也说不清楚，你晓得不？")
    assert [q.text for q in reading.questions] == ["回来他问我莎姐到底是啥子"]
    # with no question before it, it asks about the clause before (听说…)
    alone = read("听说大渡口有个莎姐平台，你知道吗")
    assert len(alone.questions) == 1
    assert "莎姐" in alone.questions[0].context


def test_what_someone_said_brings_up_the_subject() -> None:
    """ "同事说渝中跟好几个区挨着": hearsay introduces what is asked about."""
    reading = read("我刚调到重庆上班。同事说渝中跟好几个区挨着，我都认不到路，到底跟哪几个区相邻？")
    assert "同事说渝中跟好几个区挨着" in reading.topics


def test_a_question_opening_with_the_word_the_clause_before_ended_on_takes_that_clause() -> None:
    """ "带了一个女骑手团队，团队叫啥名字": which team, the clause before says."""
    reading = read("我妈退休了，她们社区搞了一个书法兴趣小组，小组叫啥名字？")
    assert reading.questions == (Question("小组叫啥名字", "她们社区搞了一个书法兴趣小组"),)
    assert not echoes("我妈退休了", "小组叫啥名字")


def test_someone_elses_question_told_in_the_story_is_not_a_question() -> None:
    """ "邻居问我是啥" tells what a neighbour asked; the asker's own question comes after it."""
    reading = read("群里都在说楼小二，邻居问我是啥，我也答不上来。这是哪个部门派的？")
    assert [q.text for q in reading.questions] == ["这是哪个部门派的"]
    # a question relayed with its subject is the asker's question ("他问我楼小二是干啥的")
    relayed = read("我爸问我楼小二是干啥的，你们能说下不？")
    assert len(relayed.questions) == 1
    assert relayed.questions[0].text.startswith("我爸问我楼小二是干啥的")
    # … and so is one with nothing after it to ask instead
    alone = read("群里都在说楼小二，邻居问我是啥")
    assert [q.text for q in alone.questions] == ["邻居问我是啥"]


def test_a_thin_question_after_a_clause_naming_nothing_takes_the_clause_that_names() -> None:
    """ "…在说“议事365”，我也搞不懂。这是哪个社区搞的": what it asks about is in the clause
    that names something, not in the shrug right before the question."""

    def names(clause: str) -> bool:
        return "议事365" in clause

    reading = read("群里天天在说“议事365”，我也搞不懂。这是哪个社区搞的？", names)
    assert reading.questions == (Question("这是哪个社区搞的", "群里天天在说“议事365”"),)


def test_a_wh_question_after_hearsay_is_about_what_the_hearsay_brought_up() -> None:
    """ "听说…新开了个服务站，是哪家医院办的": which station, the hearsay says, even when the
    question names something of its own (医院); a yes/no question names its own subject."""
    reading = read("我在渝中上班。听说解放碑新开了个人才驿站，是哪个单位在管？")
    assert reading.questions == (Question("是哪个单位在管", "听说解放碑新开了个人才驿站"),)
    own = read("我想创业。朋友都说去成都，渝中这边有没有专门给海归的园区？")
    assert own.questions == (Question("渝中这边有没有专门给海归的园区", ""),)


def test_what_is_being_set_up_or_was_seen_online_brings_up_the_subject() -> None:
    """ "…要搞一个健康服务圈", "网上刷到…搞了一系列招聘会": the subject asked about; "我想给她
    办个社员" is the asker's own plan."""
    reading = read("家里老人多。区里要搞一个养老服务圈，是多少分钟的圈？")
    assert reading.questions == (Question("是多少分钟的圈", "区里要搞一个养老服务圈"),)
    seen = read("网上刷到区里搞了一系列招聘会，我在找工作。")
    assert "网上刷到区里搞了一系列招聘会" in seen.topics
    assert read("我想给她办个社员。").topics == ()


def test_what_was_said_at_a_meeting_brings_up_the_subject() -> None:
    """ "培训时说街道有…的网格力量": the subject of "一共有多少人", as hearsay is."""
    reading = read("我是新来的网格员。培训时说街道有一支网格常态力量，一共有多少人？")
    assert reading.questions == (Question("一共有多少人", "培训时说街道有一支网格常态力量"),)


def test_the_opening_of_a_question_to_come_asks_nothing() -> None:
    """ "我好奇问一下：…" opens the question that follows; it is not a question of its own."""
    reading = read("楼里刚成立了党支部。我好奇问一下：全区的楼宇里一共建了多少个党组织？")
    assert [q.text for q in reading.questions] == ["全区的楼宇里一共建了多少个党组织"]
