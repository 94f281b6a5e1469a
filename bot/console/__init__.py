"""The staff web console (issue 17): a small server-rendered site on the same store and ticket
model as the Telegram staff group. The ASGI app and its routes (`app`), sessions, one-time
login and the CSRF / Origin checks (`sessions`), the queue with its tabs, filters and CSV
(`queue`), one ticket with its actions (`ticket`), the 答复口径 picker (`picker`),
photos through the Bot API (`photos`), who else has a ticket open (`presence`), the
stats page's figures (`figures`) and their SVG charts (`charts`), the working-day ages and due
badges (`workflow`), logging in and out, the stats and the knowledge pages (`pages`), and
serving it with uvicorn (`server`).

Imports the helpdesk, the store, `bot.words`, `bot.kb`, the matcher, the dialogue and the
foundation modules; never a transport or `telegram`. `bot.cli` and `bot.transport` import it
(`python -m bot console`, and `run` with CONSOLE_PORT).
"""
