"""One language rule per chat (`bot.words.chat_language`), and `ask` showing what a chat shows.

The rule: /lang when set; otherwise the language of the resident's latest message that has one
(English switches the chat to English until they write Chinese); otherwise the client's.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.cli.chat import Terminal
from bot.config import Settings
from bot.dialogue.engine import Engine
from bot.helpdesk import operations
from bot.matching.normalize import written_language
from bot.messages import Speaker
from bot.store.backend import Store, make_store
from bot.words import chat_language
from tests.engine_setup import Clock, knowledge, make_engine, text
from tests.factories import make_command, make_speaker, make_text

REPO = Path(__file__).resolve().parent.parent
EVAL_FILE = REPO / "tests" / "data" / "eval.yaml"
COVERED_EN = "What does Louxiaoer do?"
COVERED_ZH = "楼小二是干什么的"
UNCOVERED_EN = "What will the weather be like on Mars tomorrow?"
UNCOVERED_ZH = "火星上明天的天气预报是什么"


@pytest.mark.parametrize(
    ("chosen", "written", "client", "expected"),
    [
        ("zh", "en", "en-GB", "zh"),  # /lang wins over everything
        ("en", "zh", None, "en"),
        (None, "en", "zh-hans", "en"),  # an English message switches a Chinese client
        (None, "zh", "en", "zh"),  # and a Chinese message switches back
        (None, None, "en-US", "en"),  # nothing written yet: the client
        (None, None, "fr", "zh"),  # a language we do not have: Chinese
        (None, None, None, "zh"),
    ],
)
def test_the_rule(
    chosen: str | None, written: str | None, client: str | None, expected: str
) -> None:
    assert chat_language(chosen, written, client) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Hello", "en"),
        ("thanks", "en"),
        ("Where is the Moxly hotel?", "en"),
        ("你好", "zh"),
        ("Moxly酒店在哪", "zh"),
        ("楼小二 what", "zh"),
        ("ok", None),
        ("OK!", None),
        ("12345", None),
        ("👍", None),
        ("？？", None),
    ],
)
def test_the_language_a_message_is_written_in(message: str, expected: str | None) -> None:
    assert written_language(message) == expected


async def test_an_english_message_switches_the_chat_until_chinese(store: Store) -> None:
    """A Chinese client writing English gets English for everything after, /mytickets and the
    thanks included; writing Chinese switches back; a message with no language keeps it."""
    engine = make_engine(store, Clock())
    resident = make_speaker(language="zh-hans")
    assert "Lou Xiao Er" in text(await engine.handle(make_text(COVERED_EN, resident)))
    filed = await engine.handle(make_text(UNCOVERED_EN, resident))
    assert "ticket #1" in text(filed)
    (ticket,) = await store.tickets()
    assert ticket.language == "en"  # the ticket stores the chat's language
    listing = text(await engine.handle(make_command("/mytickets", resident)))
    assert written_language(listing.replace(UNCOVERED_EN, "")) != "zh", listing
    neutral = text(await engine.handle(make_text("12345", resident)))
    assert written_language(neutral) == "en", neutral  # a message with no language keeps it
    back = text(await engine.handle(make_text("谢谢", resident)))
    assert written_language(back) == "zh", back


async def test_lang_wins_over_what_is_written(store: Store) -> None:
    engine = make_engine(store, Clock())
    resident = make_speaker(language="en")
    await engine.handle(make_command("/lang zh", resident))
    reply = text(await engine.handle(make_text("thanks", resident)))
    assert written_language(reply) == "zh", reply


async def test_staff_messages_follow_the_chat_language_now(store: Store) -> None:
    """A ticket filed in English, then the resident switches with /lang zh: the staff reply
    and the close notice come in Chinese (the chat's language now, not the ticket's)."""
    engine = make_engine(store, Clock())
    resident = make_speaker(language="en")
    await engine.handle(make_text(UNCOVERED_EN, resident))
    await engine.handle(make_command("/lang zh", resident))
    now = datetime.now(UTC)
    await operations.reply(store, 1, "staff:1", "Sunny.", now)
    await operations.close(store, 1, "staff:1", "done", now)
    sent = [m.text for m in await store.due_messages(now, chat_id=resident.chat_id)]
    assert sent[0].startswith("工作人员回复了您的工单 #1")
    assert sent[1].startswith("您的工单 #1 已办结")


def _chat(cwd: Path, script: str, database_url: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
    env["PYTHONPATH"] = str(REPO)
    env["DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--env-file", "/nonexistent/.env", "chat"],
        input=script,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _messages(out: str) -> list[str]:
    """The chat's printed messages (blank-line separated), without the numbered options."""
    return [
        "\n".join(line for line in block.splitlines() if not re.match(r"  \d+\. ", line))
        for block in out.split("\n\n")
        if block.strip()
    ]


def test_a_piped_english_conversation_gets_no_chinese_reply(
    tmp_path: Path, database_url: str
) -> None:
    """Hello, a question, /mytickets, human, thanks: every reply is written in English (a
    Chinese name quoted inside an English sentence is allowed)."""
    out = _chat(tmp_path, f"Hello\n{COVERED_EN}\n/mytickets\nhuman\nthanks\n/help\n", database_url)
    messages = _messages(out)
    assert len(messages) >= 6, out
    assert [m for m in messages if written_language(m) != "en"] == []
    assert "ticket #1" in out


def test_a_piped_chinese_conversation_gets_no_english_reply(
    tmp_path: Path, database_url: str
) -> None:
    out = _chat(tmp_path, f"你好\n{COVERED_ZH}\n/mytickets\n转人工\n谢谢\n/help\n", database_url)
    messages = _messages(out)
    assert len(messages) >= 6, out
    assert [m for m in messages if written_language(m) != "zh"] == []
    assert "工单 #1" in out


def test_ask_shows_what_a_fresh_chat_shows_for_every_evaluation_case(
    tmp_path: Path, database_url: str
) -> None:
    """For every case in tests/data/eval.yaml, `ask --json` text equals what `chat` prints for
    the same message as the first message of a new chat (ticket numbers included: both number
    the tickets of one run in order, on a new database)."""
    questions = [c["q"] for c in yaml.safe_load(EVAL_FILE.read_text(encoding="utf-8"))["cases"]]
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--env-file", "/nonexistent/.env", "ask", "--json"],
        input="".join(f"{q}\n" for q in questions),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        timeout=300,
        check=True,
    )
    asked = [json.loads(line)["text"] for line in result.stdout.splitlines()]
    printed = _printed_by_chat(database_url, questions)
    assert len(asked) == len(printed) == len(questions)
    assert all(asked)
    assert any("#1" in a for a in asked)  # a ticket among them
    differing = [(q, a, p) for q, a, p in zip(questions, asked, printed, strict=True) if a != p]
    assert differing == []


def _printed_by_chat(database_url: str, questions: list[str]) -> list[str]:
    """Each question typed into the terminal chat of a new resident, on one new database."""
    _, _, matcher = knowledge()

    async def run_all() -> list[str]:
        printed = []
        store = make_store(Settings(database_url=database_url))
        engine = Engine(store, matcher, Settings())
        for number, question in enumerate(questions, 1):
            out = io.StringIO()
            terminal = Terminal(
                Speaker(number, number, "", None, "terminal"), out, interactive=False
            )
            await terminal.run(store, engine, io.StringIO(question + "\n"))
            await store.close()  # run opens it again for the next resident
            printed.append("\n\n".join(_messages(out.getvalue())))
        return printed

    return asyncio.run(run_all())
