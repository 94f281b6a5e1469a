"""The helpdesk workflow: what staff do with tickets and the rules they work by (claim, reply,
note, close, reopen, lists and stats in `operations`; assign / release and the assignee's
private notice in `assignment`; staff names in `roster`; queues and search in `queues`;
standard replies and snippets in `standard`; the CSV export in `export`; the official
working-day calendar in `workdays` and `holidays`, the time limits per category in `limits`,
and both applied to tickets (due times, states) in `deadlines`; the grouped reminder of what
became due soon or overdue, and the calendar's warnings, in `reminders`; 好差评 ratings and
the follow-up of bad ones in `ratings`; the team lead's report in `stats`). Shared by the
Telegram staff group (through the dialogue) and the `tickets` CLI.

Imports the store, `bot.words` and the foundation modules; never the dialogue, a transport or
`telegram`.
"""
