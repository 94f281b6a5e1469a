"""The staff console in a real browser: Debian's Chromium driven by Playwright, against the
real Telegram service (in this process, on the fake Bot API) with the console served beside
it, as `python -m bot run` serves it with CONSOLE_PORT (and `run` itself, as a process), on
both backends.

Skipped, with the reason, only when Chromium cannot be started (`apt-get install chromium`;
.ci/run installs it). Set UPDATE_SCREENSHOTS=1 to refresh docs/console-queue.png."""

from __future__ import annotations

import os
import re
import shutil
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.console.server import console_beside
from bot.helpdesk.console_access import issue_link
from bot.matching.matcher import load_matcher
from bot.paths import bundled_dir
from bot.store.database import utcnow
from tests.factories import STAFF_USER_ID, make_command_update, make_text_update
from tests.fake_bot_api import FakeBotApi
from tests.telegram_harness import BotProcess, running_service, service_env, service_settings

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("service_backend")]

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RESIDENT, OUTSIDER = 301, 302
UNCOVERED = "火星上明天的天气预报是什么"
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "console-queue.png"
CHECKS_TIMEOUT_MS = 120_000  # a proposal's checks: two leave-one-out runs on a loaded machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Chromium, or a skip saying why it cannot start."""
    playwright_api = pytest.importorskip("playwright.async_api")
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    async with playwright_api.async_playwright() as playwright:
        try:
            chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        except Exception as exc:
            pytest.skip(f"Chromium cannot be started: {exc}")
        yield chromium
        await chromium.close()


@pytest.fixture
async def service(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """The Telegram service and the console beside it; yields the settings, store, base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = service_settings(
        api,
        tmp_path,
        CONSOLE_PORT=str(port),
        CONSOLE_SECRET="browser-test-secret-0123456789",
        CONSOLE_BASE_URL=base,
        STAFF=f"{STAFF_USER_ID}:张三,900002:李四",
    )
    async with running_service(settings) as rt:
        knowledge = lambda: rt.engine.services.matcher  # noqa: E731 -- follows reloads
        async with console_beside(settings, rt.store, knowledge):
            yield {"settings": settings, "store": rt.store, "base": base}


async def link_from_telegram(api: FakeBotApi, user_id: int) -> str:
    """Send /console in the private chat; return the link the bot answers with."""
    before = len(api.texts(user_id))
    api.push(make_command_update(user_id, "/console"))
    await api.wait_for(lambda: len(api.texts(user_id)) > before, what="the /console reply")
    found = re.search(r"http://\S+/login/\S+", api.texts(user_id)[-1])
    assert found, api.texts(user_id)[-1]
    return found.group(0)


async def test_log_in_claim_reply_with_a_standard_reply_close_and_see_the_stats(
    api: FakeBotApi, service: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    """The whole round: a resident's uncovered question becomes ticket #1; a staff member gets
    a link with /console, sees #1 in 未认领, claims it, replies with a 答复口径 entry, the
    resident receives it through the Bot API, closes it, and the stats chart is drawn."""
    api.push(make_text_update(RESIDENT, UNCOVERED))
    await api.wait_for(lambda: api.texts(RESIDENT), what="the ticket notice")
    for i, text in enumerate(
        ("解放碑步行街周末有没有停车位？", "我的电话13812345678，社区食堂几点开门")
    ):
        api.push(make_text_update(RESIDENT + 10 + i, text))
        await api.wait_for(lambda i=i: api.texts(RESIDENT + 10 + i), what="another ticket")
    link = await link_from_telegram(api, STAFF_USER_ID)

    page = await browser.new_page(viewport={"width": 1366, "height": 768})
    await page.goto(link)
    await page.wait_for_url("**/queue")
    row = page.locator('tr.ticket-row[data-number="1"]')
    await row.wait_for()
    assert UNCOVERED in await row.inner_text()
    assert "13812345678" not in await page.content()
    shot = tmp_path / "queue.png"
    await page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("UPDATE_SCREENSHOTS"):
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copy(shot, SCREENSHOT)

    await row.locator("a").click()
    await page.wait_for_url("**/tickets/1")
    await page.click("#do-claim")
    await page.wait_for_selector("#notice")
    assert "张三" in await page.inner_text("#assignee")

    await page.fill("#picker-search", "渝才荟")
    insert = page.locator("#picker-results button.insert").first
    await insert.wait_for()
    await insert.click()
    for _ in range(100):  # (wait_for_function would need eval, which the CSP forbids)
        chosen = await page.input_value("#reply-text")
        if len(chosen) > 20:
            break
        await page.wait_for_timeout(100)
    assert len(chosen) > 20
    before = len(api.texts(RESIDENT))
    await page.click("#do-reply")
    await page.wait_for_selector("#notice")
    await api.wait_for(lambda: len(api.texts(RESIDENT)) > before, what="the reply")
    assert chosen.strip()[:30] in api.texts(RESIDENT)[-1]

    page_close = page.locator("form[action='/tickets/1/close'] button")
    await page_close.click()
    await page.wait_for_selector("#notice")
    assert await page.inner_text("#status") == "已办结"
    await api.wait_for(lambda: "已办结" in api.texts(RESIDENT)[-1], what="the closing notice")

    await page.goto(service["base"] + "/stats?days=7")
    bars = await page.locator("#chart-per-day svg rect.bar").count()
    assert bars >= 1
    assert await page.locator("#chart-first-reply svg rect.bar").count() >= 1

    # Phone width: the page fits (the table scrolls inside its box).
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(service["base"] + "/queue?tab=all")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


async def test_new_tickets_appear_without_a_reload(
    api: FakeBotApi, service: dict[str, Any], browser: Any
) -> None:
    link = await issue_link(service["store"], service["settings"], STAFF_USER_ID, utcnow())
    page = await browser.new_page()
    await page.goto(link)
    await page.wait_for_url("**/queue")
    assert await page.locator("tr.ticket-row").count() == 0
    api.push(make_text_update(RESIDENT, UNCOVERED))
    await page.locator('tr.ticket-row[data-number="1"]').wait_for(timeout=15_000)


async def test_refusals_csrf_expired_link_and_non_staff(
    api: FakeBotApi, service: dict[str, Any], browser: Any
) -> None:
    store, settings, base = service["store"], service["settings"], service["base"]
    page = await browser.new_page()
    await page.goto(base + "/queue")
    assert "/console" in await page.inner_text("#message")

    expired = await issue_link(store, settings, STAFF_USER_ID, utcnow() - timedelta(minutes=11))
    await page.goto(expired)
    assert "过期" in await page.inner_text("#message")

    api.push(make_command_update(OUTSIDER, "/console"))
    await api.wait_for(lambda: api.texts(OUTSIDER), what="the refusal")
    assert "/login/" not in api.texts(OUTSIDER)[-1]

    api.push(make_text_update(RESIDENT, UNCOVERED))
    await api.wait_for(lambda: api.texts(RESIDENT), what="the ticket notice")
    await page.goto(await issue_link(store, settings, STAFF_USER_ID, utcnow()))
    await page.wait_for_url("**/queue")
    # A forged request from the page's own cookies but without the CSRF token is refused.
    forged = await page.request.post(
        base + "/tickets/1/claim", form={"seen": "x"}, headers={"origin": base}
    )
    assert forged.status == 403
    assert "安全校验" in await forged.text()
    assert (await store.ticket(1)).assignee is None


async def test_run_serves_the_console_and_stops_cleanly(api: FakeBotApi, tmp_path: Path) -> None:
    """`python -m bot run` with CONSOLE_PORT: a link from /console logs in over real HTTP on
    that port, and SIGTERM stops both with exit status 0."""
    port = free_port()
    env = service_env(
        api, tmp_path, CONSOLE_PORT=str(port), CONSOLE_SECRET="run-test-secret-0123456789"
    )
    process = BotProcess(env, tmp_path / "service.log")
    try:
        await api.wait_for(
            lambda: api.of("getUpdates") or process.process.poll() is not None,
            within=60,
            what="the service to start",
        )
        assert process.process.poll() is None, process.log()[-3000:]
        link = await link_from_telegram(api, STAFF_USER_ID)
        assert link.startswith(f"http://127.0.0.1:{port}/login/")
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"http://127.0.0.1:{port}/queue")).status_code == 401
            assert (await client.get(link)).status_code == 200
            assert (await client.get(f"http://127.0.0.1:{port}/queue")).status_code == 200
        assert await process.stop() == 0, process.log()[-3000:]
    finally:
        if process.process.poll() is None:
            process.kill()
    assert "/login/" not in process.log()  # the link never reaches the log


async def test_two_staff_on_one_ticket_see_who_is_replying(
    api: FakeBotApi, service: dict[str, Any], browser: Any
) -> None:
    """Two browsers: when 李四 types a reply, 张三's page says so (htmx posts the typing with
    the CSRF header; the page polls every few seconds)."""
    store, settings, base = service["store"], service["settings"], service["base"]
    api.push(make_text_update(RESIDENT, UNCOVERED))
    await api.wait_for(lambda: api.texts(RESIDENT), what="the ticket notice")
    pages = []
    for user_id in (STAFF_USER_ID, 900002):
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(await issue_link(store, settings, user_id, utcnow()))
        await page.wait_for_url("**/queue")
        await page.goto(base + "/tickets/1")
        pages.append(page)
    zhang, li = pages
    await li.fill("#reply-text", "正在核实，请稍等")
    await zhang.locator("#presence", has_text="李四 正在回复").wait_for(timeout=15_000)


TEACH_QUESTION = "渝中区的社区图书馆周末开门吗"
TEACH_REPLY = "社区图书馆周末正常开放，具体以各社区公告为准。"
TEACH_OWNER = "渝中区文化旅游委"
TEACH_WORDINGS = (
    "社区图书馆星期六星期天开不开\n周末能去社区图书馆看书不\n社区图书馆双休日开放吗\n"
    "社区图书馆礼拜天开门不\nIs the community library open at weekends?"
)


@pytest.fixture
async def teaching(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """The service on a copy of the knowledge (KB_DIR) with the console beside it, the
    console's approvals followed by the service's reload."""
    kb_dir = tmp_path / "knowledge"
    shutil.copytree(bundled_dir("knowledge"), kb_dir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = service_settings(
        api,
        tmp_path,
        KB_DIR=str(kb_dir),
        CONSOLE_PORT=str(port),
        CONSOLE_SECRET="browser-test-secret-0123456789",
        CONSOLE_BASE_URL=base,
        STAFF=f"{STAFF_USER_ID}:张三,900002:李四",
    )
    matcher = load_matcher(settings.kb_dir, settings.intents_dir)
    async with running_service(settings, matcher) as rt:
        knowledge = lambda: rt.engine.services.matcher  # noqa: E731 -- follows reloads
        reload = rt.reloader.reload_if_changed
        async with console_beside(settings, rt.store, knowledge, after_approval=reload):
            yield {"settings": settings, "store": rt.store, "base": base, "rt": rt}


async def test_teach_from_a_ticket_then_a_colleague_approves_and_the_question_is_answered(
    api: FakeBotApi, teaching: dict[str, Any], browser: Any
) -> None:
    """The loop from the console: a resident's question becomes ticket #1, 张三 answers it and
    files 转为知识 as a new entry owned by a department, his own approval is refused, 李四
    approves it in the 知识库 tab's 待审核 view, and the same question is then answered by the
    bot with the department as its source."""
    store, settings, base = teaching["store"], teaching["settings"], teaching["base"]
    api.push(make_text_update(RESIDENT, TEACH_QUESTION))
    await api.wait_for(lambda: api.texts(RESIDENT), what="the ticket notice")
    assert (await store.ticket(1)).status == "open"

    zhang = await (await browser.new_context()).new_page()
    await zhang.goto(await issue_link(store, settings, STAFF_USER_ID, utcnow()))
    await zhang.wait_for_url("**/queue")
    await zhang.goto(base + "/tickets/1")
    assert await zhang.locator("#teach").count() == 0  # not before staff answered
    await zhang.fill("#reply-text", TEACH_REPLY)
    await zhang.click("#do-reply")
    await zhang.wait_for_selector("#notice")
    assert TEACH_REPLY in await zhang.input_value("#teach-answer")  # drafted from the reply
    await zhang.check("#teach-new")
    await zhang.fill("#teach-owner", TEACH_OWNER)
    await zhang.select_option("select[name=category]", "resident")
    await zhang.fill("#teach-questions", TEACH_WORDINGS)
    await zhang.click("#do-teach")  # filed at once; its checks run beside, shown when done
    proposal = zhang.locator("#p1")
    await proposal.wait_for(timeout=20_000)
    assert "P1" in await zhang.inner_text("#notice")
    await proposal.locator(".check-rules").wait_for(timeout=CHECKS_TIMEOUT_MS)
    assert TEACH_OWNER in await proposal.inner_text()
    assert "全部通过" in await proposal.locator(".check-rules").inner_text()
    await zhang.click("#approve-1")
    await zhang.locator("#p1 .proposal-error", has_text="另一位工作人员").wait_for(timeout=20_000)
    assert (await store.proposal(1)).status == "open"

    li = await (await browser.new_context()).new_page()
    await li.goto(await issue_link(store, settings, 900002, utcnow()))
    await li.wait_for_url("**/queue")
    await li.click("header nav a[href='/knowledge']")
    await li.click("#tab-proposals")
    await li.click("#approve-1")
    await li.locator("#notice", has_text="已批准").wait_for(timeout=20_000)
    assert (await store.proposal(1)).reviewer == "staff:900002"

    asker = RESIDENT + 1
    api.push(make_text_update(asker, TEACH_QUESTION))
    await api.wait_for(lambda: api.texts(asker), what="the answer")
    assert TEACH_REPLY in api.texts(asker)[-1]
    assert f"来源：{TEACH_OWNER}" in api.texts(asker)[-1]
