"""The Telegram adapter, wired in one place: the bot, its handlers, the outbox, the SLA job."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bot.config import Settings, SettingsError
from bot.delivery import Dispatcher
from bot.engine import Engine
from bot.intents import IntentSet, load_intents
from bot.kb import KnowledgeBase
from bot.kb_loader import load_knowledge
from bot.match import Matcher
from bot.reminders import reminder_period
from bot.telegram_handlers import (
    Runtime,
    on_button,
    on_command,
    on_error,
    on_photo,
    on_sla_check,
    on_text,
    on_unsupported,
    runtime,
)
from bot.tickets import SQLiteTicketStore

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
# A 429 is first waited out inside the rate limiter (which pauses every request meanwhile);
# after that many, the outbox takes over with its own persisted backoff.
FLOOD_RETRIES = 2
SLA_CHECK_EVERY = timedelta(minutes=15)  # at most; the reminder itself goes out once per period

RESIDENT_COMMANDS = {
    "zh": [
        ("start", "开始：我能做什么"),
        ("menu", "按类别浏览常见问题"),
        ("mytickets", "我的工单和回复"),
        ("tongban", "袁家岗跨区通办"),
        ("help", "使用说明"),
        ("lang", "切换语言 zh / en"),
        ("cancel", "退出当前流程"),
    ],
    "en": [
        ("start", "Start: what I can do"),
        ("menu", "Browse questions by category"),
        ("mytickets", "My tickets and replies"),
        ("tongban", "Yuanjiagang cross-district services"),
        ("help", "How to use this assistant"),
        ("lang", "Switch language zh / en"),
        ("cancel", "Leave the current step"),
    ],
}
STAFF_COMMANDS = [
    ("tickets", "待处理工单（最早的在前）"),
    ("ticket", "查看工单及记录：/ticket 编号"),
    ("reply", "答复居民：/reply 编号 内容"),
    ("claim", "认领：/claim 编号"),
    ("close", "关闭：/close 编号 [备注]"),
    ("reopen", "重新打开：/reopen 编号"),
    ("stats", "工单统计"),
    ("help", "使用说明"),
]

UNSUPPORTED = (
    filters.Sticker.ALL
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.LOCATION
    | filters.CONTACT
    | filters.Document.ALL
)


@dataclass(frozen=True)
class Knowledge:
    """The knowledge base, the intents and the matcher built on them (read-only once loaded)."""

    kb: KnowledgeBase
    intents: IntentSet
    matcher: Matcher


def load_knowledge_files(settings: Settings) -> Knowledge:
    """Load and check KB_DIR and INTENTS_DIR; a broken file stops start-up here."""
    kb = load_knowledge(settings.kb_dir)
    intents = load_intents(settings.intents_dir)
    return Knowledge(kb, intents, Matcher(kb, intents))


def build_application(settings: Settings, knowledge: Knowledge | None = None) -> App:
    """Build the Application: handlers in one block, the error handler last.

    The knowledge is loaded in post_init unless given (tests share one loaded copy).
    """
    if settings.telegram_bot_token is None:
        raise SettingsError("TELEGRAM_BOT_TOKEN is required to run the Telegram service")
    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.reveal())
        .base_url(settings.telegram_base_url)
        .rate_limiter(AIORateLimiter(max_retries=FLOOD_RETRIES))
        .post_init(partial(open_services, settings, knowledge))
        .post_stop(stop_dispatcher)
        .post_shutdown(close_services)
        .build()
    )
    private = filters.ChatType.PRIVATE
    staff = filters.Chat(settings.staff_chat_id) if settings.staff_chat_id else filters.Chat()
    here = private | staff
    application.add_handlers(
        [
            MessageHandler(filters.COMMAND & here, on_command),
            MessageHandler(filters.TEXT & ~filters.COMMAND & here, on_text),
            MessageHandler(filters.PHOTO & private, on_photo),
            MessageHandler(UNSUPPORTED & private, on_unsupported),
            CallbackQueryHandler(on_button),
        ]
    )
    application.add_error_handler(on_error)
    return application


async def open_services(settings: Settings, knowledge: Knowledge | None, application: App) -> None:
    """post_init: load the knowledge, open the store, start the outbox, set menus and the job."""
    knowledge = knowledge or load_knowledge_files(settings)
    store = SQLiteTicketStore(settings.database_path)
    await store.open()
    engine = Engine(store, knowledge.matcher, knowledge.kb, knowledge.intents, settings)
    dispatcher = Dispatcher(application.bot, store)
    application.bot_data["runtime"] = Runtime(settings, store, engine, dispatcher)
    await set_command_menus(application, settings)
    dispatcher.start()  # sends whatever was queued before a crash or restart
    if application.job_queue is not None and settings.staff_chat_id is not None:
        period = reminder_period(settings)
        application.job_queue.run_repeating(
            on_sla_check, interval=min(period, SLA_CHECK_EVERY), first=1.0, name="sla-reminder"
        )
    log.info(
        "service ready: %d knowledge entries, staff chat %s, %d staff users",
        len(knowledge.kb.entries),
        settings.staff_chat_id,
        len(settings.staff_user_ids),
    )


async def stop_dispatcher(application: App) -> None:
    """post_stop: let the outbox finish what is in flight while the bot can still send."""
    if "runtime" in application.bot_data:
        await runtime(application.bot_data).dispatcher.stop()


async def close_services(application: App) -> None:
    """post_shutdown: stop the outbox (if start-up failed half-way) and close the store."""
    if "runtime" in application.bot_data:
        rt = runtime(application.bot_data)
        await rt.dispatcher.stop()
        await rt.store.close()


async def set_command_menus(application: App, settings: Settings) -> None:
    """Show residents their commands in private chats, and staff theirs in the staff group."""
    bot = application.bot
    private = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(_commands(RESIDENT_COMMANDS["zh"]), scope=private)
    await bot.set_my_commands(_commands(RESIDENT_COMMANDS["en"]), scope=private, language_code="en")
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
