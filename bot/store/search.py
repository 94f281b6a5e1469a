"""Ticket search as plain SQL: a `TicketQuery` turned into a WHERE clause with its parameters
and an ORDER BY, over `tickets t` (the search text is also looked for in the residents'
follow-ups and the staff replies). Standard SQL with `?` placeholders and LIKE … ESCAPE."""

from __future__ import annotations

from bot.store.database import to_text
from bot.store.model import BAD_RATING, TicketQuery

ORDERS = {
    "newest": "t.number DESC",
    "oldest": "t.number",
    "updated": "t.updated_at DESC, t.number DESC",
}
TEXT_MATCH = (
    "(t.text LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM events e"
    " WHERE e.ticket_number = t.number AND e.kind IN ('resident_followup', 'staff_reply')"
    " AND e.text LIKE ? ESCAPE '\\'))"
)

RATED_BAD = (
    "EXISTS (SELECT 1 FROM ratings r WHERE r.ticket_number = t.number"
    f" AND r.rating <= {BAD_RATING} AND r.followed_up_at IS NULL)"
)


def search_filter(query: TicketQuery) -> tuple[str, list[object]]:
    """` WHERE …` (or "") and its parameters: every filter of `query` must hold."""
    where: list[str] = []
    params: list[object] = []
    if query.statuses:
        where.append(f"t.status IN ({', '.join('?' for _ in query.statuses)})")
        params.extend(query.statuses)
    for column, value in (
        ("t.category", query.category),
        ("t.assignee", query.assignee),
        ("t.user_id", query.user_id),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if query.unassigned:
        where.append("t.assignee IS NULL")
    if query.rated_bad:
        where.append(RATED_BAD)
    if query.since is not None:
        where.append("t.created_at >= ?")
        params.append(to_text(query.since))
    if query.until is not None:
        where.append("t.created_at < ?")
        params.append(to_text(query.until))
    if query.text:
        like = "%" + escape_like(query.text) + "%"
        where.append(TEXT_MATCH)
        params += [like, like]
    return (" WHERE " + " AND ".join(where) if where else ""), params


def search_order(query: TicketQuery) -> str:
    return ORDERS.get(query.sort, ORDERS["newest"])


def escape_like(text: str) -> str:
    """`text` matched literally inside a LIKE pattern (ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
