"""The helpdesk workflow: what staff do with tickets and the rules they work by (claim, reply,
note, close, reopen, lists and stats in `operations`; assign / release and the assignee's
private notice in `assignment`; staff names in `roster`; queues and search in `queues`;
standard replies and snippets in `standard`; the CSV export in `export`; the reminder of
tickets waiting too long in `reminders`; the official working-day calendar in `workdays` and
`holidays`, the time limits per category in `limits`). Shared by the Telegram staff group
(through the dialogue) and the `tickets` CLI.

Imports the store, `bot.words` and the foundation modules; never the dialogue, a transport or
`telegram`.
"""
