"""Logging: one format, personal data masked, the bot token never written, and no resident's
text in DEBUG records unless LOG_RESIDENT_TEXT asks for it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.privacy import mask_pii

_NOISY = ("httpx", "httpcore", "apscheduler", "aiosqlite")


class PrivacyFilter(logging.Filter):
    """Rewrites every record's message: secrets replaced, phone and ID numbers masked.

    DEBUG records (python-telegram-bot's "Processing update …" and "Calling Bot API endpoint …
    with parameters …" carry whole messages) keep only their numbers: every other argument is
    replaced by its type, unless `resident_text`.
    """

    def __init__(self, secrets: tuple[str, ...] = (), *, resident_text: bool = False) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)
        self.resident_text = resident_text

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO and not self.resident_text and record.args:
            record.args = _without_text(record.args)
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.clean(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.clean(record.exc_text)
        return True

    def clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[REDACTED]")
        return mask_pii(text)


def _without_text(args: tuple[object, ...] | Mapping[str, object]) -> Any:
    """Arguments of a DEBUG record with everything but numbers replaced by its type."""

    def redact(value: object) -> object:
        if value is None or isinstance(value, int | float):
            return value
        return f"<{type(value).__name__}>"

    if isinstance(args, Mapping):
        return {key: redact(value) for key, value in args.items()}
    return tuple(redact(value) for value in args)


def setup_logging(
    level: str = "INFO", secrets: tuple[str, ...] = (), *, resident_text: bool = False
) -> None:
    """Configure the root logger once; safe to call again (it replaces our handler)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_yuzhong", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler._yuzhong = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    privacy = PrivacyFilter(secrets, resident_text=resident_text)
    handler.addFilter(privacy)
    root.addHandler(handler)
    clean_at_source(privacy)
    root.setLevel(level)
    for name in _NOISY:
        # httpx logs every request URL at INFO, and Bot API URLs contain the token.
        logging.getLogger(name).setLevel(logging.WARNING)


def clean_at_source(privacy: PrivacyFilter) -> None:
    """Clean every record as it is created, so that no handler (one a deployment adds, pytest's)
    ever sees the token: python-telegram-bot logs its Bot API URL, token included, at DEBUG."""
    current = logging.getLogRecordFactory()
    base = getattr(current, "_yuzhong_base", current)  # called again: replace, do not stack

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        privacy.filter(record)
        return record

    factory._yuzhong_base = base  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
