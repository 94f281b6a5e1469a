"""Telegram handlers: turn an Update into an engine call and the engine's replies into the outbox.

Nothing here decides anything. The engine answers; the outbox dispatcher sends. Replies are sent
as plain text (no parse_mode), so nothing a resident or the knowledge base writes is read as
markup.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram import Message, Update, User
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import words
from bot.config import Settings
from bot.dialogue.engine import Engine
from bot.dialogue.reload import Reloader
from bot.dialogue.teaching import TEACH_COMMANDS, teach_command
from bot.helpdesk.reminders import queue_due_reminder
from bot.matching.normalize import written_language
from bot.messages import Incoming, InputKind, Speaker
from bot.store.interface import TicketStore
from bot.transport.delivery import Dispatcher, send_text
from bot.words import staff_only_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    """What the handlers use, opened in post_init and kept in `application.bot_data`."""

    settings: Settings
    store: TicketStore
    engine: Engine
    dispatcher: Dispatcher
    reloader: Reloader


def runtime(bot_data: dict[Any, Any]) -> Runtime:
    """The Runtime that post_init stored (pass `context.bot_data` or `application.bot_data`)."""
    value = bot_data.get("runtime")
    if not isinstance(value, Runtime):
        raise RuntimeError("the service is not started (post_init has not run)")
    return value


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pass a command (/start, /mytickets, /reply 3 …) to the engine."""
    message = _message(update)
    text = command_text(message.text or "", context.bot.username)
    if text is None:  # addressed to another bot in a group
        return
    incoming = _incoming(message, "command", text, update_id=update.update_id)
    source = f"{message.chat_id}:{message.id}"
    head, _, args = text.partition(" ")
    if head.lower().lstrip("/") in TEACH_COMMANDS:
        if not runtime(context.bot_data).settings.is_staff(incoming.speaker.user_id):
            await reply(context, incoming.speaker.chat_id, staff_only_text(), source)
            return
        # In the background, as /reload: the checks take seconds.
        context.application.create_task(
            teach(context, incoming, head.lower().lstrip("/"), args, source),
            update=update,
            name="knowledge-proposal",
        )
    elif text.split(maxsplit=1)[0].lower() != "/reload":
        await respond(context, incoming, source)
    elif not runtime(context.bot_data).settings.is_staff(incoming.speaker.user_id):
        await reply(context, incoming.speaker.chat_id, staff_only_text(), source)
    else:
        # In the background: updates are handled one at a time, and nobody should wait for
        # the knowledge to load. Application.stop() waits for it.
        context.application.create_task(
            reload_knowledge(context, incoming.speaker.chat_id, source),
            update=update,
            name="knowledge-reload",
        )


async def teach(
    context: ContextTypes.DEFAULT_TYPE, incoming: Incoming, name: str, args: str, source: str
) -> None:
    """Propose, approve or reject knowledge; the result goes to the chat that asked."""
    rt = runtime(context.bot_data)
    speaker = incoming.speaker
    now = rt.dispatcher.clock()
    text = await teach_command(
        rt.store, rt.settings, speaker.user_id, name, args, now, speaker.language
    )
    await reply(context, speaker.chat_id, text, source)
    if name == "approve":
        await rt.reloader.reload_if_changed()


async def on_knowledge_watch(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reload the knowledge when its files changed (an approved proposal, from any process)."""
    if await runtime(context.bot_data).reloader.reload_if_changed() is not None:
        runtime(context.bot_data).dispatcher.wake()


async def reload_knowledge(context: ContextTypes.DEFAULT_TYPE, chat_id: int, source: str) -> None:
    """Reload the knowledge; the result goes to the staff group and to the chat that asked."""
    rt = runtime(context.bot_data)
    text = await rt.reloader.reload(report_key=f"reload:{source}")
    if chat_id == rt.settings.staff_chat_id:  # the staff-group report is the reply
        rt.dispatcher.wake()
    else:
        await reply(context, chat_id, text, source)


async def reply(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str, source: str) -> None:
    """Queue one reply to `source` (redelivered, it is queued once) and wake the dispatcher."""
    rt = runtime(context.bot_data)
    await rt.store.enqueue(chat_id, text, kind="reply", dedupe_key=f"reply:{source}:0")
    rt.dispatcher.wake()


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pass a text message to the engine; in the staff group only replies to the bot's posts."""
    message = _message(update)
    replied = message.reply_to_message
    reply_to = None
    if replied and replied.from_user and replied.from_user.id == context.bot.id:
        reply_to = replied.message_id
    if message.chat.type != ChatType.PRIVATE and reply_to is None:
        return
    incoming = _incoming(
        message, "text", message.text or "", reply_to=reply_to, update_id=update.update_id
    )
    await respond(context, incoming, f"{message.chat_id}:{message.id}")


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pass a photo (the largest size) and its caption to the engine as a report."""
    message = _message(update)
    largest = message.photo[-1].file_id  # Telegram lists the sizes smallest first
    incoming = _incoming(
        message,
        "photo",
        message.caption or "",
        attachments=(largest,),
        update_id=update.update_id,
    )
    await respond(context, incoming, f"{message.chat_id}:{message.id}")


async def on_unsupported(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell the engine something without text or photo arrived (it asks for text)."""
    message = _message(update)
    incoming = _incoming(message, "unsupported", "", update_id=update.update_id)
    await respond(context, incoming, f"{message.chat_id}:{message.id}")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the button tap at once, then pass its callback data to the engine."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer()  # stops the client's spinner; the reply comes as a message
    except TelegramError as exc:  # e.g. "query is too old" after a restart: still act on it
        log.info("could not answer callback query: %s", exc)
    chat = update.effective_chat
    if chat is None:  # a button on an inline message: not something this bot sends
        return
    incoming = Incoming(
        speaker=_speaker(query.from_user, chat.id),
        kind="choice",
        choice=query.data or "",
        message_id=query.message.message_id if query.message else None,
        update_id=update.update_id,
    )
    await respond(context, incoming, f"cb:{query.id}")


async def on_due_check(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell the staff group, in one post, what became due soon or overdue (each item once)."""
    rt = runtime(context.bot_data)
    rules = rt.engine.services.rules
    if await queue_due_reminder(rt.store, rt.settings, rules, rt.dispatcher.clock()) is not None:
        rt.dispatcher.wake()


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with its traceback, then tell the user something went wrong."""
    log.error("handling an update failed", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    message = update.effective_message
    typed = message.text if message is not None and message.text else ""
    client = update.effective_user.language_code if update.effective_user else None
    language = words.chat_language(None, written_language(typed) if typed else None, client)
    try:
        await context.bot.send_message(
            update.effective_chat.id, words.something_went_wrong_text(language)
        )
    except TelegramError as exc:
        log.warning("could not tell chat %s about the failure: %s", update.effective_chat.id, exc)


async def respond(context: ContextTypes.DEFAULT_TYPE, incoming: Incoming, source: str) -> None:
    """Ask the engine (which queues its replies in the outbox in the input's transaction), then
    wake the dispatcher.

    `source` names the incoming message; the replies' dedupe keys derive from it, so an update
    delivered twice is answered once.
    """
    rt = runtime(context.bot_data)
    outcome = await rt.engine.handle(incoming, reply_key=source)
    if not outcome.queued:
        # The database cannot be written (the engine's reply says so): send the replies
        # straight away rather than not at all.
        chat_id = incoming.speaker.chat_id
        log.warning("replies to chat %s not queued; sending them directly", chat_id)
        for reply in outcome.replies:
            await send_text(context.bot, chat_id, reply.text, reply.choices)
    rt.dispatcher.wake()


def command_text(text: str, bot_username: str) -> str | None:
    """`/reply@this_bot 3 好的` → `/reply 3 好的`; None for a command addressed to another bot."""
    head, _, rest = text.partition(" ")
    command, _, addressee = head.partition("@")
    if addressee and addressee.lower() != bot_username.lower():
        return None
    return f"{command} {rest}".rstrip() if rest else command


def _message(update: Update) -> Message:
    message = update.effective_message
    if message is None:
        raise ValueError("this handler needs an update with a message")
    return message


def _speaker(user: User, chat_id: int) -> Speaker:
    return Speaker(
        user_id=user.id,
        chat_id=chat_id,
        name=user.full_name,
        language=user.language_code,
        username=user.username,
    )


def _incoming(
    message: Message,
    kind: InputKind,
    text: str,
    *,
    reply_to: int | None = None,
    attachments: tuple[str, ...] = (),
    update_id: int | None = None,
) -> Incoming:
    user = message.from_user
    if user is None:
        raise ValueError("a message without a sender (channel post) reached a handler")
    return Incoming(
        speaker=_speaker(user, message.chat_id),
        kind=kind,
        text=text,
        message_id=message.id,
        reply_to_message_id=reply_to,
        attachments=attachments,
        update_id=update_id,
    )
