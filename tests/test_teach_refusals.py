"""The learning loop's refusals (issue 18) are said in the staff member's language and in the
terms of the surface they used: every kind through the staff group (the real service over the
fake Bot API; Chinese and English staff), the console's forms (Chinese) and the shell
(English), each asserting the words and that nothing was written; and the table of words
itself (every kind a module raises has words; no surface is told another surface's options).

The tickets, filed in this order (numbers 1 …) in a copy of the knowledge that already has
the entry `staff-answer-1`:
1 a question staff answered, whose new entry would be `staff-answer-1` (exists already);
2 "asdf qwer", answered: no entry is close to it;
3 a phone number alone, answered: no question is left once personal data is removed;
4 a question nobody answered yet;
5 the rider-station question, answered: as a wording of the parking entry it takes other
  entries' questions (P1);
6 the library question answered with a phone number: as a new entry it breaks the kb rules
  and has a contact detail (P2).
"""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from starlette.testclient import TestClient

from bot.cli import main
from bot.config import Settings, load_settings
from bot.console.server import console_server
from bot.helpdesk import operations
from bot.helpdesk.console_access import issue_link
from bot.learning.change import ChangeError
from bot.learning.checks import Checks
from bot.learning.refusal import Refusal
from bot.matching.matcher import load_matcher
from bot.paths import bundled_dir
from bot.store.backend import Store, make_store
from bot.store.interface import TicketStore
from bot.store.model import NewTicket
from bot.transport.handlers import Runtime
from bot.words import (
    TEACH_REFUSAL_FIXES,
    TEACH_REFUSALS,
    TeachSurface,
    console_author_refused_text,
    teach_refused_text,
)
from tests.console_setup import BASE, SECRET, console_settings, form_value, with_store
from tests.factories import STAFF_CHAT_ID, STAFF_USER_ID, make_command_update
from tests.fake_bot_api import FakeBotApi
from tests.telegram_harness import CHECKS_WAIT, running_service, service_settings

BOT = Path(__file__).resolve().parent.parent / "bot"
AUTHOR, COLLEAGUE = STAFF_USER_ID, 900002  # the two staff members of service_settings
OWNER = "渝中区文化旅游委"
REPLY = "社区服务中心会安排，具体以各社区公告为准。"
TICKETS: tuple[tuple[str, str | None], ...] = (
    ("社区羽毛球馆周末可以预约吗", REPLY),
    ("asdf qwer", REPLY),
    ("13812345678", REPLY),
    ("渝中区的社区图书馆周末开门吗", None),
    ("骑手驿站有哪些服务", "驿站提供休息、饮水和充电。"),
    ("渝中区的社区图书馆周末开门吗", "社区图书馆周末正常开放，咨询电话 023-63891234。"),
)
EXISTING = """
  - id: staff-answer-1
    title: 社区羽毛球馆预约
    category: resident
    audience: resident
    questions: [社区羽毛球馆周末可以预约吗, 社区羽毛球馆怎么预约, 羽毛球馆预约要钱不,
                社区羽毛球馆几点开门, 去社区打羽毛球要预约吗, 社区羽毛球场地怎么订]
    answer: 社区羽毛球馆可在社区服务中心预约，具体以各社区公告为准。
    source:
      - staff: staff:900001
        ticket: 1
        date: '2026-11-01'
        owner: 渝中区体育局
"""
NOW = datetime(2026, 12, 3, 9, tzinfo=UTC)
T = TypeVar("T")


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A copy of the knowledge with the entry ticket 1's new entry would be."""
    copy = tmp_path / "knowledge"
    shutil.copytree(bundled_dir("knowledge"), copy)
    residents = copy / "residents.yaml"
    residents.write_text(residents.read_text(encoding="utf-8") + EXISTING, encoding="utf-8")
    return copy


def files(kb_dir: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(kb_dir.glob("*.yaml"))}


async def file_tickets(store: TicketStore) -> None:
    """File TICKETS and answer those with a reply (as the author)."""
    for i, (text, reply) in enumerate(TICKETS):
        new = NewTicket(7001 + i, 7001 + i, "telegram", "unanswered", text)
        ticket, _ = await store.create_ticket(new, NOW)
        if reply is not None:
            await operations.reply(store, ticket.number, f"staff:{AUTHOR}", reply, NOW)


async def proposals_as_left(store: TicketStore) -> list[tuple[int, str, str | None]]:
    return [(p.number, p.status, p.reviewer) for p in await store.proposals()]


def stolen_questions(checks: str) -> list[str]:
    return [c.question for c in Checks.from_json(checks).stolen]


# --- The words ----------------------------------------------------------------------------

SURFACES: tuple[TeachSurface, ...] = ("cli", "telegram", "console")
EVERY = Refusal(
    "x", ticket=4, proposal=2, entry="e", category="c", question="q", where="w", detail="d"
)


def raised_kinds() -> set[str]:
    """Every kind a module of bot/ builds a Refusal of (`Refusal("kind", …)`)."""
    kinds = set()
    for path in BOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Refusal"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                kinds.add(str(node.args[0].value))
    return kinds


def test_every_kind_raised_has_words_and_every_fix_a_kind() -> None:
    assert raised_kinds() == set(TEACH_REFUSALS)
    assert {kind for kind, _ in TEACH_REFUSAL_FIXES} <= set(TEACH_REFUSALS)


@pytest.mark.parametrize("kind", sorted(TEACH_REFUSALS))
@pytest.mark.parametrize("surface", SURFACES)
def test_each_kind_renders_in_both_languages_in_its_surfaces_terms(
    kind: str, surface: TeachSurface
) -> None:
    """Every kind renders with every value filled in; the staff group and the console are
    never told a shell option, the shell and the console never a chat command, and the
    console's Chinese fixes name its fields in Chinese only."""
    refusal = Refusal(kind, **EVERY.values())  # type: ignore[arg-type]
    zh = teach_refused_text([refusal], surface, "zh")
    en = teach_refused_text([refusal], surface, "en")
    assert "{" not in zh + en
    assert zh != en
    if surface != "cli":
        assert "--" not in zh + en
    if surface != "telegram":
        assert not re.search(r"/(teach|approve|reject|reply)\b", zh + en)
    fix = TEACH_REFUSAL_FIXES.get((kind, surface))
    if surface == "console" and fix is not None:
        assert not re.search(r"[A-Za-z]", fix[0])


def test_str_is_the_english_reason_without_any_surfaces_terms() -> None:
    """Logs keep the plain English sentence; the fix belongs to the surface."""
    error = ChangeError(Refusal("no_close_entry", ticket=2))
    assert str(error) == "no entry is close to this question"
    assert str(Refusal("decided", proposal=3, detail="approved")) == "P3 is already approved"


def test_several_reasons_share_one_fix() -> None:
    taken = [
        Refusal("takes", proposal=1, question=q, where=w, before="answer: a", after="answer: b")
        for q, w in (("问一", "loo:a"), ("问二", "eval.yaml#3"))
    ]
    assert teach_refused_text(taken, "console", "zh") == (
        "会抢走「问一」（留一法 a：答复 a → 答复 b）；"
        "会抢走「问二」（eval.yaml#3：答复 a → 答复 b）。"
        "看过这些问题后仍要批准，请勾选「仍然批准」；否则驳回"
    )
    assert teach_refused_text(taken[:1], "cli", "en") == (
        "takes '问一' (loo:a: answer: a → answer: b). To approve it anyway once you have read "
        "them, add --despite-stolen; otherwise reject it"
    )


# --- The staff group ----------------------------------------------------------------------


@pytest.fixture
async def service(api: FakeBotApi, tmp_path: Path, kb_dir: Path) -> AsyncIterator[Runtime]:
    settings = service_settings(api, tmp_path, KB_DIR=str(kb_dir))
    async with running_service(settings, load_matcher(settings.kb_dir, settings.intents_dir)) as rt:
        await file_tickets(rt.store)
        yield rt


async def said(api: FakeBotApi, user: int, command: str, language: str) -> str:
    """Send `command` to the staff group as `user` (their client in `language`) and return the
    bot's answer to it."""
    before = len(api.texts(STAFF_CHAT_ID))
    markers = ("无法处理", "Not done", "P1", "P2", "#99")

    def found() -> list[str]:
        texts = api.texts(STAFF_CHAT_ID)[before:]
        return [t for t in texts if any(m in t for m in markers)]

    api.push(make_command_update(user, command, chat_id=STAFF_CHAT_ID, language=language))
    await api.wait_for(lambda: found(), within=CHECKS_WAIT, what=f"the answer to {command!r}")
    return found()[0]


DRAFT_REFUSALS = [
    (
        f"/teach 1 new {OWNER}",
        "无法处理：条目「staff-answer-1」已经存在。"
        "可以把问题加为它的新问法：/teach 1 #staff-answer-1",
        "Not done: entry 'staff-answer-1' exists already. Add the question as a wording of it "
        "instead: /teach 1 #staff-answer-1",
    ),
    (
        "/teach 2",
        "无法处理：没有与这个问题接近的条目。"
        "请指明条目：/teach 2 #条目id；或新建条目：/teach 2 new 主管部门",
        "Not done: no entry is close to this question. Name one: /teach 2 #entry-id; or draft a "
        "new entry: /teach 2 new DEPARTMENT",
    ),
    (
        f"/teach 2 new {OWNER}",
        "无法处理：新条目需要类别，而没有与这个问题接近的条目可以借用类别。"
        "群里的 /teach 不能指定类别：请在网页工作台这张工单的「转为知识」中选择类别",
        "Not done: a new entry needs a category, and no entry is close enough to take one from. "
        "The group's /teach cannot name a category: choose one in the web console's “Teach the "
        "knowledge base” form of this ticket",
    ),
    (
        "/teach 3",
        "无法处理：工单 #3 去掉电话、证件号等个人信息后，没有剩下问题文字。"
        "请在命令后用 | 加上问法：/teach 3 … | 问法",
        "Not done: ticket #3 has no question text left once personal data is removed. Add a "
        "wording after |: /teach 3 … | wording",
    ),
    (
        f"/teach 4 new {OWNER}",
        "无法处理：工单 #4 还没有工作人员答复，无法据此起草答案。请先答复：/reply 4 答复内容",
        "Not done: ticket #4 has no staff reply to draft an answer from. Reply first: /reply 4 "
        "YOUR ANSWER",
    ),
    (
        "/teach 5 #no-such-entry",
        "无法处理：知识库中没有条目「no-such-entry」。"
        "请检查条目id；不写条目id则取最接近的条目：/teach 5",
        "Not done: no entry 'no-such-entry' in the knowledge base. Check the id; without one the "
        "closest entry is taken: /teach 5",
    ),
    (
        "/teach 6 new",
        "无法处理：新条目需要来源：提供和维护这个答案的部门，或来源报告中的原文。"
        "请把负责部门写在 new 之后：/teach 6 new 主管部门",
        "Not done: a new entry needs a source: the department that owns the answer, or a quote "
        "from a seed report. Name the department after new: /teach 6 new DEPARTMENT",
    ),
    ("/teach 99", "没有工单 #99。", "There is no ticket #99."),
]


@pytest.mark.slow
@pytest.mark.usefixtures("service_backend")
@pytest.mark.parametrize("language", ["zh", "en"])
async def test_draft_refusals_in_the_staff_group(
    api: FakeBotApi, service: Runtime, kb_dir: Path, language: str
) -> None:
    """Each /teach that cannot make a proposal says why and the command that does, in the
    staff member's language; nothing is proposed or written."""
    before = files(kb_dir)
    for command, zh, en in DRAFT_REFUSALS:
        assert await said(api, AUTHOR, command, language) == (zh if language == "zh" else en)
    assert await proposals_as_left(service.store) == []
    assert files(kb_dir) == before


@pytest.mark.slow
@pytest.mark.usefixtures("service_backend")
async def test_review_refusals_in_the_staff_group(
    api: FakeBotApi, service: Runtime, kb_dir: Path
) -> None:
    """/approve and /reject refused (the author; taken questions; a rule and a contact detail;
    no reason; no such proposal; decided already), to Chinese and to English staff alike; the
    knowledge is unchanged and the proposals stay as they were."""
    before = files(kb_dir)
    made = await said(api, AUTHOR, "/teach 5 #rider-parking-bike-stations", "zh")
    assert made.startswith("已提交知识库提案 P1。")
    made = await said(api, AUTHOR, f"/teach 6 new {OWNER}", "zh")
    assert made.startswith("已提交知识库提案 P2。")
    taken = stolen_questions((await service.store.proposal(1)).checks)
    problems = Checks.from_json((await service.store.proposal(2)).checks).problems
    assert taken
    assert problems

    for language, staff in (("zh", COLLEAGUE), ("en", COLLEAGUE)):
        english = language == "en"
        refused = await said(api, AUTHOR, "/approve 1", language)
        assert refused == (
            "Not done: you proposed P1; another staff member reviews it"
            if english
            else "无法处理：P1 是您提出的，须由另一位工作人员审核"
        )

        refused = await said(api, staff, "/approve 1", language)
        assert refused.startswith("Not done: takes '" if english else "无法处理：会抢走「")
        assert all(question in refused for question in taken)
        assert refused.endswith(
            ". The group's /approve does not override this check: to approve it anyway, tick "
            "“approve despite the taken questions” in the web console; otherwise /reject 1 REASON"
            if english
            else "。群里的 /approve 不能越过这项检查：看过这些问题后仍要批准，请在网页工作台勾选"
            "「仍然批准」；否则驳回：/reject 1 理由"
        )
        assert "--" not in refused

        refused = await said(api, staff, "/approve 2", language)
        rule = "kb check: " if english else "不符合知识库规则（kb check）："
        assert f"{rule}{problems[0]}" in refused  # the problem as kb check words it
        assert (
            "contact detail in the answer: 023-63891234 (only a public number its owner "
            "confirmed may stay)"
            if english
            else "答案中有联系方式：023-63891234（只能保留负责部门确认过的公开服务电话）"
        ) in refused
        assert refused.endswith(
            ". Reject it (/reject 2 REASON) and propose it again fixed. Reject it (/reject 2 "
            "REASON) and propose it again without it"
            if english
            else "。请驳回（/reject 2 理由），改好后重新提交。"
            "请驳回（/reject 2 理由），去掉联系方式后重新提交"
        )

        refused = await said(api, staff, "/reject 1", language)
        assert refused == (
            "Not done: say why proposal P1 is rejected. Give the reason after the number: "
            "/reject 1 REASON"
            if english
            else "无法处理：驳回提案 P1 需要说明理由。请把理由写在编号之后：/reject 1 理由"
        )
        refused = await said(api, staff, "/approve 99", language)
        assert refused == ("Not done: no proposal P99" if english else "无法处理：没有提案 P99")
        assert await proposals_as_left(service.store) == [(1, "open", None), (2, "open", None)]

    assert await said(api, COLLEAGUE, "/reject 2 写错了", "zh") == "提案 P2 已驳回。"
    for language in ("zh", "en"):
        refused = await said(api, COLLEAGUE, "/approve 2", language)
        assert refused == (
            "Not done: P2 is already rejected"
            if language == "en"
            else "无法处理：提案 P2 已经驳回，不能再审核"
        )
        refused = await said(api, COLLEAGUE, "/reject 2 again", language)
        assert refused == (
            "Not done: P2 is already decided"
            if language == "en"
            else "无法处理：提案 P2 已经处理，不能再审核"
        )
    assert await proposals_as_left(service.store) == [
        (1, "open", None),
        (2, "rejected", f"staff:{COLLEAGUE}"),
    ]
    assert files(kb_dir) == before


# --- The console --------------------------------------------------------------------------


@pytest.fixture
def console_env(database_url: str, kb_dir: Path) -> Settings:
    settings = console_settings(
        database_url,
        STAFF_USER_IDS=f"{AUTHOR},{COLLEAGUE}",
        STAFF=f"{AUTHOR}:张三,{COLLEAGUE}:李四",
        KB_DIR=str(kb_dir),
    )
    with_store(settings, file_tickets)
    return settings


@pytest.fixture
def console(console_env: Settings) -> Iterator[dict[int, TestClient]]:
    """The console as `python -m bot console` serves it, one logged-in client per staff
    member."""
    knowledge = load_matcher(console_env.kb_dir, console_env.intents_dir)
    clients = {}
    for user in (AUTHOR, COLLEAGUE):
        store = make_store(console_env)
        server = console_server(console_env, store, lambda: knowledge, SECRET, open_store=True)
        client = TestClient(server.config.app, base_url=BASE, follow_redirects=False)
        client.__enter__()

        async def link(store: Store, user: int = user) -> str:
            return await issue_link(store, console_env, user, datetime.now(UTC))

        url = with_store(console_env, link)
        assert client.get(url.removeprefix(BASE)).status_code == 200
        clients[user] = client
    yield clients
    for client in clients.values():
        client.__exit__(None, None, None)


def post(client: TestClient, path: str, **fields: str) -> tuple[int, str]:
    page = client.get("/knowledge/proposals").text
    response = client.post(
        path, data={"csrf": form_value(page, "csrf"), **fields}, headers={"origin": BASE}
    )
    return response.status_code, response.text


def error_of(html: str) -> str:
    """The refusal the page shows (its first error block, as text)."""
    found = re.search(r'class="error"[^>]*>(.*?)</', html, re.S)
    assert found, "no error on the page"
    return found.group(1).strip()


CONSOLE_DRAFT_REFUSALS = [
    (
        1,
        {"kind": "entry", "owner": OWNER},
        "没有提交：条目「staff-answer-1」已经存在。可以改选「作为已有条目的新问法」",
    ),
    (
        2,
        {"kind": "wording"},
        "没有提交：没有与这个问题接近的条目。请改选「根据工作人员的答复新建条目」",
    ),
    (
        2,
        {"kind": "entry", "owner": OWNER},
        "没有提交：新条目需要类别，而没有与这个问题接近的条目可以借用类别。请在「类别」中选择一个",
    ),
    (
        6,
        {"kind": "entry", "owner": OWNER, "category": "nope"},
        "没有提交：没有类别「nope」。请在「类别」中选择一个",
    ),
    (
        3,
        {"kind": "wording"},
        "没有提交：工单 #3 去掉电话、证件号等个人信息后，没有剩下问题文字。"
        "请在「其他问法」中写一个问法",
    ),
    (
        4,
        {"kind": "entry", "owner": OWNER},
        "没有提交：工单 #4 还没有工作人员答复，无法据此起草答案。"
        "请先答复这张工单，或在「答案」中写出答案",
    ),
    (
        5,
        {"kind": "wording", "entry_id": "no-such-entry"},
        "没有提交：知识库中没有条目「no-such-entry」。请在「条目」中选择一个",
    ),
    (
        6,
        {"kind": "entry"},
        "没有提交：新条目需要来源：提供和维护这个答案的部门，或来源报告中的原文。请填写「负责部门」",
    ),
]


@pytest.mark.slow
def test_draft_refusals_in_the_console(
    console: dict[int, TestClient], console_env: Settings, kb_dir: Path
) -> None:
    """转为知识 that cannot make a proposal: the reason and the form field that fixes it, in
    Chinese, above the form; nothing is proposed or written."""
    before = files(kb_dir)
    for number, fields, expected in CONSOLE_DRAFT_REFUSALS:
        code, html = post(console[AUTHOR], f"/tickets/{number}/teach", **fields)
        assert (code, error_of(html)) == (400, expected)
    assert with_store(console_env, proposals_as_left) == []
    assert files(kb_dir) == before


@pytest.mark.slow
def test_review_refusals_in_the_console(
    console: dict[int, TestClient], console_env: Settings, kb_dir: Path
) -> None:
    """The 待审核 view's approvals and rejections refused, in Chinese with the console's own
    controls named; the knowledge is unchanged and the proposals stay as they were."""
    author, colleague = console[AUTHOR], console[COLLEAGUE]
    before = files(kb_dir)
    code, _ = post(
        author, "/tickets/5/teach", kind="wording", entry_id="rider-parking-bike-stations"
    )
    assert code == 303
    code, _ = post(author, "/tickets/6/teach", kind="entry", owner=OWNER)
    assert code == 303

    code, html = post(author, "/knowledge/proposals/1/approve")
    assert (code, error_of(html)) == (403, console_author_refused_text(1, "zh"))

    code, html = post(colleague, "/knowledge/proposals/1/approve")
    refused = error_of(html)
    assert code == 409
    assert refused.startswith("P1 没有批准，知识库未改动：会抢走「")
    assert refused.endswith("。看过这些问题后仍要批准，请勾选「仍然批准」；否则驳回")

    code, html = post(colleague, "/knowledge/proposals/2/approve")
    refused = error_of(html)
    assert code == 409
    assert "答案中有联系方式：023-63891234（只能保留负责部门确认过的公开服务电话）" in refused
    assert refused.endswith(
        "。请驳回它，改好后重新提交。请驳回它，去掉联系方式，或在「答案中的公开服务电话」中写明后重新提交"
    )

    code, html = post(colleague, "/knowledge/proposals/1/reject", why=" ")
    assert (code, error_of(html)) == (
        400,
        "没有提交：驳回提案 P1 需要说明理由。请填写「驳回理由」",
    )
    assert with_store(console_env, proposals_as_left) == [(1, "open", None), (2, "open", None)]

    code, _ = post(colleague, "/knowledge/proposals/2/reject", why="写错了")
    assert code == 303
    code, html = post(colleague, "/knowledge/proposals/2/approve")
    assert (code, error_of(html)) == (
        409,
        "P2 没有批准，知识库未改动：提案 P2 已经驳回，不能再审核",
    )
    code, html = post(colleague, "/knowledge/proposals/2/reject", why="again")
    assert (code, error_of(html)) == (409, "没有提交：提案 P2 已经处理，不能再审核")
    assert with_store(console_env, proposals_as_left) == [
        (1, "open", None),
        (2, "rejected", f"staff:{COLLEAGUE}"),
    ]
    assert files(kb_dir) == before


# --- The shell ----------------------------------------------------------------------------


@pytest.fixture
def shell(
    tmp_path: Path, database_url: str, kb_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv("KB_DIR", str(kb_dir))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    settings = load_settings({"DATABASE_URL": database_url, "KB_DIR": str(kb_dir)}, env_file=None)
    with_store(settings, file_tickets)
    return settings


def kb(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """`python -m bot kb ARGS…`: its exit status and what it said on stderr."""
    capsys.readouterr()
    status = main(["--env-file", str(tmp_path / "none.env"), "kb", *args])
    return status, capsys.readouterr().err.strip()


def propose(*args: str) -> list[str]:
    return ["propose", "--as", str(AUTHOR), "--from-ticket", *args]


SHELL_DRAFT_REFUSALS = [
    (
        propose("1", "--new", "--owner", OWNER),
        "Not done: entry 'staff-answer-1' exists already. Give another id with --entry, or add "
        "the question as a wording of it: kb propose --from-ticket 1 --entry staff-answer-1",
    ),
    (
        propose("2"),
        "Not done: no entry is close to this question. Name one with --entry, or draft a new "
        "entry with --new",
    ),
    (
        propose("2", "--new", "--owner", OWNER),
        "Not done: a new entry needs a category, and no entry is close enough to take one from. "
        "Give one with --category",
    ),
    (
        propose("6", "--new", "--owner", OWNER, "--category", "nope"),
        "Not done: unknown category 'nope'. Give another with --category",
    ),
    (
        propose("6", "--new", "--owner", OWNER, "--entry", "Bad_Id"),
        "Not done: id 'Bad_Id' must be lowercase letters, digits and '-'. Give another with "
        "--entry",
    ),
    (
        propose("3"),
        "Not done: ticket #3 has no question text left once personal data is removed. Add a "
        "wording with --question",
    ),
    (
        propose("4", "--new", "--owner", OWNER),
        "Not done: ticket #4 has no staff reply to draft an answer from. Reply first (tickets "
        "reply 4 …), or give the answer with --answer",
    ),
    (
        propose("5", "--entry", "no-such-entry"),
        "Not done: no entry 'no-such-entry' in the knowledge base. Check the id, or leave out "
        "--entry to take the closest entry",
    ),
    (
        propose("6", "--new"),
        "Not done: a new entry needs a source: the department that owns the answer, or a quote "
        "from a seed report. Name the department with --owner, or quote a seed report with "
        "--seed-file and --seed-quote",
    ),
    (propose("99"), "Not done: ticket #99 does not exist"),
]


@pytest.mark.slow
def test_draft_refusals_in_the_shell(
    shell: Settings, tmp_path: Path, kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`kb propose` refused: exit status 1, the reason and the option that fixes it, in the
    shell's English; nothing is proposed or written."""
    before = files(kb_dir)
    for args, expected in SHELL_DRAFT_REFUSALS:
        assert kb(tmp_path, capsys, *args) == (1, expected)
    assert with_store(shell, proposals_as_left) == []
    assert files(kb_dir) == before


@pytest.mark.slow
def test_review_refusals_in_the_shell(
    shell: Settings, tmp_path: Path, kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`kb approve` / `kb reject` refused, each reason on a line and the options that fix them
    after; the knowledge is unchanged and the proposals stay as they were."""
    before = files(kb_dir)
    colleague = ("--as", str(COLLEAGUE))
    assert kb(tmp_path, capsys, *propose("5", "--entry", "rider-parking-bike-stations"))[0] == 0
    assert kb(tmp_path, capsys, *propose("6", "--new", "--owner", OWNER))[0] == 0

    assert kb(tmp_path, capsys, "approve", "1", "--as", str(AUTHOR)) == (
        1,
        "Not done: you proposed P1; another staff member reviews it",
    )
    status, said = kb(tmp_path, capsys, "approve", "1", *colleague)
    lines = said.splitlines()
    taken = with_store(shell, lambda store: store.proposal(1)).checks
    assert status == 1
    assert lines[0] == "Cannot approve; nothing was written:"
    assert lines[1:-1] == [
        f"  - takes {c.question!r} ({c.where}: {c.before} → {c.after})"
        for c in Checks.from_json(taken).stolen
    ]
    assert lines[-1] == (
        "  → to approve it anyway once you have read them, add --despite-stolen; otherwise "
        "reject it"
    )

    status, said = kb(tmp_path, capsys, "approve", "2", *colleague)
    assert status == 1
    assert "  - contact detail in the answer: 023-63891234 (only a public number its owner " \
        "confirmed may stay)" in said.splitlines()  # fmt: skip
    assert said.splitlines()[-2:] == [
        "  → reject it (kb reject 2 --why …) and propose it again fixed",
        "  → reject it and propose it again without it, or with --public-number for a public "
        "number its owner confirmed",
    ]

    assert kb(tmp_path, capsys, "reject", "1", "--why", " ", *colleague) == (
        1,
        "Not done: say why proposal P1 is rejected. Give the reason with --why",
    )
    assert kb(tmp_path, capsys, "approve", "99", *colleague) == (
        1,
        "Not done: no proposal P99",
    )
    assert with_store(shell, proposals_as_left) == [(1, "open", None), (2, "open", None)]

    assert kb(tmp_path, capsys, "reject", "2", "--why", "wrong", *colleague)[0] == 0
    assert kb(tmp_path, capsys, "approve", "2", *colleague) == (
        1,
        "Cannot approve; nothing was written:\n  - P2 is already rejected",
    )
    assert kb(tmp_path, capsys, "reject", "2", "--why", "again", *colleague) == (
        1,
        "Not done: P2 is already decided",
    )
    assert with_store(shell, proposals_as_left) == [
        (1, "open", None),
        (2, "rejected", f"staff:{COLLEAGUE}"),
    ]
    assert files(kb_dir) == before


@pytest.mark.slow
def test_an_approval_of_a_wording_whose_entry_is_gone_is_refused(
    shell: Settings, tmp_path: Path, kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wording proposed for an entry that was removed before the approval: refused with the
    reason (not a traceback), nothing written, the proposal still open."""
    assert kb(tmp_path, capsys, *propose("1", "--entry", "staff-answer-1"))[0] == 0
    residents = kb_dir / "residents.yaml"
    residents.write_text(
        residents.read_text(encoding="utf-8").replace(EXISTING, ""), encoding="utf-8"
    )
    before = files(kb_dir)
    assert kb(tmp_path, capsys, "approve", "1", "--as", str(COLLEAGUE)) == (
        1,
        "Not done: entry 'staff-answer-1' is no longer in the knowledge base (removed or "
        "renamed since). Reject the proposal (kb reject)",
    )
    assert with_store(shell, proposals_as_left) == [(1, "open", None)]
    assert files(kb_dir) == before
