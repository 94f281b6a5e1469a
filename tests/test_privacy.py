"""Personal data: phone and ID numbers are masked, and the bot token never reaches a log."""

from __future__ import annotations

import logging

import pytest

from bot.logs import PrivacyFilter, setup_logging
from bot.privacy import mask_pii, normalise_phone

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我的电话13812345678", "我的电话138****5678"),
        ("电话 138 1234 5678 谢谢", "电话 138****5678 谢谢"),
        ("+86 138-1234-5678", "+86 138****5678"),
        ("座机023-63891234", "座机023-****1234"),
        ("身份证500103199001011234", "身份证500103********1234"),
        ("身份证50010319900101123X号", "身份证500103********123X号"),
        ("两个号码13812345678和13987654321", "两个号码138****5678和139****4321"),
        ("全角１３８１２３４５６７８", "全角138****5678"),
        ("全角身份证５００１０３１９９００１０１１２３Ｘ", "全角身份证500103********123X"),
        ("438个停车位，2024年11月，1+4+N", "438个停车位，2024年11月，1+4+N"),
        ("税收130.47亿元，助企融资2500万元", "税收130.47亿元，助企融资2500万元"),
        ("电话136.6234.5678", "电话136****5678"),
        ("电话(133)8234-5678", "电话133****5678"),
        ("电话（133）8234 5678", "电话133****5678"),
        ("我的手机一三五七二三四五六七八", "我的手机135****5678"),
        ("幺三八幺二三四五六七八", "138****5678"),
        ("座机(023)6389-1234", "座机023-****1234"),
        ("身份证110101 19900307 3234", "身份证110101********3234"),
        ("身份证110101-19900307-323X", "身份证110101********323X"),
        ("ID110101199003073234abc", "ID110101********3234abc"),
        ("一二三四五六七八九十，一三五", "一二三四五六七八九十，一三五"),
        ("第2024.1234.5678号", "第2024.1234.5678号"),
    ],
)
def test_mask_pii(text: str, masked: str) -> None:
    """Phones and 18-character ID numbers are masked; ordinary figures are left alone."""
    assert mask_pii(text) == masked


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("023-63891234", "02363891234"),
        ("12345", None),
        ("abc", None),
        ("23812345678", None),
    ],
)
def test_normalise_phone(raw: str, canonical: str | None) -> None:
    """Only plausible mainland mobile or landline numbers are accepted."""
    assert normalise_phone(raw) == canonical


def _record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("bot", logging.INFO, __file__, 1, message, args, exc_info)


def test_filter_redacts_token_and_masks_pii_in_message_args_and_traceback() -> None:
    """The token and personal numbers are removed from the message, its args and tracebacks."""
    flt = PrivacyFilter((TOKEN,))
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed")
    except RuntimeError as exc:
        record = _record("resident %s said %s", "13812345678", "ID 500103199001011234", exc=exc)
    assert flt.filter(record)
    text = logging.Formatter().format(record)
    assert TOKEN not in text
    assert "13812345678" not in text
    assert "500103199001011234" not in text
    assert "[REDACTED]" in text
    assert "138****5678" in text


def test_setup_logging_installs_the_filter(capsys: pytest.CaptureFixture[str]) -> None:
    """After setup_logging, a log line through the root handler carries no token."""
    setup_logging("INFO", (TOKEN,))
    try:
        logging.getLogger("bot.test").info("token is %s, phone 13812345678", TOKEN)
        logging.getLogger("httpx").info("https://api.telegram.org/bot%s/getMe", TOKEN)
    finally:
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "_yuzhong", False):
                root.removeHandler(handler)
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert "token is [REDACTED], phone 138****5678" in err
    assert "getMe" not in err  # httpx's per-request INFO lines are silenced


class _Update:
    """Stands for python-telegram-bot's Update in a DEBUG record: its str() is the message."""

    def __str__(self) -> str:
        return "Update(message=Message(text='我住在解放碑 13812345678'))"


def _debug(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(
        "telegram.ext.Application", logging.DEBUG, __file__, 1, message, args, None
    )


@pytest.mark.parametrize("resident_text", [False, True])
def test_debug_records_carry_resident_text_only_when_the_setting_asks(
    resident_text: bool,
) -> None:
    """python-telegram-bot logs whole updates and request parameters at DEBUG: without
    LOG_RESIDENT_TEXT only numbers and types are kept; with it the text (phones masked)."""
    flt = PrivacyFilter((TOKEN,), resident_text=resident_text)
    update = _debug("Processing update %s", _Update())
    call = _debug(
        "Calling Bot API endpoint `%s` with parameters `%s`",
        "sendMessage",
        {"chat_id": 5, "text": "我住在解放碑"},
    )
    count = _debug("Getting updates: %s (%d)", [17, 18], 2)
    for record in (update, call, count):
        assert flt.filter(record)
    texts = [r.getMessage() for r in (update, call, count)]
    if resident_text:
        assert "我住在解放碑 138****5678" in texts[0]
        assert "我住在解放碑" in texts[1]
    else:
        assert texts[0] == "Processing update <_Update>"
        assert texts[1] == "Calling Bot API endpoint `<str>` with parameters `<dict>`"
        assert texts[2] == "Getting updates: <list> (2)"
    info = _record("resident wrote %s", "我住在解放碑")
    assert flt.filter(info)
    assert info.getMessage() == "resident wrote 我住在解放碑"  # INFO and above are not touched
