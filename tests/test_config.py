"""Settings: every variable's parsing and its error message, from an injected mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_BASE_URL, Secret, Settings, SettingsError, load_settings
from bot.paths import bundled_dir

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"


def load(env: dict[str, str]) -> Settings:
    return load_settings(env, env_file=None)


def test_defaults_with_empty_environment() -> None:
    """With nothing set, the assistant runs the terminal chat on data/bot.db and bundled data."""
    settings = load({})
    assert settings.telegram_bot_token is None
    assert settings.telegram_base_url == DEFAULT_BASE_URL
    assert settings.staff_chat_id is None
    assert settings.staff_user_ids == frozenset()
    assert settings.database_path == Path("data/bot.db")
    assert settings.kb_dir == bundled_dir("knowledge")
    assert settings.intents_dir == bundled_dir("intents")
    assert (settings.log_level, settings.sla_hours) == ("INFO", None)  # SLA_HOURS is retired
    assert (settings.max_open_tickets, settings.max_tickets_per_hour) == (5, 10)
    assert settings.webhook_url is None
    assert settings.telegram_max_rate == 30.0


def test_every_variable_is_parsed(tmp_path: Path) -> None:
    """Each documented variable lands in its field with the right type."""
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
        "STAFF_CHAT_ID": "-1001234",
        "STAFF_USER_IDS": " 11, 22 ,33,",
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        "KB_DIR": str(tmp_path),
        "INTENTS_DIR": str(tmp_path),
        "LOG_LEVEL": "debug",
        "SLA_HOURS": "1.5",
        "WEBHOOK_URL": "https://bot.example/hook",
        "WEBHOOK_SECRET": "s3cret_-x",
        "WEBHOOK_LISTEN": "127.0.0.2",
        "WEBHOOK_PORT": "8443",
        "MAX_OPEN_TICKETS": "3",
        "MAX_TICKETS_PER_HOUR": "7",
        "RETENTION_DAYS": "30",
        "TELEGRAM_MAX_RATE": "0",
    }
    s = load(env)
    assert s.telegram_bot_token == Secret(TOKEN)
    assert s.telegram_bot_token is not None
    assert s.telegram_bot_token.reveal() == TOKEN
    assert s.telegram_base_url == "http://127.0.0.1:8081/bot"
    assert s.staff_chat_id == -1001234
    assert s.staff_user_ids == frozenset({11, 22, 33})
    assert s.database_path == tmp_path / "x.db"
    assert (s.kb_dir, s.intents_dir) == (tmp_path, tmp_path)
    assert (s.log_level, s.sla_hours) == ("DEBUG", 1.5)
    assert (s.webhook_url, s.webhook_listen, s.webhook_port) == (
        "https://bot.example/hook",
        "127.0.0.2",
        8443,
    )
    assert (s.max_open_tickets, s.max_tickets_per_hour, s.retention_days) == (3, 7, 30)
    assert s.telegram_max_rate == 0.0
    assert s.is_staff(22)
    assert not s.is_staff(44)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STAFF_CHAT_ID": "abc"}, "STAFF_CHAT_ID has value 'abc'; not an integer"),
        ({"STAFF_USER_IDS": "1,x"}, "STAFF_USER_IDS has value '1,x'; 'x' is not an integer"),
        ({"DATABASE_URL": "postgres://db"}, "DATABASE_URL has value 'postgres://db'"),
        ({"DATABASE_URL": "sqlite:///"}, "DATABASE_URL has value 'sqlite:///'"),
        ({"TELEGRAM_BASE_URL": "ftp://x"}, "TELEGRAM_BASE_URL has value 'ftp://x'"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL has value 'loud'"),
        ({"LOG_RESIDENT_TEXT": "maybe"}, "LOG_RESIDENT_TEXT has value 'maybe'"),
        ({"SLA_HOURS": "soon"}, "SLA_HOURS has value 'soon'; not a number"),
        ({"SLA_HOURS": "0"}, "SLA_HOURS has value '0'; must be greater than 0"),
        ({"SLA_HOURS": "inf"}, "SLA_HOURS has value 'inf'; must be greater than 0"),
        ({"SLA_HOURS": "nan"}, "SLA_HOURS has value 'nan'; must be greater than 0"),
        ({"WEBHOOK_PORT": "99999"}, "WEBHOOK_PORT has value '99999'; not a port"),
        ({"WEBHOOK_URL": "http://x"}, "WEBHOOK_URL has value 'http://x'; not an https:// URL"),
        ({"WEBHOOK_URL": "https://x"}, "WEBHOOK_SECRET is required when WEBHOOK_URL is set"),
        ({"WEBHOOK_SECRET": "no spaces"}, "WEBHOOK_SECRET has a value Telegram does not accept"),
        ({"MAX_OPEN_TICKETS": "-1"}, "MAX_OPEN_TICKETS has value '-1'; must be greater than 0"),
        ({"MAX_TICKETS_PER_HOUR": "x"}, "MAX_TICKETS_PER_HOUR has value 'x'; not an integer"),
        ({"RETENTION_DAYS": "0"}, "RETENTION_DAYS has value '0'; must be greater than 0"),
        ({"TELEGRAM_MAX_RATE": "fast"}, "TELEGRAM_MAX_RATE has value 'fast'; not a number"),
        ({"TELEGRAM_MAX_RATE": "-1"}, "TELEGRAM_MAX_RATE has value '-1'; must be 0 or greater"),
        ({"TELEGRAM_MAX_RATE": "nan"}, "TELEGRAM_MAX_RATE has value 'nan'; must be 0 or greater"),
        ({"KB_DIR": "/no/such/dir"}, "KB_DIR has value '/no/such/dir'; not a directory"),
        ({"INTENTS_DIR": "/no/such"}, "INTENTS_DIR has value '/no/such'; not a directory"),
    ],
)
def test_bad_values_name_the_variable_and_value(env: dict[str, str], message: str) -> None:
    """An unusable value stops start-up with a message naming the variable and the value."""
    with pytest.raises(SettingsError) as info:
        load(env)
    assert message in str(info.value)


def test_bad_token_is_rejected_without_echoing_it() -> None:
    """A malformed token is refused, and the message does not repeat it."""
    with pytest.raises(SettingsError) as info:
        load({"TELEGRAM_BOT_TOKEN": "not a token"})
    assert "TELEGRAM_BOT_TOKEN" in str(info.value)
    assert "not a token" not in str(info.value).replace("is not a bot token", "")


def test_token_is_redacted_in_repr_and_str() -> None:
    """The token never shows in repr() or str() of the settings."""
    settings = load({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_SECRET": "abcdef"})
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)
    assert "abcdef" not in repr(settings)
    assert "**********" in repr(settings)


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    """`.env` supplies values; the process environment overrides them."""
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\nexport STAFF_CHAT_ID=-5\nLOG_LEVEL='warning'\nSLA_HOURS=2  # hours\n\n",
        encoding="utf-8",
    )
    settings = load_settings({"STAFF_CHAT_ID": "-7"}, env_file=env_file)
    assert (settings.staff_chat_id, settings.log_level, settings.sla_hours) == (-7, "WARNING", 2.0)


def test_env_file_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    """A broken `.env` line is reported with its file and line number."""
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=INFO\nthis is not a setting\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"\.env:2: expected KEY=VALUE"):
        load_settings({}, env_file=env_file)


def test_settings_are_frozen() -> None:
    """Settings cannot be changed after start-up."""
    settings = load({})
    with pytest.raises(AttributeError):
        settings.log_level = "DEBUG"  # type: ignore[misc]
