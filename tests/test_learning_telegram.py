"""Knowledge proposals from the staff group over the fake Bot API (issue 18): a resident's
question becomes a ticket, staff answer it, /teach proposes a new entry owned by a department,
its author cannot /approve it, a colleague can; the service reloads at once and the resident's
same question is then answered, with the department named as the source."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.matching.matcher import load_matcher
from bot.paths import bundled_dir
from bot.transport.handlers import Runtime
from bot.words import staff_only_text
from tests.factories import STAFF_CHAT_ID, STAFF_USER_ID, make_command_update, make_text_update
from tests.fake_bot_api import FakeBotApi
from tests.telegram_harness import CHECKS_WAIT, running_service, service_settings

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("service_backend")]

RESIDENT = 6101
COLLEAGUE = 900002  # the second staff member of service_settings
QUESTION = "渝中区的社区图书馆周末开门吗"
REPLY = "社区图书馆周末正常开放，具体以各社区公告为准。"
OWNER = "渝中区文化旅游委"
WORDINGS = "社区图书馆星期六星期天开不开 | 周末能去社区图书馆看书不 | 社区图书馆双休日开放吗 | " \
    "社区图书馆礼拜天开门不 | Is the community library open at weekends?"  # fmt: skip


@pytest.fixture
async def service(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Runtime]:
    kb_dir = tmp_path / "knowledge"
    shutil.copytree(bundled_dir("knowledge"), kb_dir)
    settings = service_settings(api, tmp_path, KB_DIR=str(kb_dir))
    async with running_service(settings, load_matcher(settings.kb_dir, settings.intents_dir)) as rt:
        yield rt


async def said(
    api: FakeBotApi, update: dict[str, object], chat_id: int, marker: str = "", within: float = 30.0
) -> str:
    """Push an update and return the first message it brings to `chat_id` containing `marker`
    (the staff group also gets other posts meanwhile)."""
    before = len(api.sent(chat_id))

    def found() -> list[str]:
        return [t for t in api.texts(chat_id)[before:] if marker in t]

    api.push(update)
    what = f"a message to {chat_id} with {marker!r}"
    await api.wait_for(lambda: found(), within=within, what=what)
    return found()[0]


async def test_teach_approve_and_the_same_question_answered(
    api: FakeBotApi, service: Runtime
) -> None:
    """/teach from the group, refused to its author, approved by a colleague, answered after."""
    await said(api, make_text_update(RESIDENT, QUESTION), RESIDENT)
    [ticket] = await service.store.tickets()
    before = service.engine.services.kb.summary()
    reply = f"/reply {ticket.number} {REPLY}"
    await said(api, make_command_update(STAFF_USER_ID, reply, chat_id=STAFF_CHAT_ID), RESIDENT)
    teach = f"/teach {ticket.number} new {OWNER} | {WORDINGS}"
    group = STAFF_CHAT_ID
    update = make_command_update(STAFF_USER_ID, teach, chat_id=group)
    made = await said(api, update, group, "P1", within=CHECKS_WAIT)
    assert "规则问题 0 个，抢走其他条目的问题 0 个" in made

    approve = "/approve 1"
    refused = await said(
        api, make_command_update(STAFF_USER_ID, approve, chat_id=group), group, "无法处理"
    )
    assert "另一位工作人员审核" in refused
    assert (await service.store.proposal(1)).status == "open"
    resident = await said(api, make_command_update(RESIDENT, approve), RESIDENT)
    assert resident == staff_only_text()

    update = make_command_update(COLLEAGUE, approve, chat_id=group)
    await said(api, update, group, "P1 已批准", within=CHECKS_WAIT)
    assert (await service.store.proposal(1)).reviewer == f"staff:{COLLEAGUE}"
    await api.wait_for(lambda: service.engine.services.kb.summary() != before, what="a reload")
    answer = await said(api, make_text_update(RESIDENT + 1, QUESTION), RESIDENT + 1)
    assert REPLY in answer
    assert f"来源：{OWNER}" in answer
