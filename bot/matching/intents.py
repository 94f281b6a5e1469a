"""Conversational intents (greeting, thanks, help …): recognised before the knowledge base.

An intent matches when every clause of a short message is close to one of its examples, so
"谢谢你 辛苦了" is thanks while "你好，请问楼小二是做什么的" goes on to the knowledge base.

A request for a person, for the progress of one's own ticket or to cancel is often written as a
sentence that is close to no example ("帮我转个人工客服吧，这个机器人答非所问"), and the
knowledge base's entries about the assistant share its words. `REQUESTS` recognise these
in a message of at most `MAX_REQUEST_UNITS` by what is asked for (`IntentMatcher.request`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from bot.kb.intents import IntentSet
from bot.matching.normalize import Normalizer, is_english_text
from bot.matching.tokens import units

MIN_SIMILARITY = 70.0  # rapidfuzz ratio (0-100) between a clause and an example
CONTAINED = 90.0  # the score of an example found whole inside a clause at most twice its length
MAX_UNITS = 12  # a longer message is a question, whatever greeting it starts with


SOCIAL = frozenset({"greeting", "thanks", "goodbye"})  # said together, the last one counts
MAX_REQUEST_UNITS = 30  # a request written as a sentence is short; a longer message asks more
REQUEST_SCORE = 80.0
# intent → what a sentence asking for it holds (normalised text: Simplified, lower case, 好多 →
# 多少). Checked in this order: "找个真人问问工单进度" wants a person first, and
# "我那个问题不需要处理了" calls it off rather than asks how it is going.
REQUESTS: dict[str, re.Pattern[str]] = {
    "human": re.compile(
        r"(?:找|要|转|叫|换|联系|接|让|请)(?:1?个|一个)?(?:真人|人工|活人|工作人员|客服)"
        r"|真人客服|人工客服|(?:不想|不要|不愿意?|别)(?:再)?(?:跟|和|同)机器人"
        r"|(?:跟|和|同)(?:真人|人工|工作人员)(?:说|聊|讲|沟通)"
        # English, unless asked how to ("How do I talk to a real person?": the entry answers);
        # "Can I talk to a real person?" asks for one
        r"|^(?!how ).*(?:\b(?:talk|speak|chat) (?:to|with) (?:a |an |some )?"
        r"(?:human|person|real person|staff|agent)"
        r"|\b(?:want|need|get|give me|connect me|is there|can i have)\b[^.?!]{0,15}"
        r"\b(?:real|live) (?:person|human|agent)\b)"
    ),
    # the whole message: words that cancel, and at most words that point at the last step; or
    # one's own question or ticket called off ("取消我的工单", "刚才那个问题不用了"); not
    # cancelling something else ("取消通办申请需要什么手续": the knowledge base answers)
    "cancel": re.compile(
        r"^(?=.*(?:算了|取消|撤销|撤回|撤了|不办了|不问了|不用了|不要了|作废|\bcancel\b))"
        r"(?: ?(?:算了|取消|撤销|撤回|撤了|不办了|不问了|不用了|不要了|作废|莫管了|别管了|不用管了"
        r"|提交错了|搞错了|弄错了|发错了|问错了|sorry|cancel|it|that|this|pls|please"
        r"|我|帮我|刚才|刚刚|那个|这个|上1个|上一个|的|了|吧|哈|啊|嘛|噻|掉|它|1下))+$"
        # calling off what one asked or filed ("取消刚才的申请", "我要撤销之前提交的工单")
        r"|(?:取消|撤销|撤回|撤)掉?(?:我的|我那个|我刚才的?"
        r"|我?(?:刚才|刚刚|之前|昨天|上次|前几天)?(?:提交|提|问|发|报|反映)的"
        r"|刚才的?|刚刚的?|那个|这个|上1个)"
        r"(?:工单|问题|提问|申请|诉求|单子)"
        r"|(?:我的|我|刚才|刚刚|那个|这个|上1个)[^ ]{0,6}(?:工单|问题|提问|申请|诉求|单子)(?:就)?"
        r"(?:不用了|不要了|算了|不问了|不需要了|不用处理了|不需要处理了|不用查了|不用管了|不用办了|别查了"
        r"|作废|不用回答了|(?:撤销|撤回|取消)掉?(?:吧|嘛|哈)?(?: |$))"
        # asked to, with nothing named ("帮我取消1下", "问题自己解决了 帮我取消1下哈")
        r"|帮我(?:取消|撤销|撤回|撤)(?:掉|了)?(?:1下)?(?: |$)"
        r"|\b(?:cancel|withdraw) my (?:previous |last |earlier )?(?:ticket|question|request)\b"
    ),
    # one's own ticket or question ("我的…", "上次…"), and how far it has got; not a question
    # about tickets in general ("工单有哪几种状态", "提交的问题在哪里看进度": the entry answers)
    "ticket_status": re.compile(
        r"(?:我的?|我们的?|上次|上回|之前|昨天|前天|上周|前几天|前2天|刚才)[^ ]{0,8}?"
        r"(?:工单|问题|事情?|诉求|单子|申请|投诉)"
        r"[^ ]{0,10}?(?:进度|进展|状态|怎么样|怎样|到哪|走到哪|哪1步|处理得|处理了|有人?回|回复了"
        r"|回音|答复|结果|有人管|有人(?:处理|办|看|跟进)|处理(?:了?没|好了?没|完了?没|$| )"
        r"|办(?:好|完)了?没|办得)"
        r"|查(?:1?下)?(?:我的?|我提交的|我提的)?(?:工单|申请|诉求|问题)?进度"
        r"|\b(?:status of my|my (?:ticket|request|question)'?s? (?:status|progress))"
        r"|\bany (?:reply|answer|news|update|progress)\b"
        r".{0,20}\b(?:yet|my|ticket|question|request)\b"
        r"|\b(?:has|did) (?:anyone|someone|staff|anybody) (?:replied|answered|responded|looked)"
        # one's own request, and how it goes ("i submitted a request last week, what's the status")
        r"|\b(?:my|i (?:submitted|filed|sent|made|raised|reported))\b.{0,40}"
        r"\b(?:status|progress|going|update|news)\b"
        r"|\bcheck (?:my )?(?:ticket|request)s?\b"
        # "ticket进度帮我查1下"
        r"|\b(?:ticket|request)s? ?的?(?:进度|进展|状态)"
        # English naming it, Chinese asking how it goes ("my ticket 有进展没得")
        r"|\bmy (?:ticket|request|question)s? ?[^ ]{0,3}?(?:进度|进展|状态|怎么样|处理|回复|结果)"
    ),
    # what the assistant can do, asked as a sentence ("你都能回答哪些方面的问题"); not a request
    # that names a subject ("你能帮我查下渝才荟吗": the knowledge base answers)
    "help": re.compile(
        r"^(?:请问|那|想问下?)?(?:你|您|小助手|机器人|这个机器人|这个助手|你这个机器人|你这个助手"
        r"|你这个)"
        r"(?:都|还|1般|主要|到底)?(?:能|可以|会|知道|晓得|懂)"
        r"(?:帮(?:我|忙)?)?(?:回答|解答|答|问|做|干|办|查|搞)?(?:我|些|点|哪)?"
        r"(?:什么|啥子?|哪些|哪方面|哪类)"
        # ("help, what can u do", typed in a hurry: "hepl")
        r"|^\W*(?:(?:help|hepl|hlep|halp)\W+)?what (?:can|could|do) (?:you|u)"
        r" (?:do|answer|help(?: me)?(?: with)?)(?: for me)?\W*$"
        r"|^\W*how (?:can|could) you help(?: me)?\W*$"
        # how to use it, asked of "this" ("这个怎么用 教下我") or of it ("你有什么功能")
        r"|^(?:这个|你这个|这)(?:要)?(?:怎么|怎样|如何)(?:用|使用|提问)(?: |$)"
        r"|^(?:你|您|小助手|机器人|这个机器人|这个助手)(?:都)?有(?:什么|啥子?|哪些)(?:功能|用处|本事)"
        # who it is ("你是干嘛的"), and what this bot does
        r"|^(?:你|您|这个机器人|机器人|这个助手|小助手)是(?:干嘛|干啥|做什么|干什么|搞什么|啥子)(?:用)?的"
        r"|^\W*what (?:can|does) (?:this|the) (?:bot|assistant) do(?: for (?:me|us))?\W*$"
    ),
    # the categories, asked as a sentence ("给我看下菜单，都有哪些分类")
    "menu": re.compile(
        r"(?:看|给我看|显示|打开|发|列)(?:1?下|一下|个)?(?:主|功能|首页)?(?:菜单|服务目录|目录|分类|类别)"
        r"|(?:都|一共|1共)?有哪些(?:分类|类别)"
        # the bot's own menu ("show me the main menu", "back to menu pls"); not a canteen's
        # ("what's on the menu at the canteen": the knowledge base answers)
        r"|^\W*(?:(?:ok|please|pls|can you|could you|can u) )?(?:show|open|give|send|display"
        r"|bring up|back to|go back to|go to|return to|take me to)(?: me)?(?: the)?(?: main)?"
        r" (?:menu|categories|topics|list of topics)\W*(?:please|pls|plz)?\W*$"
        r"|(?:(?<!食堂)(?<!食堂的)(?<!餐厅)(?<!餐厅的)菜单|服务目录|服务分类|分类目录|分类|类别|栏目"
        r"|选项列表|功能列表)"
        r"(?:列出来|发给我|发我|给我看|看下|看1下|看一下|拿出来|调出来)"
        # the bot's own menu by a verb that fetches it ("回到首页菜单", "再发1遍主菜单")
        r"|(?:回到|返回|打开|调出|拿出|再发1遍|再发|重发)(?:主|首页|功能)?(?:菜单|栏目|选项列表)"
        r"|(?:回到|返回)(?:首页|主页)"
        r"|^(?:有)?哪些栏目|\blist (?:all )?(?:the )?(?:topics|categories|services)\b"
    ),
}

_ENGLISH_CLAUSE_END = re.compile(r"[,;.!?，。！？]+")
_REQUEST_CLAUSES = re.compile(
    r"[,;.!?，。！？\n]+|(?<=[a-z?!.]) (?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])"
)
# In Chinese a space ends a clause; between English words it does not
# ("how do i use this 我该怎么问": one English clause, one Chinese).
_CHINESE_CLAUSES = re.compile(r"(?<=[\u4e00-\u9fff]) | (?=[\u4e00-\u9fff])")
_SPACE_BETWEEN_CJK = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])")
# Units that only colour a chat phrase: particles, and how much thanks ("谢谢哈", "thx a lot").
# A clause made of examples and these alone says what its examples say ("早上好哈小助手").
_COLOUR = frozenset(
    {
        *"哈呀啊嘛噢哦喔呢吧啦嘞咯哟嗷嘿~那了👋😊🙂",
        "a",
        "lot",
        "so",
        "much",
        "very",
        "again",
        "all",
        "guys",
        "super",
        "really",
        "please",
        # what English chat puts around a phrase ("ok bye then", "hello there guys")
        "ok",
        "okay",
        "oh",
        "well",
        "then",
        "now",
        "there",
        "everyone",
        "folks",
        "just",
    }
)
# Chat shorthand, read as the words it stands for ("see u later", "thx", "cya", "plz").
_SHORTHAND: dict[str, tuple[str, ...]] = {
    "u": ("you",),
    "ya": ("you",),
    "ur": ("your",),
    "r": ("are",),
    "thx": ("thanks",),
    "thnx": ("thanks",),
    "thanx": ("thanks",),
    "tks": ("thanks",),
    "pls": ("please",),
    "plz": ("please",),
    "k": ("ok",),
    "kk": ("ok",),
    "okie": ("ok",),
    "cya": ("see", "you"),
    "ttyl": ("talk", "to", "you", "later"),
    "gtg": ("gotta", "go"),
}
# Who is spoken to: with a phrase it is not the phrase ("谢谢小助手" thanks); alone, it greets.
_ADDRESSES = re.compile(r"小助手|机器人|助手|客服|\b(?:bot|buddy|mate)\b")
# A message of nothing but nods, thumbs and thanks-emoji ("嗯嗯", "👍", "🙏🙏"): normalising
# leaves nothing of it, yet in a chat it says "got it, thanks".
_NOD = "嗯哦噢喔👍🙏👌👏🤝💪❤"
_NODS = re.compile(rf"^(?=.*[{_NOD}])[\s{_NOD}\ufe0f呢啊呀!！~～.。,，]+$")
# A phrase said twice or more in a row ("在吗在吗", "谢谢谢谢"): chat style for saying it once.
_REPEATED = re.compile(r"(\w{2,6}?)\1+")


def _undoubled(text: str) -> str:
    """The text with a phrase repeated back to back said once ("在吗在吗" → "在吗")."""
    return _REPEATED.sub(r"\1", text) if len(text) <= 2 * MAX_UNITS else text


@dataclass(frozen=True)
class IntentMatch:
    intent: str
    score: float  # 0-100


class IntentMatcher:
    def __init__(self, intents: IntentSet, normalizer: Normalizer) -> None:
        self.normalizer = normalizer
        self.examples: list[tuple[str, tuple[str, ...]]] = []
        for intent in intents.intents:
            for example in intent.examples:
                form = self._form(example)
                if form:
                    self.examples.append((intent.id, form))
        self.exact = {form: name for name, form in self.examples}
        self._forms = [form for _, form in self.examples]
        self._where: dict[tuple[str, ...], list[int]] = {}  # example form → its indexes
        for i, form in enumerate(self._forms):
            self._where.setdefault(form, []).append(i)

    def _form(self, text: str) -> tuple[str, ...]:
        """Units (Chinese characters, English words) of the text, fillers and stop words kept,
        chat shorthand spelt out."""
        found = units(self.normalizer(text, fillers=False))
        return tuple(word for unit in found for word in _SHORTHAND.get(unit, (unit,)))

    def match(self, text: str) -> IntentMatch | None:
        """The intent every clause of `text` belongs to, or None."""
        if _NODS.match(text):
            return IntentMatch("thanks", 100.0)
        norm = self.normalizer(_undoubled(text), fillers=False)
        if not norm or len(units(norm)) > MAX_UNITS:
            return self.request(norm)
        whole = self._form(norm)
        if whole in self.exact:
            return IntentMatch(self.exact[whole], 100.0)
        if REQUESTS["cancel"].search(norm):  # "取消我的工单" holds the example 我的工单
            return IntentMatch("cancel", REQUEST_SCORE)
        # Spaces separate clauses in Chinese ("谢谢你 辛苦了") but words in English.
        # English clauses end at punctuation ("thx, that helps a lot"), read on the text as written.
        if is_english_text(norm):
            parts = [p for p in _ENGLISH_CLAUSE_END.split(text) if p.strip()]
            clauses = [self._form(p) for p in parts] if len(parts) > 1 else [whole]
        else:
            clauses = [self._form(c) for c in _CHINESE_CLAUSES.split(norm)]
        if len(clauses) > 1:  # "ok thx 小助手": who is spoken to, beside a phrase, is not one
            clauses = [c for c in clauses if not _ADDRESSES.fullmatch("".join(c))] or clauses
        clauses = [self._unaddressed(c) for c in clauses]
        found: set[str] = set()
        scores: list[float] = []
        last = ""
        for clause in clauses:
            if not clause:
                continue
            name, score = self._best(clause)
            if score < MIN_SIMILARITY:
                said = self._spoken(clause)
                if said is None:
                    return self.request(norm)
                if not said:  # only particles ("a lot" after "thx"): nothing of its own
                    continue
                found.update(said)
                scores.append(MIN_SIMILARITY)
                last = said[-1]
                continue
            found.add(name)
            scores.append(score)
            last = name
        if len(found) > 1 and found <= SOCIAL | {"cancel"}:  # "谢谢 再见", "不用了 谢谢": the last
            return IntentMatch(last, min(scores))
        if len(found) == 2 and "greeting" in found:  # "hi, what can you help me with?"
            return IntentMatch((found - {"greeting"}).pop(), min(scores))
        if len(found) != 1:
            return self.request(norm)
        return IntentMatch(found.pop(), min(scores))

    def request(self, norm: str) -> IntentMatch | None:
        """The intent a short sentence asks for (`REQUESTS`), or None."""
        if not norm or len(units(norm)) > MAX_REQUEST_UNITS:
            return None
        # the whole; its clauses ("what can u do? 你都能回答哪些问题"); and Chinese written over
        # several lines read as one ("上周提的工单 处理得咋样了")
        readings = [norm, *_REQUEST_CLAUSES.split(norm), _SPACE_BETWEEN_CJK.sub("", norm)]
        for name, pattern in REQUESTS.items():
            if any(pattern.search(text) for text in readings if text.strip()):
                return IntentMatch(name, REQUEST_SCORE)
        return None

    def _unaddressed(self, clause: tuple[str, ...]) -> tuple[str, ...]:
        """The clause without who is spoken to ("谢谢你哈小助手" → 谢谢你哈), unless that is all."""
        text = _SPACE_BETWEEN_CJK.sub("", " ".join(clause))  # "see you later 小助手"
        form = self._form(_ADDRESSES.sub(" ", text))
        return form or clause

    def _spoken(self, clause: tuple[str, ...]) -> list[str] | None:
        """The intents of the examples a clause is made of, in order, when it is nothing but
        examples and colouring units (`_COLOUR`): "早上好哈小助手" is 早上好 + 哈 + 小助手.
        None when the clause holds anything else; empty when it is colour alone."""
        n = len(clause)
        # ways[i]: the intents said in clause[:i], when clause[:i] is made of examples and colour
        ways: list[list[str] | None] = [[], *([None] * n)]
        for start in range(n):
            said = ways[start]
            if said is None:
                continue
            if clause[start] in _COLOUR and ways[start + 1] is None:
                ways[start + 1] = said
            for end in range(start + 1, n + 1):
                for i in self._where.get(clause[start:end], ())[:1]:
                    if ways[end] is None:
                        ways[end] = [*said, self.examples[i][0]]
        return ways[n]

    def _best(self, clause: tuple[str, ...]) -> tuple[str, float]:
        """The example nearest the clause (all compared in one rapidfuzz call) and its score."""
        if not self.examples:
            return "", 0.0
        scores = process.cdist(
            [clause], self._forms, scorer=fuzz.ratio, processor=None, dtype=np.float64
        )[0]
        # An example found whole inside the clause (at most twice its length) scores CONTAINED;
        # of two found ("好的拜拜": thanks, then goodbye) the one said last, then the longer, wins.
        n = len(clause)
        said: dict[int, tuple[int, int]] = {}  # example index → (where it ends, its length)
        for start in range(n):
            for end in range(start + max(1, (n + 1) // 2), n + 1):
                for i in self._where.get(clause[start:end], ()):
                    scores[i] = max(scores[i], CONTAINED)
                    said[i] = max(said.get(i, (0, 0)), (end, end - start))
        best = int(np.argmax(scores))
        if scores[best] == CONTAINED and said:
            best = max(said, key=said.__getitem__)
        return self.examples[best][0], float(scores[best])
