"""`python -m bot chat`: talk to the assistant in the terminal, on the embedded database.

Buttons are shown as numbered options; typing the number taps it. Works with piped input (no
prompt, exits at the end of input), so demo scripts and tests can drive it. Messages the outbox
holds for this chat (a staff reply sent from another terminal) are printed as they arrive.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from dataclasses import replace
from typing import TextIO

from bot.config import Settings
from bot.dialogue.engine import Engine
from bot.dialogue.reload import Reloader
from bot.dialogue.teaching import TEACH_COMMANDS, teach_command
from bot.helpdesk.deadlines import load_rules
from bot.matching.matcher import load_matcher
from bot.messages import Choice, Incoming, InputKind, Reply, Speaker
from bot.store.database import (
    DatabaseStartupError,
    StoreUnavailableError,
    prepare_database_path,
    utcnow,
)
from bot.store.sqlite import SQLiteTicketStore
from bot.words import (
    chat_language,
    new_message_prefix,
    pick_number_text,
    something_went_wrong_text,
    staff_only_text,
    terminal_banner_text,
)
from bot.yamlio import DataError

log = logging.getLogger(__name__)
CHANNEL = "terminal"
OUTBOX_POLL_SECONDS = 1.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user-id", type=int, default=1, help="your user (and chat) id (default 1)"
    )
    parser.add_argument("--name", default="终端用户", help="your display name")
    parser.add_argument(
        "--lang", default=None, help="your client language, e.g. en (default Chinese)"
    )
    parser.add_argument(
        "--as-staff", action="store_true", help="treat this user as staff (/tickets, /reply N …)"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.as_staff:
        settings = replace(settings, staff_user_ids=settings.staff_user_ids | {args.user_id})
    speaker = Speaker(args.user_id, args.user_id, args.name, args.lang, CHANNEL)
    try:
        matcher = load_matcher(settings.kb_dir, settings.intents_dir)
        load_rules(settings)  # the holiday and time-limit files, checked before the engine
    except DataError as exc:
        print(f"The knowledge base or a time-limit file has problems:\n{exc}", file=sys.stderr)
        return 2
    try:
        path = prepare_database_path(settings)
    except OSError as exc:
        print(f"Cannot create the database folder: {exc}", file=sys.stderr)
        return 2
    terminal = Terminal(speaker, sys.stdout, interactive=sys.stdin.isatty())
    store = SQLiteTicketStore(path)
    engine = Engine(store, matcher, settings)
    try:
        return asyncio.run(terminal.run(store, engine, sys.stdin))
    except (DatabaseStartupError, StoreUnavailableError) as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


class Terminal:
    """Prints replies with numbered choices and turns typed numbers back into button taps."""

    def __init__(self, speaker: Speaker, out: TextIO, *, interactive: bool) -> None:
        self.speaker = speaker
        self.out = out
        self.interactive = interactive
        self.choices: list[Choice] = []

    async def run(self, store: SQLiteTicketStore, engine: Engine, source: TextIO) -> int:
        await store.open()
        poller = asyncio.create_task(self._poll_outbox(store))
        try:
            if self.interactive:
                self._print(terminal_banner_text(await self._language(store)))
            while True:
                if self.interactive:
                    self.out.write("> ")
                    self.out.flush()
                line = await asyncio.to_thread(source.readline)
                if not line:
                    break
                line = line.strip()
                if not line:
                    continue
                await self._drain_outbox(store)
                if self.out_of_range(line):
                    await self._show_options_again(store)
                    continue
                if line.split()[0].lower() == "/reload":
                    await self._reload(store, engine)
                elif line.split()[0].lower().lstrip("/") in TEACH_COMMANDS:
                    await self._teach(store, engine, line)
                else:
                    await self._handle(engine, self.incoming(line), store)
                await self._drain_outbox(store)
        finally:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
            try:
                await self._drain_outbox(store)
            finally:  # even when printing fails (the reader of a pipe went away)
                await store.close()
        return 0

    def out_of_range(self, line: str) -> bool:
        """A number while options are shown, but none of theirs ("9" under 7 options)."""
        return bool(self.choices) and line.isdigit() and not 1 <= int(line) <= len(self.choices)

    async def _language(self, store: SQLiteTicketStore) -> str:
        state = await store.load_state(CHANNEL, self.speaker.chat_id)
        return chat_language(state.language, state.written_language, self.speaker.language)

    async def _show_options_again(self, store: SQLiteTicketStore) -> None:
        options = self.choices
        text = pick_number_text(len(options), await self._language(store))
        self.show(Reply(text, ((*options,),)))

    def incoming(self, line: str) -> Incoming:
        """A typed line: a number picks a shown option; `/…` is a command; the rest is text."""
        if line.isdigit() and 1 <= int(line) <= len(self.choices):
            return Incoming(self.speaker, kind="choice", choice=self.choices[int(line) - 1].data)
        kind: InputKind = "command" if line.startswith("/") else "text"
        return Incoming(self.speaker, kind=kind, text=line)

    def show(self, reply: Reply, prefix: str = "") -> None:
        options = [choice for row in reply.choices for choice in row]
        lines = [prefix + reply.text]
        lines += [f"  {i}. {choice.label}" for i, choice in enumerate(options, 1)]
        self._print("\n".join(lines))
        if options:
            self.choices = options

    async def _handle(self, engine: Engine, incoming: Incoming, store: SQLiteTicketStore) -> None:
        try:
            outcome = await engine.handle(incoming)
        except Exception:  # the edge: log with the traceback, say so briefly, keep chatting
            log.exception("handling %r failed", incoming.kind)
            language = chat_language(None, None, self.speaker.language)
            with contextlib.suppress(Exception):  # the database may be what failed
                language = await self._language(store)
            self._print(something_went_wrong_text(language))
            return
        self.choices = []  # numbers refer to the latest buttons only
        for reply in outcome.replies:
            self.show(reply)

    async def _reload(self, store: SQLiteTicketStore, engine: Engine) -> None:
        """/reload from staff: reload this chat's knowledge (as the service does for
        Telegram); the result is printed here, not posted to the staff group."""
        settings = engine.services.settings
        if not settings.is_staff(self.speaker.user_id):
            self._print(staff_only_text())
            return
        local = replace(settings, staff_chat_id=None)  # report here only
        self._print(await Reloader(local, engine, store).reload(report_key="terminal"))

    async def _teach(self, store: SQLiteTicketStore, engine: Engine, line: str) -> None:
        """/teach, /approve, /reject from staff, as in the staff group; an approval reloads
        this chat's knowledge too."""
        settings = engine.services.settings
        if not settings.is_staff(self.speaker.user_id):
            self._print(staff_only_text())
            return
        name, _, args = line.partition(" ")
        name = name.lower().lstrip("/")
        local = replace(settings, staff_chat_id=None)  # report here only
        reloader = Reloader(local, engine, store)
        now = utcnow()
        self._print(
            await teach_command(
                store, settings, self.speaker.user_id, name, args, now, self.speaker.language
            )
        )
        reloaded = await reloader.reload_if_changed()  # an approval wrote the files
        if reloaded is not None:
            self._print(reloaded)

    async def _poll_outbox(self, store: SQLiteTicketStore) -> None:
        while True:
            await asyncio.sleep(OUTBOX_POLL_SECONDS)
            await self._drain_outbox(store)

    async def _drain_outbox(self, store: SQLiteTicketStore) -> None:
        """Print (and mark sent) what the outbox holds for this terminal chat; when the
        database is unavailable, leave it there for the next pass."""
        try:
            messages = await store.due_messages(
                utcnow(), channel=CHANNEL, chat_id=self.speaker.chat_id
            )
            for message in messages:
                prefix = new_message_prefix(await self._language(store))
                self.show(Reply(message.text, message.choices), prefix=prefix)
                await store.mark_sent(message.id, None)
        except StoreUnavailableError as exc:
            log.warning("outbox not read: %s", exc)

    def _print(self, text: str) -> None:
        self.out.write(text + "\n\n")
        self.out.flush()
