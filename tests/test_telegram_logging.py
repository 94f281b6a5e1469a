"""The bot token never reaches a log record, in this process, even at DEBUG and when the Bot API
fails (a 500, a dropped connection, the server gone), whatever handler reads the records."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import setup_logging
from tests.factories import make_command_update, make_text_update
from tests.fake_bot_api import TOKEN, FakeBotApi
from tests.telegram_harness import running_service, service_settings

# Every test here runs its service on SQLite and on PostgreSQL (conftest: service_backend).
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("service_backend")]

RESIDENT = 9101
COVERED = "渝中区有多少栋建成楼宇"
SECRET = TOKEN.split(":", 1)[1]  # the part after the bot id is what must stay secret


class RawRecords(logging.Handler):
    """Keeps the text of every record as it arrives, ahead of any other handler."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(record.getMessage())
        if record.exc_info:
            self.texts.append(logging.Formatter().formatException(record.exc_info))


@pytest.fixture
def raw_records() -> Iterator[RawRecords]:
    """Logging as `python -m bot` sets it up at LOG_LEVEL=DEBUG, with a handler that reads each
    record first (before the service's own handler could clean it); put back as it was after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    factory = logging.getLogRecordFactory()
    raw = RawRecords()
    root.handlers.insert(0, raw)
    setup_logging("DEBUG", (TOKEN,))
    yield raw
    logging.setLogRecordFactory(factory)
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


async def test_no_log_record_carries_the_token_through_bot_api_failures(
    raw_records: RawRecords,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """At DEBUG, with a 500, a dropped connection and an outage: the failures are logged, the
    token is in no record as it arrives (so no handler, however added, can write it) and not
    in what the service writes to stderr."""
    caplog.set_level(logging.DEBUG)
    api = FakeBotApi()
    await api.start()
    try:
        async with running_service(service_settings(api, tmp_path)):
            api.fail_next("sendMessage", times=1, status=500)
            api.push(make_text_update(RESIDENT, COVERED))
            await api.wait_for(lambda: api.sent(RESIDENT), what="the answer after a 500")
            api.fail_next("sendMessage", times=1, status=0)
            api.push(make_command_update(RESIDENT, "/help"))
            await api.wait_for(lambda: len(api.sent(RESIDENT)) > 1, what="after a drop")
            await api.stop()
            for _ in range(100):
                if "NetworkError" in caplog.text:
                    break
                await asyncio.sleep(0.1)
            await api.start()
            api.push(make_command_update(RESIDENT, "/menu"))
            await api.wait_for(lambda: len(api.sent(RESIDENT)) > 2, what="after the outage")
    finally:
        await api.stop()

    logged = "\n".join([*raw_records.texts, caplog.text])
    assert "Internal Server Error" in logged
    assert "Server disconnected" in logged
    assert "NetworkError" in logged
    assert SECRET not in logged
    assert SECRET not in capsys.readouterr().err


async def test_debug_logging_carries_no_resident_text(
    raw_records: RawRecords, caplog: pytest.LogCaptureFixture, api: FakeBotApi, tmp_path: Path
) -> None:
    """The real service at LOG_LEVEL=DEBUG: a resident's question and the reply reach no log
    record (python-telegram-bot would log the whole update and the sendMessage parameters)."""
    caplog.set_level(logging.DEBUG)
    question = "我家楼下的三角梅开得特别好看"
    async with running_service(service_settings(api, tmp_path)):
        api.push(make_text_update(RESIDENT, question))
        await api.wait_for(lambda: api.sent(RESIDENT), what="the reply")
    logged = "\n".join([*raw_records.texts, caplog.text])
    assert "handling update" in logged  # DEBUG was on
    assert "三角梅" not in logged
