"""Knowledge-base checks that need the matcher's reading of text (`kb check` runs them)."""

from __future__ import annotations

from bot.kb.model import KnowledgeBase
from bot.matching.details import asked_details, missing_details
from bot.matching.normalize import Normalizer
from bot.yamlio import Problem


def check_details(kb: KnowledgeBase) -> list[Problem]:
    """No question may ask for a detail (a fee, opening hours …; `bot.details`) that its own
    entry's answer says the reports do not give: the matcher sends every other wording of such
    a question to staff, so only that exact wording would reach the entry."""
    normalize = Normalizer(kb.lexicon)
    problems: list[Problem] = []
    for entry in kb.entries:
        missing = missing_details(entry.answer)
        for question in entry.questions if missing else ():
            clash = asked_details(normalize(question)) & missing
            if clash:
                problems.append(
                    Problem(
                        entry.file,
                        entry.line,
                        f"question {question!r} asks for {', '.join(sorted(clash))}, which the "
                        "answer says the sources do not give: remove the question (other "
                        "wordings of it go to staff) or give the detail",
                        entry.id,
                    )
                )
    return problems
