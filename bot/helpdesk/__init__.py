"""The helpdesk workflow: what staff do with tickets and the rules they work by (claim, reply,
close, reopen, lists and stats in `operations`; the reminder of tickets waiting too long in
`reminders`; the official working-day calendar in `workdays` and `holidays`, the time limits per
category in `limits`). Shared by the Telegram staff group (through the dialogue) and the
`tickets` CLI.

Imports the store, `bot.words` and the foundation modules; never the dialogue, a transport or
`telegram`.
"""
