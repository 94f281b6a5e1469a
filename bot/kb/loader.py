"""Load the knowledge base from YAML and check it: every problem named with file, entry and line."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

from bot.kb.model import (
    ASSISTANT_SOURCE,
    AUDIENCES,
    EMAIL_PATTERN,
    FOLLOW_UPS,
    ID_PATTERN,
    MAX_ANSWER_CHARS,
    MAX_ANSWER_EN_CHARS,
    MIN_QUESTIONS,
    PHONE_PATTERN,
    URL_PATTERN,
    Category,
    Entry,
    KnowledgeBase,
    Lexicon,
    Source,
    question_key,
)
from bot.yamlio import DataError, Fields, LineDict, LineList, Problem, load_yaml, top_list


def load_knowledge(kb_dir: Path) -> KnowledgeBase:
    """Load and check every YAML file in `kb_dir`; raise DataError listing every problem."""
    problems: list[Problem] = []
    paths = sorted(kb_dir.glob("*.yaml"))
    if not paths:
        raise DataError([Problem(str(kb_dir), 0, "no *.yaml files in the knowledge folder")])
    categories: list[Category] = []
    lexicon = Lexicon()
    entries: list[Entry] = []
    for path in paths:
        display = _display(path)
        try:
            data = load_yaml(path, display)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        if path.name == "categories.yaml":
            categories.extend(parse_categories(data, display, problems))
        elif path.name == "lexicon.yaml":
            lexicon = parse_lexicon(data, display, problems)
        else:
            entries.extend(parse_entries(data, display, problems))
    if not any(p.name == "categories.yaml" for p in paths):
        problems.append(Problem(str(kb_dir / "categories.yaml"), 0, "file is missing"))
    kb = KnowledgeBase(
        tuple(entries), tuple(categories), lexicon, tuple(_display(p) for p in paths)
    )
    problems.extend(cross_check(kb))
    if problems:
        raise DataError(sorted(problems, key=lambda p: (p.file, p.line)))
    return kb


STAFF_SOURCE_FIELDS = {"staff", "ticket", "date", "owner", "public_number"}
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")

ENTRY_FIELDS = {
    "id",
    "title",
    "title_en",
    "category",
    "audience",
    "topics",
    "questions",
    "answer",
    "answer_en",
    "source",
    "related",
    "follow_up",
}


def parse_entries(data: Any, display: str, problems: list[Problem]) -> list[Entry]:
    """The entries of one theme file; each bad field becomes a Problem, the entry is skipped."""
    entries: list[Entry] = []
    for item in top_list(data, "entries", display, problems):
        f = Fields(item, display, problems)
        entry_id = f.text("id")
        f.entry_id = entry_id
        if entry_id is not None and not ID_PATTERN.match(entry_id):
            f.problem("id", "id must be lowercase letters, digits and '-'")
        f.unknown(ENTRY_FIELDS)
        questions = f.text_list("questions")
        for question, line in questions:
            if question.startswith("/"):
                f.problem(
                    "questions",
                    f"question {question!r} starts with '/': it would run as a "
                    "command and never reach the knowledge base",
                    line,
                )
        if questions and len(questions) < MIN_QUESTIONS:
            f.problem(
                "questions", f"needs at least {MIN_QUESTIONS} questions, has {len(questions)}"
            )
        answer = f.text("answer")
        answer_en = f.text("answer_en", required=False)
        sources = _sources(f)
        public = {s.public_number for s in sources if s.public_number}
        for key, text in (("answer", answer), ("answer_en", answer_en)):
            if text is not None:
                _check_answer(f, key, text, public)
        related = f.text_list("related", required=False)
        entry = Entry(
            id=entry_id or "",
            title=f.text("title") or "",
            title_en=f.text("title_en", required=False),
            category=f.text("category") or "",
            audience=f.choice("audience", AUDIENCES) or "",
            questions=tuple(q for q, _ in questions),
            answer=answer or "",
            answer_en=answer_en,
            source=sources,
            topics=_topics(f),
            related=tuple(r for r, _ in related),
            follow_up=f.choice("follow_up", FOLLOW_UPS, required=False),
            file=display,
            line=item.line,
        )
        if entry_id:
            # Kept even when it has problems, so references to it are not reported as dangling;
            # load_knowledge still refuses the whole knowledge base.
            entries.append(entry)
    return entries


def _check_answer(f: Fields, key: str, text: str, public: set[str]) -> None:
    """Length, and no contact detail except a public service number a staff source's owner
    confirmed (`public_number`)."""
    limit = MAX_ANSWER_EN_CHARS if key == "answer_en" else MAX_ANSWER_CHARS
    if len(text) > limit:
        f.problem(key, f"{key} has {len(text)} characters; keep it under {limit}")
    for number in public:
        text = text.replace(number, "")
    for name, pattern in (
        ("phone number", PHONE_PATTERN),
        ("URL", URL_PATTERN),
        ("e-mail address", EMAIL_PATTERN),
    ):
        found = pattern.search(text)
        if found:
            f.problem(key, f"{key} contains a {name} ({found.group()!r}); the sources give none")


def _sources(f: Fields) -> tuple[Source, ...]:
    value = f.data.get("source")
    if not isinstance(value, LineList) or not value:
        f.problem(
            "source" if "source" in f.data else None,
            "field 'source' must be a non-empty list of {file, quote}",
        )
        return ()
    sources: list[Source] = []
    for item in value:
        if not isinstance(item, LineDict):
            f.problem("source", "each source must be a mapping with 'file' and 'quote'")
            continue
        sub = Fields(item, f.file, f.problems)
        sub.entry_id = f.entry_id
        if "staff" in item or "owner" in item:
            staff_source = _staff_source(sub, item)
            if staff_source is not None:
                sources.append(staff_source)
            continue
        sub.unknown({"file", "quote"})
        file, quote = sub.text("file"), sub.text("quote")
        if file and quote:
            sources.append(Source(file, quote, item.line))
    return tuple(sources)


def _staff_source(sub: Fields, item: LineDict) -> Source | None:
    """A staff answer as a source: {staff, ticket, date, owner[, public_number]}; the owner (the
    department that provides and maintains the answer) is required."""
    sub.unknown(STAFF_SOURCE_FIELDS)
    raw_date = item.get("date")
    if isinstance(raw_date, datetime.date):  # an unquoted date in the YAML
        item["date"] = raw_date.isoformat()
    staff, date, owner = sub.text("staff"), sub.text("date"), sub.text("owner")
    public = sub.text("public_number", required=False)
    ticket = item.get("ticket")
    if not isinstance(ticket, int) or isinstance(ticket, bool) or ticket <= 0:
        sub.problem("ticket", "a staff source needs 'ticket': the ticket number it answered")
        return None
    if date is not None and not DATE_PATTERN.match(date):
        sub.problem("date", f"date {date!r} must be YYYY-MM-DD")
        return None
    if not (staff and date and owner):
        return None
    return Source("", "", item.line, staff, ticket, date, owner, public or "")


def _topics(f: Fields) -> tuple[int, ...]:
    value = f.data.get("topics", [])
    if not isinstance(value, list) or not all(
        isinstance(t, int) and not isinstance(t, bool) and t > 0 for t in value
    ):
        f.problem("topics", "field 'topics' must be a list of positive topic numbers")
        return ()
    return tuple(value)


def parse_categories(data: Any, display: str, problems: list[Problem]) -> list[Category]:
    categories: list[Category] = []
    for item in top_list(data, "categories", display, problems):
        f = Fields(item, display, problems)
        f.entry_id = f.text("id")
        f.unknown({"id", "title", "title_en"})
        category = Category(f.entry_id or "", f.text("title") or "", f.text("title_en") or "")
        if all((category.id, category.title, category.title_en)):
            categories.append(category)
    return categories


def parse_lexicon(data: Any, display: str, problems: list[Problem]) -> Lexicon:
    if not isinstance(data, LineDict):
        problems.append(
            Problem(
                display,
                1,
                "expected a mapping with 'synonyms', 'fillers', 'particles', 'places', 'subjects'",
            )
        )
        return Lexicon()
    f = Fields(data, display, problems)
    f.unknown({"synonyms", "fillers", "particles", "places", "subjects"})
    synonyms: list[tuple[str, str]] = []
    raw = data.get("synonyms")  # a lexicon may hold only some of its parts
    if raw is not None and not isinstance(raw, LineDict):
        f.problem("synonyms", "'synonyms' must be a mapping of variant: canonical")
    elif raw is not None:
        for variant, canonical in raw.items():
            if not isinstance(canonical, str) or not str(variant).strip() or not canonical.strip():
                problems.append(
                    Problem(
                        display,
                        raw.line_of(str(variant)),
                        f"synonym {variant!r} must map to non-empty text",
                    )
                )
            else:
                synonyms.append((str(variant).strip(), canonical.strip()))
    # Longest variants first, so a longer phrase wins over a word inside it.
    synonyms.sort(key=lambda pair: -len(pair[0]))
    fillers = tuple(t for t, _ in f.text_list("fillers", required=False))
    particles = tuple(t for t, _ in f.text_list("particles", required=False))
    places = f.text_list("places", required=False)
    subjects = f.text_list("subjects", required=False)
    _check_scope_terms([*places, *subjects], display, problems)
    return Lexicon(
        tuple(synonyms),
        fillers,
        particles,
        tuple(t for t, _ in places),
        tuple(t for t, _ in subjects),
    )


def _check_scope_terms(terms: list[tuple[str, int]], display: str, problems: list[Problem]) -> None:
    """No scope term twice, and none inside another: a question naming 江北区 would then need an
    entry saying 江北区, while one saying 江北 serves it as well."""
    folded = [(term.casefold(), line) for term, line in terms]
    for term, line in folded:
        for other, _ in folded:
            if other != term and other in term:
                problems.append(
                    Problem(display, line, f"scope term {term!r} contains {other!r}; keep one")
                )
    seen: dict[str, int] = {}
    for term, line in folded:
        if term in seen:
            problems.append(
                Problem(display, line, f"scope term {term!r} is already listed (line {seen[term]})")
            )
        seen.setdefault(term, line)


def cross_check(kb: KnowledgeBase) -> list[Problem]:
    """Checks across entries: unique ids, known categories and references, no shared questions."""
    problems: list[Problem] = []
    first: dict[str, Entry] = {}
    for entry in kb.entries:
        if entry.id in first:
            other = first[entry.id]
            problems.append(
                Problem(
                    entry.file,
                    entry.line,
                    f"duplicate id (also at {other.file}:{other.line})",
                    entry.id,
                )
            )
        else:
            first[entry.id] = entry
    category_ids = {c.id for c in kb.categories}
    asked: dict[str, str] = {}
    for entry in kb.entries:
        if kb.categories and entry.category not in category_ids:
            problems.append(
                Problem(entry.file, entry.line, f"unknown category {entry.category!r}", entry.id)
            )
        for ref in entry.related:
            if ref not in first:
                problems.append(
                    Problem(entry.file, entry.line, f"related id {ref!r} does not exist", entry.id)
                )
        for question in entry.questions:
            key = question_key(question)
            owner = asked.setdefault(key, entry.id)
            if owner != entry.id:
                problems.append(
                    Problem(
                        entry.file,
                        entry.line,
                        f"question {question!r} is also under entry {owner!r}",
                        entry.id,
                    )
                )
    return problems


def check_quotes(kb: KnowledgeBase, seeds_dir: Path) -> list[Problem]:
    """Every source quote must appear word for word in its seed file (whitespace ignored)."""
    texts = {p.name: _squash(p.read_text(encoding="utf-8")) for p in seeds_dir.glob("*.txt")}
    problems: list[Problem] = []
    for entry in kb.entries:
        for source in entry.source:
            if source.file == ASSISTANT_SOURCE or source.is_staff:
                continue
            if source.file not in texts:
                problems.append(
                    Problem(entry.file, source.line, f"unknown seed file {source.file!r}", entry.id)
                )
            elif _squash(source.quote) not in texts[source.file]:
                problems.append(
                    Problem(
                        entry.file,
                        source.line,
                        f"quote not found in {source.file}: {source.quote!r}",
                        entry.id,
                    )
                )
    return problems


def _squash(text: str) -> str:
    return "".join(text.split())


def _display(path: Path) -> str:
    """A short, stable name for messages: the folder and file name."""
    return f"{path.parent.name}/{path.name}"
