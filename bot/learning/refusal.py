"""Why the learning loop refuses a proposal, an approval or a rejection, as data: a `Refusal`
is a kind ("no_close_entry", "takes", …) and the values its words need (the ticket, the
proposal, the entry, the category, a kb check problem …). `bot.words` renders it in the staff
member's language and, where the fix differs, in the terms of the surface they used (the
shell's options, the staff group's commands, the console's form fields). `str()` of a refusal
is a plain English sentence with no surface's terms, for logs."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bot.words import teach_refusal_reason


@dataclass(frozen=True)
class Refusal:
    """One reason something in the learning loop cannot be done. `kind` names it (the keys of
    `bot.words.TEACH_REFUSALS`); the other fields are the values its words name."""

    kind: str
    ticket: int = 0
    proposal: int = 0
    entry: str = ""
    category: str = ""
    question: str = ""
    where: str = ""  # "eval.yaml#12", "loo:entry-id": where a taken question comes from
    before: str = ""
    after: str = ""
    detail: str = ""  # a kb check problem (file and line), a contact detail, a status, a file

    def values(self) -> dict[str, str | int]:
        """The fields its words fill in."""
        values = asdict(self)
        del values["kind"]
        return values

    def __str__(self) -> str:
        return teach_refusal_reason(self, "en")
