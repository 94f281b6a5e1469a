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
