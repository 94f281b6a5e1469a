"""A ticket's photos in the console, fetched through the Bot API with the bot's token (which
never reaches the browser): getFile, then the file. A photo is named by its position among the
ticket's attachments, never by a path from the URL."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import httpx
from starlette.requests import Request
from starlette.responses import Response

from bot.console.sessions import Staff
from bot.store.database import TicketNotFound

if TYPE_CHECKING:
    from bot.console.app import Console

log = logging.getLogger(__name__)

PHOTO_TIMEOUT = 10.0


async def photo(console: Console, request: Request, staff: Staff) -> Response:
    """A ticket's photo, fetched through the Bot API (getFile, then the file). The file is
    named by its position among the ticket's attachments, never by a path from the URL."""
    number, index = int(request.path_params["number"]), int(request.path_params["index"])
    try:
        ticket = await console.store.ticket(number)
    except TicketNotFound:
        return console.message("not_found", 404, staff)
    token = console.settings.telegram_bot_token
    if not 0 <= index < len(ticket.attachments) or token is None:
        return console.message("not_found", 404, staff)
    api = console.settings.telegram_base_url + token.reveal()
    files = console.settings.telegram_base_url.removesuffix("/bot") + "/file/bot" + token.reveal()
    try:
        async with httpx.AsyncClient(timeout=PHOTO_TIMEOUT) as client:
            found = await client.post(f"{api}/getFile", json={"file_id": ticket.attachments[index]})
            path = found.json()["result"]["file_path"]
            if ".." in path or path.startswith("/"):
                raise ValueError("unexpected file path")
            image = await client.get(f"{files}/{path}")
            image.raise_for_status()
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        # The exception's text may hold the URL, and the URL the token: log only its type.
        log.warning("console: photo %s of #%s unavailable (%s)", index, number, type(exc).__name__)
        return console.message("photo_missing", 502, staff)
    return Response(
        image.content, media_type="image/jpeg", headers={"cache-control": "private, max-age=3600"}
    )
