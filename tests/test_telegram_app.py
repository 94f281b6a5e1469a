"""How the Application is built: the rate limiter follows TELEGRAM_MAX_RATE; updates in order."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.transport.app import build_application
from bot.transport.budget import GROUP_PERIOD, GROUP_RATE, SendBudget
from tests.fake_bot_api import TOKEN

# Every test here runs its service on SQLite and on PostgreSQL (conftest: service_backend).
pytestmark = pytest.mark.usefixtures("service_backend")


@pytest.mark.parametrize(
    ("value", "expected"), [(None, 30.0), ("0", None), ("12.5", 12.5), ("1000", 1000.0)]
)
def test_the_overall_rate_limit_follows_telegram_max_rate(
    value: str | None, expected: float | None
) -> None:
    """TELEGRAM_MAX_RATE is the bot-wide messages per second (30 unless set; 0 removes the
    bot-wide limit); the per-group limit (20 a minute) stays on whatever it is."""
    env = {"TELEGRAM_BOT_TOKEN": TOKEN}
    if value is not None:
        env["TELEGRAM_MAX_RATE"] = value
    application = build_application(load_settings(env, env_file=None))
    limiter = application.bot.rate_limiter
    assert isinstance(limiter, SendBudget)  # shared by replicas (tests/test_send_budget.py)
    assert (limiter.max_rate or None) == expected
    assert GROUP_RATE / GROUP_PERIOD == 20 / 60  # checked at work in test_send_budget.py


def test_the_application_has_no_updater_of_its_own() -> None:
    """python-telegram-bot's Updater confirms an update as soon as it is queued in memory; the
    service fetches updates into the inbox itself (bot/telegram_intake.py), so there is none."""
    application = build_application(load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}, env_file=None))
    assert application.updater is None
