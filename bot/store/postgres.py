"""`PostgresTicketStore`: the server-database implementation of the `TicketStore` interface,
selected by `DATABASE_URL=postgresql://…`: the same parts as the SQLite store (tickets, chat
state, the inbox, the outbox, processed messages, erasures, staff work, the workflow,
knowledge proposals, the console's logins) over a pool of connections."""

from __future__ import annotations

from bot.store.console import ConsoleStore
from bot.store.erasure import ErasureStore
from bot.store.inbox import InboxStore
from bot.store.leases import LeaseStore
from bot.store.outbox import OutboxStore
from bot.store.postgres_database import PostgresDatabase
from bot.store.processed import ProcessedStore
from bot.store.proposals import ProposalStore
from bot.store.sqlite import TicketRecords
from bot.store.staffwork import StaffWorkStore
from bot.store.workflow import WorkflowStore


class PostgresTicketStore(
    TicketRecords,
    OutboxStore,
    ProcessedStore,
    ErasureStore,
    InboxStore,
    StaffWorkStore,
    WorkflowStore,
    ProposalStore,
    ConsoleStore,
    LeaseStore,
    PostgresDatabase,
):
    """The server store: one PostgreSQL database, shared by every replica of the service."""
