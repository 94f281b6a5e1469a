"""The webhook server: Telegram's POST is answered 200 only once the update is in the inbox.

python-telegram-bot's own webhook server answers before the update is handled (and 400 to an
update it cannot read, which Telegram then sends again and again). This small tornado server
(tornado comes with python-telegram-bot's `webhooks` extra) checks the secret, stores the raw
update and answers 200; when the database cannot take it, the sender is told so (the busy reply)
and the answer is still 200 (503 if even that fails, so Telegram sends the update again).
"""

from __future__ import annotations

import hmac
import json
import logging

import tornado.httpserver
import tornado.web
from telegram.error import TelegramError

from bot.config import Settings
from bot.store.database import StoreUnavailableError
from bot.store.interface import TicketStore
from bot.transport.app import ALLOWED_UPDATES
from bot.transport.runner import App, UpdateRunner, accepted, refuse_updates, store_updates

log = logging.getLogger(__name__)


class WebhookHandler(tornado.web.RequestHandler):
    """Answer Telegram's webhook POST with 200 only once the update is stored."""

    def initialize(
        self, service: App, store: TicketStore, runner: UpdateRunner, secret: str
    ) -> None:
        self.service = service
        self.store = store
        self.runner = runner
        self.secret = secret

    async def post(self) -> None:
        token = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(token.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(403)
        try:
            update = json.loads(self.request.body)
        except ValueError:
            raise tornado.web.HTTPError(400) from None
        if not accepted([update]):
            raise tornado.web.HTTPError(400)
        try:
            await store_updates(self.store, self.runner, [update])
        except StoreUnavailableError as exc:
            log.warning("could not store a webhook update (%s); told the sender", exc)
            try:
                await refuse_updates(self.service, [update])
            except TelegramError:  # not stored, not refused: Telegram sends it again later
                raise tornado.web.HTTPError(503) from exc
        self.set_status(200)


async def listen(
    application: App, settings: Settings, store: TicketStore, runner: UpdateRunner, path: str
) -> tornado.httpserver.HTTPServer:
    """Start the webhook server, then register the webhook with Telegram."""
    if settings.webhook_url is None or settings.webhook_secret is None:
        raise ValueError("webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET")
    secret = settings.webhook_secret.reveal()
    handler_args = {"service": application, "store": store, "runner": runner, "secret": secret}
    app = tornado.web.Application(
        [(f"/{path}", WebhookHandler, handler_args)],
        log_function=lambda handler: None,  # no access log: nothing in it is needed
    )
    server = tornado.httpserver.HTTPServer(app, xheaders=True)
    server.listen(settings.webhook_port, settings.webhook_listen)
    await application.bot.set_webhook(
        settings.webhook_url,
        secret_token=secret,
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=False,
    )
    return server
