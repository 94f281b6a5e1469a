"""What a question asks about, and whether an entry's own words can answer it.

A near miss names a programme an entry answers and asks something the entry never says:
"积分可以换什么东西", "我可以去旁听吗", "家庭收入标准是多少", "现在还招工吗". The programme's
name carries the coverage; what is asked is the word next to the question word. `focus` finds
those words: the run of content characters just before a question word (and just after one that
asks for a thing: 什么, 哪个 …; before a yes/no particle, read on the clause as written), the
characters that only shape a question left out, words of two characters or more. `lacking` says
which of them an entry's text (title, questions, answer) does not hold: those are what the
entry cannot answer, and the matcher lowers its confidence in that entry (`Bands.ask_penalty`).

So an entry's asks are its own words: a new entry answers its own asks without a rule, and no
list of details grows. The detail rules (`bot.matching.details`) stay for what an answer names
while saying the reports do not give it ("报道没有提供电话"), and for counts and times.

Pure functions on normalised text (Simplified, lower case, lexicon applied).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.matching.clauses import split
from bot.matching.details import asked_yes_no

# Question words that ask for a thing look at the words after them ("什么条件", "哪些岗位"), and
# before them only across 是 or 在 ("渝中旋律是啥", "法律援助中心在哪里"): before a verb they
# ask what it does ("负责啥子"), which an entry says in its own words. Amounts and manners look
# before them ("收入标准是多少").
_BOTH = re.compile(r"什么|啥子?|哪里|哪儿|哪点|哪边|哪个|哪些|哪位|哪家|哪|谁")
_BEFORE = re.compile(r"多少|(?<!好)几|怎么样|怎样|如何")
# Whether there is a thing asks about the thing after it ("有没有淋浴间"); read on the clause as
# written, since normalising leaves only 有.
_THERE_IS = re.compile(r"有没有|有没得|有莫得|有冇|是否有|有无")
_ACROSS = re.compile(r"是[干做搞弄整用]?$|在$")
# A clause as written that asks yes or no: it asks about its last words ("我可以去旁听吗").
# Normalising drops the particle, so this is read on the clause before (`yes_no`).
# … or asks A-not-A of doing something ("周六办不办结婚登记"; not "是不是更便宜" or "能不能帮我
# 们跑腿", which ask of what follows)
_YES_NO = re.compile(r"(?:[吗嘛么不没]|没得|没有|不嘛)\W*$|(?![是能可要会有])([^\W\d_])[不没]\1")
# Counts, times and dates (多少个, 几年, 哪栋, 什么时候, 哪年) are the detail rules' to judge
# (`bot.matching.details`): a measure word names nothing, and a time is asked of anything.
_SKIP = re.compile(r"(?<=多少)\w|(?<=几)\w|(?<=哪)\w|(?:什么|啥)时候|哪(?:年|天|月)|多久")
# Characters that shape a question or a story rather than name what is asked.
SHAPE = frozenset(
    "怎么样什哪个几多少是有的了吗呢吧啊嘛呀我你他们这那些要想能可以不没得去啥咋谁在"
    "到底都还也就请问下一现啷子好弄搞整会该需应把被给让对跟和与及或"
    "如何呀哦嗯吶咧噻撒喃么儿里边头叫干做用管共总又再最先已经后来目前大概主着过"
)
# Words that stand for "something", or shape a question, and ask nothing of their own.
GENERIC = frozenset(
    (
        *("东西", "事情", "情况", "内容", "方面", "意思", "地方", "时候", "样子", "问题", "东东"),
        *(
            "名字",
            "名称",
            "作用",
            "用处",
            "区别",
            "关系",
            "规矩",
            "名堂",
            "做法",
            "功能",
            "办法",
            "方法",
        ),
        *("知道", "安逸", "清楚", "对吧", "真的", "是真的", "包括", "具体", "操作", "听说", "专门"),
    )
)
MIN_WORD = 2  # a single character (找, 看, 换) is as often a paraphrase as a new ask
_GENERIC = re.compile("|".join(sorted(GENERIC, key=len, reverse=True)))
LONG_WORD = 4  # see `held`
RUN = 4  # characters of a run nearest the question word that count
_CONTENT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# A question about a thing itself: what it is or is called, which body runs it, what rank or
# honour it holds, which ones or how many it has ("数字工匠园区是什么级别的", "莎姐平台是哪个单位
# 建的", "那个计划叫什么"). The entry about the thing says so in its own words, while a near miss
# asks a detail of it (how to apply, a fee, an opening hour: `bot.matching.details`).
_IDENTITY = re.compile(
    r"叫(?:什么|啥)|啥名|什么名|是(?:什么|啥)(?!时候)|啥回事|哪个(?:单位|部门|社区|街道)"
    r"|什么(?:级别|荣誉|奖|称号)|哪些|哪几|几项|几个|好多(?:个|家|项)|了解一下"
)
_IDENTITY_EN = re.compile(r"\b(?:what (?:is|are|does|do)|what's|which|who|how many)\b", re.I)


def _run(text: str, start: int, step: int) -> str:
    """The content run met from `start` going `step` (±1), skipping shape characters first."""
    i = start
    while 0 <= i < len(text) and text[i] in SHAPE:
        i += step
    found: list[str] = []
    while 0 <= i < len(text) and _CONTENT.match(text[i]) and text[i] not in SHAPE:
        found.append(text[i])
        i += step
    if step < 0:
        found.reverse()
        return "".join(found[-RUN:])
    return "".join(found[:RUN])


def yes_no(clause: str) -> bool:
    """Whether a clause as written asks yes or no (ends in 吗, 不, 没得 …)."""
    return bool(_YES_NO.search(clause))


def focus(clauses: Iterable[tuple[str, bool]]) -> frozenset[str]:
    """The words a question asks about (next to its question words), from its clauses, each
    normalised and with whether it asked yes or no (`yes_no`, read before normalising)."""
    words: set[str] = set()
    for text, asks_yes_no in clauses:
        text = _GENERIC.sub(" ", _SKIP.sub(" ", text))
        for clause in text.split(" "):
            for match in _BOTH.finditer(clause):
                words.add(_run(clause, match.end(), 1))
                if _ACROSS.search(clause[: match.start()]):  # "X是(干)啥", "X在哪": X is asked
                    words.add(_run(clause, match.start() - 1, -1))
            for match in _BEFORE.finditer(clause):
                words.add(_run(clause, match.start() - 1, -1))
        if asks_yes_no and text.strip():
            words.add(_run(text.strip(), len(text.strip()) - 1, -1))
    return frozenset(w for w in words if len(w) >= MIN_WORD)


def held(word: str, text: str) -> bool:
    """Whether a text holds a focus word: the character itself, or at least half of the pairs
    of characters of a longer word ("家庭收入标准" needs three of its five pairs)."""
    if len(word) == 1:
        return word in text
    pairs = [word[i : i + 2] for i in range(len(word) - 1)]
    if 2 * sum(pair in text for pair in pairs) >= len(pairs):
        return True
    # a long word said in other words ("党员比例" for "党员占比"): all its characters but one
    return len(word) >= LONG_WORD and sum(ch in text for ch in word) >= len(word) - 1


def lacking(words: frozenset[str], text: str) -> frozenset[str]:
    """The focus words of a question that an entry's text (normalised title, questions and
    answer) does not hold: what the question asks and the entry never says."""
    return frozenset(w for w in words if not held(w, text))


@dataclass(frozen=True)
class Asked:
    """What a question as written asks: the words it asks about (`focus`) and the details its
    yes/no clauses ask for (`bot.matching.details.asked_yes_no`)."""

    words: frozenset[str] = frozenset()
    details: frozenset[str] = frozenset()
    identity: bool = False  # it asks what a thing is, its name, rank, parts or number


def asked_in_english(raw: str) -> Asked:
    """What an English question asks, as far as it is read: whether it asks of a thing itself."""
    return Asked(identity=bool(_IDENTITY_EN.search(raw)))


def asked(raw: str, normalize: Callable[[str], str]) -> Asked:
    """Read a question as written, clause by clause (`normalize` keeps fillers: 那个 is not
    asked about, but a yes/no particle must be seen before it goes)."""
    written = split(raw)
    clauses = [(normalize(c), yes_no(c)) for c in written]
    details = frozenset().union(*(asked_yes_no(text) for text, yes in clauses if yes))
    things = {
        _run(_GENERIC.sub(" ", normalize(clause[match.end() :])).lstrip(), 0, 1)
        for clause in written
        for match in _THERE_IS.finditer(clause)
    }
    words = focus(clauses) | {w for w in things if len(w) >= MIN_WORD}
    return Asked(words, details, any(_IDENTITY.search(c) for c in written))
