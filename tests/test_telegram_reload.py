"""Reloading the knowledge while the service runs: /reload from staff, on a copy of KB_DIR.

A good edit is answered from the next message on and summarised to the staff group; a broken edit
changes nothing, and staff are told which file and line is wrong.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.matching.matcher import load_matcher
from bot.paths import bundled_dir
from bot.transport.handlers import Runtime
from bot.words import staff_only_text
from tests.factories import STAFF_CHAT_ID, STAFF_USER_ID, make_command_update, make_text_update
from tests.fake_bot_api import FakeBotApi
from tests.telegram_harness import running_service, service_settings

# Every test here runs its service on SQLite and on PostgreSQL (conftest: service_backend).
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("service_backend")]

RESIDENT = 6001
NEW_QUESTION = "渝中区观光巴士的测试条目几点发车"
NEW_ANSWER = "观光巴士测试条目的答案：每天上午发车。"
COVERED = "渝中区有多少栋建成楼宇"  # a question of entry yuzhong-building-tiers
COVERED_ANSWER_START = "据报道（截至报道时），渝中区已形成40栋亿元级税收楼宇"

NEW_ENTRY = f"""
  - id: reload-test-bus
    title: 观光巴士测试条目
    title_en: Sightseeing bus (test entry)
    category: about
    audience: both
    topics: [44]
    questions:
      - {NEW_QUESTION}
      - 观光巴士测试条目什么时候出发
      - 测试条目的观光巴士早上几点开
      - 观光巴士测试条目发车时间
      - 测试条目观光巴士每天几点走
      - When does the test sightseeing bus leave?
    answer: |-
      {NEW_ANSWER}
    answer_en: |-
      The test entry's answer: the bus leaves every morning.
    source:
      - file: assistant
        quote: 测试条目。
"""


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A copy of the bundled knowledge that the test may edit."""
    copy = tmp_path / "knowledge"
    shutil.copytree(bundled_dir("knowledge"), copy)
    return copy


@pytest.fixture
async def service(api: FakeBotApi, tmp_path: Path, kb_dir: Path) -> AsyncIterator[Runtime]:
    settings = service_settings(api, tmp_path, KB_DIR=str(kb_dir))
    async with running_service(settings, load_matcher(settings.kb_dir, settings.intents_dir)) as rt:
        yield rt


async def ask(api: FakeBotApi, update: dict[str, object], chat_id: int) -> str:
    """Push an update and return the first message it brings to `chat_id`."""
    before = len(api.sent(chat_id))
    api.push(update)
    await api.wait_for(lambda: len(api.sent(chat_id)) > before, what=f"a message to {chat_id}")
    return api.texts(chat_id)[before]


async def reload(api: FakeBotApi, chat_id: int = STAFF_CHAT_ID) -> str:
    """Send /reload as staff; return the report posted to the staff group."""
    before = len(api.sent(STAFF_CHAT_ID))
    api.push(make_command_update(STAFF_USER_ID, "/reload", chat_id=chat_id))
    await api.wait_for(lambda: len(api.sent(STAFF_CHAT_ID)) > before, what="the reload report")
    return api.texts(STAFF_CHAT_ID)[before]


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


async def test_an_added_entry_is_answered_after_reload(
    api: FakeBotApi, service: Runtime, kb_dir: Path
) -> None:
    """A new entry in KB_DIR is unknown until /reload, then answered; staff get a summary."""
    assert NEW_ANSWER not in await ask(api, make_text_update(RESIDENT, NEW_QUESTION), RESIDENT)
    # Unknown yet, it filed a ticket: its staff post may follow the reply by a few milliseconds
    # (on PostgreSQL each send first takes a slot of the shared budget); wait for it, or it is
    # taken for the reload's report.
    await api.wait_for(lambda: api.sent(STAFF_CHAT_ID), what="the ticket's staff post")
    append(kb_dir / "about.yaml", NEW_ENTRY)

    report = await reload(api)

    assert (
        load_matcher(service.settings.kb_dir, service.settings.intents_dir).kb.summary() in report
    )
    assert NEW_ANSWER in await ask(api, make_text_update(RESIDENT, NEW_QUESTION), RESIDENT)
    assert COVERED_ANSWER_START in await ask(api, make_text_update(RESIDENT, COVERED), RESIDENT)


async def test_a_broken_edit_keeps_the_old_knowledge_and_names_file_and_line(
    api: FakeBotApi, service: Runtime, kb_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An entry without its answer: the old knowledge keeps serving, the new entry is not
    half-loaded, and the staff group and the log name the file and the line."""
    broken = NEW_ENTRY.replace(f"    answer: |-\n      {NEW_ANSWER}\n", "")
    append(kb_dir / "about.yaml", broken)
    entry_line = 1 + (kb_dir / "about.yaml").read_text(encoding="utf-8").splitlines().index(
        "  - id: reload-test-bus"
    )

    report = await reload(api)

    assert "仍在使用原来的知识库" in report
    located = re.findall(r"knowledge/about\.yaml:(\d+):", report)
    assert located, report
    assert all(entry_line <= int(line) <= entry_line + 20 for line in located), report
    assert "answer" in report
    assert COVERED_ANSWER_START in await ask(api, make_text_update(RESIDENT, COVERED), RESIDENT)
    assert NEW_ANSWER not in await ask(api, make_text_update(RESIDENT, NEW_QUESTION), RESIDENT)
    logged = [r.getMessage() for r in caplog.records if "reload failed" in r.getMessage()]
    assert logged
    assert f"knowledge/about.yaml:{located[0]}" in logged[0]


async def test_a_yaml_syntax_error_is_reported_with_its_line(
    api: FakeBotApi, service: Runtime, kb_dir: Path
) -> None:
    """Text that is not YAML at all is reported with its line, and nothing changes."""
    lines = (kb_dir / "buildings.yaml").read_text(encoding="utf-8").splitlines()
    lines.insert(5, "  - id: [unclosed")
    (kb_dir / "buildings.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = await reload(api)

    assert re.search(r"knowledge/buildings\.yaml:\d+", report), report
    assert COVERED_ANSWER_START in await ask(api, make_text_update(RESIDENT, COVERED), RESIDENT)


async def test_reload_from_a_staff_members_private_chat_answers_there_too(
    api: FakeBotApi, service: Runtime
) -> None:
    """/reload sent privately by staff: the result comes back to them and to the staff group."""
    report = await reload(api, chat_id=STAFF_USER_ID)
    await api.wait_for(lambda: api.texts(STAFF_USER_ID), what="the private reply")
    assert api.texts(STAFF_USER_ID) == [report]


async def test_reload_from_a_resident_is_refused_and_changes_nothing(
    api: FakeBotApi, service: Runtime, kb_dir: Path
) -> None:
    """A non-staff /reload gets the same neutral refusal as every staff command, and the
    edited files are not loaded."""
    append(kb_dir / "about.yaml", NEW_ENTRY)
    refusal = await ask(api, make_command_update(RESIDENT, "/reload"), RESIDENT)
    assert refusal == staff_only_text()
    assert api.sent(STAFF_CHAT_ID) == []
    assert NEW_ANSWER not in await ask(api, make_text_update(RESIDENT, NEW_QUESTION), RESIDENT)


async def test_residents_are_answered_while_a_reload_is_loading(
    api: FakeBotApi, service: Runtime, kb_dir: Path
) -> None:
    """The knowledge loads in the background: while a reload is stuck reading a file (a named
    pipe nobody writes to yet), residents are still answered; then the reload completes."""
    pipe = kb_dir / "zz_slow.yaml"
    os.mkfifo(pipe)
    try:
        api.push(make_command_update(STAFF_USER_ID, "/reload", chat_id=STAFF_CHAT_ID))
        answer = await ask(api, make_text_update(RESIDENT, COVERED), RESIDENT)
        assert COVERED_ANSWER_START in answer
        assert api.sent(STAFF_CHAT_ID) == []  # the reload is still reading the pipe
    finally:
        await asyncio.to_thread(_feed, pipe, "entries: []\n")
    await api.wait_for(lambda: api.texts(STAFF_CHAT_ID), what="the reload report")


def _feed(pipe: Path, text: str, within: float = 30.0) -> None:
    """Write `text` to the pipe once a reader has opened it (give up after `within` seconds)."""
    deadline = time.monotonic() + within
    while True:
        try:
            fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: nobody is reading yet
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as writer:
            writer.write(text)
        return
