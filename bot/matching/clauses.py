"""Clauses of a message: which part tells a story and which part asks.

People write a story before they ask ("我们是做软件外包的，去年从成都搬到渝中……到底包括哪几样？"),
ask two things at once ("骑手停车位有多少个？另外暖新驿站在哪"), or dictate without punctuation.
`read(text)` cuts a raw message into clauses (sentence punctuation and commas; for voice input
the spaces between words and the joints 然后 / 另外 / 还有 / 的话), marks the clauses that ask
something, and groups them into questions: each asking clause with the clause before it when it
says too little on its own ("到底包括哪几样" needs "听说有个四色四务"). The matcher weighs the
asking part above the story and answers each question of a message on its own (`bot.match`).

Pure functions on raw text, before normalisation: punctuation is what tells clauses apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.matching.tokens import english_words

# Sentence ends and commas; a space between two Chinese characters (voice input, chat style).
_CUT_ZH = re.compile(
    r"[。！？!?；;…\n，,、：:]+|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])"
    # joints of speech without punctuation: a clause starts at 然后 / 另外 / 还有 / 顺便 …
    r"|(?<=[\u4e00-\u9fff])(?<!要不要)(?<!会不会)(?<!是不是)(?<!需不需要)"
    r"(?=(?:然后|另外|还有就是|还有(?!没有|没得|冇|吗)|还想问|顺便问|再问一下|再问下|对了)"
    r"[\u4e00-\u9fff])"
    # … and ends after 的话 ("要是我搬到渝中的话 能不能…")
    r"|(?<=的话)(?=[\u4e00-\u9fff])"
)
_CUT_EN = re.compile(r"(?<=[.!?;])\s+|\n+|[？！。；]+")
_QUESTION_MARK = re.compile(r"[?？]")
_LEADING_JOINT = re.compile(r"^(?:然后|另外|还有就是|还有|还想问|顺便问|再问一下|再问下|对了)")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
# A clause that brings up the subject of the question: what the asker heard of, or "there is a …".
_TOPIC_ZH = re.compile(
    r"听说|据说|听人说|听朋友说|朋友说|有人说|说是|听讲|看到|看新闻|报道|有个|有一个|有1个"
    r"|提到|提起|(?:[搞弄建办推设]了|[搞弄建推设])(?:1|一)?(?:个|系列)|刷到"
    # what was said at a meeting or a training ("培训时说…", "开会说…")
    r"|(?:培训|开会|会上|上课|课上)(?:时|的时候)?(?:说|讲|提)"
    r"|(?:同事|邻居|朋友|家人|老师|同学|网上|群里|别人|大家|人家|我妈|我爸|老公|老婆|领导|老板)都?说"
)
_TOPIC_EN = re.compile(
    r"\b(?:i heard|heard (?:of|about|that)|i read|there is|there's|called)\b", re.IGNORECASE
)

# What makes a Chinese clause a question: question words and particles, yes/no forms, and the
# phrases people use to ask without a question mark (想问下、想了解、请介绍 …).
_ASKS_ZH = re.compile(
    r"[吗呢么嘛啥谁哪咋]|(?<![好们])几|什么|多少|怎么|怎样|如何|啷个|哪样|好多|是否|是不是|有没有|有没得|有冇"
    r"|能不能|能否|可不可以|可以不|要不要|行不行|得行不|要得不|[^\W\d_]不$"
    # A-not-A ("多不多", "贵不贵", "去没去") and how big, far, long … ("有多大")
    r"|([^\W\d_])[不没]\1|(?<![很好许太众诸较更最])多[大远高久长重宽]"
    # 好久 is "when" or "how long" before what happens ("好久开的", "好久能办好"), not "a long
    # time" ("好久没去了", "等了好久")
    r"|(?<!了)好久(?![没不都了]|$)"
    r"|请问|想问|问下|问一下|想了解|了解下|了解一下|想知道|请介绍|介绍下|介绍一下|咨询|告诉我|求问"
    r"|发我|发给我|给我发|帮我查|帮忙查|麻烦你|推荐个|推荐1个|给个清单|列个清单|列出来"
    r"|[?？]"
)
_ASKS_EN = re.compile(
    r"^\s*(?:what|which|where|when|who|whom|whose|why|how|is|are|am|do|does|did|can|could|"
    r"should|would|will|may|might|shall|has|have|any)\b"
    r"|\?|\b(?:i'?d like to know|i want to know|wondering|please tell|tell me|looking for|"
    r"i need|i want|want to know|how (?:do|can|does|much|many|long))\b",
    re.IGNORECASE,
)
# "好多外卖电瓶车停在…": many, opening a clause; not "好多钱一碗" (how much)
_MANY = re.compile(r"^好多(?!钱)")
# "想跟几个朋友", "打算找几家企业": a few, in what someone means to do
# Words that look like asking and tell instead: "做了几年" (for a few years), "啥都不懂"
# (nothing at all), "哪个都不管".
_TELLS = re.compile(r"了几(?=[年天次回趟周])|(?:啥子?|什么|哪个|谁)[都也](?=[不没莫])")
_INTENT_FEW = re.compile(r"(?<=[想要准备打算计划])[^，。？?]{0,6}?几(?=[个家位名])")
# Characters that shape a question rather than name its subject (as bot.tokens.QUESTION_CHARS,
# plus a few story words): a question with fewer than THIN other characters needs the clause
# before it.
_SHAPE = frozenset(
    "怎么样什哪个几多少是有的了吗呢吧啊嘛呀我你他们这那些要想能可以不没得去啥咋谁在"
    "到底包括都还也就请问下一说听现啷子好具体操作弄搞整"
)
# A question that points back ("这个体系…", "那它…", "this programme"): what it is about is in
# the clause before, however many words it has.
_REFERS = re.compile(
    r"^(?:那)?(?:这个|那个|这种|那种|这类|这些|那些|它们|它|他们|她们|他|她)(?!时候)"
    r"|^(?:那)?(?:这|那|该)[栋座幢家所条项位支栋处](?!时候)|^(?:this|that|it)\b"
    r"|^(?:这|那)(?:[两三四五六七八九十\d]|几)[个项条种家栋位]",  # "这三个数字分别代表啥"
    re.IGNORECASE,
)
# "那个带家庭主妇入行的女骑手团队": a thing described where it is named, not pointed back at
_DESCRIBED = re.compile(r"^(?:那|这)个[^的，。？?]{2,12}的[^\W\d_]{2}")
# "这样的驿站", "这种平台", "全街道这支队伍": the thing or kind the clause before described.
_SUCH = re.compile(r"(?:这样的|那样的|这种|那种|(?:这|那)[支栋座幢所家])(?=[\u4e00-\u9fff])")
# A question asked of a place the story named ("楼里", "里头"): the place is in a clause before.
_WITHIN = re.compile(r"楼里|里头|里面|那里|这里|这儿|那儿|那边|这边|在里|园区里")
# Whether there is one here too ("渝中解放碑这边有没有"): of the thing the clause before describes.
_ONE_HERE = re.compile(
    r"(?:这边|这里|这儿|我们这|本地)(?:也|还)?(?:有没有|有没得|有莫得|有吗|有不|有没|有么)$"
)
# How a question opens before it says what it asks about ("想先了解下这栋楼…", "请问那个…").
_ASK_OPENING = re.compile(
    r"^(?:我)?(?:想|要)?(?:先)?(?:请问|问|了解|知道|咨询)(?:1?下|一下)?"
    r"|^(?:I'?d like to know|tell me)\s+",
    re.IGNORECASE,
)
# A clause that only asks to be told ("你晓得不", "能告诉我吗", "any idea?"): after a question it
# adds nothing to it; it is neither a second question nor part of the story.
# A clause that only nods ("要得嘛", "好嘛", "嗯"): chat, not a question, before the real one.
# "我好奇问一下：", "想咨询一下": the opening of a question to come, asking nothing itself
_PREFACE = re.compile(
    r"^(?:我|那|那我)?(?:很|有点|比较)?(?:好奇|冒昧)?(?:地)?(?:想|要|就|再)?"
    r"(?:请问|问一下|问下|问问|咨询一下|咨询下|了解一下|了解下)(?:哈|哦|啊|呀|嘛|哈子)?$"
)
# "隔壁张嬢嬢问我是啥": someone else's question, told as part of the story, not the asker's own
_REPORTED = re.compile(r"(?<![想要请来再])问我(?!们)")
_NOD = re.compile(
    r"^(?:那)?(?:要得|好的|好嘛|好吧|好|行|可以|嗯+|哦+|噢|ok|okay|谢谢|多谢)[嘛哈哦呀啊噻了呢]*$",
    re.I,
)
_ONLY_ASKS_TO_BE_TOLD = re.compile(
    r"^(?:那|请问)?(?:你们?|您|有没有人|有人|谁)?(?:晓得|知道|清楚|了解|懂)"
    r"(?:不|吗|么|没|嘛|不嘛|不哦|哇|啵|没得|不咯)?$"
    r"|^(?:你们?|您)?(?:能|可以|麻烦)?(?:告诉|跟|给|帮)我(?:说说|讲讲|说下|讲下|说一下|讲一下|解答下?)?"
    r"(?:吗|嘛|不|一下|下)?$"
    r"|^(?:do you know|any idea|anyone know|does anyone know|can you tell me|please help)\W*$",
    re.IGNORECASE,
)
# Question words that ask for something (what, where, how many …), as against a yes/no question.
_WH_ZH = re.compile(
    r"什么|啥|哪|谁|多少|(?<![好们])几|怎么|怎样|咋|啷个|如何|好多|多[大远高久长重宽]"
    r"|(?<!了)好久(?![没不都了]|$)"
)
THIN = 4
THIN_EN = 3  # English words other than stop words


@dataclass(frozen=True)
class Clause:
    text: str  # as written, without the punctuation that ended it
    asks: bool  # asks something (a question word, a question mark, "想了解 …")


@dataclass(frozen=True)
class Question:
    """One thing the message asks: its asking clause(s), with context when they are thin."""

    text: str  # the clauses joined with a space
    context: str = ""  # the story clause taken in because the question alone names too little


@dataclass(frozen=True)
class Reading:
    clauses: tuple[Clause, ...]
    questions: tuple[Question, ...]  # empty when no clause asks anything

    @property
    def asking(self) -> str:
        """The asking part of the message (every question with its context), or the whole."""
        if not self.questions:
            return " ".join(c.text for c in self.clauses)
        return " ".join(" ".join(filter(None, (q.context, q.text))) for q in self.questions)

    story: tuple[str, ...] = ()  # the clauses that are part of no question
    # story clauses that bring up what is asked about ("听说有个健康服务圈"): hearsay and
    # "there is a …" introduce the subject, unlike the asker's own circumstances
    topics: tuple[str, ...] = ()


def is_latin(text: str) -> bool:
    return len(_LATIN.findall(text)) >= 2 * len(_CJK.findall(text)) and bool(_LATIN.search(text))


def split(text: str) -> list[str]:
    """The clauses of a raw message, in order, without empty ones."""
    return [part for part, _ in _marked(text)]


def _marked(text: str) -> list[tuple[str, bool]]:
    """The clauses of a raw message, each with whether a question mark ended it (cutting
    takes the punctuation away: "还要办一个大会？" asks, "还要办一个大会。" tells)."""
    pattern = _CUT_EN if is_latin(text) else _CUT_ZH
    found: list[tuple[str, bool]] = []
    start = 0
    for cut in (*pattern.finditer(text), None):
        end = cut.start() if cut else len(text)
        part = text[start:end].strip()
        if part:
            found.append((part, bool(cut and _QUESTION_MARK.search(cut.group()))))
        if cut:
            start = cut.end()
    return found


def asks(clause: str) -> bool:
    """Whether a clause asks something. "几" in a clause of intent ("想跟几个朋友一起做") is "a
    few", not "how many", unless something else in the clause asks; so is "几年" of something
    done ("在深圳做了几年"), and "啥都不懂" tells."""
    if is_latin(clause):
        return bool(_ASKS_EN.search(clause))
    clause = _TELLS.sub("", clause)
    if _INTENT_FEW.search(clause):
        return bool(_ASKS_ZH.search(_INTENT_FEW.sub("", clause)))
    if _MANY.search(clause):
        return bool(_ASKS_ZH.search(clause[2:]))
    return bool(_ASKS_ZH.search(clause))


def points_back(clause: str) -> bool:
    """Whether a question points back at something said before ("这栋楼…", "想了解下那个…",
    "全区一共有多少个这样的驿站")."""
    return bool(
        _REFERS.match(clause) or _REFERS.match(_ASK_OPENING.sub("", clause)) or _SUCH.search(clause)
    )


def echoes(before: str, clause: str) -> bool:
    """Whether a clause opens with the word the clause before ended on ("带了一个女骑手团队，
    团队叫啥名字"): it asks about that, and the clause before says which one."""
    return any(
        len(before) > n and _CJK.match(before[-n]) and clause.startswith(before[-n:])
        for n in (2, 3, 4)
    )


def resumes(before: str, clause: str) -> bool:
    """Whether a question opens with the verb a story clause before it said, leaving out the
    object it gave there ("能攒红岩能量值，攒起来能干啥"): that clause says what it asks about."""
    verb = clause[:1]
    at = before.find(verb, 1) if _CJK.match(verb) and verb not in _SHAPE else -1
    return at > 0 and len(before) - at > 2


def thin(clause: str, names: Callable[[str], bool] | None = None) -> bool:
    """Whether a question clause names too little to be matched on its own ("到底包括哪几样").

    `names(clause)`, when given, tells whether the clause names something specific (a term
    only one or two entries use, such as 莎姐): such a clause is never thin, however short.
    """
    named = names is not None and names(clause)
    # "这个体系是干啥用的": which one, the clause before says; but "那个带家庭主妇入行的女骑手
    # 团队叫啥" says which one itself, naming it by what it did
    if points_back(clause) and not (named and _DESCRIBED.match(clause)):
        return True
    if named:
        return False
    if is_latin(clause):
        return len(english_words(clause.lower())) < THIN_EN
    return naming_characters(clause) < THIN


def yes_no(clause: str) -> bool:
    """Whether a Chinese clause asks yes or no ("本地人有没有优惠"), not what, where or how much."""
    return not is_latin(clause) and not _WH_ZH.search(clause)


def _yes_no_after(clause: str) -> bool:
    """Whether a clause is a short yes/no question ("是免费的吗", "周六上班吗"): after a
    question it asks more about the same thing, whatever it names."""
    return yes_no(clause) and naming_characters(clause) <= THIN


def naming_characters(clause: str) -> int:
    """How many characters (or Latin words) of a Chinese clause name what it is about, the
    words that shape a question left out ("要门票不": 门票, 2)."""
    body = _LEADING_JOINT.sub("", clause)
    named = [ch for ch in body if _CJK.match(ch) and ch not in _SHAPE]
    return len(named) + len(re.findall(r"[A-Za-z0-9]+", body))


def _named_before(
    clauses: tuple[Clause, ...], index: int, used: set[int], names: Callable[[str], bool] | None
) -> list[int]:
    """For a question that points back ("这栋楼入驻了多少个经营主体"): the clauses before it, within
    three and not yet part of a question, that name something ("在环球金融中心做物业助理", "楼里
    领事机构特别多"), in order; which of them it points at, the words it asks say."""
    if names is None:
        return []
    named: list[int] = []
    for before in range(index - 1, max(-1, index - 4), -1):
        if before in used:
            break
        if names(clauses[before].text) and not _told(clauses[before].text):
            named.insert(0, before)
    return named


def _about_before(
    clauses: tuple[Clause, ...], index: int, used: set[int], names: Callable[[str], bool] | None
) -> bool:
    """Whether a question naming nothing of its own asks of what the story clause right before
    it names ("企业天地那个党群服务中心，平时能帮企业做些啥")."""
    if names is None or index == 0 or index - 1 in used or clauses[index - 1].asks:
        return False
    return names(clauses[index - 1].text) and not names(clauses[index].text)


def _brings_up(clause: str) -> bool:
    """Whether a story clause brings up the subject of what follows (hearsay, "there is a …")."""
    return bool((_TOPIC_EN if is_latin(clause) else _TOPIC_ZH).search(clause))


def _says_nothing(clause: str, names: Callable[[str], bool] | None) -> bool:
    """Whether a story clause says nothing of what is asked about: a shrug ("我也说不清楚")
    or someone else's question ("邻居问我是啥"), naming nothing and bringing up no subject."""
    if names is None:
        return False
    return _told(clause) or not (names(clause) or _TOPIC_ZH.search(clause))


def _told(clause: str) -> bool:
    """Whether a clause tells of someone else's question that names nothing ("隔壁张嬢嬢问我是
    啥"); "我爸问我楼小二是干啥的" relays a question about 楼小二."""
    told = _REPORTED.search(clause)
    return told is not None and not naming_characters(clause[told.end() :])


def _told_question(clause: Clause, after: tuple[Clause, ...]) -> bool:
    """Whether an asking clause is someone else's question told in the story, before the
    asker's own question: it asks nothing of its own."""
    return (
        clause.asks
        and _told(clause.text)
        and any(c.asks and not _ONLY_ASKS_TO_BE_TOLD.match(c.text.strip(" ~～")) for c in after)
    )


def read(text: str, names: Callable[[str], bool] | None = None) -> Reading:
    """The clauses of a message and the questions they form (`names`: see `thin`)."""
    clauses = tuple(
        Clause(
            part,
            (marked or asks(part))
            and not _NOD.match(part.strip(" ~～!！"))
            and not _PREFACE.match(part.strip(" ~～!！")),
        )
        for part, marked in _marked(text)
    )
    clauses = tuple(
        replace(clause, asks=False) if _told_question(clause, clauses[i + 1 :]) else clause
        for i, clause in enumerate(clauses)
    )
    questions: list[list[str]] = []  # each: [context, clause, clause …]
    used: set[int] = set()  # clauses that are part of a question
    for index, clause in enumerate(clauses):
        if not clause.asks:
            continue
        if questions and _ONLY_ASKS_TO_BE_TOLD.match(clause.text.strip(" ~～")):
            used.add(index)  # "…到底是啥子，我也说不清楚，你晓得不": asked already
            continue
        echoing = index > 0 and echoes(clauses[index - 1].text, clause.text)
        echoing = echoing or (
            index > 0
            and not clauses[index - 1].asks
            and not (names and names(clause.text))
            and resumes(clauses[index - 1].text, clause.text)
        )
        too_thin = thin(clause.text, names)
        follows = not too_thin and index - 1 in used and _yes_no_after(clause.text)
        here = index > 0 and bool(_ONE_HERE.search(clause.text))
        short = echoing or follows or too_thin or here
        # of a question before it ("几块钱吃一顿的食堂，这边有没有"), it is that question
        points = echoing or follows or (here and index - 1 not in used) or points_back(clause.text)
        # "现在楼里聚了多少家企业", "里头有啥": where, the clause naming the place says
        inside = not short and _WITHIN.search(clause.text) and not (names and names(clause.text))
        if short and index - 1 in used and points:
            # "楼小二是谁派的？他们的电话是多少": a second question about the first one's subject
            questions.append([" ".join(questions[-1][1:]), clause.text])
        elif short and index - 1 in used:
            questions[-1].append(clause.text)  # "怎么报名 要交钱不": one question
        elif (short or inside) and index > 0:
            before = _named_before(clauses, index, used, names) if points or inside else []
            if not before and inside:
                questions.append(["", clause.text])
            else:
                if not before and _says_nothing(clauses[index - 1].text, names):
                    # "…天天在说“议事365”，我也说不清楚。这是哪个社区搞的": the nearest clause
                    # that names something says what is asked about
                    before = _named_before(clauses, index, used, names)[-1:]
                before = before or [index - 1]
                questions.append([" ".join(clauses[b].text for b in before), clause.text])
                used.update(before)
        elif _about_before(clauses, index, used, names):
            # "企业天地那个党群服务中心，平时能帮企业做些啥": what the clause before names
            questions.append([clauses[index - 1].text, clause.text])
            used.add(index - 1)
        elif (
            index > 0
            and index - 1 not in used
            and _brings_up(clauses[index - 1].text)
            and not yes_no(clause.text)
        ):
            # "听说…新开了个卫生服务站，是哪家医院在后面撑起的？": what the hearsay brought up;
            # "有没有…的园区" names what it asks about itself
            questions.append([clauses[index - 1].text, clause.text])
            used.add(index - 1)
        else:
            questions.append(["", clause.text])
        used.add(index)
    story = [c.text for i, c in enumerate(clauses) if i not in used]
    return Reading(
        clauses,
        tuple(
            Question(_LEADING_JOINT.sub("", " ".join(parts[1:])), parts[0]) for parts in questions
        ),
        tuple(story),
        tuple(text for text in story if (_TOPIC_EN if is_latin(text) else _TOPIC_ZH).search(text)),
    )
