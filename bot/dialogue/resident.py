"""The resident's side of the dialogue: questions, answers with feedback buttons, clarify, the
menu, and the tickets 👎 / 转人工 / 都不是 turn into (their own tickets: bot/followups.py)."""

from __future__ import annotations

import re
from dataclasses import replace

from bot import words
from bot.dialogue.filing import file_ticket, filed
from bot.dialogue.followups import my_tickets
from bot.dialogue.turn import ExpiredChoiceError, Services, Turn, say
from bot.kb.model import Entry
from bot.matching.decision import Decision
from bot.messages import Choice, Outcome, Reply
from bot.store.chat_state import AnswerNotFoundError, AnswerRecord
from bot.store.model import OPEN_STATUSES, TicketCategory


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
        if turn.state.flow is None and _NAMES_TICKET.search(text):  # "取消我的工单"
            listed = await my_tickets(svc, turn)
            if any(reply.choices for reply in listed.replies):  # an open one to withdraw
                lead = Reply(words.withdraw_which_text(language))
                return Outcome((lead, *listed.replies), notes=("cancel_tickets",))
        if turn.state.flow is None:
            return say(words.nothing_to_cancel_text(language), note="cancel_nothing")
        turn.enter(None)
        return say(words.intent_text(intent, language), note="cancel")
    if name == "human":
        last = await last_answer(svc, turn)
        if last is not None:
            return await file_human_request(svc, turn, last.question, last.candidates)
        if is_bare_human_request(text):
            turn.enter("human", "question")
            return say(words.human_what_text(language), note="human_what")
        return await file_human_request(svc, turn, text, ())
    return say(words.intent_text(intent, language), note=name)


# A request to cancel that names a ticket or a question: one already filed, to withdraw.
_NAMES_TICKET = re.compile(r"工单|问题|提问|\b(?:ticket|question|request)\b", re.IGNORECASE)

# "转人工", "我要找真人客服", "human please": a request for a person that names no matter.
_HUMAN_WORDS = re.compile(
    r"我要|我想|请|帮我|给我|麻烦|找|转|接|联系|人工|真人|客服|工作人员|服务|一下|吧|啊|呀|哈|"
    r"i want|i need|i'd like|please|can i|let me|talk|speak|to|with|a|an|the|real|human|person|"
    r"agent|staff|someone|somebody|operator|support",
    re.IGNORECASE,
)


def is_bare_human_request(text: str) -> bool:
    """Whether the message asks for a person and nothing else (there is no matter to file)."""
    rest = _HUMAN_WORDS.sub("", text)
    return len(re.findall(r"[\u4e00-\u9fff]|[A-Za-z]+", rest)) < 3


async def on_human_question(svc: Services, turn: Turn, text: str) -> Outcome:
    """The matter typed after a bare 转人工: it becomes the request for a person."""
    turn.enter(None)
    return await file_human_request(svc, turn, text, ())


async def file_human_request(
    svc: Services, turn: Turn, question: str, candidates: tuple[tuple[str, float], ...]
) -> Outcome:
    """A 'human-request' ticket for `question`, unless an open ticket of theirs already holds
    it: then that one is named (with 补充说明), never a second."""
    same = await open_ticket_with(svc, turn, question)
    if same is not None:
        add = Choice(words.add_details_label(same, turn.language), f"add:{same}")
        return say(words.already_filed_text(same, turn.language), (add,), note="already_filed")
    filing = await file_ticket(svc, turn, "human-request", question, candidates=candidates)
    reply = words.intent_text(svc.intents.get("human"), turn.language)
    return filed(filing, turn, lambda n, lang: words.human_ticket_text(reply, n or 0, lang))


async def open_ticket_with(svc: Services, turn: Turn, question: str) -> int | None:
    """The number of this resident's open ticket about `question` (its first line), if any."""
    wanted = question.strip().splitlines()[0] if question.strip() else ""
    for ticket in await svc.store.tickets(
        statuses=OPEN_STATUSES, channel=turn.channel, user_id=turn.user_id
    ):
        if ticket.text.strip().splitlines()[0] == wanted:
            return ticket.number
    return None


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
    """👍 is recorded; 👎 is recorded and asks what was missing (one optional line), which is
    filed with the question as a 'feedback' ticket (`on_feedback_why`, or `skip_feedback_why`)."""
    await svc.store.answer(ref, turn.channel, turn.chat_id)  # AnswerNotFoundError → expired
    await svc.store.record_feedback(ref, vote, turn.actor, turn.now)
    if vote == "up":
        return say(words.feedback_thanks_text(turn.language), note="thanks_feedback")
    turn.enter("feedback", "why", answer=ref)
    skip = Choice(words.feedback_skip_label(turn.language), f"why:{ref}")
    return say(words.feedback_why_text(turn.language), (skip,), note="feedback_why")


async def on_feedback_why(svc: Services, turn: Turn, reason: str | None) -> Outcome:
    """What was missing (None: skipped): the 'feedback' ticket is filed now."""
    if turn.state.flow != "feedback":
        raise ExpiredChoiceError("no feedback in progress")
    ref = int(turn.state.data["answer"])
    turn.enter(None)
    record = await svc.store.answer(ref, turn.channel, turn.chat_id)
    return await ticket_for_answer(svc, turn, "feedback", record, reason=reason)


async def ticket_for_answer(
    svc: Services,
    turn: Turn,
    category: TicketCategory,
    record: AnswerRecord,
    *,
    reason: str | None = None,
) -> Outcome:
    """👎 / 转人工 / 都不是: the question behind an answer becomes a ticket (with what the
    resident said was missing, after 👎)."""
    text = words.ticket_for_answer_text(record.question, record.entry_id, reason)
    filing = await file_ticket(
        svc, turn, category, text, candidates=record.candidates, answer_id=record.id
    )
    if category == "feedback":
        return filed(filing, turn, lambda n, lang: words.feedback_ticket_text(n or 0, lang))
    if category == "human-request":
        reply = words.intent_text(svc.intents.get("human"), turn.language)
        return filed(filing, turn, lambda n, lang: words.human_ticket_text(reply, n or 0, lang))
    return filed(filing, turn, words.ticket_text)
