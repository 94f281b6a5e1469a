"""The staff web console's routes over a real store on both backends (Starlette's TestClient): login
with a one-time link, the queue, a ticket's actions, the stats and knowledge pages, the CSV,
and the security rules (sessions, cookie flags, CSRF and Origin, escaping, photo paths)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from starlette.testclient import TestClient

from bot.config import Settings
from bot.console.app import build_console
from bot.console.sessions import COOKIE
from bot.helpdesk import operations
from bot.helpdesk.assignment import NotStaffError
from bot.helpdesk.console_access import issue_link
from bot.helpdesk.workdays import DEFAULT_ZONE
from bot.store.backend import Store
from bot.store.database import utcnow
from bot.store.model import NewTicket
from bot.store.postgres import PostgresTicketStore
from tests.console_setup import (
    BASE,
    OUTSIDER,
    SECRET,
    STAFF_A,
    STAFF_B,
    console_app,
    console_settings,
    form_value,
    log_in,
    login_link,
    seed,
    with_store,
)
from tests.fake_bot_api import TOKEN, FakeBotApi
from tests.store_faults import Fault, PostgresReadOnly
from tests.telegram_harness import shared_knowledge

ORIGIN = {"origin": BASE}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return console_settings(database_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(console_app(settings), base_url=BASE, follow_redirects=False) as client:
        yield client


def post(client: TestClient, path: str, page: str, **fields: str) -> object:
    """Submit a form of `page` (its CSRF token and the ticket's `seen`) from the console."""
    data = {"csrf": form_value(page, "csrf"), **fields}
    if 'name="seen"' in page and "seen" not in fields:
        data["seen"] = form_value(page, "seen")
    return client.post(path, data=data, headers=ORIGIN)


def read_only_fault(store: Store, database_url: str) -> Fault | PostgresReadOnly:
    """The store's database made read-only: SQLite's PRAGMA query_only, or PostgreSQL's
    default_transaction_read_only."""
    if isinstance(store, PostgresTicketStore):
        return PostgresReadOnly(database_url, store)
    return Fault("read_only", store)


def rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'class="ticket-row" data-number="(\d+)"', html)]


# --- Logging in -------------------------------------------------------------------------


def test_no_page_without_a_session(client: TestClient, settings: Settings) -> None:
    """Every staff page asks for a login; none shows a ticket."""
    seed(settings, "社区食堂在哪里")
    for path in ("/queue", "/tickets/1", "/stats", "/knowledge", "/queue.csv", "/photos/1/0"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert "/console" in response.text
        assert "社区食堂" not in response.text


def test_a_link_logs_in_once_with_a_new_session_and_strict_cookie(
    client: TestClient, settings: Settings
) -> None:
    """The link sets an HttpOnly, SameSite=Strict session cookie; used again it is refused;
    a second login gets a different session id (no fixation)."""
    link = login_link(settings, STAFF_A).removeprefix(BASE)
    first = client.get(link)
    assert first.status_code == 200
    header = first.headers["set-cookie"]
    assert "HttpOnly" in header
    assert "SameSite=strict" in header
    assert "Secure" not in header
    session = client.cookies[COOKIE]
    assert client.get("/queue").status_code == 200
    again = client.get(link)
    assert again.status_code == 403
    assert "用过" in again.text
    log_in(client, settings)
    assert client.cookies[COOKIE] != session
    client.cookies.clear()
    client.cookies.set(COOKIE, session)
    assert client.get("/queue").status_code == 401  # the old session ended at the new login


def test_secure_cookie_when_the_console_is_https(database_url: str) -> None:
    settings = console_settings(database_url, CONSOLE_BASE_URL="https://console.example.org")
    with TestClient(console_app(settings), base_url="https://console.example.org") as client:
        link = login_link(settings, STAFF_A)
        response = client.get(link.removeprefix("https://console.example.org"))
        assert "Secure" in response.headers["set-cookie"]


def test_an_expired_or_unknown_link_is_refused(client: TestClient, settings: Settings) -> None:
    old = login_link(settings, STAFF_A, at=utcnow() - timedelta(minutes=11))
    response = client.get(old.removeprefix(BASE))
    assert response.status_code == 403
    assert "过期" in response.text
    assert COOKIE not in client.cookies
    unknown = client.get("/login/not-a-real-token")
    assert unknown.status_code == 403
    assert "无效" in unknown.text


def test_non_staff_get_no_link(settings: Settings) -> None:
    with pytest.raises(NotStaffError):
        login_link(settings, OUTSIDER)


def test_a_staff_member_removed_since_cannot_use_the_link(database_url: str) -> None:
    settings = console_settings(database_url)
    link = login_link(settings, STAFF_B)
    narrowed = console_settings(database_url, STAFF_USER_IDS=str(STAFF_A))
    with TestClient(console_app(narrowed), base_url=BASE) as client:
        response = client.get(link.removeprefix(BASE))
        assert response.status_code == 403
        assert "工作人员名单" in response.text


def test_idle_session_ends_after_twelve_hours(client: TestClient, settings: Settings) -> None:
    log_in(client, settings)

    async def age(store: Store) -> None:
        await store.execute(
            "UPDATE console_sessions SET seen_at = ?",
            ((utcnow() - timedelta(hours=12, minutes=1)).isoformat(),),
        )

    with_store(settings, age)
    assert client.get("/queue").status_code == 401


def test_logout_ends_the_session(client: TestClient, settings: Settings) -> None:
    log_in(client, settings)
    page = client.get("/queue").text
    response = post(client, "/logout", page)
    assert response.status_code == 200
    assert "退出" in response.text
    assert client.get("/queue").status_code == 401


# --- CSRF and Origin --------------------------------------------------------------------


def test_a_form_without_the_csrf_token_or_from_elsewhere_is_refused(
    client: TestClient, settings: Settings
) -> None:
    """Nothing changes: the ticket stays unclaimed."""
    seed(settings, "问题一")
    log_in(client, settings)
    page = client.get("/tickets/1").text
    seen = form_value(page, "seen")
    no_token = client.post("/tickets/1/claim", data={"seen": seen}, headers=ORIGIN)
    wrong = client.post("/tickets/1/claim", data={"seen": seen, "csrf": "x"}, headers=ORIGIN)
    csrf = form_value(page, "csrf")
    elsewhere = client.post(
        "/tickets/1/claim",
        data={"seen": seen, "csrf": csrf},
        headers={"origin": "https://evil.example"},
    )
    no_origin = client.post("/tickets/1/claim", data={"seen": seen, "csrf": csrf})
    for response in (no_token, wrong, elsewhere, no_origin):
        assert response.status_code == 403
        assert "安全校验" in response.text
    assert "（未认领）" in client.get("/tickets/1").text


# --- The queue --------------------------------------------------------------------------


def test_queue_tabs_filters_and_masking(client: TestClient, settings: Settings) -> None:
    seed(settings, "社区食堂在哪里？电话 13812345678", "渝才荟怎么申请", "停车难")
    log_in(client, settings)
    page = client.get("/queue").text
    assert rows(page) == [3, 2, 1]  # 未认领, newest first
    assert "13812345678" not in page
    assert "138****5678" in page
    post(client, "/tickets/2/claim", client.get("/tickets/2").text)
    assert rows(client.get("/queue?tab=unassigned").text) == [3, 1]
    assert rows(client.get("/queue?tab=mine").text) == [2]
    assert rows(client.get("/queue?tab=all&sort=oldest").text) == [1, 2, 3]
    assert rows(client.get("/queue?tab=all&status=claimed").text) == [2]
    assert rows(client.get(f"/queue?tab=all&assignee={STAFF_A}").text) == [2]
    assert rows(client.get("/queue?tab=all&q=食堂").text) == [1]
    assert rows(client.get("/queue?tab=all&category=report").text) == []
    today = utcnow().astimezone(ZoneInfo(DEFAULT_ZONE)).date().isoformat()  # the service's day
    assert rows(client.get(f"/queue?tab=all&since={today}&until={today}").text) == [3, 2, 1]


def test_the_rows_block_alone_for_htmx_polling(client: TestClient, settings: Settings) -> None:
    """A new ticket appears in the polled rows block (no page around it)."""
    seed(settings, "问题一")
    log_in(client, settings)
    headers = {"hx-request": "true", "hx-target": "rows"}
    before = client.get("/queue", headers=headers).text
    assert before.lstrip().startswith('<tbody id="rows"')
    assert "<html" not in before
    seed(settings, "新问题")
    assert rows(client.get("/queue", headers=headers).text) == [2, 1]


def test_queue_pages(client: TestClient, settings: Settings) -> None:
    seed(settings, *[f"问题 {i}" for i in range(60)])
    log_in(client, settings)
    first, second = client.get("/queue").text, client.get("/queue?page=2").text
    assert len(rows(first)) == 50
    assert rows(second) == list(range(10, 0, -1))
    assert "第 2/2 页，共 60 条" in second


def test_rated_bad_tab_and_the_follow_up(client: TestClient, settings: Settings) -> None:
    """A closed ticket rated 不满意 is in 待回访 with its rating; recording the follow-up
    (回访) takes it out, and the history says who did it."""
    seed(settings, "问题", "另一个")

    async def rate_badly(store: Store) -> None:
        for number, rating in ((1, 2), (2, 5)):
            await operations.close(store, number, f"staff:{STAFF_B}", "", utcnow())
            await store.rate(number, 1000 + number, rating, utcnow() + timedelta(days=20), utcnow())

    with_store(settings, rate_badly)
    log_in(client, settings)
    assert rows(client.get("/queue?tab=rated-bad").text) == [1]
    page = client.get("/tickets/1").text
    assert "不满意" in page
    assert 'id="do-followup"' in page
    response = post(client, "/tickets/1/followup", page, text="已电话回访，居民表示理解")
    assert response.status_code == 303
    assert rows(client.get("/queue?tab=rated-bad").text) == []
    assert 'id="do-followup"' not in client.get("/tickets/1").text

    async def check(store: Store) -> None:
        last = (await store.events(1))[-1]
        assert (last.kind, last.actor) == ("followed_up", f"staff:{STAFF_A}")

    with_store(settings, check)


def test_due_tabs_use_the_working_day_limits(client: TestClient, settings: Settings) -> None:
    """A ticket filed 30 days ago is past every limit: 已超期, not 即将超期."""
    seed(settings, "老问题")

    async def backdate(store: Store) -> None:
        old = (utcnow() - timedelta(days=30)).isoformat()
        await store.execute("UPDATE tickets SET created_at = ?", (old,))

    with_store(settings, backdate)
    log_in(client, settings)
    assert rows(client.get("/queue?tab=overdue").text) == [1]
    assert rows(client.get("/queue?tab=due").text) == []
    assert "badge overdue" in client.get("/queue").text


def test_csv_export_of_the_current_view(client: TestClient, settings: Settings) -> None:
    seed(settings, "食堂 13812345678", "渝才荟")
    log_in(client, settings)
    response = client.get("/queue.csv?tab=all&q=食堂")
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["number"] for r in table] == ["1"]
    assert "13812345678" not in response.text


# --- A ticket ---------------------------------------------------------------------------


def test_resident_text_is_shown_as_text(client: TestClient, settings: Settings) -> None:
    seed(settings, "<script>alert('x')</script><img src=x onerror=alert(1)>")
    log_in(client, settings)
    for page in (client.get("/queue").text, client.get("/tickets/1").text):
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_claim_reply_note_close_reopen_are_in_the_history(
    client: TestClient, settings: Settings
) -> None:
    """Each action is recorded with who; the reply is queued for the resident's chat."""
    seed(settings, "社区食堂在哪里")
    log_in(client, settings)
    for action, fields in (
        ("claim", {}),
        ("reply", {"text": "在解放碑。"}),
        ("note", {"text": "已电话联系"}),
        ("close", {"text": "办结"}),
        ("reopen", {}),
    ):
        response = post(client, f"/tickets/1/{action}", client.get("/tickets/1").text, **fields)
        assert response.status_code == 303, (action, response.text[:500])

    async def check(store: Store) -> None:
        events = await store.events(1)
        assert [e.kind for e in events] == [
            "created",
            "claimed",
            "staff_reply",
            "note",
            "closed",
            "reopened",
        ]
        assert {e.actor for e in events[1:]} == {f"staff:{STAFF_A}"}
        sent = await store.due_messages(utcnow() + timedelta(minutes=1), chat_id=1001)
        assert any("在解放碑。" in m.text for m in sent)

    with_store(settings, check)
    page = client.get("/tickets/1").text
    assert "张三" in page
    assert "已电话联系" in page


def test_an_empty_reply_is_refused_and_nothing_sent(client: TestClient, settings: Settings) -> None:
    seed(settings, "问题")
    log_in(client, settings)
    response = post(client, "/tickets/1/reply", client.get("/tickets/1").text, text="   ")
    assert response.status_code == 400

    async def check(store: Store) -> None:
        assert [e.kind for e in await store.events(1)] == ["created"]

    with_store(settings, check)


def test_a_reply_to_a_ticket_changed_meanwhile_is_refused_with_the_new_state(
    client: TestClient, settings: Settings
) -> None:
    """张三 opens the ticket; 李四 closes it; 张三's reply is refused (409), his text kept in
    the box, and the page shows it closed."""
    seed(settings, "问题")
    log_in(client, settings)
    page = client.get("/tickets/1").text

    async def close(store: Store) -> None:
        await operations.close(store, 1, f"staff:{STAFF_B}", "", utcnow())

    with_store(settings, close)
    response = post(client, "/tickets/1/reply", page, text="我的答复")
    assert response.status_code == 409
    assert "已被他人更改" in response.text
    assert "已办结" in response.text
    assert "我的答复" in response.text

    async def check(store: Store) -> None:
        assert "staff_reply" not in [e.kind for e in await store.events(1)]

    with_store(settings, check)


def test_assign_and_release(client: TestClient, settings: Settings) -> None:
    seed(settings, "问题")
    log_in(client, settings)
    post(client, "/tickets/1/assign", client.get("/tickets/1").text, text=str(STAFF_B))
    page = client.get("/tickets/1").text
    assert '<dd id="assignee">李四</dd>' in page
    post(client, "/tickets/1/release", page)
    assert "（未认领）" in client.get("/tickets/1").text


def test_two_staff_see_who_is_replying(client: TestClient, settings: Settings) -> None:
    """Two browsers (two sessions) on the same ticket: each sees the other."""
    seed(settings, "问题")
    sessions = {}
    for user_id in (STAFF_A, STAFF_B):
        client.cookies.clear()
        log_in(client, settings, user_id)
        sessions[user_id] = client.cookies[COOKIE]

    def as_staff(user_id: int) -> TestClient:
        client.cookies.clear()
        client.cookies.set(COOKIE, sessions[user_id])
        return client

    as_staff(STAFF_A).get("/tickets/1")
    assert "张三 也在查看" in as_staff(STAFF_B).get("/tickets/1").text
    zhang = as_staff(STAFF_A)
    typing = zhang.post(
        "/tickets/1/presence",
        data={"csrf": form_value(zhang.get("/queue").text, "csrf")},
        headers=ORIGIN,
    )
    assert typing.status_code == 200
    polled = as_staff(STAFF_B).get("/tickets/1/presence").text
    assert "张三 正在回复" in polled
    assert 'hx-get="/tickets/1/presence"' in polled  # the swapped block polls the same ticket


def test_standard_reply_picker_fills_the_box(client: TestClient, settings: Settings) -> None:
    seed(settings, "渝才荟是什么")
    log_in(client, settings)
    found = client.get("/tickets/1/standard?q=渝才荟").text
    entry = re.search(r"standard\?entry=([\w%-]+)", found)
    assert entry, found
    box = client.get(f"/tickets/1/standard?entry={entry.group(1)}").text
    assert box.lstrip().startswith('<textarea id="reply-text"')
    assert len(box) > 120


def test_closest_entries_are_shown(client: TestClient, settings: Settings) -> None:
    seed(settings, "渝才荟怎么申请")
    log_in(client, settings)
    page = client.get("/tickets/1").text
    closest = page.split('id="closest"')[1].split("</ul>")[0]
    assert closest.count("<li>") >= 1
    assert "（无）" not in closest


def test_photo_routes_take_only_a_position(client: TestClient, settings: Settings) -> None:
    """No path from the URL ever reaches the Bot API or the disk."""
    seed(settings, "问题")
    log_in(client, settings)
    for path in (
        "/photos/1/0",
        "/photos/1/..%2F..%2Fetc%2Fpasswd",
        "/photos/1/../../etc/passwd",
        "/photos/..%2F1/0",
        "/static/..%2F..%2Fconfig.py",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "root:" not in response.text
        assert "SettingsError" not in response.text


# --- Stats and knowledge ----------------------------------------------------------------


def test_stats_draw_the_charts(client: TestClient, settings: Settings) -> None:
    seed(settings, "问题一", "问题二")
    seed(settings, "举报", category="report")
    log_in(client, settings)
    page = client.get("/stats?days=7").text
    per_day = page.split('id="chart-per-day"')[1].split("</figure>")[0]
    assert per_day.count('<rect class="bar"') == 2  # today's two categories
    assert "3 工单" in page
    replies = page.split('id="chart-first-reply"')[1].split("</figure>")[0]
    assert replies.count('<rect class="bar"') == 1  # all three: no reply yet
    assert "这段时间没有评价" in page
    assert len(page.encode()) < 200_000


def test_knowledge_search_and_weekly_counts(client: TestClient, settings: Settings) -> None:
    log_in(client, settings)
    page = client.get("/knowledge?q=渝才荟").text
    ids = re.findall(r'class="entry" data-id="([^"]+)"', page)
    assert ids
    entry = ids[0]

    async def answered_entry(store: Store) -> None:
        await store.record_answer("telegram", 1, 1, "q", entry, (), utcnow())

    with_store(settings, answered_entry)
    page = client.get("/knowledge?q=渝才荟").text
    row = page.split(f'data-id="{entry}"')[1].split("</tr>")[0]
    assert '<td class="answered">1</td>' in row


def test_english_staff_get_english_pages(client: TestClient, settings: Settings) -> None:
    async def english(store: Store) -> None:
        state = await store.load_state("telegram", STAFF_A)
        await store.save_state(replace(state, language="en"), utcnow())

    with_store(settings, english)
    seed(settings, "question")
    log_in(client, settings)
    page = client.get("/queue").text
    assert "Unclaimed" in page
    assert "未认领" not in page
    ticket = client.get("/tickets/1").text
    assert "<b>filed</b>" in ticket
    assert "unanswered" in ticket
    assert "未答问题" not in ticket


def test_security_headers(client: TestClient, settings: Settings) -> None:
    log_in(client, settings)
    headers = client.get("/queue").headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


async def test_photos_are_fetched_through_the_bot_api(
    api: FakeBotApi, store: Store, database_url: str
) -> None:
    """A report's photo shows as a thumbnail; its bytes come from getFile and the file URL
    (the token stays on the server side); a position past the last photo is 404."""
    settings = console_settings(
        database_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url
    )
    new = NewTicket(1001, 1001, "telegram", "report", "路灯坏了", attachments=("AgAD-photo-1",))
    await store.create_ticket(new, utcnow())
    app = build_console(settings, store, shared_knowledge, SECRET)
    link = await issue_link(store, settings, STAFF_A, utcnow())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as browser:
        assert (await browser.get(link.removeprefix(BASE))).status_code == 200
        page = (await browser.get("/tickets/1")).text
        assert '<img src="/photos/1/0"' in page
        assert TOKEN not in page
        photo = await browser.get("/photos/1/0")
        assert photo.status_code == 200
        assert photo.content[:4] == b"\x89PNG"
        assert (await browser.get("/photos/1/1")).status_code == 404
    assert api.of("getFile")[0].params["file_id"] == "AgAD-photo-1"
    assert api.of("file")[0].params["path"] == "photos/AgAD-photo-1.png"


def test_times_are_shown_in_the_district_s_time_zone(
    client: TestClient, settings: Settings
) -> None:
    """Stored in UTC, shown in Asia/Shanghai (UTC+8)."""
    seed(settings, "问题")

    async def at_two_utc(store: Store) -> None:
        await store.execute("UPDATE tickets SET created_at = '2026-12-01T02:00:00.000000+00:00'")
        await store.execute("UPDATE events SET at = '2026-12-01T02:00:00.000000+00:00'")

    with_store(settings, at_two_utc)
    log_in(client, settings)
    page = client.get("/tickets/1").text
    assert "<dd>2026-12-01 10:00</dd>" in page
    assert ">2026-12-01 10:00</time>" in page


def test_a_poll_after_the_session_ended_reloads_the_page(
    client: TestClient, settings: Settings
) -> None:
    response = client.get("/queue", headers={"hx-request": "true", "hx-target": "rows"})
    assert response.status_code == 401
    assert response.headers["hx-refresh"] == "true"


def test_stats_for_a_chosen_period(client: TestClient, settings: Settings) -> None:
    """Only the tickets filed between the two days (both included) are counted."""
    seed(settings, "今天的问题")
    seed(settings, "上个月的问题")

    async def last_month(store: Store) -> None:
        await store.execute(
            "UPDATE tickets SET created_at = '2026-11-03T04:00:00.000000+00:00' WHERE number = 2"
        )

    with_store(settings, last_month)
    log_in(client, settings)
    page = client.get("/stats?since=2026-11-01&until=2026-11-05").text
    assert "1 工单" in page
    assert 'value="2026-11-01"' in page
    per_day = page.split('id="chart-per-day"')[1].split("</figure>")[0]
    assert per_day.count('<rect class="bar"') == 1
    assert "上个月的问题" in page  # the unanswered group's example
    assert "今天的问题" not in page


def test_csv_cells_never_run_as_formulas(client: TestClient, settings: Settings) -> None:
    seed(settings, '=HYPERLINK("http://evil.example","点我")')
    log_in(client, settings)
    response = client.get("/queue.csv?tab=all")
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0]["text"] == """'=HYPERLINK("http://evil.example","点我")"""


def test_a_read_only_database_saves_nothing_and_says_so(
    client: TestClient, settings: Settings, database_url: str
) -> None:
    """The reply is not reported as sent: 503 with the busy notice; nothing in the history."""
    seed(settings, "问题")
    log_in(client, settings)
    page = client.get("/tickets/1").text
    store = client.app.state.console.store  # type: ignore[attr-defined]
    assert client.portal is not None
    fault = read_only_fault(store, database_url)
    client.portal.call(fault.on)
    response = post(client, "/tickets/1/reply", page, text="答复")
    assert response.status_code == 503
    assert "没有保存" in response.text
    client.portal.call(fault.off)

    async def check(store: Store) -> None:
        assert [e.kind for e in await store.events(1)] == ["created"]

    with_store(settings, check)


def test_stats_show_the_ratings(client: TestClient, settings: Settings) -> None:
    seed(settings, "一", "二", "三")

    async def rate(store: Store) -> None:
        for number, rating in ((1, 5), (2, 5), (3, 1)):
            await operations.close(store, number, f"staff:{STAFF_B}", "", utcnow())
            await store.rate(number, 1000 + number, rating, None, utcnow())

    with_store(settings, rate)
    log_in(client, settings)
    page = client.get("/stats?days=7").text
    chart = page.split('id="chart-ratings"')[1].split("</figure>")[0]
    assert chart.count('<rect class="bar"') == 2  # 非常满意 ×2, 非常不满意 ×1
    assert "非常满意: 2" in chart


def test_the_answered_share_is_the_helpdesk_s(client: TestClient, settings: Settings) -> None:
    """Three questions answered, one filed straight as a ticket: 75% this week (answered
    without a ticket ÷ all questions, as /stats counts it)."""
    seed(settings, "火星天气")

    async def answered(store: Store) -> None:
        for _ in range(3):
            await store.record_answer("telegram", 7, 7, "渝才荟", "any-entry", (), utcnow())

    with_store(settings, answered)
    log_in(client, settings)
    chart = client.get("/stats?days=7").text.split('id="chart-share"')[1].split("</figure>")[0]
    assert ": 75%</title>" in chart


def test_unanswered_questions_are_grouped_as_stats_groups_them(
    client: TestClient, settings: Settings
) -> None:
    seed(
        settings, "火星上明天的天气预报是什么", "火星上明天的天气预报是什么？", "月球有没有社区食堂"
    )
    log_in(client, settings)
    table = client.get("/stats?days=7").text.split('id="groups"')[1].split("</table>")[0]
    first = table.split("<tr>")[2]
    assert "火星上明天的天气预报是什么" in first
    assert "<td>2</td>" in first
    assert '<a href="/tickets/1">#1</a>' in first
    assert '<a href="/tickets/2">#2</a>' in first
