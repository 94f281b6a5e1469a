"""The resident's side of the dialogue: questions, answers with feedback buttons, clarify, the
menu, and the tickets 👎 / 转人工 / 都不是 turn into (their own tickets: bot/followups.py)."""

from __future__ import annotations

from dataclasses import replace

from bot import words
from bot.dialogue.filing import file_ticket, filed
from bot.dialogue.followups import my_tickets
from bot.dialogue.turn import Services, Turn, say
from bot.kb.model import Entry
from bot.matching.decision import Decision
from bot.messages import Choice, Outcome, Reply
from bot.store.chat_state import AnswerNotFoundError, AnswerRecord
from bot.store.model import TicketCategory


async def on_decision(svc: Services, turn: Turn, text: str, decision: Decision) -> Outcome:
    """Act on what the matcher decided about a question."""
    if decision.outcome == "intent" and decision.intent is not None:
        return await on_intent(svc, turn, decision.intent, text)
    language = turn.language
    if decision.parts:
        return await several(svc, turn, text, decision, language)
    candidates = tuple((c.entry_id, c.score) for c in decision.candidates)
    if decision.outcome == "answer" and decision.entry_id is not None:
        entry = svc.kb.entry(decision.entry_id)
        return await show_answer(svc, turn, entry, text, candidates, language)
    if decision.outcome == "clarify" and decision.candidates:
        return await clarify(svc, turn, text, candidates, language)
    if decision.outcome == "confirm" and decision.entry_id is not None:
        return await confirm(svc, turn, text, decision, language)
    if decision.gibberish:
        return say(words.rephrase_text(turn.language), note="rephrase")
    filing = await file_ticket(svc, turn, "unanswered", text, candidates=candidates)
    related = [svc.kb.entry(c.entry_id) for c in decision.related]
    rows = [(Choice(words.entry_title(e, language), f"pick:{e.id}"),) for e in related]
    return filed(
        filing,
        turn,
        lambda number, _: words.ticket_text(number, language, related),
        *rows,
    )


async def several(
    svc: Services, turn: Turn, text: str, decision: Decision, language: str
) -> Outcome:
    """A message asking several things: each answered, or filed, under its own heading.

    A part filed as a ticket carries the whole message, so staff read the question in context.
    """
    shown: list[Reply] = []
    notes: list[str] = ["several"]
    number: int | None = None
    for part in decision.parts:
        asked = part.question if part.outcome == "answer" else text
        outcome = await on_decision(svc, turn, asked, part)
        heading = words.part_heading(part.question, language)
        shown.extend(replace(r, text=f"{heading}\n{r.text}") for r in outcome.replies)
        notes.extend(outcome.notes)
        number = number or outcome.ticket_number
    return Outcome(tuple(shown), ticket_number=number, notes=tuple(notes))


async def confirm(
    svc: Services, turn: Turn, question: str, decision: Decision, language: str
) -> Outcome:
    """One entry came close: ask whether it is what they mean (是 → its answer, 不是 → ticket)."""
    entry = svc.kb.entry(decision.entry_id or "")
    candidates = tuple((c.entry_id, c.score) for c in decision.candidates)
    ref = await svc.store.record_answer(
        turn.channel, turn.chat_id, turn.user_id, question, None, candidates, turn.now
    )
    turn.state = replace(turn.state, last_answer_ref=ref)
    yes, no = words.confirm_labels(language)
    rows = ((Choice(yes, f"pick:{entry.id}"), Choice(no, f"none:{ref}")),)
    return Outcome((Reply(words.confirm_text(entry, language), rows),), notes=("confirm",))


async def on_intent(svc: Services, turn: Turn, name: str, text: str) -> Outcome:
    language = turn.language
    intent = svc.intents.get(name)
    if name == "greeting":
        return Outcome(
            (Reply(words.intent_text(intent, language), menu_choices(svc, language)),),
            notes=("greeting",),
        )
    if name == "menu":
        return menu(svc, turn)
    if name == "ticket_status":
        return await my_tickets(svc, turn)
    if name == "cancel":
        turn.enter(None)
        return say(words.intent_text(intent, language), note="cancel")
    if name == "human":
        question: str = text
        candidates: tuple[tuple[str, float], ...] = ()
        last = await last_answer(svc, turn)
        if last is not None:
            question, candidates = last.question, last.candidates
        filing = await file_ticket(svc, turn, "human-request", question, candidates=candidates)
        reply = words.intent_text(intent, language)
        return filed(filing, turn, lambda n, lang: words.human_ticket_text(reply, n or 0, lang))
    return say(words.intent_text(intent, language), note=name)


async def show_answer(
    svc: Services,
    turn: Turn,
    entry: Entry,
    question: str,
    candidates: tuple[tuple[str, float], ...],
    language: str,
) -> Outcome:
    """The entry's answer, with 👍 / 👎 / 转人工 (and the 通办 flow where the entry offers it)."""
    ref = await svc.store.record_answer(
        turn.channel, turn.chat_id, turn.user_id, question, entry.id, candidates, turn.now
    )
    turn.state = replace(turn.state, last_answer_ref=ref)
    up, down, human = words.feedback_labels(language)
    rows: list[tuple[Choice, ...]] = [
        (Choice(up, f"fb:up:{ref}"), Choice(down, f"fb:down:{ref}")),
        (Choice(human, f"human:{ref}"),),
    ]
    if entry.follow_up == "tongban":
        rows.append((Choice(words.tongban_button_label(language), "tb:start"),))
    text = words.answer_text(entry, language)
    return Outcome((Reply(text, tuple(rows)),), notes=("answer", f"entry:{entry.id}"))


async def clarify(
    svc: Services,
    turn: Turn,
    question: str,
    candidates: tuple[tuple[str, float], ...],
    language: str,
) -> Outcome:
    """Two or three close candidates as buttons, plus 都不是 (→ ticket)."""
    entries = [svc.kb.entry(entry_id) for entry_id, _ in candidates[:3]]
    ref = await svc.store.record_answer(
        turn.channel, turn.chat_id, turn.user_id, question, None, candidates, turn.now
    )
    turn.state = replace(turn.state, last_answer_ref=ref)
    rows = [(Choice(words.entry_title(e, language), f"pick:{e.id}"),) for e in entries]
    rows.append((Choice(words.none_of_these_label(language), f"none:{ref}"),))
    text = words.clarify_text(entries, language)
    return Outcome((Reply(text, tuple(rows)),), notes=("clarify",))


async def last_answer(svc: Services, turn: Turn) -> AnswerRecord | None:
    if turn.state.last_answer_ref is None:
        return None
    try:
        return await svc.store.answer(turn.state.last_answer_ref, turn.channel, turn.chat_id)
    except AnswerNotFoundError:
        return None


def menu_choices(svc: Services, language: str) -> tuple[tuple[Choice, ...], ...]:
    return tuple(
        (Choice(c.title_en if words.is_english(language) else c.title, f"cat:{c.id}"),)
        for c in svc.kb.categories
    )


def menu(svc: Services, turn: Turn) -> Outcome:
    """The browse categories as buttons."""
    text = words.intent_text(svc.intents.get("menu"), turn.language)
    return Outcome((Reply(text, menu_choices(svc, turn.language)),), notes=("menu",))


def category(svc: Services, turn: Turn, category_id: str) -> Outcome:
    """A category's entries as buttons (raises UnknownEntryError for an unknown category)."""
    found = svc.kb.category(category_id)
    language = turn.language
    title = found.title_en if words.is_english(language) else found.title
    rows = [
        (Choice(words.entry_title(e, language), f"pick:{e.id}"),)
        for e in svc.kb.in_category(category_id)
    ]
    rows.append((Choice(words.menu_back_label(language), "menu"),))
    return Outcome((Reply(words.category_text(title, language), tuple(rows)),), notes=("category",))


async def pick_entry(svc: Services, turn: Turn, entry_id: str) -> Outcome:
    """A tapped entry (from clarify or the menu): its answer, tied to the question asked."""
    entry = svc.kb.entry(entry_id)  # UnknownEntryError → expired button
    question = entry.title
    candidates: tuple[tuple[str, float], ...] = ((entry.id, 100.0),)
    last = await last_answer(svc, turn)
    if last is not None and last.entry_id is None and entry_id in dict(last.candidates):
        question, candidates = last.question, last.candidates
    return await show_answer(svc, turn, entry, question, candidates, turn.language)


async def feedback(svc: Services, turn: Turn, vote: str, ref: int) -> Outcome:
    """👍 is recorded; 👎 also turns the question into a 'feedback' ticket."""
    record = await svc.store.answer(
        ref, turn.channel, turn.chat_id
    )  # AnswerNotFoundError → expired
    await svc.store.record_feedback(ref, vote, turn.actor, turn.now)
    if vote == "up":
        return say(words.feedback_thanks_text(turn.language), note="thanks_feedback")
    return await ticket_for_answer(svc, turn, "feedback", record)


async def ticket_for_answer(
    svc: Services, turn: Turn, category: TicketCategory, record: AnswerRecord
) -> Outcome:
    """👎 / 转人工 / 都不是: the question behind an answer becomes a ticket."""
    text = record.question
    if record.entry_id:
        text += f"\n（已给出的答案：{record.entry_id}）"
    filing = await file_ticket(svc, turn, category, text, candidates=record.candidates)
    if category == "feedback":
        return filed(filing, turn, lambda n, lang: words.feedback_ticket_text(n or 0, lang))
    if category == "human-request":
        reply = words.intent_text(svc.intents.get("human"), turn.language)
        return filed(filing, turn, lambda n, lang: words.human_ticket_text(reply, n or 0, lang))
    return filed(filing, turn, words.ticket_text)
