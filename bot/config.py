"""Settings: read once from the environment and an optional `.env` file into one frozen object."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.paths import bundled_dir

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
TELEGRAM_RATE_LIMIT = 30.0  # messages per second: Telegram's documented limit for one bot
DEFAULT_DATABASE_URL = "sqlite:///data/bot.db"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# SLA_HOURS no longer does anything: it is still read (a bad value is still an error), and
# this warning is logged at start-up when it is set.
SLA_HOURS_RETIRED = (
    "SLA_HOURS is retired and does nothing now: the staff group is reminded of tickets by "
    "their working-day time limits (bot/helpdesk/time_limits.yaml, TIME_LIMITS_FILE); "
    "remove SLA_HOURS from your settings"
)


class SettingsError(ValueError):
    """Raised when a setting is missing or has a value that cannot be used."""


class Secret:
    """A string that never shows itself in repr() or str(); call reveal() to use it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Settings:
    """Everything the assistant can be configured with; see the README's settings table."""

    telegram_bot_token: Secret | None = None
    telegram_base_url: str = DEFAULT_BASE_URL
    telegram_max_rate: float = TELEGRAM_RATE_LIMIT  # 0: no overall limit (per-group still on)
    staff_chat_id: int | None = None
    staff_user_ids: frozenset[int] = frozenset()
    staff: tuple[tuple[int, str], ...] = ()  # STAFF: (user id, display name) of staff members
    database_url: str = DEFAULT_DATABASE_URL
    kb_dir: Path = field(default_factory=lambda: bundled_dir("knowledge"))
    intents_dir: Path = field(default_factory=lambda: bundled_dir("intents"))
    log_level: str = "INFO"
    log_resident_text: bool = False  # DEBUG records keep their arguments (residents' messages)
    sla_hours: float | None = None  # retired (SLA_HOURS_RETIRED): checked, used by nothing
    webhook_url: str | None = None
    webhook_secret: Secret | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    max_open_tickets: int = 5
    max_tickets_per_hour: int = 10
    retention_days: int = 365
    concurrent_chats: int = 16  # chats whose updates are handled at the same time
    database_pool_min: int = 1  # PostgreSQL: connections the pool keeps open
    database_pool_max: int = 10  # PostgreSQL: connections the pool opens at most
    # The name this process claims inbox updates and outbox messages under; one per replica
    # (several processes sharing one database), None: the host name.
    replica_name: str | None = None
    # Polling mode: how long the polling lease lasts unless renewed (a poller killed outright is
    # taken over after it), and how long Telegram may answer 409 Conflict before the service
    # stops (another poller on another database or machine).
    polling_lease: float = 30.0
    polling_conflict_grace: float = 60.0
    holidays_file: Path | None = None  # the operator's holiday file, read before the bundled one
    time_limits_file: Path | None = None  # the operator's time limits, over the bundled ones
    console_listen: str = "127.0.0.1"  # the staff web console (bot/console/)
    console_port: int | None = None  # None: `run` does not serve it; `console` uses 8080
    console_secret: Secret | None = None  # signs the console's session cookies
    console_base_url: str | None = None  # where staff reach it, for one-time login links

    @property
    def database_path(self) -> Path:
        """The SQLite file named by DATABASE_URL (relative paths are from the working directory)."""
        return parse_database_url(self.database_url)

    @property
    def uses_postgres(self) -> bool:
        """DATABASE_URL names a PostgreSQL server, not an SQLite file."""
        return is_postgres_url(self.database_url)

    @property
    def replica(self) -> str:
        """The name this process claims inbox updates and outbox messages under: REPLICA_NAME,
        or the host name (one process per host)."""
        return self.replica_name or socket.gethostname() or "localhost"

    def is_staff(self, user_id: int) -> bool:
        return user_id in self.staff_user_ids


def is_postgres_url(url: str) -> bool:
    return url.startswith(POSTGRES_SCHEMES)


def parse_database_url(url: str) -> Path:
    """Turn `sqlite:///rel/path.db` or `sqlite:////abs/path.db` into a path."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        shown = "a postgresql:// URL" if is_postgres_url(url) else repr(url)
        raise SettingsError(
            f"DATABASE_URL has value {shown}; expected sqlite:///relative/path.db "
            "or sqlite:////absolute/path.db"
        )
    return Path(url[len(prefix) :])


def check_database_url(url: str, name: str = "DATABASE_URL") -> None:
    """An SQLite file URL or a PostgreSQL one with a host; the error never shows a password."""
    if is_postgres_url(url):
        rest = url.split("://", 1)[1]
        host = rest.rsplit("@", 1)[-1].split("/", 1)[0]
        if not host or "/" not in rest.rsplit("@", 1)[-1]:
            raise SettingsError(
                f"{name} names a PostgreSQL server without a host or database; expected"
                " postgresql://user:password@host:port/database"
            )
        return
    try:
        parse_database_url(url)
    except SettingsError as exc:
        raise SettingsError(
            str(exc).replace("DATABASE_URL", name) + " or postgresql://user:password@host/db"
        ) from None


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a `.env` file: KEY=VALUE lines, `#` comments, optional quotes and `export`."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise SettingsError(f"{path}:{number}: expected KEY=VALUE, got {raw.strip()!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Read the settings; the process environment wins over the `.env` file."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update(read_env_file(env_file))
    values.update(os.environ if environ is None else environ)
    return _parse(values)


def _parse(env: Mapping[str, str]) -> Settings:
    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    defaults = Settings()
    token = get("TELEGRAM_BOT_TOKEN")
    if token is not None and (":" not in token or any(c.isspace() for c in token)):
        # Never echo the token itself: it may be a real one pasted slightly wrong.
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN has a value that is not a bot token "
            "(expected the form 123456:ABC-DEF… from @BotFather)"
        )
    base_url = get("TELEGRAM_BASE_URL") or DEFAULT_BASE_URL
    if not base_url.startswith(("http://", "https://")):
        raise SettingsError(f"TELEGRAM_BASE_URL has value {base_url!r}; not an http(s) URL")
    database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
    check_database_url(database_url)
    pool_min = _positive_int(env, "DATABASE_POOL_MIN", defaults.database_pool_min)
    pool_max = _positive_int(env, "DATABASE_POOL_MAX", defaults.database_pool_max)
    if pool_min > pool_max:
        raise SettingsError(
            f"DATABASE_POOL_MIN ({pool_min}) is greater than DATABASE_POOL_MAX ({pool_max})"
        )
    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise SettingsError(
            f"LOG_LEVEL has value {env['LOG_LEVEL']!r}; expected one of {', '.join(LOG_LEVELS)}"
        )
    webhook_url = get("WEBHOOK_URL")
    webhook_secret = get("WEBHOOK_SECRET")
    if webhook_url is not None:
        if not webhook_url.startswith("https://"):
            raise SettingsError(f"WEBHOOK_URL has value {webhook_url!r}; not an https:// URL")
        if webhook_secret is None:
            raise SettingsError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
    if webhook_secret is not None and not _valid_webhook_secret(webhook_secret):
        raise SettingsError(
            "WEBHOOK_SECRET has a value Telegram does not accept "
            "(1-256 characters of A-Z, a-z, 0-9, _ and -)"
        )
    console_base_url = get("CONSOLE_BASE_URL")
    if console_base_url is not None and not console_base_url.startswith(("http://", "https://")):
        raise SettingsError(f"CONSOLE_BASE_URL has value {console_base_url!r}; not an http(s) URL")
    console_secret = get("CONSOLE_SECRET")
    if console_secret is not None and len(console_secret) < 16:
        raise SettingsError("CONSOLE_SECRET is too short; use at least 16 random characters")
    defaults = Settings()
    return Settings(
        telegram_bot_token=Secret(token) if token else None,
        telegram_base_url=base_url,
        telegram_max_rate=_float(env, "TELEGRAM_MAX_RATE", TELEGRAM_RATE_LIMIT, allow_zero=True),
        staff_chat_id=_int(env, "STAFF_CHAT_ID"),
        staff_user_ids=_int_set(env, "STAFF_USER_IDS"),
        staff=_staff_names(env, "STAFF"),
        database_url=database_url,
        kb_dir=_dir(env, "KB_DIR", defaults.kb_dir),
        intents_dir=_dir(env, "INTENTS_DIR", defaults.intents_dir),
        log_level=log_level,
        log_resident_text=_bool(env, "LOG_RESIDENT_TEXT", defaults.log_resident_text),
        sla_hours=(_float(env, "SLA_HOURS", 0.0, allow_zero=False) if get("SLA_HOURS") else None),
        webhook_url=webhook_url,
        webhook_secret=Secret(webhook_secret) if webhook_secret else None,
        webhook_listen=get("WEBHOOK_LISTEN") or defaults.webhook_listen,
        webhook_port=_port(env, "WEBHOOK_PORT", defaults.webhook_port),
        max_open_tickets=_positive_int(env, "MAX_OPEN_TICKETS", defaults.max_open_tickets),
        max_tickets_per_hour=_positive_int(
            env, "MAX_TICKETS_PER_HOUR", defaults.max_tickets_per_hour
        ),
        retention_days=_positive_int(env, "RETENTION_DAYS", defaults.retention_days),
        concurrent_chats=_positive_int(env, "CONCURRENT_CHATS", defaults.concurrent_chats),
        database_pool_min=pool_min,
        database_pool_max=pool_max,
        replica_name=get("REPLICA_NAME"),
        polling_lease=_float(env, "POLLING_LEASE", defaults.polling_lease, allow_zero=False),
        polling_conflict_grace=_float(
            env, "POLLING_CONFLICT_GRACE", defaults.polling_conflict_grace, allow_zero=False
        ),
        holidays_file=_file(env, "HOLIDAYS_FILE"),
        time_limits_file=_file(env, "TIME_LIMITS_FILE"),
        console_listen=get("CONSOLE_LISTEN") or defaults.console_listen,
        console_port=_port(env, "CONSOLE_PORT", 0) or None,
        console_secret=Secret(console_secret) if console_secret else None,
        console_base_url=console_base_url.rstrip("/") if console_base_url else None,
    )


def _valid_webhook_secret(value: str) -> bool:
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    return 1 <= len(value) <= 256 and set(value) <= allowed


def _int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} has value {raw!r}; not an integer") from None


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} has value {env[name].strip()!r}; expected true or false")


def _int_set(env: Mapping[str, str], name: str) -> frozenset[int]:
    raw = env.get(name, "").strip()
    ids: set[int] = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise SettingsError(
                f"{name} has value {raw!r}; {part!r} is not an integer "
                "(expected comma-separated Telegram user ids)"
            ) from None
    return frozenset(ids)


def _staff_names(env: Mapping[str, str], name: str) -> tuple[tuple[int, str], ...]:
    """`STAFF=123:张三,456:李四`: the names staff are shown by, instead of their user ids."""
    raw = env.get(name, "").strip()
    pairs: dict[int, str] = {}
    for part in raw.split(","):
        if not part.strip():
            continue
        user, sep, shown = part.partition(":")
        if not sep or not shown.strip() or not user.strip().isdigit():
            raise SettingsError(
                f"{name} has value {raw!r}; {part.strip()!r} is not USER_ID:NAME "
                "(expected e.g. 123:张三,456:李四)"
            )
        pairs[int(user.strip())] = shown.strip()
    return tuple(sorted(pairs.items()))


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name)
    if value is None:
        return default
    if value <= 0:
        raise SettingsError(f"{name} has value {env[name].strip()!r}; must be greater than 0")
    return value


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name)
    if value is None:
        return default
    if not 1 <= value <= 65535:
        raise SettingsError(f"{name} has value {env[name].strip()!r}; not a port (1-65535)")
    return value


def _float(env: Mapping[str, str], name: str, default: float, *, allow_zero: bool) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} has value {raw!r}; not a number") from None
    lowest_ok = value >= 0 if allow_zero else value > 0  # NaN fails both
    if not (lowest_ok and value < float("inf")):
        bound = "0 or greater" if allow_zero else "greater than 0"
        raise SettingsError(f"{name} has value {raw!r}; must be {bound}")
    return value


def _dir(env: Mapping[str, str], name: str, default: Path) -> Path:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    path = Path(raw)
    if not path.is_dir():
        raise SettingsError(f"{name} has value {raw!r}; not a directory")
    return path


def _file(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    path = Path(raw)
    if not path.is_file():
        raise SettingsError(f"{name} has value {raw!r}; not a file")
    return path
