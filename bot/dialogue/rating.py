"""The resident's side of 好差评: a tap on one of the five buttons under a closed ticket's notice
rates it (once; only their own ticket: anyone else's reads as an expired button), then one
optional line of comment, or 不用了. The next message is the comment unless it is a question the
knowledge base answers (then it is answered, as after a staff question in `followups`)."""

from __future__ import annotations

from bot import words
from bot.dialogue.followups import asks_something
from bot.dialogue.turn import ExpiredChoiceError, Services, Turn, say
from bot.helpdesk import ratings
from bot.matching.decision import Decision
from bot.messages import Choice, Outcome
from bot.store.model import AlreadyRatedError


async def on_rate(svc: Services, turn: Turn, number: int, value: int) -> Outcome:
    """Record the rating and ask for the optional comment."""
    language = turn.language
    try:
        saved = await ratings.rate(
            svc.store,
            svc.settings,
            svc.rules,
            number,
            turn.channel,
            turn.user_id,
            value,
            turn.now,
        )
    except AlreadyRatedError:
        return say(words.already_rated_text(number, language), note="already_rated")
    except ratings.NotRateableError:
        raise ExpiredChoiceError(f"rate:{number}:{value}") from None
    turn.enter("rating", "comment", ticket=number)
    days = svc.rules.limits.bad_rating_follow_up_days
    skip = Choice(words.rating_skip_label(language), f"{ratings.RATE_SKIP}:{number}")
    return say(
        words.rating_thanks_text(saved.rating, days, language),
        (skip,),
        ticket=number,
        note="rated",
    )


def is_new_question(text: str, decision: Decision) -> bool:
    """Not a comment: a message put as a question that the knowledge base answers, or a
    conversational request (asking for a person, /help words, a greeting …; thanks is a
    comment)."""
    if decision.outcome == "intent":
        return decision.intent != "thanks"
    return decision.outcome in ("answer", "clarify", "confirm") and asks_something(text)


async def on_comment(svc: Services, turn: Turn, text: str) -> Outcome:
    """The line after a rating: kept with it (a bad rating's comment goes to staff)."""
    number = int(turn.state.data["ticket"])
    turn.enter(None)
    try:
        await ratings.comment(svc.store, svc.settings, number, text, turn.now)
    except AlreadyRatedError:
        return say(words.already_rated_text(number, turn.language), note="already_rated")
    return say(
        words.rating_comment_saved_text(number, turn.language), ticket=number, note="rating_comment"
    )


def on_skip(turn: Turn, number: int) -> Outcome:
    """不用了: no comment."""
    if turn.state.flow == "rating" and turn.state.data.get("ticket") == number:
        turn.enter(None)
    return say(words.rating_done_text(turn.language), note="rating_done")
