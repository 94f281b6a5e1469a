"""Claims never overwrite silently: a ticket someone else holds is refused with who holds it,
and only 接手 (`/take`, the 接手 button) or `tickets claim --force` takes it over, recorded in
the history. Two claims at the same moment: exactly one wins."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.store.backend import Store, make_store
from bot.store.database import utcnow
from bot.store.model import ClaimedByOtherError, NewTicket
from tests.factories import STAFF_CHAT_ID, STAFF_USER_ID, make_callback_update, make_text_update
from tests.fake_bot_api import FakeBotApi
from tests.telegram_harness import replies_markup, running_service, service_settings

OTHER_STAFF_ID = 900002  # the second id in the harness's STAFF_USER_IDS
RESIDENT = 5101


async def new_ticket(store: Store) -> int:
    ticket, _ = await store.create_ticket(
        NewTicket(RESIDENT, RESIDENT, "telegram", "unanswered", "路灯坏了"), utcnow()
    )
    return ticket.number


async def test_claiming_a_held_ticket_is_refused_naming_the_holder(
    store: Store,
) -> None:
    """staff:2 cannot claim what staff:1 holds; the ticket and its history are unchanged."""
    number = await new_ticket(store)
    await store.claim(number, "staff:1", utcnow())
    with pytest.raises(ClaimedByOtherError) as refused:
        await store.claim(number, "staff:2", utcnow())
    assert refused.value.holder == "staff:1"
    assert (await store.ticket(number)).assignee == "staff:1"
    assert [e.kind for e in await store.events(number)] == ["created", "claimed"]
    await store.claim(number, "staff:1", utcnow())  # the holder may claim again


async def test_taking_over_is_recorded_with_the_previous_holder(store: Store) -> None:
    number = await new_ticket(store)
    await store.claim(number, "staff:1", utcnow())
    taken = await store.claim(number, "staff:2", utcnow(), take_over=True)
    assert taken.assignee == "staff:2"
    last = (await store.events(number))[-1]
    assert (last.kind, last.actor, last.text) == ("claimed", "staff:2", "接手，原负责人 staff:1")


async def test_two_claims_at_the_same_moment_from_two_connections_one_wins(
    database_url: str,
) -> None:
    """Two processes' connections (SQLite) or two pools (PostgreSQL) claim the same ticket
    concurrently, many times over: each time exactly one succeeds and the other is told who
    won."""
    settings = Settings(database_url=database_url)
    first, second = make_store(settings), make_store(settings)
    await first.open()
    await second.open()
    try:
        for _ in range(20):
            number = await new_ticket(first)
            results = await asyncio.gather(
                first.claim(number, "staff:1", utcnow()),
                second.claim(number, "staff:2", utcnow()),
                return_exceptions=True,
            )
            won = [r for r in results if not isinstance(r, BaseException)]
            lost = [r for r in results if isinstance(r, ClaimedByOtherError)]
            assert (len(won), len(lost)) == (1, 1), results
            assert lost[0].holder == won[0].assignee
            claims = [e for e in await first.events(number) if e.kind == "claimed"]
            assert len(claims) == 1
    finally:
        await first.close()
        await second.close()


async def test_a_reply_and_a_close_at_the_same_moment_are_both_kept(database_url: str) -> None:
    """Two connections change one ticket at once, many times over: both changes are in the
    history, one after the other, and the status is the later one's (neither is lost)."""
    settings = Settings(database_url=database_url)
    first, second = make_store(settings), make_store(settings)
    await first.open()
    await second.open()
    try:
        for _ in range(10):
            number = await new_ticket(first)
            await asyncio.gather(
                first.staff_reply(number, "staff:1", "请带身份证", utcnow()),
                second.close_ticket(number, "staff:2", "已处理", utcnow()),
                return_exceptions=True,
            )
            kinds = [e.kind for e in await first.events(number)][1:]
            status = (await first.ticket(number)).status
            # Either the reply came first (then the close), or the close did and the reply
            # was refused (a closed ticket takes no reply): never both with the wrong status.
            assert (kinds, status) in (
                (["staff_reply", "closed"], "closed"),
                (["closed"], "closed"),
            )
    finally:
        await first.close()
        await second.close()


def test_the_cli_refuses_then_takes_over_with_force(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)

    async def seed() -> None:
        store = make_store(Settings(database_url=database_url))
        await store.open()
        await new_ticket(store)
        await store.close()

    asyncio.run(seed())

    def tickets(*args: str) -> int:
        return main(["--env-file", str(tmp_path / "none.env"), "tickets", *args])

    assert tickets("--as", "1", "claim", "1") == 0
    capsys.readouterr()
    assert tickets("--as", "2", "claim", "1") == 1
    err = capsys.readouterr().err
    assert "held by staff:1" in err
    assert "--force" in err
    assert tickets("--as", "2", "claim", "1", "--force") == 0
    assert tickets("show", "1") == 0
    shown = capsys.readouterr().out
    assert "负责人：staff:2" in shown
    assert "认领 · staff:2：接手，原负责人 staff:1" in shown


@pytest.mark.slow
@pytest.mark.usefixtures("service_backend")
async def test_two_staff_tapping_claim_at_once_then_take_over_in_telegram(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """The real Application: two staff tap 认领 on the same post at the same moment. One gets
    it; the other is told who holds it, with a 接手 button, and tapping that takes it over.
    Staff are named as the STAFF setting names them."""
    names = f"{STAFF_USER_ID}:张三,{OTHER_STAFF_ID}:李四"
    async with running_service(service_settings(api, tmp_path, STAFF=names)) as rt:
        api.push(make_text_update(RESIDENT, "火星上明天的天气预报是什么"))
        [post] = await api.wait_for(lambda: api.sent(STAFF_CHAT_ID), what="the staff post")
        api.push(make_callback_update(STAFF_USER_ID, "claim:1", message=post.result))
        api.push(make_callback_update(OTHER_STAFF_ID, "claim:1", message=post.result))
        await api.wait_for(lambda: len(api.sent(STAFF_CHAT_ID)) >= 3, what="both answers")
        claimed, refused = api.texts(STAFF_CHAT_ID)[1:3]
        assert claimed == "#1 已由 张三 认领。"
        assert "#1 已由 张三 认领，没有改动" in refused
        refusal = api.sent(STAFF_CHAT_ID)[2]
        assert replies_markup(refusal.params) == ["take:1"]
        assert (await rt.store.ticket(1)).assignee == f"staff:{STAFF_USER_ID}"

        api.push(make_callback_update(OTHER_STAFF_ID, "take:1", message=refusal.result))
        await api.wait_for(lambda: len(api.sent(STAFF_CHAT_ID)) >= 4, what="the take-over")
        assert api.texts(STAFF_CHAT_ID)[3] == "#1 已由 李四 接手（原负责人 张三）。"
        assert (await rt.store.ticket(1)).assignee == f"staff:{OTHER_STAFF_ID}"
