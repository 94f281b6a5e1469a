"""The database schema, as numbered steps applied in order (sqlite-utils `migrations.py` style),
for both dialects: one history, one `schema_version` table.

A step is (version, name, SQLite SQL, PostgreSQL SQL): the two scripts make the same tables with
the same columns (PostgreSQL: BIGINT for ids, identity columns for AUTOINCREMENT, times as the
same ISO 8601 UTC text, so `db copy` moves rows unchanged). A step without its PostgreSQL SQL
yet (version, name, SQLite SQL) migrates SQLite; a PostgreSQL store refuses to open until the
step is ported (`postgres_steps`). Each step runs in the same transaction as the row that
records it in `schema_version`, so a crash half-way through a step leaves the database at the
previous version, never in between. Never edit a released step: append a new one.
"""

from __future__ import annotations

from datetime import UTC, datetime

import aiosqlite

Migration = tuple[int, str, str] | tuple[int, str, str, str]

MIGRATIONS: tuple[Migration, ...] = (
    (
        1,
        "tickets, events, attachments, outbox, staff posts, chat state, answers",
        """
        CREATE TABLE tickets (
            number          INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL,
            user_id         INTEGER NOT NULL,
            chat_id         INTEGER NOT NULL,
            name            TEXT NOT NULL DEFAULT '',
            language        TEXT NOT NULL DEFAULT 'zh',
            channel         TEXT NOT NULL,
            category        TEXT NOT NULL CHECK (category IN
                              ('unanswered', 'cross-district', 'human-request',
                               'feedback', 'report')),
            text            TEXT NOT NULL,
            candidates      TEXT NOT NULL DEFAULT '[]',
            status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN
                              ('open', 'claimed', 'answered', 'closed')),
            assignee        TEXT,
            phone           TEXT,
            idempotency_key TEXT UNIQUE
        );
        CREATE INDEX tickets_by_resident ON tickets (channel, user_id, created_at);
        CREATE INDEX tickets_by_status ON tickets (status, created_at);

        CREATE TABLE events (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            ticket_number INTEGER REFERENCES tickets (number) ON DELETE CASCADE,
            answer_id     INTEGER REFERENCES answers (id) ON DELETE CASCADE,
            kind          TEXT NOT NULL CHECK (kind IN ('created', 'claimed', 'staff_reply',
                            'resident_followup', 'closed', 'reopened', 'feedback')),
            actor         TEXT NOT NULL,
            at            TEXT NOT NULL,
            text          TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX events_by_ticket ON events (ticket_number, id);

        CREATE TABLE attachments (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            ticket_number INTEGER NOT NULL REFERENCES tickets (number) ON DELETE CASCADE,
            file_ref      TEXT NOT NULL,
            added_at      TEXT NOT NULL
        );

        CREATE TABLE outbox (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            channel         TEXT NOT NULL DEFAULT 'telegram',
            chat_id         INTEGER NOT NULL,
            text            TEXT NOT NULL,
            choices         TEXT NOT NULL DEFAULT '[]',
            photo           TEXT,
            kind            TEXT NOT NULL,
            ticket_number   INTEGER REFERENCES tickets (number) ON DELETE CASCADE,
            dedupe_key      TEXT UNIQUE,
            attempts        INTEGER NOT NULL DEFAULT 0,
            created_at      TEXT NOT NULL,
            next_attempt_at TEXT NOT NULL,
            last_error      TEXT,
            sent_at         TEXT,
            sent_message_id INTEGER
        );
        CREATE INDEX outbox_due ON outbox (sent_at, channel, next_attempt_at);

        CREATE TABLE staff_posts (
            chat_id       INTEGER NOT NULL,
            message_id    INTEGER NOT NULL,
            ticket_number INTEGER NOT NULL REFERENCES tickets (number) ON DELETE CASCADE,
            PRIMARY KEY (chat_id, message_id)
        );

        CREATE TABLE chat_state (
            channel         TEXT NOT NULL,
            chat_id         INTEGER NOT NULL,
            flow            TEXT,
            step            TEXT,
            data            TEXT NOT NULL DEFAULT '{}',
            language        TEXT,
            last_answer_ref INTEGER,
            updated_at      TEXT NOT NULL,
            PRIMARY KEY (channel, chat_id)
        );

        CREATE TABLE answers (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            channel    TEXT NOT NULL,
            chat_id    INTEGER NOT NULL,
            user_id    INTEGER NOT NULL,
            question   TEXT NOT NULL,
            entry_id   TEXT,
            candidates TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL
        );
        """,
        """
        CREATE TABLE tickets (
            number          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL,
            user_id         BIGINT NOT NULL,
            chat_id         BIGINT NOT NULL,
            name            TEXT NOT NULL DEFAULT '',
            language        TEXT NOT NULL DEFAULT 'zh',
            channel         TEXT NOT NULL,
            category        TEXT NOT NULL CHECK (category IN
                              ('unanswered', 'cross-district', 'human-request',
                               'feedback', 'report')),
            text            TEXT NOT NULL,
            candidates      TEXT NOT NULL DEFAULT '[]',
            status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN
                              ('open', 'claimed', 'answered', 'closed')),
            assignee        TEXT,
            phone           TEXT,
            idempotency_key TEXT UNIQUE
        );
        CREATE INDEX tickets_by_resident ON tickets (channel, user_id, created_at);
        CREATE INDEX tickets_by_status ON tickets (status, created_at);

        CREATE TABLE answers (
            id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            channel    TEXT NOT NULL,
            chat_id    BIGINT NOT NULL,
            user_id    BIGINT NOT NULL,
            question   TEXT NOT NULL,
            entry_id   TEXT,
            candidates TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL
        );

        CREATE TABLE events (
            id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            ticket_number BIGINT REFERENCES tickets (number) ON DELETE CASCADE,
            answer_id     BIGINT REFERENCES answers (id) ON DELETE CASCADE,
            kind          TEXT NOT NULL CHECK (kind IN ('created', 'claimed', 'staff_reply',
                            'resident_followup', 'closed', 'reopened', 'feedback')),
            actor         TEXT NOT NULL,
            at            TEXT NOT NULL,
            text          TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX events_by_ticket ON events (ticket_number, id);
        CREATE INDEX events_by_answer ON events (answer_id);

        CREATE TABLE attachments (
            id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            ticket_number BIGINT NOT NULL REFERENCES tickets (number) ON DELETE CASCADE,
            file_ref      TEXT NOT NULL,
            added_at      TEXT NOT NULL
        );
        CREATE INDEX attachments_by_ticket ON attachments (ticket_number);

        CREATE TABLE outbox (
            id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            channel         TEXT NOT NULL DEFAULT 'telegram',
            chat_id         BIGINT NOT NULL,
            text            TEXT NOT NULL,
            choices         TEXT NOT NULL DEFAULT '[]',
            photo           TEXT,
            kind            TEXT NOT NULL,
            ticket_number   BIGINT REFERENCES tickets (number) ON DELETE CASCADE,
            dedupe_key      TEXT UNIQUE,
            attempts        INTEGER NOT NULL DEFAULT 0,
            created_at      TEXT NOT NULL,
            next_attempt_at TEXT NOT NULL,
            last_error      TEXT,
            sent_at         TEXT,
            sent_message_id BIGINT
        );
        CREATE INDEX outbox_due ON outbox (sent_at, channel, next_attempt_at);
        CREATE INDEX outbox_by_ticket ON outbox (ticket_number);

        CREATE TABLE staff_posts (
            chat_id       BIGINT NOT NULL,
            message_id    BIGINT NOT NULL,
            ticket_number BIGINT NOT NULL REFERENCES tickets (number) ON DELETE CASCADE,
            PRIMARY KEY (chat_id, message_id)
        );
        CREATE INDEX staff_posts_by_ticket ON staff_posts (ticket_number);

        CREATE TABLE chat_state (
            channel         TEXT NOT NULL,
            chat_id         BIGINT NOT NULL,
            flow            TEXT,
            step            TEXT,
            data            TEXT NOT NULL DEFAULT '{}',
            language        TEXT,
            last_answer_ref BIGINT,
            updated_at      TEXT NOT NULL,
            PRIMARY KEY (channel, chat_id)
        );
        """,
    ),
    (
        2,
        "processed messages: each incoming message acted on once",
        """
        CREATE TABLE processed_messages (
            channel    TEXT NOT NULL,
            chat_id    INTEGER NOT NULL,
            input_key  TEXT NOT NULL,
            outcome    TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (channel, chat_id, input_key)
        );
        CREATE INDEX processed_by_age ON processed_messages (created_at);
        """,
        """
        CREATE TABLE processed_messages (
            channel    TEXT NOT NULL,
            chat_id    BIGINT NOT NULL,
            input_key  TEXT NOT NULL,
            outcome    TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (channel, chat_id, input_key)
        );
        CREATE INDEX processed_by_age ON processed_messages (created_at);
        """,
    ),
    (
        3,
        "erasures: a record of each resident's data deleted on request; sent messages by id",
        """
        CREATE TABLE erasures (
            id      INTEGER PRIMARY KEY AUTOINCREMENT,
            at      TEXT NOT NULL,
            actor   TEXT NOT NULL,
            user_id INTEGER NOT NULL,
            counts  TEXT NOT NULL
        );
        CREATE INDEX outbox_by_sent_message ON outbox (chat_id, sent_message_id);
        """,
        """
        CREATE TABLE erasures (
            id      BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            at      TEXT NOT NULL,
            actor   TEXT NOT NULL,
            user_id BIGINT NOT NULL,
            counts  TEXT NOT NULL
        );
        CREATE INDEX outbox_by_sent_message ON outbox (chat_id, sent_message_id);
        """,
    ),
    (
        4,
        "inbox: every update stored before it is confirmed, claimed with a lease, handled once",
        """
        CREATE TABLE inbox (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            channel     TEXT NOT NULL DEFAULT 'telegram',
            update_id   INTEGER NOT NULL,
            chat_key    TEXT NOT NULL,
            payload     TEXT NOT NULL,
            state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN
                          ('pending', 'claimed', 'done', 'failed')),
            owner       TEXT,
            lease_until TEXT,
            attempts    INTEGER NOT NULL DEFAULT 0,
            received_at TEXT NOT NULL,
            handled_at  TEXT,
            last_error  TEXT,
            UNIQUE (channel, update_id)
        );
        CREATE INDEX inbox_open ON inbox (channel, state, id);
        CREATE INDEX inbox_by_chat ON inbox (channel, chat_key, state);
        CREATE INDEX inbox_handled ON inbox (handled_at);
        """,
        """
        CREATE TABLE inbox (
            id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            channel     TEXT NOT NULL DEFAULT 'telegram',
            update_id   BIGINT NOT NULL,
            chat_key    TEXT NOT NULL,
            payload     TEXT NOT NULL,
            state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN
                          ('pending', 'claimed', 'done', 'failed')),
            owner       TEXT,
            lease_until TEXT,
            attempts    INTEGER NOT NULL DEFAULT 0,
            received_at TEXT NOT NULL,
            handled_at  TEXT,
            last_error  TEXT,
            UNIQUE (channel, update_id)
        );
        CREATE INDEX inbox_open ON inbox (channel, state, id);
        CREATE INDEX inbox_by_chat ON inbox (channel, chat_key, state);
        CREATE INDEX inbox_handled ON inbox (handled_at);
        """,
    ),
    (
        5,
        "chat_state.written_language: the language of a chat's latest message",
        """
        ALTER TABLE chat_state ADD COLUMN written_language TEXT;
        """,
        """
        ALTER TABLE chat_state ADD COLUMN written_language TEXT;
        """,
    ),
    (
        6,
        "staff work: assignment, release, internal notes and notice failures in the history;"
        " snippets (答复口径); staff names; vote totals kept when purged answers go",
        """
        CREATE TABLE events_v6 (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            ticket_number INTEGER REFERENCES tickets (number) ON DELETE CASCADE,
            answer_id     INTEGER REFERENCES answers (id) ON DELETE CASCADE,
            kind          TEXT NOT NULL CHECK (kind IN ('created', 'claimed', 'staff_reply',
                            'resident_followup', 'closed', 'reopened', 'feedback',
                            'assigned', 'released', 'note', 'notice_failed')),
            actor         TEXT NOT NULL,
            at            TEXT NOT NULL,
            text          TEXT NOT NULL DEFAULT ''
        );
        INSERT INTO events_v6 (id, ticket_number, answer_id, kind, actor, at, text)
            SELECT id, ticket_number, answer_id, kind, actor, at, text FROM events;
        DROP TABLE events;
        ALTER TABLE events_v6 RENAME TO events;
        CREATE INDEX events_by_ticket ON events (ticket_number, id);
        CREATE INDEX events_by_kind ON events (kind, ticket_number);

        CREATE TABLE snippets (
            name       TEXT PRIMARY KEY,
            text       TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL
        );

        CREATE TABLE staff_members (
            user_id    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL DEFAULT '',
            username   TEXT,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE vote_totals (
            vote  TEXT PRIMARY KEY,
            count INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX tickets_by_assignee ON tickets (assignee, status);
        """,
        # PostgreSQL changes the CHECK in place (ids and rows stay where they are).
        """
        ALTER TABLE events DROP CONSTRAINT events_kind_check;
        ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('created',
            'claimed', 'staff_reply', 'resident_followup', 'closed', 'reopened', 'feedback',
            'assigned', 'released', 'note', 'notice_failed'));
        CREATE INDEX events_by_kind ON events (kind, ticket_number);

        CREATE TABLE snippets (
            name       TEXT PRIMARY KEY,
            text       TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL
        );

        CREATE TABLE staff_members (
            user_id    BIGINT PRIMARY KEY,
            name       TEXT NOT NULL DEFAULT '',
            username   TEXT,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE vote_totals (
            vote  TEXT PRIMARY KEY,
            count BIGINT NOT NULL DEFAULT 0
        );
        CREATE INDEX tickets_by_assignee ON tickets (assignee, status);
        """,
    ),
    (
        7,
        "workflow: ratings (好差评) and their follow-ups, due-time notices sent once, the"
        " answer a ticket came from; rating and follow-up events in the history",
        """
        CREATE TABLE events_v7 (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            ticket_number INTEGER REFERENCES tickets (number) ON DELETE CASCADE,
            answer_id     INTEGER REFERENCES answers (id) ON DELETE CASCADE,
            kind          TEXT NOT NULL CHECK (kind IN ('created', 'claimed', 'staff_reply',
                            'resident_followup', 'closed', 'reopened', 'feedback',
                            'assigned', 'released', 'note', 'notice_failed',
                            'rated', 'rating_comment', 'followed_up')),
            actor         TEXT NOT NULL,
            at            TEXT NOT NULL,
            text          TEXT NOT NULL DEFAULT ''
        );
        INSERT INTO events_v7 (id, ticket_number, answer_id, kind, actor, at, text)
            SELECT id, ticket_number, answer_id, kind, actor, at, text FROM events;
        DROP TABLE events;
        ALTER TABLE events_v7 RENAME TO events;
        CREATE INDEX events_by_ticket ON events (ticket_number, id);
        CREATE INDEX events_by_kind ON events (kind, ticket_number);
        CREATE INDEX events_by_time ON events (at);

        CREATE TABLE ratings (
            ticket_number    INTEGER PRIMARY KEY REFERENCES tickets (number) ON DELETE CASCADE,
            user_id          INTEGER NOT NULL,
            rating           INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
            comment          TEXT,
            rated_at         TEXT NOT NULL,
            follow_up_due_at TEXT,
            followed_up_at   TEXT,
            followed_up_by   TEXT,
            follow_up        TEXT
        );
        CREATE INDEX ratings_by_time ON ratings (rated_at);

        CREATE TABLE due_notices (
            ticket_number INTEGER NOT NULL REFERENCES tickets (number) ON DELETE CASCADE,
            due_kind      TEXT NOT NULL,
            state         TEXT NOT NULL,
            noticed_at    TEXT NOT NULL,
            PRIMARY KEY (ticket_number, due_kind, state)
        );

        ALTER TABLE tickets ADD COLUMN answer_id INTEGER;
        CREATE INDEX tickets_by_created ON tickets (created_at);
        """,
        """
        ALTER TABLE events DROP CONSTRAINT events_kind_check;
        ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('created',
            'claimed', 'staff_reply', 'resident_followup', 'closed', 'reopened', 'feedback',
            'assigned', 'released', 'note', 'notice_failed',
            'rated', 'rating_comment', 'followed_up'));
        CREATE INDEX events_by_time ON events (at);

        CREATE TABLE ratings (
            ticket_number    BIGINT PRIMARY KEY REFERENCES tickets (number) ON DELETE CASCADE,
            user_id          BIGINT NOT NULL,
            rating           INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
            comment          TEXT,
            rated_at         TEXT NOT NULL,
            follow_up_due_at TEXT,
            followed_up_at   TEXT,
            followed_up_by   TEXT,
            follow_up        TEXT
        );
        CREATE INDEX ratings_by_time ON ratings (rated_at);

        CREATE TABLE due_notices (
            ticket_number BIGINT NOT NULL REFERENCES tickets (number) ON DELETE CASCADE,
            due_kind      TEXT NOT NULL,
            state         TEXT NOT NULL,
            noticed_at    TEXT NOT NULL,
            PRIMARY KEY (ticket_number, due_kind, state)
        );

        ALTER TABLE tickets ADD COLUMN answer_id BIGINT;
        CREATE INDEX tickets_by_created ON tickets (created_at);
        """,
    ),
    (
        8,
        "knowledge proposals: staff answers become reviewed knowledge (issue 18)",
        """
        CREATE TABLE kb_proposals (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            kind          TEXT NOT NULL CHECK (kind IN ('wording', 'entry')),
            origin        TEXT NOT NULL CHECK (origin IN
                            ('ticket', 'none-of-these', 'thumbs-down')),
            ticket_number INTEGER,
            entry_id      TEXT NOT NULL,
            change        TEXT NOT NULL,
            checks        TEXT NOT NULL DEFAULT '',
            status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN
                            ('open', 'approved', 'rejected')),
            author        TEXT NOT NULL,
            created_at    TEXT NOT NULL,
            reviewer      TEXT,
            reviewed_at   TEXT,
            why           TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX kb_proposals_by_status ON kb_proposals (status, id)
        """,
        """
        CREATE TABLE kb_proposals (
            id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            kind          TEXT NOT NULL CHECK (kind IN ('wording', 'entry')),
            origin        TEXT NOT NULL CHECK (origin IN
                            ('ticket', 'none-of-these', 'thumbs-down')),
            ticket_number BIGINT,
            entry_id      TEXT NOT NULL,
            change        TEXT NOT NULL,
            checks        TEXT NOT NULL DEFAULT '',
            status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN
                            ('open', 'approved', 'rejected')),
            author        TEXT NOT NULL,
            created_at    TEXT NOT NULL,
            reviewer      TEXT,
            reviewed_at   TEXT,
            why           TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX kb_proposals_by_status ON kb_proposals (status, id)
        """,
    ),
    (
        9,
        "staff web console: one-time login links and sessions",
        # Only hashes of the link tokens and session ids are stored: a copy of the database
        # does not let anyone in. Plain SQL both SQLite and PostgreSQL run.
        """
        CREATE TABLE console_links (
            token_hash TEXT PRIMARY KEY,
            user_id    INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at    TEXT
        );

        CREATE TABLE console_sessions (
            id_hash    TEXT PRIMARY KEY,
            user_id    INTEGER NOT NULL,
            csrf       TEXT NOT NULL,
            created_at TEXT NOT NULL,
            seen_at    TEXT NOT NULL
        );
        CREATE INDEX console_sessions_by_seen ON console_sessions (seen_at);
        """,
        """
        CREATE TABLE console_links (
            token_hash TEXT PRIMARY KEY,
            user_id    BIGINT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at    TEXT
        );

        CREATE TABLE console_sessions (
            id_hash    TEXT PRIMARY KEY,
            user_id    BIGINT NOT NULL,
            csrf       TEXT NOT NULL,
            created_at TEXT NOT NULL,
            seen_at    TEXT NOT NULL
        );
        CREATE INDEX console_sessions_by_seen ON console_sessions (seen_at);
        """,
    ),
    (
        10,
        "outbox claims: the replica sending a message (owner) and until when (lease)",
        """
        ALTER TABLE outbox ADD COLUMN owner TEXT;
        ALTER TABLE outbox ADD COLUMN lease_until TEXT;
        """,
        """
        ALTER TABLE outbox ADD COLUMN owner TEXT;
        ALTER TABLE outbox ADD COLUMN lease_until TEXT;
        """,
    ),
    (
        11,
        "the polling lease (one poller per bot) and the send budget shared by replicas",
        """
        CREATE TABLE poller_leases (
            bot         TEXT PRIMARY KEY,
            owner       TEXT NOT NULL,
            host        TEXT NOT NULL,
            pid         INTEGER NOT NULL,
            started_at  TEXT NOT NULL,
            lease_until TEXT NOT NULL
        );
        CREATE TABLE send_budget (
            budget  TEXT PRIMARY KEY,
            next_at REAL NOT NULL
        );
        """,
        """
        CREATE TABLE poller_leases (
            bot         TEXT PRIMARY KEY,
            owner       TEXT NOT NULL,
            host        TEXT NOT NULL,
            pid         BIGINT NOT NULL,
            started_at  TEXT NOT NULL,
            lease_until TEXT NOT NULL
        );
        CREATE TABLE send_budget (
            budget  TEXT PRIMARY KEY,
            next_at DOUBLE PRECISION NOT NULL
        );
        """,
    ),
)

SCHEMA_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


async def current_version(db: aiosqlite.Connection) -> int:
    async with db.execute("SELECT MAX(version) FROM schema_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def sqlite_steps(steps: tuple[Migration, ...] = MIGRATIONS) -> list[tuple[int, str, str]]:
    """(version, name, SQLite SQL) of every step."""
    return [(step[0], step[1], step[2]) for step in steps]


class NotPortedError(RuntimeError):
    """Raised when a migration step has no PostgreSQL SQL yet (a PostgreSQL store cannot open)."""


def postgres_steps(steps: tuple[Migration, ...] = MIGRATIONS) -> list[tuple[int, str, str]]:
    """(version, name, PostgreSQL SQL) of every step; NotPortedError for a step without it."""
    ported: list[tuple[int, str, str]] = []
    for step in steps:
        if len(step) < 4:
            raise NotPortedError(
                f"migration step {step[0]} ({step[1]}) has no PostgreSQL SQL yet: add it next to"
                " the SQLite SQL in bot/store/migrations.py"
            )
        ported.append((step[0], step[1], step[3]))
    return ported


async def migrate(db: aiosqlite.Connection, steps: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply every step newer than the database; return the versions applied.

    `db` must be in autocommit mode (isolation_level=None): each step opens its own transaction.
    """
    await db.execute(SCHEMA_VERSION_TABLE)
    applied: list[int] = []
    for version, name, script in sqlite_steps(steps):
        await db.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the write lock: another process may have migrated meanwhile.
            if await current_version(db) >= version:
                await db.execute("ROLLBACK")
                continue
            for statement in _statements(script):
                await db.execute(statement)
            await db.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (version, name, datetime.now(UTC).isoformat()),
            )
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        await db.execute("COMMIT")
        applied.append(version)
    return applied


def _statements(script: str) -> list[str]:
    """Split a step into statements (executescript would commit the open transaction)."""
    return [part.strip() for part in script.split(";") if part.strip()]
