"""Reloading the knowledge while the bot keeps serving: `/reload` from staff, or SIGHUP.

Also when the files change (`Reloader.reload_if_changed`, checked every half minute by the
service: an approved knowledge proposal is picked up by every process within a minute).
KB_DIR and INTENTS_DIR are loaded and checked again and the matcher rebuilt in a worker thread
(it takes a while; the event loop keeps answering meanwhile), then the engine switches to the new
knowledge in one assignment. A file with an error changes nothing: the previous knowledge keeps
serving, and the problems, each with its file and line, go to the log and to the staff group.
"""

from __future__ import annotations

import asyncio
import logging

from bot import words
from bot.config import Settings
from bot.dialogue.engine import Engine
from bot.matching.matcher import load_matcher
from bot.store.interface import TicketStore
from bot.yamlio import DataError

log = logging.getLogger(__name__)

LISTED_PROBLEMS = 30  # problems named in the staff-group message; the log has them all


def knowledge_signature(settings: Settings) -> tuple[tuple[str, int, int], ...]:
    """Name, modification time and size of every knowledge and intent file: it changes when an
    approved proposal (or anyone) writes them."""
    paths = sorted((*settings.kb_dir.glob("*.yaml"), *settings.intents_dir.glob("*.yaml")))
    signature = []
    for path in paths:
        try:
            stat = path.stat()
        except FileNotFoundError:  # removed between the listing and now
            continue
        signature.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(signature)


class Reloader:
    """Reloads the knowledge into the engine, one reload at a time, and reports the result."""

    def __init__(self, settings: Settings, engine: Engine, store: TicketStore) -> None:
        self.settings = settings
        self.engine = engine
        self.store = store
        self._lock = asyncio.Lock()
        self._seen = knowledge_signature(settings)

    async def reload_if_changed(self) -> str | None:
        """Reload when the files changed since the last load (an approved knowledge proposal
        written by another process); return the result, or None when nothing changed. Every
        process serving residents calls this periodically (`KNOWLEDGE_WATCH_EVERY`)."""
        signature = await asyncio.to_thread(knowledge_signature, self.settings)
        if signature == self._seen:
            return None
        return await self.reload(report_key=f"reload:files:{hash(signature)}")

    async def reload(self, report_key: str) -> str:
        """Load, check and swap in the knowledge; return the one-line result.

        The result is also logged and queued for the staff group under `report_key` (so a
        redelivered /reload reports once).
        """
        async with self._lock:
            self._seen = await asyncio.to_thread(knowledge_signature, self.settings)
            try:
                matcher = await asyncio.to_thread(
                    load_matcher, self.settings.kb_dir, self.settings.intents_dir
                )
            except (DataError, OSError) as exc:
                log.error("knowledge reload failed; still serving the previous knowledge:\n%s", exc)
                text = failure_text(exc)
            else:
                self.engine.swap_knowledge(matcher)
                summary = matcher.kb.summary()
                log.info("knowledge reloaded: %s", summary)
                text = words.reloaded_text(summary)
        if self.settings.staff_chat_id is not None:
            await self.store.enqueue(
                self.settings.staff_chat_id, text, kind="staff_notice", dedupe_key=report_key
            )
        return text


def failure_text(exc: DataError | OSError) -> str:
    """What staff read when a reload fails: that nothing changed, then each problem."""
    if isinstance(exc, DataError):
        problems = [str(p) for p in exc.problems]
    else:
        problems = [f"{exc.filename or '?'}: {exc.strerror or exc}"]
    return words.reload_failed_text(problems, LISTED_PROBLEMS)
