"""Telegram: the only package that imports `telegram`. Durable intake (our own getUpdates loop
or a webhook server, both storing updates in the inbox before confirming them), the runner that
hands stored updates to the engine, the handlers that turn an Update into `bot.messages.Incoming`,
the outbox dispatcher that sends replies, the send budget its requests take slots from (shared by
replicas: `budget`), polling mode's one-poller lease (`polling`), and the service's life cycle
(`service`).

Imports the dialogue and everything below it; nothing imports the transport except `bot.cli`.
"""
