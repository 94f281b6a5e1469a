"""The dialogue engine: one entry point for everything a resident or staff member does.

Transports (Telegram, the terminal chat) turn their input into an `Incoming` and show the
`Outcome`; messages for other chats go to the outbox in the same transaction as the change.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from bot import words
from bot.config import Settings
from bot.dialogue import followups, rating, resident, tongban
from bot.dialogue import staff as staff_commands
from bot.dialogue.turn import ExpiredChoiceError, Services, Turn, input_key, number, say
from bot.dialogue.typed import typed_button
from bot.helpdesk.deadlines import load_rules
from bot.matching.matcher import Matcher
from bot.matching.normalize import written_language
from bot.messages import Incoming, Outcome, display_name
from bot.store.database import StoreUnavailableError, TicketNotFound, utcnow
from bot.store.interface import TicketStore
from bot.store.model import TicketCategory

log = logging.getLogger(__name__)

# The matcher reads this much of a message (Telegram sends at most 4,096 characters; longer text
# from another transport only slows matching down). Tickets keep the whole text.
MATCHED_CHARS = 1000
# Lone surrogates (what a JSON "\ud800" escape decodes to) are not text and cannot be stored.
_SURROGATE = re.compile("[\ud800-\udfff]")


class Engine:
    def __init__(
        self,
        store: TicketStore,
        matcher: Matcher,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._services = Services(store, matcher, settings, load_rules(settings))
        self._clock = clock

    @property
    def services(self) -> Services:
        return self._services

    def swap_knowledge(self, matcher: Matcher) -> None:
        """Use new knowledge from the next input on (one assignment: atomic for asyncio)."""
        self._services = replace(self._services, matcher=matcher)

    async def handle(self, incoming: Incoming, reply_key: str | None = None) -> Outcome:
        """Handle one input in one transaction; return the replies for the same chat.

        An input seen before (same channel, chat and message id) gets the replies it got then
        and changes nothing: the record is written in the same transaction as the effects.
        With `reply_key`, the replies are also queued in the outbox in that transaction, under
        dedupe keys `reply:{reply_key}:{i}` (queued once however often the input comes), and
        the outcome says `queued`. An input from the inbox (`update_id`) is marked handled there
        in the same transaction. When the database cannot be written, nothing is saved and
        the person is asked to send it again (that reply is not queued: show it directly).
        """
        svc = self._services
        incoming = storable(incoming)
        speaker = incoming.speaker
        key = input_key(incoming)
        # Matching is pure and the costliest part of a turn: done before the transaction, it
        # runs while other chats' turns use the database (one connection, one turn at a time).
        decision = None
        if incoming.kind == "text" and not incoming.text.strip().startswith("/"):
            decision = svc.matcher.decide(incoming.text.strip()[:MATCHED_CHARS])
        try:
            async with svc.store.transaction():
                if key is not None:
                    done = await svc.store.recall_outcome(speaker.channel, speaker.chat_id, key)
                    if done is not None:
                        log.info("chat %s: %s seen before", speaker.chat_id, key)
                        await self._finish(svc, incoming)
                        return await self._queue(svc, speaker.chat_id, done, reply_key)
                state = await svc.store.load_state(speaker.channel, speaker.chat_id)
                turn = Turn(incoming, state, self._clock(), decision)
                turn.note_written_language()
                outcome = await self._dispatch(svc, turn)
                if turn.state != state:
                    await svc.store.save_state(turn.state, turn.now)
                if key is not None:
                    await svc.store.remember_outcome(
                        speaker.channel, speaker.chat_id, key, outcome, turn.now
                    )
                outcome = await self._queue(svc, speaker.chat_id, outcome, reply_key)
                await self._finish(svc, incoming)
        except StoreUnavailableError as exc:
            log.warning("%s; asked chat %s to try again", exc, speaker.chat_id)
            written = written_language(incoming.text) if incoming.kind == "text" else None
            language = words.chat_language(None, written, speaker.language)
            return say(words.busy_text(language), note=exc.note)
        return outcome

    async def _finish(self, svc: Services, incoming: Incoming) -> None:
        """Mark the input's inbox entry handled, in the turn's transaction."""
        if incoming.update_id is not None:
            await svc.store.finish_update(
                incoming.speaker.channel, incoming.update_id, self._clock()
            )

    @staticmethod
    async def _queue(svc: Services, chat_id: int, outcome: Outcome, key: str | None) -> Outcome:
        """Queue the replies for `chat_id` (inside the caller's transaction) when asked to."""
        if key is None:
            return outcome
        for index, reply in enumerate(outcome.replies):
            await svc.store.enqueue(
                chat_id,
                reply.text,
                choices=reply.choices,
                kind="reply",
                ticket_number=outcome.ticket_number,
                dedupe_key=f"reply:{key}:{index}",
            )
        return replace(outcome, queued=True)

    async def _dispatch(self, svc: Services, turn: Turn) -> Outcome:
        incoming = turn.incoming
        text = incoming.text.strip()
        if incoming.kind == "choice":
            return await self._dispatch_choice(svc, turn, incoming.choice or "")
        if incoming.kind == "command" or (incoming.kind == "text" and text.startswith("/")):
            name, _, args = text.removeprefix("/").partition(" ")
            return await self._command(svc, turn, name.split("@")[0].lower(), args.strip())
        if incoming.kind == "photo":
            return await followups.photo(svc, turn)
        if incoming.kind == "unsupported":
            return say(words.unsupported_text(turn.language), note="unsupported")
        if incoming.reply_to_message_id is not None:
            try:
                number = await svc.store.ticket_for_staff_message(
                    turn.chat_id, incoming.reply_to_message_id
                )
            except TicketNotFound:
                pass  # a reply to some other message of ours: an ordinary question
            else:
                # Only staff answer through a staff post; anyone else there gets the refusal.
                return await staff_commands.reply_to_post(svc, turn, number)
        return await self._text(svc, turn, text)

    async def _text(self, svc: Services, turn: Turn, text: str) -> Outcome:
        button = typed_button(svc, turn, text)
        if button is not None:
            return await self._dispatch_choice(svc, turn, button)
        decision = turn.decision or svc.matcher.decide(text[:MATCHED_CHARS])
        flow = turn.state.flow
        if flow is not None and decision.outcome == "intent" and decision.intent == "cancel":
            return await resident.on_intent(svc, turn, "cancel", text)
        if flow == "tongban":
            return await tongban.on_text(svc, turn, text)
        if flow == "human":
            return await resident.on_human_question(svc, turn, text)
        if flow == "feedback":
            return await resident.on_feedback_why(svc, turn, text)
        if flow == "rating" and text:
            if not rating.is_new_question(text, decision):
                return await rating.on_comment(svc, turn, text)
            turn.enter(None)  # a question the knowledge base answers: answered, no comment
        if text:
            routed = await followups.route(svc, turn, text, decision)
            if routed is not None:
                return routed
        return await resident.on_decision(svc, turn, text, decision)

    async def _command(self, svc: Services, turn: Turn, name: str, args: str) -> Outcome:
        if name in staff_commands.STAFF_COMMANDS:
            return await staff_commands.command(svc, turn, name, args)
        language = turn.language
        if name == "start":
            return await resident.on_intent(svc, turn, "greeting", "")
        if name == "help":
            text = words.intent_text(svc.intents.get("help"), language)
            if svc.settings.is_staff(turn.user_id):
                text += "\n\n" + words.staff_help_text(language)
            return say(text, note="help")
        if name == "menu":
            return resident.menu(svc, turn)
        if name == "mytickets":
            return await followups.my_tickets(svc, turn)
        if name == "tongban":
            return await tongban.start(svc, turn)
        if name == "cancel":
            return await resident.on_intent(svc, turn, "cancel", "")
        if name == "lang":
            if not args:
                return say(words.language_usage_text(language), note="lang_usage")
            wanted = words.language_named(args)
            if wanted is None:
                return say(words.language_unknown_text(args, language), note="lang_unknown")
            turn.state = replace(turn.state, language=wanted)
            return say(words.language_text(wanted), note="lang")
        return say(words.unknown_command_text(language), note="unknown_command")

    async def _dispatch_choice(self, svc: Services, turn: Turn, data: str) -> Outcome:
        """A button, tapped or its label typed; forged or stale data gets the polite reply."""
        try:
            return await self._choice(svc, turn, data)
        except (ExpiredChoiceError, LookupError):
            # LookupError: an answer, entry, category or ticket the data names is not there
            # (or not this chat's): the same polite reply as for forged data.
            return say(words.expired_text(turn.language), note="expired")

    async def _choice(self, svc: Services, turn: Turn, data: str) -> Outcome:
        """A tapped button; anything unknown or forged raises and reads as expired."""
        head, _, rest = data.partition(":")
        if head in staff_commands.STAFF_BUTTONS:
            if not svc.settings.is_staff(turn.user_id):
                return staff_commands.refused()  # before parsing: forged data is refused too
            return await staff_commands.button(svc, turn, head, rest)
        if head == "fb":
            vote, _, ref = rest.partition(":")
            if vote not in ("up", "down"):
                raise ExpiredChoiceError(data)
            return await resident.feedback(svc, turn, vote, number(ref))
        if head in ("human", "none"):
            record = await svc.store.answer(number(rest), turn.channel, turn.chat_id)
            category: TicketCategory = "human-request" if head == "human" else "unanswered"
            return await resident.ticket_for_answer(svc, turn, category, record)
        if head == "pick":
            return await resident.pick_entry(svc, turn, rest)
        if head == "cat":
            return resident.category(svc, turn, rest)
        if data == "menu":
            return resident.menu(svc, turn)
        if head == "add":
            return await followups.start_followup(svc, turn, number(rest))
        if head == "withdraw":
            return await followups.withdraw(svc, turn, number(rest))
        if head == "rate":
            ticket, _, value = rest.partition(":")
            return await rating.on_rate(svc, turn, number(ticket), number(value))
        if head == "rateskip":
            return rating.on_skip(turn, number(rest))
        if head == "why":
            if turn.state.data.get("answer") != number(rest):
                raise ExpiredChoiceError(data)
            return await resident.on_feedback_why(svc, turn, None)
        if head == "tb":
            if rest == "start":
                return await tongban.start(svc, turn)
            if rest == "skip":
                return await tongban.on_phone(svc, turn, None)
            return tongban.choose_community(turn, rest)
        raise ExpiredChoiceError(data)


def storable(incoming: Incoming) -> Incoming:
    """The input with lone surrogates replaced by U+FFFD, so any text can be stored as UTF-8,
    and the speaker's name made plain (`display_name`)."""

    def clean(text: str) -> str:
        return _SURROGATE.sub("\ufffd", text)

    speaker = replace(incoming.speaker, name=display_name(clean(incoming.speaker.name)))
    return replace(
        incoming,
        speaker=speaker,
        text=clean(incoming.text),
        choice=None if incoming.choice is None else clean(incoming.choice),
        attachments=tuple(clean(a) for a in incoming.attachments),
    )
