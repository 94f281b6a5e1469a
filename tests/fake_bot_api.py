"""A small fake Telegram Bot API server on 127.0.0.1, for end-to-end tests of the real Application.

It speaks the HTTP protocol python-telegram-bot uses (`POST {base_url}{token}/{method}` with form
or multipart parameters, JSON answers of the form `{"ok": true, "result": …}`), records every
call, serves pushed updates through `getUpdates` with long polling and `offset` confirmation as
Telegram does (remembering which updates were confirmed; unconfirmed ones are served again to
the next process, as after a crash), and can be told to fail the next calls of a method with a
500, a 429, or (getUpdates) the 409 Conflict Telegram answers a second poller.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-fake"
BOT_ID = 123456
BOT_USERNAME = "yuzhong_test_bot"

BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "渝中服务助手",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

# Methods that answer `true` and need nothing more than being recorded.
_TRUE_METHODS = {
    "answerCallbackQuery",
    "setMyCommands",
    "deleteMyCommands",
    "deleteWebhook",
    "setWebhook",
    "setChatMenuButton",
    "close",
    "logOut",
    "sendChatAction",
}


# Methods that deliver a message to a chat.
_SENDS = ("sendMessage", "sendPhoto", "copyMessage")
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


# Parameters python-telegram-bot sends JSON-encoded inside a form field.
_JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "scope",
    "entities",
    "reply_parameters",
    "caption_entities",
    "link_preview_options",
}


_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    # What Telegram answers a getUpdates while another one is polling with the same token.
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance"
    " is running",
    502: "Bad Gateway",
}


@dataclass
class Call:
    """One request the bot made: the method, its decoded parameters and what it was answered."""

    method: str
    params: dict[str, Any]
    result: Any = None
    failed: bool = False
    at: float = field(default_factory=time.monotonic)


@dataclass
class _Failure:
    times: int
    status: int
    retry_after: int | None
    every: int = 1  # fail every `every`-th call (2: every other one)
    seen: int = 0


@dataclass
class FakeBotApi:
    """The fake server; `await start()`, push updates, inspect `calls`, `await stop()`."""

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._pending: list[dict[str, Any]] = []
        self.confirmed: set[int] = set()  # update ids a getUpdates offset has moved past
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1_000_000)  # apart from the residents' message ids
        self._failures: dict[str, _Failure] = {}
        self._changed = asyncio.Event()  # replaced by a fresh one after each change
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._sent: dict[int, list[Call]] = {}  # chat → its successful sends, for quick look-ups
        self._held: dict[int, asyncio.Event] = {}  # chat → released when sends to it may finish
        self._waiting: dict[int, int] = {}  # chat → sends to it waiting for `release`
        self._refused: dict[int, tuple[int, str]] = {}  # chat → (status, description) for sends

    @property
    def base_url(self) -> str:
        """What TELEGRAM_BASE_URL must be: the token is appended by python-telegram-bot."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        """Listen on a free port, or on the same port again after `stop()` (a restart)."""
        self._closing = False
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._closing = True
        for chat_id in list(self._held):
            self.release(chat_id)
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- what tests do ------------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (numbered here unless it carries an update_id)."""
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        self._pending.append(update)
        self._notify()
        return update

    def pending(self) -> list[dict[str, Any]]:
        """The updates not confirmed yet: what Telegram would send a restarted bot."""
        return list(self._pending)

    def redeliver(self, update: dict[str, Any]) -> None:
        """Queue an update again with the same update_id, as Telegram does after a crash."""
        self._pending.append(dict(update))
        self._notify()

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 500,
        retry_after: int | None = None,
        every: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with an error (429 when retry_after is set;
        status 0: close the connection without answering, a network error for the client);
        with `every`, only every `every`-th call fails (two pollers cutting each other off)."""
        if retry_after is not None:
            status = 429
        self._failures[method] = _Failure(times, status, retry_after, every)

    def hold(self, chat_id: int) -> None:
        """Keep sends to `chat_id` waiting for their answer until `release(chat_id)`."""
        self._held[chat_id] = asyncio.Event()

    def held_sends(self, chat_id: int) -> int:
        """How many sends to `chat_id` are waiting for `release(chat_id)`."""
        return self._waiting.get(chat_id, 0)

    def refuse_chat(
        self,
        chat_id: int,
        status: int = 403,
        description: str = "Forbidden: bot can't initiate conversation with a user",
    ) -> None:
        """Refuse every send to `chat_id`, as Telegram does for a user who never started the
        bot (403) or a chat that does not exist (400)."""
        self._refused[chat_id] = (status, description)

    def release(self, chat_id: int) -> None:
        self._held.pop(chat_id).set()

    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[Call]:
        """Successful sendMessage/sendPhoto/copyMessage calls, optionally to one chat."""
        methods = {method} if method else set(_SENDS)
        if chat_id is None:
            calls = [c for c in self.calls if not c.failed and c.method in _SENDS]
        else:  # looked up after every call while a test waits for many chats: keep it cheap
            calls = self._sent.get(chat_id, [])
        return [c for c in calls if c.method in methods]

    def texts(self, chat_id: int) -> list[str]:
        """The texts (or captions) the bot sent to one chat, in order."""
        return [c.params.get("text") or c.params.get("caption") or "" for c in self.sent(chat_id)]

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(
        self, condition: Callable[[], Any], within: float = 30.0, what: str = "condition"
    ) -> Any:
        """Wait until condition() (plain or async) is truthy and return its value.

        It is checked again after every call the bot makes, and twice a second.
        """
        deadline = time.monotonic() + within
        while True:
            changed = self._changed
            value = condition()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out after {within}s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), min(left, 0.5))

    # ---- the HTTP side --------------------------------------------------------------------------

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        if method in _SENDS and (gate := self._held.get(int(params["chat_id"]))) is not None:
            chat_id = int(params["chat_id"])
            self._waiting[chat_id] = self._waiting.get(chat_id, 0) + 1
            self._notify()
            await gate.wait()
            self._waiting[chat_id] -= 1
        call = Call(method, params)
        self.calls.append(call)
        refusal = self._refused.get(int(params.get("chat_id") or 0)) if method in _SENDS else None
        if refusal is not None:
            call.failed = True
            self._notify()
            return _error(*refusal)
        failure = self._failures.get(method)
        if failure is not None and failure.times > 0:
            failure.seen += 1
        if failure is not None and failure.times > 0 and failure.seen % failure.every == 0:
            failure.times -= 1
            call.failed = True
            self._notify()
            if failure.status == 0 and request.transport is not None:
                request.transport.close()
                return web.Response(status=500)  # never reaches the client
            if failure.retry_after is not None:
                return _error(
                    429,
                    f"Too Many Requests: retry after {failure.retry_after}",
                    {"retry_after": failure.retry_after},
                )
            return _error(
                failure.status, _DESCRIPTIONS.get(failure.status, "Internal Server Error")
            )
        if method == "getUpdates":
            call.result = await self._get_updates(params)
        elif method == "getMe":
            call.result = BOT_USER
        elif method == "getWebhookInfo":
            call.result = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        elif method in ("sendMessage", "sendPhoto", "editMessageText"):
            call.result = self._message(params)
        elif method == "getFile":  # every file is a small PNG at photos/<file_id>.png
            file_id = str(params["file_id"])
            call.result = {"file_id": file_id, "file_path": f"photos/{file_id}.png"}
        elif method == "copyMessage":
            call.result = {"message_id": next(self._message_ids)}
        elif method == "editMessageReplyMarkup":
            call.result = self._message(params)
        elif method in _TRUE_METHODS:
            call.result = True
        else:
            call.failed = True
            return _error(404, "Not Found: method not found")
        if method in _SENDS:
            self._sent.setdefault(int(params["chat_id"]), []).append(call)
        self._notify()
        return web.json_response({"ok": True, "result": call.result})

    async def _file(self, request: web.Request) -> web.Response:
        """A file's bytes, as Telegram serves them after getFile (a 1×1 PNG here)."""
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        self.calls.append(Call("file", {"path": request.match_info["path"]}))
        return web.Response(body=TINY_PNG, content_type="image/png")

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset > 0:  # confirms every update before it, as Telegram does
            self.confirmed.update(u["update_id"] for u in self._pending if u["update_id"] < offset)
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while not self._pending and not self._closing:
            changed = self._changed
            left = deadline - time.monotonic()
            if left <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), left)
        return sorted(self._pending, key=lambda u: u["update_id"])[:limit]

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": int(params.get("message_id") or next(self._message_ids)),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": BOT_USER,
        }
        if "text" in params:
            message["text"] = params["text"]
        if "photo" in params:
            message["photo"] = [
                {"file_id": params["photo"], "file_unique_id": "u", "width": 1, "height": 1}
            ]
            if "caption" in params:
                message["caption"] = params["caption"]
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message


async def _params(request: web.Request) -> dict[str, Any]:
    """Decode form/multipart/JSON parameters; nested values arrive JSON-encoded as strings."""
    if request.content_type == "application/json":
        raw: dict[str, Any] = await request.json()
    else:
        raw = dict(await request.post())
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _JSON_FIELDS and isinstance(value, str):
            params[key] = json.loads(value)
        else:
            params[key] = (
                value if isinstance(value, str | int | float | list | dict) else str(value)
            )
    return params


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
