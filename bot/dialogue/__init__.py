"""Input to outcome: the engine (`engine.Engine`) takes one `bot.messages.Incoming` and returns
the replies, for residents (questions, answers, clarify, tickets, /tongban, follow-ups, 好差评
ratings) and for staff (commands and buttons in the staff group; /teach, /approve and /reject in
`teaching`, which the transport runs in the background). Every transport and the CLI's `ask`,
`chat` and `eval` go through it, so they all say the same thing.

Imports the matcher, the store, the helpdesk, `bot.learning`, `bot.kb`, `bot.words` and the
foundation modules; never a transport or `telegram`.
"""
