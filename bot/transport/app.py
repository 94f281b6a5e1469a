"""The Telegram adapter, wired in one place: the bot, its handlers, the outbox, the job that
reminds staff of time limits, and the calendar's start-up warnings."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from datetime import timedelta
from functools import partial
from typing import Any

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bot.config import SLA_HOURS_RETIRED, Settings, SettingsError
from bot.dialogue.engine import Engine
from bot.dialogue.reload import RELOAD_TOPIC, Reloader
from bot.dialogue.teaching import TEACH_COMMANDS
from bot.helpdesk.deadlines import load_rules
from bot.helpdesk.reminders import CHECK_EVERY, queue_calendar_warnings
from bot.matching.matcher import Matcher, load_matcher
from bot.store.backend import make_store
from bot.store.database import utcnow
from bot.transport.budget import SendBudget
from bot.transport.delivery import Dispatcher
from bot.transport.handlers import (
    Runtime,
    on_button,
    on_command,
    on_due_check,
    on_error,
    on_knowledge_watch,
    on_photo,
    on_text,
    on_unsupported,
    runtime,
)
from bot.transport.polling import PollingLease, PollingRefusedError
from bot.words import STAFF_COMMAND_HELP, help_label, resident_command_menu

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
# A 429 is first waited out inside the rate limiter (which pauses every request meanwhile);
# after that many, the outbox takes over with its own persisted backoff.
FLOOD_RETRIES = 2
# How often the knowledge files are compared with the last load: an approved proposal written
# by `kb approve` in another process is served within a minute.
KNOWLEDGE_WATCH_EVERY = timedelta(seconds=30)
STOPPING = "stopping"  # bot_data key: set once the service has begun to stop
STOP_REQUESTED = "stop_requested"  # bot_data key: the asyncio.Event `run` waits on
RUNNER = "runner"  # bot_data key: the inbox runner, hurried by a second stop signal
POLLING_LEASE = "polling_lease"  # bot_data key: polling mode's lease (bot/transport/polling.py)
REFUSED = "refused"  # bot_data key: the PollingRefusedError the service stopped for

# Staff commands the service answers itself, not the engine (they act on the running service).
TRANSPORT_STAFF_COMMANDS = ("reload", *TEACH_COMMANDS)
# The staff group's command menu: the one list of staff commands (bot/words.py) and /help.
STAFF_COMMANDS = [(name, zh) for name, zh, _ in STAFF_COMMAND_HELP] + [("help", help_label("zh"))]


def build_application(
    settings: Settings, matcher: Matcher | None = None, *, reload_on_hangup: bool = False
) -> App:
    """Build the Application: handlers in one block, the error handler last.

    The knowledge is loaded in post_init unless given (tests share one loaded copy). With
    `reload_on_hangup` (the `run` command), SIGHUP reloads it.
    """
    if settings.telegram_bot_token is None:
        raise SettingsError("TELEGRAM_BOT_TOKEN is required to run the Telegram service")
    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.reveal())
        .base_url(settings.telegram_base_url)
        # Telegram's send limits, kept across replicas on PostgreSQL (bot/transport/budget.py).
        .rate_limiter(SendBudget(settings.telegram_max_rate, max_retries=FLOOD_RETRIES))
        # No Updater: it confirms an update to Telegram as soon as it is queued in memory, so
        # a crash lost it. bot/telegram_intake.py fetches updates into the inbox instead, and
        # bot/telegram_runner.py hands them to process_update (several chats at once, each
        # chat's in order).
        .updater(None)
        .post_init(partial(open_services, settings, matcher, reload_on_hangup))
        .post_stop(stop_services)
        .post_shutdown(close_services)
        .build()
    )
    private = filters.ChatType.PRIVATE
    staff = filters.Chat(settings.staff_chat_id) if settings.staff_chat_id else filters.Chat()
    # New messages from a person, in a private chat or the staff group: edited messages,
    # channel posts, other groups and messages without a sender are not for this bot.
    here = filters.UpdateType.MESSAGE & filters.USER & (private | staff)
    application.add_handlers(
        [
            MessageHandler(filters.COMMAND & here, on_command),
            MessageHandler(filters.TEXT & ~filters.COMMAND & here, on_text),
            MessageHandler(filters.PHOTO & here & private, on_photo),
            # Whatever else a resident sends (stickers, voice, dice, polls, contacts, locations,
            # documents, …): a polite request for text. Service messages (a pin, an auto-delete
            # timer) are not something the resident said.
            MessageHandler(here & private & ~filters.StatusUpdate.ALL, on_unsupported),
            CallbackQueryHandler(on_button),
        ]
    )
    application.add_error_handler(on_error)
    return application


async def open_services(
    settings: Settings, matcher: Matcher | None, reload_on_hangup: bool, application: App
) -> None:
    """post_init: load the knowledge, open the store, start the outbox, set menus and the job."""
    matcher = matcher or load_matcher(settings.kb_dir, settings.intents_dir)
    # Checked before the store opens: a broken holiday or time-limit file stops start-up
    # cleanly (the store's thread would keep the process alive).
    rules = load_rules(settings)
    store = make_store(settings)
    await store.open()
    if settings.webhook_url is None:  # polling: one process per bot, before anything acts
        lease = PollingLease(store, application.bot.id, settings)
        try:
            await lease.take()
        except BaseException:
            await store.close()
            raise
        application.bot_data[POLLING_LEASE] = lease
        lease.keep(partial(stop_refused, application))
    budget = application.bot.rate_limiter
    if isinstance(budget, SendBudget) and settings.uses_postgres:  # replicas share the budget
        budget.share_through(store)
    engine = Engine(store, matcher, settings)
    dispatcher = Dispatcher(application.bot, store, settings=settings, owner=settings.replica)
    reloader = Reloader(settings, engine, store)
    application.bot_data["runtime"] = Runtime(settings, store, engine, dispatcher, reloader)
    await store.listen(RELOAD_TOPIC, partial(on_reload_announced, application))
    await set_command_menus(application, settings)
    if settings.sla_hours is not None:
        log.warning(SLA_HOURS_RETIRED)
    for problem in await queue_calendar_warnings(store, settings, rules, utcnow()):
        log.warning("calendar: %s", problem)
    dispatcher.start()  # sends whatever was queued before a crash or restart
    if application.job_queue is not None and settings.staff_chat_id is not None:
        application.job_queue.run_repeating(
            on_due_check, interval=CHECK_EVERY, first=1.0, name="due-reminder"
        )
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            on_knowledge_watch,
            interval=KNOWLEDGE_WATCH_EVERY.total_seconds(),
            first=KNOWLEDGE_WATCH_EVERY.total_seconds(),
            name="knowledge-watch",
        )
    if reload_on_hangup and hasattr(signal, "SIGHUP"):  # the `run` command (not on Windows)
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, partial(on_hangup, application))
        for sig in (signal.SIGINT, signal.SIGTERM):  # in place of python-telegram-bot's own
            loop.add_signal_handler(sig, partial(on_stop_signal, application))
    log.info(
        "service ready: %d knowledge entries, staff chat %s, %d staff users",
        len(matcher.kb.entries),
        settings.staff_chat_id,
        len(settings.staff_user_ids),
    )


def on_reload_announced(application: App, origin: str) -> None:
    """Another replica reloaded the knowledge: reload this one's too (in the background)."""
    rt = runtime(application.bot_data)
    if origin == rt.settings.replica or application.bot_data.get(STOPPING):
        return
    log.info("replica %s reloaded the knowledge; reloading it here too", origin)
    application.create_task(
        rt.reloader.reload(
            report_key=f"reload:{rt.settings.replica}:{time.time_ns()}", announced_by=origin
        ),
        name="knowledge-reload",
    )


def on_hangup(application: App) -> None:
    """SIGHUP: reload the knowledge in the background (errors reach the error handler)."""
    log.info("SIGHUP received: reloading the knowledge")
    rt = runtime(application.bot_data)
    application.create_task(
        rt.reloader.reload(report_key=f"reload:sighup:{time.time_ns()}"), name="knowledge-reload"
    )


async def stop_services(application: App) -> None:
    """post_stop: stop reloading on SIGHUP; let the outbox finish what is in flight while the
    bot can still send (up to the dispatcher's grace period, or until a second stop signal)."""
    application.bot_data[STOPPING] = True
    if hasattr(signal, "SIGHUP"):
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
    if "runtime" in application.bot_data:
        rt = runtime(application.bot_data)
        await rt.dispatcher.stop()


def on_stop_signal(application: App) -> None:
    """SIGINT/SIGTERM for `run`: the first stops the service cleanly; another one, while it
    stops, stops waiting for stored updates and the outbox (both stay for the next start).

    python-telegram-bot's own handler raises SystemExit every time: a second signal would
    interrupt the shutdown itself, leave the store open, and hang the process on its thread.
    """
    if application.bot_data.get(STOPPING):
        log.warning("asked again to stop: not waiting for the outbox (unsent messages stay queued)")
        runner = application.bot_data.get(RUNNER)
        if runner is not None:
            runner.hurry()
        if "runtime" in application.bot_data:
            runtime(application.bot_data).dispatcher.hurry()
        return
    application.bot_data[STOPPING] = True
    log.info("stop signal received: stopping")
    stop = application.bot_data.get(STOP_REQUESTED)
    if not isinstance(stop, asyncio.Event):
        raise SystemExit  # still starting up: stop as python-telegram-bot would
    stop.set()


def stop_refused(application: App, error: PollingRefusedError) -> None:
    """Stop the service because another process polls for the bot; `run` then exits with
    EXIT_ANOTHER_POLLER and this message."""
    log.error("%s", error)
    application.bot_data[REFUSED] = error
    stop = application.bot_data.get(STOP_REQUESTED)
    if isinstance(stop, asyncio.Event):
        stop.set()


async def close_services(application: App) -> None:
    """post_shutdown: stop the outbox (if start-up failed half-way), give the polling lease
    back and close the store."""
    if "runtime" in application.bot_data:
        rt = runtime(application.bot_data)
        await rt.dispatcher.stop()
        budget = application.bot.rate_limiter
        if isinstance(budget, SendBudget):  # the last sends count in memory
            budget.share_through(None)
        lease = application.bot_data.pop(POLLING_LEASE, None)
        if isinstance(lease, PollingLease):
            await lease.release()
        await rt.store.close()


async def set_command_menus(application: App, settings: Settings) -> None:
    """Show residents their commands in private chats, and staff theirs in the staff group."""
    bot = application.bot
    private = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(_commands(resident_command_menu("zh")), scope=private)
    await bot.set_my_commands(
        _commands(resident_command_menu("en")), scope=private, language_code="en"
    )
    if settings.staff_chat_id is None:
        return
    try:
        await bot.set_my_commands(
            _commands(STAFF_COMMANDS), scope=BotCommandScopeChat(settings.staff_chat_id)
        )
    except TelegramError as exc:  # a wrong STAFF_CHAT_ID must not stop the residents' service
        log.warning(
            "could not set the staff command menu in chat %s: %s", settings.staff_chat_id, exc
        )


def _commands(pairs: list[tuple[str, str]]) -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in pairs]
