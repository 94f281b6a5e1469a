"""Storage: the interface the rest of the code uses (`interface.TicketStore`), ticket data
(`model`), and its SQLite implementation (`sqlite.SQLiteTicketStore`, built from the parts for
chat state, the inbox, the outbox, processed messages, erasures and the staff's snippets and
names (`staffwork`), the workflow's milestones, ratings, due notices and stats counts
(`workflow`), knowledge proposals (`proposals`) over one `database` connection, with the ticket
search as plain SQL (`search`) and numbered `migrations`). A second backend implements
`interface.TicketStore`.

Imports the foundation modules only (`bot.config`, `bot.messages`); never the matcher, the
dialogue, the helpdesk or a transport.
"""
