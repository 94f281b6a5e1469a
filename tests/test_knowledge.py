"""The shipped knowledge base: loads cleanly, covers every topic, and says only what sources say."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys

import pytest

from bot.config import load_settings
from bot.kb.intents import INTENT_NAMES, load_intents
from bot.kb.loader import check_quotes, load_knowledge
from bot.kb.model import EMAIL_PATTERN, PHONE_PATTERN, URL_PATTERN, KnowledgeBase
from bot.matching.checks import check_details
from bot.matching.details import missing_details
from bot.matching.normalize import is_english_text
from bot.paths import bundled_dir, default_seeds_dir

# The coverage topics of the knowledge-base issue (#3), numbered as there.
TOPICS = range(1, 45)
# Topics whose entries need English: foreign enterprises ask about them.
ENGLISH_TOPICS = {*range(1, 6), *range(7, 19), 21, *range(26, 34)}
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(bundled_dir("knowledge"))


def test_kb_check_passes_on_the_shipped_data() -> None:
    """`python -m bot kb check` exits 0 and prints the one-line summary."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "kb", "check"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert re.match(r"kb check: OK: \d+ files, \d+ entries, \d+ questions \(", result.stdout)


def test_intents_load() -> None:
    """The bundled intents load and define every intent the engine handles."""
    settings = load_settings({}, env_file=None)
    assert len(load_intents(settings.intents_dir).intents) == len(INTENT_NAMES) == 8


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_has_an_entry(kb: KnowledgeBase, topic: int) -> None:
    """Each numbered topic of the knowledge-base issue is answered by at least one entry."""
    assert any(topic in entry.topics for entry in kb.entries), f"topic {topic} has no entry"


def test_every_entry_has_a_source(kb: KnowledgeBase) -> None:
    """No entry without a source file and a supporting quote."""
    assert all(entry.source for entry in kb.entries)
    assert all(s.file and s.quote for entry in kb.entries for s in entry.source)


def test_quotes_appear_in_the_seed_documents(kb: KnowledgeBase) -> None:
    """Every quote is found word for word in the seed file it names."""
    seeds = default_seeds_dir()
    if seeds is None:
        pytest.skip("../shared/seeds is not beside this checkout")
    assert [str(p) for p in check_quotes(kb, seeds)] == []


def test_no_question_asks_for_a_detail_its_answer_says_is_not_given(kb: KnowledgeBase) -> None:
    assert [str(p) for p in check_details(kb)] == []


def test_kb_check_names_a_question_asking_for_a_missing_detail(kb: KnowledgeBase) -> None:
    """The check that keeps the shipped data consistent does fire: an entry whose answer says
    the fee is not given, with a question asking the fee, is reported with file, line and id."""
    entry = kb.entry("family-doctor-signing")
    assert "price" in missing_details(entry.answer)
    asking = dataclasses.replace(entry, questions=(*entry.questions, "签家庭医生要钱不"))
    problems = check_details(dataclasses.replace(kb, entries=(asking,)))
    assert len(problems) == 1
    assert (problems[0].file, problems[0].line) == (entry.file, entry.line)
    assert "签家庭医生要钱不" in str(problems[0])
    assert "family-doctor-signing" in str(problems[0])


@pytest.mark.parametrize("pattern", [PHONE_PATTERN, URL_PATTERN, EMAIL_PATTERN])
def test_no_answer_contains_contact_details(kb: KnowledgeBase, pattern: re.Pattern[str]) -> None:
    """No answer carries a phone number, URL or e-mail address: the sources give none."""
    found = [
        (entry.id, match.group())
        for entry in kb.entries
        for text in (entry.answer, entry.answer_en or "")
        for match in pattern.finditer(text)
    ]
    assert found == []


def test_english_where_enterprises_need_it(kb: KnowledgeBase) -> None:
    """Entries on the enterprise-facing topics have an English answer and English questions."""
    missing = [
        entry.id
        for entry in kb.entries
        if ENGLISH_TOPICS & set(entry.topics)
        and (not entry.answer_en or not any(LATIN_WORD.search(q) for q in entry.questions))
    ]
    assert missing == []


def test_every_report_entry_is_answerable_in_english(kb: KnowledgeBase) -> None:
    """Every entry sourced from the reports has an English answer and at least four English
    questions (issue 12): an English message is searched only against English texts. Entries
    drafted from staff answers may be Chinese only (they say so when shown in English)."""
    missing = [
        (entry.id, sum(map(is_english_text, entry.questions)))
        for entry in kb.entries
        if entry.staff_source is None
        and (not entry.answer_en or sum(map(is_english_text, entry.questions)) < 4)
    ]
    assert missing == []


def test_answers_are_plain_text(kb: KnowledgeBase) -> None:
    """Answers use no Markdown or HTML, which Telegram would show as stray symbols."""
    markup = re.compile(r"\*\*|__|<[a-z/]|\]\(|^#", re.MULTILINE)
    assert [e.id for e in kb.entries if markup.search(e.answer + (e.answer_en or ""))] == []
