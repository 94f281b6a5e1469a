"""Storage: the interface the rest of the code uses (`interface.TicketStore`), ticket data
(`model`), and its two implementations, chosen by DATABASE_URL (`backend.make_store`): the
embedded SQLite one (`sqlite.SQLiteTicketStore`) and the PostgreSQL one
(`postgres.PostgresTicketStore`). Both are the same parts (ticket records, chat state, the
inbox, the outbox, processed messages, erasures, the staff's snippets and names (`staffwork`),
the workflow's milestones, ratings, due notices and stats counts (`workflow`), knowledge
proposals (`proposals`), the polling lease and the shared send budget (`leases`), with the
ticket search as plain SQL (`search`)), written against
`sql.SQLDatabase` in SQL both dialects run, over one connection (`database.Database`, SQLite)
or a pool (`postgres_database.PostgresDatabase`), with one history of numbered `migrations`
carrying each step's SQL for both. `copy` moves a deployment from one database to another.

Imports the foundation modules only (`bot.config`, `bot.messages`); never the matcher, the
dialogue, the helpdesk or a transport.
"""
