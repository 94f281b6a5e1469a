"""Console sessions: a one-time link logs a staff member in with a new session (its id random,
signed in an HttpOnly, SameSite=Strict cookie, Secure when the console is served over https;
only the id's hash is stored), which ends after `IDLE_TIMEOUT` without a request or at logout.
Every state-changing request must carry the session's CSRF token and come from the console's
own origin."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

from bot.config import Settings
from bot.helpdesk import console_access
from bot.helpdesk.roster import load_roster, staff_actor
from bot.store.console import ConsoleSessionNotFound
from bot.store.interface import TicketStore
from bot.words import chat_language

COOKIE = "yz_console"
IDLE_TIMEOUT = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # seen_at is written at most this often
CSRF_FIELD = "csrf"  # the form field
CSRF_HEADER = "x-csrf-token"  # the header htmx sends (hx-headers on <body>)


class NotLoggedInError(Exception):
    """Raised when a request has no valid, live session."""


class CsrfRefusedError(Exception):
    """Raised when a state-changing request lacks the CSRF token or comes from another origin."""


@dataclass(frozen=True)
class Staff:
    """The staff member a request comes from."""

    user_id: int
    name: str
    language: str
    csrf: str
    session: str  # the session id's hash

    @property
    def actor(self) -> str:
        return staff_actor(self.user_id)


class Sessions:
    def __init__(self, settings: Settings, store: TicketStore, secret: str) -> None:
        self.settings = settings
        self.store = store
        self.signer = URLSafeSerializer(secret, salt="yuzhong-console-session")
        base = console_access.console_base_url(settings)
        self.secure = base.startswith("https://")
        parts = urlsplit(base)
        self.origin = f"{parts.scheme}://{parts.netloc}"

    async def login(self, token: str, now: datetime) -> tuple[str, int]:
        """Redeem a link: (cookie value of a brand-new session, user id). Raises
        ConsoleLinkRefusedError or NotStaffError."""
        user_id = await console_access.redeem_link(self.store, self.settings, token, now)
        await self.store.forget_console_logins(now - IDLE_TIMEOUT)
        session_id = secrets.token_urlsafe(32)
        await self.store.start_console_session(
            console_access.secret_hash(session_id), user_id, secrets.token_urlsafe(32), now
        )
        return str(self.signer.dumps(session_id)), user_id

    async def current(self, request: Request, now: datetime) -> Staff:
        """The logged-in staff member; NotLoggedInError without a live session."""
        raw = request.cookies.get(COOKIE)
        if not raw:
            raise NotLoggedInError
        try:
            session_id = str(self.signer.loads(raw))
        except BadSignature:
            raise NotLoggedInError from None
        id_hash = console_access.secret_hash(session_id)
        try:
            session = await self.store.console_session(id_hash)
        except ConsoleSessionNotFound:
            raise NotLoggedInError from None
        if now - session.seen_at > IDLE_TIMEOUT or not self.settings.is_staff(session.user_id):
            await self.store.end_console_session(id_hash)
            raise NotLoggedInError
        if now - session.seen_at > TOUCH_EVERY:
            await self.store.touch_console_session(id_hash, now)
        roster = await load_roster(self.store, self.settings)
        state = await self.store.load_state("telegram", session.user_id)
        language = chat_language(state.language, state.written_language, None)
        name = roster.name(staff_actor(session.user_id))
        return Staff(session.user_id, name, language, session.csrf, id_hash)

    async def logout(self, staff: Staff) -> None:
        await self.store.end_console_session(staff.session)

    def set_cookie(self, response: Response, value: str) -> None:
        # A browser-session cookie: the idle timeout is kept on the server (seen_at), so an
        # active session is not cut off 12 hours after login.
        response.set_cookie(
            COOKIE,
            value,
            path="/",
            httponly=True,
            samesite="strict",
            secure=self.secure,
        )

    def clear_cookie(self, response: Response) -> None:
        response.delete_cookie(
            COOKIE, path="/", httponly=True, samesite="strict", secure=self.secure
        )

    def check(self, request: Request, staff: Staff, form_token: str | None) -> None:
        """Refuse (CsrfRefusedError) a state-changing request without the session's CSRF
        token (form field or header) or whose Origin (else Referer) is not the console's."""
        token = form_token or request.headers.get(CSRF_HEADER) or ""
        if not hmac.compare_digest(token.encode(), staff.csrf.encode()):
            raise CsrfRefusedError("csrf token")
        source = request.headers.get("origin") or request.headers.get("referer")
        if not source:
            raise CsrfRefusedError("no origin")
        parts = urlsplit(source)
        origin = f"{parts.scheme}://{parts.netloc}"
        own = f"{request.url.scheme}://{request.url.netloc}"
        if origin not in (own, self.origin):
            raise CsrfRefusedError(f"origin {origin}")
