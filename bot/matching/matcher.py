"""Question matching: find the entry that answers a question, or decide it is not covered.

`Matcher(kb, intents).decide(text)` normalises the message (`bot.normalize`), tries the
conversational intents first (`bot.intent_match`), then searches the knowledge base in the
message's language (`bot.retrieval`) and sorts the result into bands (`bot.decision`): answer,
clarify, confirm or ticket. A message of several clauses is read first (`bot.clauses`): two
questions are judged apart (`Decision.parts`), and a long message is searched as weighted parts,
its asking clauses above the story. A Matcher touches no storage or network and is immutable,
so one instance serves every chat; a reload builds a new one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from functools import partial
from itertools import pairwise
from pathlib import Path

from bot.kb.intents import IntentSet, load_intents
from bot.kb.loader import load_knowledge
from bot.kb.model import KnowledgeBase
from bot.matching.asks import asked, asked_in_english, lacking
from bot.matching.clauses import (
    Question,
    Reading,
    asks,
    naming_characters,
    read,
    split,
    thin,
    yes_no,
)
from bot.matching.counts import asked_figures, count_given, count_parts
from bot.matching.decision import (
    FIGURES_CLOSE,
    NOT_COVERED,
    Bands,
    Candidate,
    Decision,
    confidence,
    judge,
)
from bot.matching.details import asked_details
from bot.matching.entry_details import DetailsByEntry
from bot.matching.gibberish import is_gibberish
from bot.matching.intents import IntentMatcher
from bot.matching.normalize import is_cjk, is_english_text, normalizer_for
from bot.matching.retrieval import Channel, Doc, Index
from bot.matching.romanised import Romanised
from bot.matching.scope import YUZHONG, Scope
from bot.matching.tokens import (
    char_tokens,
    english_tokens,
    marked_syllable,
    pinyin_tokens,
    question_scale,
    syllable,
    units,
)

PINYIN_WEIGHT = 0.5  # the homophone channel backs the characters up; it does not outvote them
# A question is read up to this many characters (the engine passes at most 1,000 already): no
# knowledge-base question is near that long, and matching cost grows with the query.
MAX_QUERY_CHARS = 1000
# A message of several clauses is searched as weighted parts (`bot.clauses`): the clauses that
# ask weigh 1, the clause taken in as a thin question's context this much, the story this much.
CONTEXT_WEIGHT = 0.8
STORY_WEIGHT = 0.3
YUZHONG_TERMS = frozenset(YUZHONG)
NAMING_ENTRIES = 2  # a term this few entries use names something (see `Matcher._names`)
STORY_NAMED_BY = 3  # … and, named only in the story, held by this few entries' answers
NAMED_BY = 12  # … and held by this few entries in all, it names what a question is about
LONG_ENGLISH = 12  # words: an English message this long is weighed as a long one (`judge`)
# A figure asked of a word this many answers hold at most is evidence for those that give it
# ("合同额是好多"); of a common word ("营收有多少") it is not (2, 3, 4, 8 tried: 3 kept).
FIGURE_ENTRIES = 3
FOLLOW_UP = 5  # naming characters: fewer, a question beside a filed one may be about it
SHORT = 24  # units (Chinese characters, words): a message this short is read whole
# A message reporting a problem: something broken, dirty, noisy, blocked or left undone.
_PROBLEM = re.compile(
    r"坏了|坏掉|烂了|没人来?(?:管|修|处理|理|清)|还没修|缺了[一1]?块|不见了|投诉|太吵|噪音|扰民"
    r"|乱停|乱扔|乱堆|堵了|漏水|臭|脏得|不亮|黑黢黢|被[^ ，。,]{1,5}占|占道|没地方停|被拖|馊|拉肚子"
    r"|破了[一1]?个(?:大)?(?:坑|洞)|消防通道|说了也不听|说了不听|讲了也不听|推来推去|互相推|没办成|办不成"
    r"|\b(?:broken|noise|noisy|nobody (?:does|fixes|clears|cares)|complain\w*|abandoned"
    r"|not working|leak\w*|dirty|blocked|is missing|send someone)\b",
    re.IGNORECASE,
)
# What one asks after reporting a problem: who answers for it, who to complain to or to stop it,
# when it is mended ("出了事哪个负责", "Who do I complain to?", "who can stop it?"); not where to
# report it ("路面坏了找哪个部门", "咋个报"), which the street-problem entry answers.
_REDRESS = re.compile(
    r"负责|管不管|(?:什么时候|啥时候|好久)修|咋个充电|怎么充电|投诉|赔偿|凭什么|凭啥"
    r"|(?:谁|哪个)(?:来|能|可以)(?:管|修)"
    r"|\b(?:complain\w*|who is responsible|who (?:can|will|should) (?:stop|fix|deal with|sort))\b",
    re.IGNORECASE,
)
# … or, anywhere in the message, asks for someone to act ("请找人跟进一下", "can someone from
# the community come and deal with it?").
_ACT_ON_IT = re.compile(
    r"找人(?:来)?(?:跟进|处理|管)|跟进一下|派人|来人处理|帮忙(?:协调|催)"
    r"|\b(?:can (?:someone|somebody|anyone)|step in|deal with (?:it|this))\b",
    re.IGNORECASE,
)
# An English question asking what or who a Chinese name is ("what is 楼小二?", "hi, what does
# 一到二岗三单 mean?"): the name alone says what it is about, and it is asked in Chinese.
_WHAT_IS_NAME = re.compile(
    r"\b(?:(?P<who>who(?:'s| is| was))|what(?:'s| is| are| was)|what does|what do|tell me about"
    r"|explain|meaning of)\s+(?:the\s+|this\s+|a\s+|an\s+)?"
    r"(?P<name>[\u4e00-\u9fff\u3400-\u4dbf]{2,12})"
    r"\s*(?:mean|stand for|about|is)?\s*[?？!！.。~]*\s*$",
    re.IGNORECASE,
)
# … or what a romanised name is, its Chinese in brackets ("What does 'si se si wu' (四色四务)
# stand for?", "Who is Liào Zéméng (廖泽萌)?"): a few words between the question and the name.
_WHAT_IS_BRACKETED = re.compile(
    r"\b(?:(?P<who>who(?:'s| is| was))|what(?:'s| is| are| was| does| do)|tell me about"
    r"|explain)\s+(?:[\w'’\"-]+(?:\s+|(?=[(（]))){0,5}?[(（]\s*"
    r"(?P<name>[\u4e00-\u9fff\u3400-\u4dbf]{2,12})\s*[)）]",
    re.IGNORECASE,
)
# A thing a question asks to be named ("哪家医院", "什么平台"): what the answer names, not
# what the question is about (`Matcher._titled`).
_WHICH_THING = re.compile(r"(?:哪[家个位所些]?|什么)[\u4e00-\u9fff]{0,2}")
# A figure, model code or formula that can name what a question is about ("885", "u3600",
# "1+8+63"; not "2024").
_NAMING_NUMBER = re.compile(r"(?!(?:19|20)\d\d$)[a-z]*\d{3,}|[0-9a-z]+(?:\+[0-9a-z]+){2,}")
# Chinese in an English question, with its digits once normalised ("3会1盟").
_CHINESE_RUN = re.compile(r"\d*[\u4e00-\u9fff\u3400-\u4dbf][\d\u4e00-\u9fff\u3400-\u4dbf]+")
_YEAR = re.compile(r"(?<!\d)20\d\d(?=年|\b|[^\d])")  # a year a question names ("2026年")
_PERIOD = re.compile(r"[一二三四1-4]季度|上半年|下半年")  # a part of a year a question names
# A story clause that says where the asker lives or is (`Matcher._where_one_lives`).
_LIVES_IN = re.compile(
    r"住在|住的|(?<!老)家在|小区在|我们在|我们住|社区在|住(?=[\u4e00-\u9fff]{1,6}$)"
)


# English words that name nothing on their own, in a title's pair ("tenants of the world")
_EN_LIGHT = frozenset(
    ("a", "an", "and", "the", "of", "in", "on", "at", "for", "to", "by", "with", "from", "s")
)


def _word_pairs(text: str) -> frozenset[str]:
    """The pairs of adjacent English words of a text, lower-cased ("world|financial")."""
    words = re.findall(r"[a-z]+", text.lower())
    return frozenset(f"{a}|{b}" for a, b in pairwise(words))


def load_matcher(kb_dir: Path, intents_dir: Path) -> Matcher:
    """Load and check the knowledge base and the intents, and build the matcher on them; raise
    `DataError` naming every problem (file and line). The one way the knowledge is loaded."""
    return Matcher(load_knowledge(kb_dir), load_intents(intents_dir))


class Matcher:
    """Decides what to do with a message, from one knowledge base and one set of intents."""

    def __init__(self, kb: KnowledgeBase, intents: IntentSet, bands: Bands | None = None) -> None:
        self.kb = kb
        self.intents = intents
        self.bands = bands or Bands()
        self.normalizer = normalizer_for(kb.lexicon)
        self._intents = IntentMatcher(intents, self.normalizer)
        zh: list[Doc] = []
        en: list[Doc] = []
        self.details = DetailsByEntry(kb)
        self._answer_counts: dict[str, int] = {}  # word → how many answers hold it
        self.exact: dict[str, str] = {}  # a normalised question → its entry
        self._titles: dict[str, str] = {}  # an entry's normalised titles, Chinese and English
        texts: dict[str, str] = {}  # an entry's normalised title, questions and answers
        for entry in kb.entries:
            asked: list[str] = []
            for text in (entry.title, *entry.questions, entry.title_en or ""):
                if text:
                    norm = self.normalize(text)
                    (en if is_english_text(text) else zh).append(Doc(entry.id, norm))
                    self.exact.setdefault(norm, entry.id)
                    asked.append(norm)
            answers = [self.normalize(entry.answer)]
            zh.append(Doc(entry.id, answers[0], answer=True))
            if entry.answer_en:
                answers.append(self.normalize(entry.answer_en))
                en.append(Doc(entry.id, answers[-1], answer=True))
            self.details.questions[entry.id] = asked
            self._titles[entry.id] = self.normalize(f"{entry.title}\n{entry.title_en or ''}")
            texts[entry.id] = "\n".join((*asked, *answers))
        self._title_tokens = {e: frozenset(char_tokens(t)) for e, t in self._titles.items()}
        # … and the pairs of adjacent words of each English title ("world|financial")
        self._title_en_pairs = {e.id: _word_pairs(e.title_en or "") for e in kb.entries}
        self._title_en_pair_count = Counter(
            pair for pairs in self._title_en_pairs.values() for pair in pairs
        )
        self._title_pairs: Counter[str] = Counter()  # a pair of characters → titles holding it
        for entry in kb.entries:
            title = char_tokens(self.normalize(entry.title))
            self._title_pairs.update({t for t in title if "|" in t and not _light(t)})
        terms = (*kb.lexicon.places, *kb.lexicon.subjects)
        places = [self.normalizer(t, fillers=False) for t in kb.lexicon.places]
        homes = {e.id: home for e in kb.entries if (home := _home(e.title, places)) is not None}
        aliases = {"".join(map(syllable, units(p))): p for p in places if p and is_cjk(p[0])}
        self._texts = texts
        self._places = frozenset(places) - YUZHONG_TERMS
        self._homes = homes
        self.scope = Scope(
            (self.normalizer(t, fillers=False) for t in terms), texts, homes, aliases
        )
        self.zh = Index(
            zh,
            [
                Channel("char", char_tokens, units=units),
                Channel("pinyin", pinyin_tokens, PINYIN_WEIGHT, derive=marked_syllable),
            ],
            light=question_scale,
        )
        self.en = Index(en, [Channel("word", english_tokens)])
        self.romanised = Romanised(entry.answer for entry in kb.entries)

    def normalize(self, text: str) -> str:
        return self.normalizer(text)

    def decide(self, text: str) -> Decision:
        text = text[:MAX_QUERY_CHARS]
        language = "en" if is_english_text(text) else "zh"
        intent = self._intents.match(text)
        if (
            intent is not None
            and intent.intent == "help"
            and self._named_things(self.normalizer(text, fillers=False))
        ):
            intent = None  # how to use something the knowledge base names ("渝才荟怎么用")
        if intent is not None:
            return Decision(
                "intent", intent.score, intent=intent.intent, language=language, reason="intent"
            )
        if is_gibberish(self.normalizer(text, fillers=False)):
            return Decision("ticket", gibberish=True, language=language, reason="no words")
        named = self._of_name(_WHAT_IS_NAME.search(text) or _WHAT_IS_BRACKETED.search(text), text)
        if named is not None:
            return replace(named, language=language)
        decision = self._read(text, language)
        if decision.outcome in ("ticket", "clarify") and language == "en":
            # a romanised name the writer did not gloss ("what does si se si wu stand for"):
            # only when the words themselves found no answer ("Yuzhong Louyu" is 渝中楼宇 too)
            glossed = _WHAT_IS_BRACKETED.search(self.romanised.glossed(text))
            named = self._of_name(glossed, text)
            if named is not None:
                return replace(named, language=language)
        return decision

    def _of_name(self, named: re.Match[str] | None, text: str) -> Decision | None:
        """An English question asking what or who a Chinese name is, asked in Chinese; None
        when that finds no answer, or when the question asks a detail of it (its phone)."""
        if named is None or asked_details(self.normalize(text)):
            return None
        decision = self.decide(named["name"] + ("是谁" if named["who"] else "是什么"))
        return decision if decision.outcome in ("answer", "clarify") else None

    def _read(self, text: str, language: str) -> Decision:
        """The message read as written: its own wording, its clauses and what they ask."""
        norm = self.normalize(text)
        if norm in self.exact:  # the knowledge base's own wording: its author chose the entry
            entry_id = self.exact[norm]
            return Decision(
                "answer",
                100.0,
                entry_id,
                candidates=(Candidate(entry_id, 100.0),),
                language=language,
                reason="a question of the entry",
            )
        reading = read(text, self._names)
        if _PROBLEM.search(text) and (
            not reading.questions or _REDRESS.search(reading.asking) or _ACT_ON_IT.search(text)
        ):
            # a report of a problem that asks nothing ("路灯坏了一个多礼拜", "the lights have been
            # broken for a week") or asks who answers for it ("出了事哪个负责"): staff take it
            # up; an entry on how to report is no reply to it
            return Decision("ticket", language=language, reason="reports a problem")
        if len(reading.clauses) < 2 or not reading.questions:
            return self._judge([(norm, 1.0)], norm, language, raw=text)
        if len(reading.questions) >= 2:
            several = self._several(reading, language)
            if several is not None:
                return several
        if len(units(norm)) <= SHORT:  # a short message is all question: read it whole …
            # … but what it asks, and where, is read from its asking part: "I moved here on a
            # talent visa. What can I get through Yucaihui?" is not about visas.
            asking = self.normalize(reading.asking)
            whole = self._judge(
                [(norm, 1.0)],
                asking,
                language,
                raw=reading.asking,
                whole=norm,
                storied=bool(reading.story),
            )
            if reading.story and (whole.outcome == "clarify" or whole.reason == NOT_COVERED):
                # "Just moved here for work. Which districts border Yuzhong?": the story draws
                # an entry about moving for work level with the one the question is about, or
                # dilutes it; weighed above the story, the question tells them apart
                weighed = self._judge(self._parts(reading), asking, language, raw=reading.asking)
                if (
                    weighed.outcome == "answer"
                    and weighed.entry_id in {c.entry_id for c in whole.candidates}
                    # … on a short message's own band, not the band of a long story
                    and weighed.score >= self.bands.answer_for(language)
                ):
                    return weighed
            return whole
        asking = self.normalize(reading.asking)
        return self._judge(self._parts(reading), asking, language, raw=reading.asking)

    def _answers_with(self, word: str) -> int:
        """How many entries' answers hold the word."""
        count = self._answer_counts.get(word)
        if count is None:
            count = sum(word in answer for answer in self.details.answers.values())
            self._answer_counts[word] = count
        return count

    def _names(self, clause: str) -> bool:
        """Whether a clause names something specific: a pair of characters that the titles of
        at most `NAMING_ENTRIES` entries hold, such as 莎姐 or 楼小二."""
        tokens = char_tokens(self.normalize(clause))
        return any(self._title_pairs.get(t, NAMING_ENTRIES + 1) <= NAMING_ENTRIES for t in tokens)

    def _parts(self, reading: Reading, *questions: Question) -> list[tuple[str, float]]:
        """The message as weighted parts: its questions (all, or those given) and its story."""
        chosen = questions or reading.questions
        parts: list[tuple[str, float]] = []
        for question in chosen:
            parts.append((self.normalize(question.context), CONTEXT_WEIGHT))
            parts.append((self.normalize(question.text), 1.0))
        if not questions:
            parts.extend(
                (self.normalize(c), CONTEXT_WEIGHT if c in reading.topics else STORY_WEIGHT)
                for c in reading.story
            )
        return [(text, weight) for text, weight in parts if text]

    def _several(self, reading: Reading, language: str) -> Decision | None:
        """Two questions answered apart, or one answered and one filed; None when not so clear.

        Each question is judged on its own words (and its context, when it names too little).
        A question whose nearest entry is one another question is answered with is the same
        question asked again, not a second one.
        """
        judged: list[Decision] = []
        # Yuzhong named once holds for every question ("渝中区的老年食堂在哪里，吃一顿多少钱").
        home = self.scope.named(self.normalize(reading.asking)) & YUZHONG_TERMS
        asked = [self._parts(reading, question) for question in reading.questions]
        places = [
            self.scope.named(self.normalize(question.text)) & self._places
            for question in reading.questions
        ]
        # … but not for one naming a thing of its own ("重庆救助通能申请哪些救助？我在渝中…").
        own = [bool(self._named_things(self.normalize(q.text))) for q in reading.questions]
        for question, weighted, named in zip(reading.questions, asked, own, strict=True):
            text = " ".join(t for t, _ in weighted)
            judged.append(
                self._judge(weighted, text, language, question, frozenset() if named else home)
            )
        # Another place holds for a question that names none when its entry is among the
        # nearest of the question naming the place: "南岸区有没有老年食堂，老人吃饭多少钱"
        # asks about 南岸 twice, while in "化龙桥跟成都哪些街道合作？红岩能量值能换什么"
        # the second question is about something else.
        for i, (question, weighted) in enumerate(zip(reading.questions, asked, strict=True)):
            if places[i] or judged[i].outcome != "answer" or own[i]:
                continue
            carried = frozenset().union(
                *(
                    where
                    for where, other in zip(places, judged, strict=True)
                    if where and judged[i].entry_id in {c.entry_id for c in other.candidates}
                )
            )
            if carried:
                text = " ".join(t for t, _ in weighted)
                judged[i] = self._judge(weighted, text, language, question, home | carried)
        if len(units(self.normalize(" ".join(c.text for c in reading.clauses)))) <= SHORT:
            judged = self._follow_ups_filed(reading, asked, judged, language, home)
        answered = {d.entry_id: d for d in judged if d.outcome == "answer"}
        if not answered:
            return None
        parts: list[Decision] = []
        filed: Decision | None = None  # the questions no entry answers, as one ticket
        for decision in judged:
            if decision.outcome == "answer" and answered.get(decision.entry_id) is decision:
                parts.append(decision)
            elif decision.outcome == "ticket" and not decision.gibberish:
                # Asked again in other words, or too little to be a question of its own;
                # but a detail about an answered entry (its phone number) is a question.
                nearest = decision.candidates[0].entry_id if decision.candidates else None
                asked_norm = self.normalize(decision.question)
                # … unless it names what that entry cannot serve ("我电动车被偷了咋个报警")
                elsewhere = nearest and self.scope.lacking(nearest, self.scope.named(asked_norm))
                again = nearest in answered and not asked_details(asked_norm) and not elsewhere
                if again or thin(decision.question, self._names):
                    continue
                if filed is None:
                    filed = decision
                    parts.append(filed)
                else:
                    both = f"{filed.question} {decision.question}"
                    parts[parts.index(filed)] = filed = replace(filed, question=both)
        if len(parts) < 2:
            return None
        first = next(p for p in parts if p.outcome == "answer")
        return replace(first, parts=tuple(parts), reason="asks several things", question="")

    def _follow_ups_filed(
        self,
        reading: Reading,
        asked: list[list[tuple[str, float]]],
        judged: list[Decision],
        language: str,
        home: frozenset[str],
    ) -> list[Decision]:
        """In a short message, a question naming little (and no name of its own) beside one
        filed for staff about something else ("洪崖洞晚上几点亮灯，要门票不": 门票 of 洪崖洞) is
        answered only if it still is when read with that one; otherwise it is filed with it."""
        judged = list(judged)
        for i, (question, weighted) in enumerate(zip(reading.questions, asked, strict=True)):
            decision = judged[i]
            if (
                decision.outcome != "answer"
                # a longer question stands on its own, unless it only asks yes or no of
                # the other one's subject ("长江索道票价多少，本地人有没有优惠")
                or (naming_characters(question.text) >= FOLLOW_UP and not yes_no(question.text))
                or self._named_things(self.normalize(question.text))  # "渝才荟能办啥子"
            ):
                continue
            for other in (
                judged[i - 1] if i else None,
                judged[i + 1] if i + 1 < len(judged) else None,
            ):
                if other is None or other.outcome != "ticket" or other.gibberish:
                    continue
                if other.candidates and other.candidates[0].entry_id == decision.entry_id:
                    continue  # a detail of the answered entry ("楼小二是干啥的？电话多少")
                together = [(self.normalize(other.question), 1.0), *weighted]
                text = " ".join(t for t, _ in together)
                if self._judge(together, text, language, question, home).outcome != "answer":
                    judged[i] = replace(other, question=question.text)
                break
        return judged

    def _judge(
        self,
        parts: list[tuple[str, float]],
        asking: str,
        language: str,
        question: Question | None = None,
        also_named: frozenset[str] = frozenset(),
        raw: str = "",
        whole: str = "",
        storied: bool = False,
    ) -> Decision:
        """Judge the retrieval hits for a query in weighted parts; details and places are read
        from the asking part only (a story may name a city the asker comes from), plus the
        places in `also_named`; what is asked (`bot.matching.asks`) from `raw`, the asking part
        as written (the question's own words when `question` is given). `whole`: the message
        searched as one part, whose length makes an English message long (default `asking`);
        `storied`: a short message that says something besides its question (`judge`)."""
        if question is not None:
            raw = " ".join(filter(None, (question.context, question.text)))
        index = self.en if language == "en" else self.zh
        length = len((whole or asking).split())
        long = len(parts) > 1 or (language == "en" and length >= LONG_ENGLISH)
        hits = index.search_parts(parts, self.bands.candidates, contained=long)
        named = self._named_in(asking, raw, language) | also_named
        if not named & (self._places | YUZHONG_TERMS):  # the question names no place, so
            # where the asker lives holds: an entry serving somewhere else is no candidate
            lives = self._where_one_lives(parts)
            hits = [h for h in hits if not lives or not self.scope.lacking(h.entry_id, lives)]
        normalize = partial(self.normalizer, fillers=False)
        what = asked(raw, normalize) if language == "zh" else asked_in_english(raw)
        wanted = asked_details(asking) | what.details
        # an English question names things by their romanised names, glossed with their
        # Chinese ("the Sanhui Yimeng (三会一盟) alliance"), or by the Chinese itself
        names = self._named_things(
            asking
            if language == "zh"
            else _chinese_runs(self.normalize(self.romanised.glossed(raw)))
        )
        if language == "en":  # … or by an English title's name ("the World Financial Center")
            names |= self._english_names(" ".join(t for t, _ in parts))
        elif not names and question is None and len(parts) > 1:
            # a question naming nothing ("那个工作室叫什么") is about what the story names
            # ("我娃儿在巴蜀中学读初二") when few answers hold it: not where the asker works or
            # lives ("在解放碑上班", which many entries name)
            story = self._named_things(" ".join(t for t, _ in parts))
            names = frozenset(n for n in story if 0 < self._answers_with(n) <= STORY_NAMED_BY)
        figures = frozenset(
            word
            for word in (asked_figures(asking) if language == "zh" else ())
            if self._answers_with(word) <= FIGURE_ENTRIES
        )
        decision = judge(
            hits,
            self.bands,
            language,
            wanted,
            self.details,
            lambda entry_id: (
                self.scope.lacking(entry_id, named) | self._other_year(asking, entry_id)
            ),
            long=long,
            storied=storied,
            lacking=lambda entry_id: lacking(what.words, self._texts[entry_id]),
            unnamed=lambda entry_id: self._unnamed(names, entry_id),
            states=lambda entry_id: self.details[entry_id].states_figure(wanted, figures),
            # a detail other than a count or a list (a phone number, a fee) is not the thing
            identity=what.identity and all(d == "which" or d.startswith("count") for d in wanted),
        )
        # (in English a tie of figures too: "how many businesses" is asked of both entries)
        if decision.outcome == "clarify" or (decision.reason == FIGURES_CLOSE and language == "en"):
            decision = self._titled(decision, asking, " ".join(t for t, _ in parts))
        elsewhere = named & self._places
        if decision.outcome == "answer" and elsewhere and self._owed_to(parts, decision, named):
            nearest = ", ".join(sorted(elsewhere))
            reason = f"names {nearest}; the entry for the rest of the question does not cover it"
            decision = replace(decision, outcome="ticket", entry_id=None, reason=reason)
        if question is None:
            return decision
        return replace(decision, question=" ".join(filter(None, (question.context, question.text))))

    def _named_in(self, asking: str, raw: str, language: str) -> frozenset[str]:
        """The places and subjects a question names, as written in `raw`: the places from the
        clause before the first one that asks on (further back, a place is where the asker comes
        from: "我是北京来的，…"), the subjects in its clauses that ask (a clause before them tells
        the story: "高中同学推荐我报名…", "校长提到…")."""
        named = self.scope.named(asking)
        clauses = [part for clause in split(raw) for part in clause.split()]
        # the clauses that ask by their words; or the last, asked by its question mark alone
        # ("这个站是好久开的哦？")
        asking_clauses = [c for c in clauses if asks(c)] or clauses[-1:]
        if language == "en" or len(asking_clauses) == len(clauses):
            return named
        first = next((i for i, c in enumerate(clauses) if asks(c)), len(clauses))
        near = " ".join(map(self.normalize, clauses[max(0, first - 1) :]))
        places = self.scope.named(near) & (self._places | YUZHONG_TERMS)
        asked_in = " ".join(map(self.normalize, asking_clauses))
        return places | (self.scope.named(asked_in) if asked_in else named)

    def _titled(self, decision: Decision, asking: str, message: str = "") -> Decision:
        """Of entries close together, the one whose title alone holds more of the words of the
        asking part's last clause ("那个平台叫啥": “渝才荟”数智平台, not 渝中人才公寓优惠) is
        answered."""
        # the last clause asks (a space ends a Chinese clause); English is read whole
        last = asking.split()[-1] if asking.split() and not is_english_text(asking) else asking
        held = self._title_held(last, decision)
        if is_english_text(asking) and message and not any(count for count, _ in held):
            # "…in the World Financial Center. How many businesses are in that tower?": the
            # sentence before names it
            held = self._title_held(message, decision)
        if not is_english_text(asking):
            # "这个到底是搞啥子的" names nothing: the nearest clause before it that names a
            # candidate's title words is what it asks of
            for clause in reversed(asking.split()[:-1]):
                if any(count for count, _ in held):
                    break
                held = self._title_held(clause, decision)
        held.sort(key=lambda pair: -pair[0])
        if len(held) < 2 or held[0][0] <= held[1][0]:
            return decision
        best = held[0][1]
        return replace(
            decision,
            outcome="answer",
            entry_id=best.entry_id,
            reason="close; its title names what is asked",
        )

    def _title_held(self, clause: str, decision: Decision) -> list[tuple[int, Candidate]]:
        """How many of a clause's word pairs each candidate's title holds (not the thing it
        asks to be named: "在哪家医院做的", the hospital is the answer); in English, pairs of
        adjacent words ("the World Financial Center": world|financial, financial|center)."""
        clause = _WHICH_THING.sub(" ", clause)
        pairs = {t for t in char_tokens(clause) if "|" in t and not _light(t)}
        words = _word_pairs(clause) if is_english_text(clause) else frozenset()
        return [
            (
                len(pairs & self._title_tokens[c.entry_id])
                + len(words & self._title_en_pairs[c.entry_id]),
                c,
            )
            for c in decision.candidates
        ]

    def _named_things(self, asking: str) -> frozenset[str]:
        """The names a question holds: runs of three characters or more whose every pair is in
        the title of at most `NAMING_ENTRIES` entries and held by at most `NAMED_BY` entries in
        all ("袁家岗", "廖泽萌"; not "属于", "服务" or "文化" of 文化馆)."""
        pairs = char_tokens(asking)
        named = [
            "|" in t and not _light(t) and 0 < self._title_pairs.get(t, 0) <= NAMING_ENTRIES
            for t in pairs
        ]
        held = iter(self.zh.held_by([t for t, n in zip(pairs, named, strict=True) if n]))
        named = [n and next(held) <= NAMED_BY for n in named]
        names: set[str] = set()
        run: list[str] = []
        for token, naming in (*zip(pairs, named, strict=True), ("", False)):
            if naming and (not run or run[-1].split("|")[1] == token.split("|")[0]):
                run.append(token)
                continue
            if len(run) >= 2:
                names.add(run[0].split("|")[0] + "".join(t.split("|")[1] for t in run))
            run = [token] if naming else []
        # a figure only one or two entries' questions hold names what it is about ("885工作体系"),
        # not a year
        numbers = [t for t in pairs if _NAMING_NUMBER.fullmatch(t)]
        held_by = self.zh.held_by(numbers) if numbers else []
        names.update(
            n for n, held in zip(numbers, held_by, strict=True) if 0 < held <= NAMING_ENTRIES
        )
        return frozenset(names)

    def _english_names(self, text: str) -> frozenset[str]:
        """Runs of three words or more in an English question whose every adjacent pair is in
        the English titles of at most `NAMING_ENTRIES` entries ("world financial center"; not
        "of the", nor two words such as "talent policy")."""
        words = re.findall(r"[a-z]+", text.lower())
        names: set[str] = set()
        run: list[str] = []
        for a, b in (*pairwise(words), ("", "")):
            naming = (
                a not in _EN_LIGHT
                and b not in _EN_LIGHT
                and 0 < self._title_en_pair_count.get(f"{a}|{b}", 0) <= NAMING_ENTRIES
            )
            if naming:
                run = [*run, b] if run else [a, b]
                continue
            if len(run) >= 3:
                names.add(" ".join(run))
            run = []
        return frozenset(names)

    def _unnamed(self, names: frozenset[str], entry_id: str) -> bool:
        """Whether the entry's text holds none of the question's names (`_named_things`): it is
        about something else that shares the question's other words ("民乐村社区属于哪个街道"
        for "袁家岗社区属于哪个街道")."""
        return bool(names) and not any(name in self._texts[entry_id] for name in names)

    def _other_year(self, asking: str, entry_id: str) -> set[str]:
        """The years and parts of a year a question names that the entry does not: "2026年人才
        工作会议什么时候开" is not about the 2025 conference an entry describes, "2023年新认定了
        几个孵化器" not about the 2024 figures, "二季度GDP" not about the first quarter. An entry
        whose figures are of a year says which (the knowledge base's rule); one naming no year
        ("截至报道时") cannot say what was so in 2022."""
        text = self._texts[entry_id]
        periods = {p for p in _PERIOD.findall(asking) if p not in text}  # 二季度 of a 一季度 entry
        asked = _YEAR.findall(asking)
        if not asked:
            return periods
        named = _YEAR.findall(text)
        return periods | {
            year
            for year in asked
            if year not in named or self._counted_in_other_year(asking, entry_id, year)
        }

    def _counted_in_other_year(self, asking: str, entry_id: str, year: str) -> bool:
        """Whether the paragraph of the answer that gives the count asked for is of another year
        than the one asked: "化龙桥2024年新增了多少家市场主体" of an entry whose 2024 report gives
        the 804 new market entities of 2023."""
        counts = [d for d in asked_details(asking) if d.startswith("count:") and count_parts(d)[1]]
        for paragraph in self.details[entry_id].answer.split("\n"):
            years = _YEAR.findall(paragraph)
            if years and year not in years and any(count_given(paragraph, d, True) for d in counts):
                return True
        return False

    def _where_one_lives(self, parts: list[tuple[str, float]]) -> frozenset[str]:
        """The other districts the story says the asker lives or is in ("我们住在大渡口",
        "小区在江北唐桂社区"): a question about "the community" is about theirs. Where they
        came from, or their 户口, is not."""
        story = [text for text, weight in parts if weight < 1.0 and _LIVES_IN.search(text)]
        return frozenset().union(*(self.scope.named(t) & self._places for t in story))

    def _owed_to(
        self, parts: list[tuple[str, float]], decision: Decision, named: frozenset[str]
    ) -> bool:
        """Whether an answer owes its place to the other district the question names: searched
        without the place, the answer falls below the band while the question's best entry,
        which cannot serve that place, leads it by more than `Bands.refused_lead`
        ("九龙坡那边的人才会客厅在哪" is about the 人才会客厅, which no report places in 九龙坡,
        not about the 袁家岗 entry that names 九龙坡)."""
        if self._homes.get(decision.entry_id or "") in named:  # the place's own programme
            return False
        title = self._titles.get(decision.entry_id or "", "")
        if any(place in title for place in named & self._places):  # … or one with it by name
            return False
        places = sorted(named & self._places, key=len, reverse=True)
        stripped = [(_without(text, places), weight) for text, weight in parts]
        index = self.en if decision.language == "en" else self.zh
        hits = index.search_parts(stripped, self.bands.candidates)
        if not hits:
            return False
        scores = {h.entry_id: confidence(h, self.bands) for h in hits}
        best = max(scores, key=scores.__getitem__)
        if best == decision.entry_id or not self.scope.lacking(best, named):
            return False
        kept = scores.get(decision.entry_id or "", 0.0)
        answer_at = self.bands.answer_for(decision.language)
        return kept < answer_at and scores[best] - kept > self.bands.refused_lead


def _chinese_runs(text: str) -> str:
    """The runs of Chinese characters in a text, a space between them."""
    return " ".join(_CHINESE_RUN.findall(text))


def _without(text: str, terms: list[str]) -> str:
    """The text with the terms taken out (longest first)."""
    for term in terms:
        text = text.replace(term, " ")
    return " ".join(text.split())


def _light(token: str) -> bool:
    """A pair with a question character in it (是|啥, 有|没): it names nothing."""
    return question_scale([token])[0] < 1.0


def _home(title: str, places: list[str]) -> str | None:
    """The other district whose programme an entry's title names first ("江北区…"), if any."""
    at = {place: title.find(place + "区") for place in places if place and place + "区" in title}
    return min(at, key=at.__getitem__) if at else None
