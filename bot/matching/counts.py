"""Counts a question asks for ("几个医生", "多少单", "how many beds") and whether an answer gives
them: a number with the question's measure word, next to what is counted.

A count is a detail like any other (`bot.matching.details`): "count:" + the measure word + up to
three characters of what is counted ("count:个医生"), or "count_en:" + the stems of the English
words ("count_en:dedi|park|spac").
"""

from __future__ import annotations

import re

# A count of something: "几个医生", "多少单", "多少年" (normalised: 好多 is 多少).
_COUNT = re.compile(
    # not "我们几个骑手" (a few of us), "这几年发展很快" (these few years), "前几天", nor a rough
    # figure ("十几个人的小律所", "几十家", "跑了好几个部门")
    r"(?:多少|(?<![哪们这那前近头十好])几(?![十百千万]))"
    # a measure word, unless it starts a word of its own (家庭, 人才, 条件, 项目 …)
    r"(人次|分钟|个|家(?!庭|属|长|乡|里)|名(?!字|称|单|额)|位(?!置|于)|人(?![才员口们民群社家气数])"
    r"|户(?!口|籍)|条(?!件|例)|次|场(?!地|所)|单(?!位)|栋|幢|座|项(?!目)|支|批|所(?!以|在)"
    r"|间|张|碗|岁|年(?!级|龄|轻|度|底|初)|辆|床|层)"
    r"(?:这样的|那样的|这种|那种)?"  # "多少个这样的驿站": 驿站 is counted
    r"([^\W\d_吗呢吧啊呀嘛哦噻哈咯撒了的就是在有要能会都还也]{0,3})"
)
# People counted without a measure word ("多少员工", "好多骑手"): counted like 名.
_PEOPLE_WORDS = "员工|职工|人员|工作人员|医生|护士|老师|党员|居民|骑手|志愿者|网格员|会员|学生|老人"
_COUNT_PEOPLE = re.compile(
    rf"多少({_PEOPLE_WORDS})"
    # … or before it ("楼宇里头党员有多少"), not a sum of money ("党员交多少钱")
    rf"|({_PEOPLE_WORDS})(?:1共|总共|大概|到底)?有?多少(?!钱|元|分|块)"
)
# "how many dedicated parking spaces are there": the words up to the verb name what is counted
_COUNT_EN = re.compile(
    r"\bhow many (?:more |of the )?((?:(?!(?:are|is|do|does|did|were|was|have|has|there|in|for|of"
    r"|at|on|can|will|would)\b)[a-z]{3,} ?){1,3})"
)
_LETTER = re.compile("[a-z]")
STEM = 4  # letters of an English word that name it ("riders" and "rider" → "ride")
# People are counted under many words: "how many people work" is answered by "2,000 employees".
_PEOPLE_EN = ("peop", "pers", "empl", "staf", "work", "resi", "memb")

# a figure ("300余", "1.5", "十"), or 首 of the first batch or session ("首批" answers "第几批")
_DIGITS = r"\d一二两三四五六七八九十百千万"
_NUMBER = rf"(?:首(?=[批届])|[{_DIGITS}][{_DIGITS}.,]*\s*(?:多|余|来)?\s*)"
# 个 is the measure word of anything: "几个领事馆" is answered by "7家领事馆"; people are
# counted in 名, 人 or 位 alike; measures in 条 or 项 ("好多条措施" by "15项措施").
_ANY_MEASURE = "(?:个|家|名|位|所|座|栋|支|项|条|间)"
_PEOPLE = "(?:名|人|位)"
_ITEMS = "(?:条|项|个)"
_UNITS = {
    "个": _ANY_MEASURE,
    "家": "(?:家|个)",  # "入驻了多少家单位": "入驻单位409个"
    "名": _PEOPLE,
    "人": _PEOPLE,
    "位": _PEOPLE,
    "条": _ITEMS,
    "项": _ITEMS,
}
COUNT_NEAR = 20  # characters either side of a number where what it counts is named
COUNTED = 2  # … by this many characters of the question's word for it
_SENTENCE = re.compile(r"[。；;\n]")
_SENTENCE_EN = re.compile(r"(?<!\d)\.(?!\d)|\n")
_QUOTES = re.compile(r"[“”‘’\"'「」『』《》]")
_DIGIT = re.compile(r"\d")


def _counted_en(words: str) -> str:
    """What an English count asks for, as the stems of its words ("dedi|park|spac")."""
    stems = [word[:STEM] for word in words.split()]
    if any(stem in _PEOPLE_EN for stem in stems):
        stems += _PEOPLE_EN
    return "|".join(dict.fromkeys(stems))


# What follows a measure word and is not a thing counted: a verb or a place in time ("多少人入行",
# "连续几年拿到", "几年以后"): then the measure word is all that is counted.
_NOT_COUNTED = re.compile(
    r"[入拿参来去报做干办住到上加得评获签开建搞领用看吃跑交进出蝉连过以左前后内]"
)


def _count_asked(measure: str, counted: str) -> str:
    """The "count:…" detail for a measure word and what follows it ("个人": people, as 名)."""
    if measure == "个" and counted.startswith("人"):
        measure, counted = "名", counted[1:]  # "红岩骑手几个人": 100多名
    if _NOT_COUNTED.match(counted):
        counted = ""
    return f"count:{measure}{counted}"


def asked_counts(normalised: str) -> set[str]:
    """The counts a normalised question asks for, as details."""
    found = {_count_asked(m.group(1), m.group(2)) for m in _COUNT.finditer(normalised)}
    found |= {f"count:名{m.group(1) or m.group(2)}" for m in _COUNT_PEOPLE.finditer(normalised)}
    if _LETTER.search(normalised):  # "how many beds": the word's stem, looked up in English
        found |= {f"count_en:{_counted_en(m.group(1))}" for m in _COUNT_EN.finditer(normalised)}
    return found


# What a figure is asked of: the word just before 多少 / 几 ("合同额是多少", "交流了多少次"), less
# the little words between ("是", "有", "了", "到底" …).
# (not "百分之几", a share: `bot.matching.details`)
_FIGURE_ASKED = re.compile(r"(?<!分之)多少|(?<![哪们这那前近头十好])(?<!分之)几(?![十百千万])")
_BETWEEN = re.compile(r"(?:是|有|了|的|共|1共|总共|到底|大概|大约|都)+$")
_WORD_BEFORE = re.compile(r"[\u4e00-\u9fff]{2}$")
FIGURE_NEAR = 6  # characters after the word within which the answer gives its figure


# … or just after it, when that is no measure word ("签了多少合同额" → 合同)
_WORD_AFTER = re.compile(r"[\u4e00-\u9fff]{2}")
_MEASURE_FIRST = re.compile(
    r"[个家名位人户条次场单栋幢座项支批所间张碗岁年辆床层分元块钱万亿倍平米公天月周号]"
)


def asked_figures(normalised: str) -> frozenset[str]:
    """The words a question asks a figure of ("合同额是多少" → 同额, "交流了多少次" → 交流,
    "签了多少合同额" → 合同)."""
    found = set()
    for asked in _FIGURE_ASKED.finditer(normalised):
        word = _WORD_BEFORE.search(_BETWEEN.sub("", normalised[: asked.start()]))
        if word:
            found.add(word.group())
        after = _WORD_AFTER.match(normalised, asked.end())
        if after and not _MEASURE_FIRST.match(after.group()):
            found.add(after.group())
    return frozenset(found)


def figure_given(answer: str, word: str) -> bool:
    """Whether the answer gives a figure right after the word ("合同额1.5亿元", "交流20余次")."""
    return bool(re.search(re.escape(word) + rf"[^。；\n\d]{{0,{FIGURE_NEAR}}}?\d", answer))


def count_parts(detail: str) -> tuple[str, str]:
    """A "count:…" detail's measure word and what it counts ("count:个医生" → 个, 医生)."""
    rest = detail[len("count:") :]
    measure = "人次" if rest.startswith("人次") else rest[0]
    return measure, rest[len(measure) :]


def count_given(answer: str, detail: str, strict: bool = False) -> bool:
    """Whether an answer gives the count a "count:…" detail asks for: a number with that
    measure word and, when the question named what is counted, that thing just after the number
    ("3个医生", "志愿服务队300余支"): the number and the first character of that thing in one
    sentence. `strict`: what is counted named by its first two characters near the number."""
    measure, counted = count_parts(detail)
    counts = re.compile(_NUMBER + _UNITS.get(measure, re.escape(measure)))
    for sentence in _SENTENCE.split(_QUOTES.sub("", answer)):
        for found in counts.finditer(sentence):
            # what is counted, as the question words it, next to the number ("党员6300余名",
            # "3个医生"): not a number of something else in the same sentence (499个网格)
            near = sentence[max(0, found.start() - COUNT_NEAR) : found.end() + COUNT_NEAR]
            beside = sentence[max(0, found.start() - 2) : found.end() + 2]
            if counted[:COUNTED] in near or (not strict and counted[:1] in beside):  # 服务队300余支
                return True
            # … or by its last two, the head of a longer name ("几个大项目": "招大引强项目6个")
            if len(counted) > COUNTED and counted[-COUNTED:] in near:
                return True
    return False


def count_given_en(answer_en: str, detail: str) -> bool:
    """Whether an English answer gives the count a "count_en:…" detail asks for: a number and
    one of the counted words (their stems) in one sentence ("438 parking spaces", "a series of
    recruitment fairs; 64 have been held")."""
    stems = "|".join(map(re.escape, detail[len("count_en:") :].split("|")))
    counted = re.compile(rf"\b(?:{stems})", re.IGNORECASE)
    return any(
        _DIGIT.search(sentence) and counted.search(sentence)
        for sentence in _SENTENCE_EN.split(answer_en)
    )
