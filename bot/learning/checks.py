"""The automatic checks on a proposal, shown to its reviewer:

- the `kb check` rules on the knowledge with the change (in a temporary copy of the folder);
- whether today's matcher already answers the proposed wordings (then the wording is not needed);
- the regression effect: the evaluation sets' questions and leave-one-out over every entry's
  own questions, asked before and after the change; what changes is listed, and a question that
  went to another entry (or to staff) and now goes to the changed entry is flagged as stolen;
- no phone number, URL, ID number or e-mail address in a staff answer, except the public
  service number its owner confirmed.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from bot.kb.loader import check_quotes, load_knowledge
from bot.kb.model import EMAIL_PATTERN, PHONE_PATTERN, URL_PATTERN, KnowledgeBase
from bot.learning.change import Change, StaffSource
from bot.learning.refusal import Refusal
from bot.learning.yamledit import apply_change
from bot.matching.checks import check_details
from bot.matching.decision import Decision
from bot.matching.holdout import leave_one_out
from bot.matching.matcher import Matcher
from bot.privacy import ID_NUMBER
from bot.yamlio import DataError

LISTED_CHANGES = 40  # changed questions kept with a proposal (the count is always exact)


@dataclass(frozen=True)
class Changed:
    """One question the change decides differently."""

    question: str
    where: str  # "eval.yaml#12", or "loo:entry-id" for an entry's own question held out
    before: str
    after: str
    stolen: bool  # it went elsewhere (or to staff, as it should) and now goes to the change


@dataclass
class Checks:
    problems: list[str] = field(default_factory=list)  # kb check rules
    already: list[str] = field(default_factory=list)  # wordings today's matcher answers right
    contacts: list[str] = field(default_factory=list)  # contact details in the staff answer
    changes: list[Changed] = field(default_factory=list)
    changed_count: int = 0
    loo_before: float = 0.0
    loo_after: float = 0.0

    @property
    def stolen(self) -> list[Changed]:
        return [c for c in self.changes if c.stolen]

    def blocking(self, proposal: int, *, despite_stolen: bool = False) -> list[Refusal]:
        """Why proposal `proposal` cannot be approved as it is (empty: it can): a kb check
        rule, a contact detail, and, unless `despite_stolen`, the questions it would take."""
        refusals = [Refusal("kb_check", proposal=proposal, detail=p) for p in self.problems]
        refusals += [Refusal("contact", proposal=proposal, detail=c) for c in self.contacts]
        if not despite_stolen:
            refusals += [
                Refusal(
                    "takes",
                    proposal=proposal,
                    question=c.question,
                    where=c.where,
                    before=c.before,
                    after=c.after,
                )
                for c in self.stolen
            ]
        return refusals

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Checks:
        data = json.loads(text) if text else {}
        data["changes"] = [Changed(**c) for c in data.get("changes", [])]
        return cls(**data)


def run_checks(
    change: Change,
    kb_dir: Path,
    today: Matcher,
    eval_files: tuple[Path, ...] = (),
    seeds_dir: Path | None = None,
) -> Checks:
    """Every check on `change` against the knowledge in `kb_dir` (served by `today`)."""
    checks = Checks(contacts=contact_details(change))
    changed = _changed_knowledge(change, kb_dir, today.kb, seeds_dir, checks)
    if change.kind == "wording":
        for question in change.questions:
            decision = today.decide(question)
            if decision.outcome == "answer" and decision.entry_id == change.entry_id:
                checks.already.append(question)
    if changed is None:
        return checks
    after = Matcher(changed, today.intents)
    all_changes = _eval_changes(today, after, eval_files, change.entry_id)
    all_changes += _loo_changes(today.kb, changed, today, checks, change.entry_id)
    checks.changed_count = len(all_changes)
    # Stolen questions first: they are what the reviewer must see.
    checks.changes = sorted(all_changes, key=lambda c: not c.stolen)[:LISTED_CHANGES]
    return checks


def _changed_knowledge(
    change: Change,
    kb_dir: Path,
    kb: KnowledgeBase,
    seeds_dir: Path | None,
    checks: Checks,
) -> KnowledgeBase | None:
    """The knowledge with the change, written into a temporary copy of the folder and loaded
    with every `kb check` rule; None (and the problems in `checks`) when it breaks one."""
    with tempfile.TemporaryDirectory(prefix="kb-proposal-") as folder:
        copy = Path(folder) / kb_dir.name
        shutil.copytree(kb_dir, copy)
        apply_change(copy, kb, change)
        try:
            changed = load_knowledge(copy)
        except DataError as exc:
            checks.problems = [str(p) for p in exc.problems]
            return None
    problems = check_details(changed)
    if seeds_dir is not None:
        problems += check_quotes(changed, seeds_dir)
    checks.problems = [str(p) for p in problems]
    return None if problems else changed


def contact_details(change: Change) -> list[str]:
    """Phone numbers, URLs, ID numbers and e-mail addresses in a new entry's answer, except the
    public service number its owner confirmed."""
    found: list[str] = []
    public = {
        s.public_number for s in change.sources if isinstance(s, StaffSource) and s.public_number
    }
    for text in (change.answer, change.answer_en):
        for number in public:
            text = text.replace(number, "")
        for pattern in (ID_NUMBER, PHONE_PATTERN, URL_PATTERN, EMAIL_PATTERN):
            found += [m.group() for m in pattern.finditer(text)]
    return list(dict.fromkeys(found))


def _said(decision: Decision) -> str:
    return f"{decision.outcome}: {decision.entry_id or decision.intent or '-'}"


def _eval_changes(
    before: Matcher, after: Matcher, files: tuple[Path, ...], target: str
) -> list[Changed]:
    changes: list[Changed] = []
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for number, case in enumerate(data.get("cases", []), 1):
            question = str(case.get("q", ""))
            old, new = before.decide(question), after.decide(question)
            if _said(old) == _said(new):
                continue
            # Stolen: it went to another entry, or (a case that must go to staff) to staff.
            to_target = new.outcome == "answer" and new.entry_id == target
            elsewhere = old.outcome == "answer" and old.entry_id != target
            stolen = to_target and (elsewhere or bool(case.get("defer")))
            changes.append(
                Changed(question, f"{path.name}#{number}", _said(old), _said(new), stolen)
            )
    return changes


def _loo_changes(
    before_kb: KnowledgeBase, after_kb: KnowledgeBase, today: Matcher, checks: Checks, target: str
) -> list[Changed]:
    """Leave-one-out before and after: another entry's question that found it before and is
    lost after (to the changed entry: stolen), and questions found only after."""
    before = leave_one_out(before_kb, today.intents)
    after = leave_one_out(after_kb, today.intents)
    checks.loo_before, checks.loo_after = round(before.rate, 2), round(after.rate, 2)
    missed_before = {(e, q): what for e, q, what in before.misses}
    missed_after = {(e, q): what for e, q, what in after.misses}
    changes: list[Changed] = []
    for (entry_id, question), what in missed_after.items():
        if (entry_id, question) not in missed_before:
            stolen = entry_id != target and what.endswith(f": {target}")
            changes.append(
                Changed(question, f"loo:{entry_id}", f"answer: {entry_id}", what, stolen)
            )
    for (entry_id, question), what in missed_before.items():
        if (entry_id, question) not in missed_after:
            changes.append(Changed(question, f"loo:{entry_id}", what, f"answer: {entry_id}", False))
    return changes
