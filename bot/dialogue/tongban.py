"""The Yuanjiagang cross-district (通办) flow: community → the matter → optional phone → ticket.

Per the source (the "袁来一家" report): either Yuanjiagang community accepts a resident's matter,
and the receiving community's staff take the materials to the service hall of the resident's own
community, which handles it. The per-resident ticket limits are checked when the flow starts; a
question the knowledge base answers, typed where the matter goes, is answered and the flow waits.
"""

from __future__ import annotations

import re

from bot import words
from bot.dialogue import resident
from bot.dialogue.filing import file_ticket, filed, limit_reached, limit_reply
from bot.dialogue.turn import ExpiredChoiceError, Services, Turn, say
from bot.matching.clauses import asks
from bot.messages import Choice, Outcome, Reply
from bot.privacy import mask_pii, normalise_phone

COMMUNITIES = ("yz", "jlp")  # Daping (Yuzhong), Xiejiawan (Jiulongpo): `words.community_name`
TYPED = {
    "yz": ("1", "渝中", "大坪", "yuzhong", "daping"),
    "jlp": ("2", "九龙坡", "谢家湾", "jiulongpo", "xiejiawan"),
}
# A reply at the phone step that means "no phone": 跳过, 不留, 不想留, 不用了, 算了, skip, no …
SKIP = re.compile(
    r"(跳过|不留|不想留|不用留?|不用了|不要|算了|没有|不方便|skip|no|none|no thanks)[。.!！~～]*",
    re.IGNORECASE,
)


def community_choices(language: str) -> tuple[tuple[Choice, ...], ...]:
    return tuple((Choice(words.community_name(key, language), f"tb:{key}"),) for key in COMMUNITIES)


async def start(svc: Services, turn: Turn) -> Outcome:
    stopped = await limit_reached(svc, turn)
    if stopped is not None:
        return limit_reply(stopped, turn)
    turn.enter("tongban", "community")
    text = words.tongban_start_text(turn.language)
    return say(text, *community_choices(turn.language), note="tongban_community")


def choose_community(turn: Turn, key: str) -> Outcome:
    if key not in COMMUNITIES:
        raise ExpiredChoiceError(key)
    turn.enter("tongban", "matter", community=key)
    return say(words.tongban_matter_text(turn.language), note="tongban_matter")


async def on_text(svc: Services, turn: Turn, text: str) -> Outcome:
    """The next typed answer in the flow."""
    step = turn.state.step
    if step == "community":
        folded = text.strip().casefold()
        for key, typed_words in TYPED.items():
            if any(w in folded for w in typed_words):
                return choose_community(turn, key)
        again = words.tongban_community_again_text(turn.language)
        return say(again, *community_choices(turn.language), note="tongban_community")
    if step == "matter":
        if not text.strip():
            return choose_community(turn, turn.state.data["community"])
        if _is_answered_question(turn, text):
            return await _answer_instead(svc, turn, text)
        turn.enter("tongban", "phone", community=turn.state.data["community"], matter=text.strip())
        return phone_prompt(turn, "")
    return await on_phone(svc, turn, text)


def _is_answered_question(turn: Turn, text: str) -> bool:
    """A question the knowledge base answers, not a matter to hand in ("楼小二是干什么的")."""
    decision = turn.decision
    return decision is not None and decision.outcome == "answer" and asks(text)


async def _answer_instead(svc: Services, turn: Turn, text: str) -> Outcome:
    """Answer the question; the flow stays at step 2 and says so."""
    assert turn.decision is not None
    answered = await resident.on_decision(svc, turn, text, turn.decision)  # keeps the flow
    still = Reply(words.tongban_still_waiting_text(turn.language))
    return Outcome((*answered.replies, still), notes=(*answered.notes, "tongban_matter"))


def phone_prompt(turn: Turn, problem: str) -> Outcome:
    text = problem + words.tongban_phone_text(turn.language)
    skip = Choice(words.skip_label(turn.language), "tb:skip")
    return say(text, (skip,), note="tongban_phone")


async def on_phone(svc: Services, turn: Turn, raw: str | None) -> Outcome:
    """A phone number, or None / a skip word for none; then file the ticket."""
    if turn.state.step != "phone":
        raise ExpiredChoiceError("not at the phone step")
    phone = None
    if raw is not None and not SKIP.fullmatch(raw.strip()):
        phone = normalise_phone(raw)
        if phone is None:
            return phone_prompt(turn, words.bad_phone_text(turn.language))
    community = turn.state.data["community"]
    matter = turn.state.data["matter"]
    turn.enter(None)
    routing = words.tongban_routing_text(community, matter)
    filing = await file_ticket(svc, turn, "cross-district", routing, phone=phone)
    shown_phone = None if phone is None else mask_pii(phone)

    def wording(number: int | None, language: str | None) -> str:
        return words.tongban_filed_text(number, community, shown_phone, language)

    return filed(filing, turn, wording)
