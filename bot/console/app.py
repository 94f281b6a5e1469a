"""The console's ASGI app, wired in one place: its shared parts (`Console`), the route table,
the security headers, and the guard every staff page goes through (a live session; for a
state-changing request also the CSRF token and the Origin)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from jinja2_fragments import render_block
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.config import Settings
from bot.console.presence import Presence
from bot.console.sessions import CSRF_FIELD, CsrfRefusedError, NotLoggedInError, Sessions, Staff
from bot.console.workflow import Workflow, load_workflow
from bot.matching.matcher import Matcher
from bot.store.database import StoreUnavailableError, utcnow
from bot.store.interface import TicketStore
from bot.words import console_words, decided_text

log = logging.getLogger(__name__)

HTMX = "htmx-2.0.9.min.js"  # vendored under static/, pinned: the district network may be closed
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    # A login link in the URL never leaks to another site; same-origin requests keep their
    # Origin header (with no-referrer, Chrome sends "Origin: null" on form posts).
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]

LOCAL_TIME = "%Y-%m-%d %H:%M"  # times are shown in the time limits' zone (Asia/Shanghai)
Handler = Callable[["Console", Request, Staff], Awaitable[Response]]


@dataclass
class Console:
    """What every page needs: settings, the store, the knowledge, the working-day rules."""

    settings: Settings
    store: TicketStore
    knowledge: Callable[[], Matcher]
    workflow: Workflow
    sessions: Sessions
    clock: Callable[[], datetime] = utcnow
    presence: Presence = field(default_factory=Presence)
    # After an approved proposal is written: the service's reload (else its watch finds it).
    after_approval: Callable[[], Awaitable[object]] | None = None
    # Proposal number → the task running its checks (`bot.console.teach.check_in_background`).
    checking: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    env: Environment = field(
        default_factory=lambda: Environment(
            loader=PackageLoader("bot.console", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
    )

    def __post_init__(self) -> None:
        self.env.filters["decided"] = decided_text  # "answer: x" in the staff member's words

    def context(self, staff: Staff | None, language: str, **values: Any) -> dict[str, Any]:
        return {
            "w": console_words(language),
            "staff": staff,
            "htmx": HTMX,
            "lang": language,
            **values,
        }

    def page(
        self, template: str, staff: Staff | None, code: int = 200, **values: Any
    ) -> HTMLResponse:
        language = staff.language if staff else "zh"
        html = self.env.get_template(template).render(self.context(staff, language, **values))
        return HTMLResponse(html, status_code=code)

    def block(self, template: str, name: str, staff: Staff, **values: Any) -> HTMLResponse:
        """One block of a page (jinja2-fragments): what an htmx request swaps in."""
        html = render_block(self.env, template, name, self.context(staff, staff.language, **values))
        return HTMLResponse(html)

    def message(self, key: str, status: int, staff: Staff | None = None) -> HTMLResponse:
        """A page with one sentence: a refusal, an expired link, logged out."""
        return self.page("message.html", staff, status, key=key)


def staff_only(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Run `handler` for a logged-in staff member; a POST must also pass the CSRF check."""

    @wraps(handler)
    async def guarded(request: Request) -> Response:
        console: Console = request.app.state.console
        try:
            staff = await console.sessions.current(request, console.clock())
        except NotLoggedInError:
            refused = console.message("login_needed", 401)
            if request.headers.get("hx-request"):
                # A poll or a typing notice after the session ended: reload the page, which
                # then says how to log in (htmx swaps nothing from an error response).
                refused.headers["hx-refresh"] = "true"
            return refused
        if request.method == "POST":
            form = await request.form()
            token = form.get(CSRF_FIELD)
            try:
                console.sessions.check(request, staff, token if isinstance(token, str) else None)
            except CsrfRefusedError as exc:
                log.warning(
                    "console: refused a %s to %s (%s)", request.method, request.url.path, exc
                )
                return console.message("csrf_refused", 403, staff)
        return await handler(console, request, staff)

    return guarded


class SecurityHeaders:
    """Adds the security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, sending if scope["type"] == "http" else send)


def build_console(
    settings: Settings,
    store: TicketStore,
    knowledge: Callable[[], Matcher],
    secret: str,
    *,
    clock: Callable[[], datetime] = utcnow,
    open_store: bool = False,
    after_approval: Callable[[], Awaitable[object]] | None = None,
) -> Starlette:
    """The console app. With `open_store` it opens the store at start-up and closes it at the
    end (`python -m bot console`); otherwise the caller does. `after_approval` runs once an
    approved knowledge proposal is written (the service's reload)."""
    from bot.console import pages, photos, picker, queue, teach, ticket  # (they import this)

    workflow = load_workflow(settings)
    console = Console(
        settings,
        store,
        knowledge,
        workflow,
        Sessions(settings, store, secret),
        clock,
        after_approval=after_approval,
    )
    zone = workflow.limits.hours.zone  # the district's time zone (time_limits.yaml)
    console.env.filters["local"] = lambda moment: moment.astimezone(zone).strftime(LOCAL_TIME)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if open_store:
            await store.open()
        try:
            yield
        finally:
            running = list(console.checking.values())
            for task in running:  # a proposal's checks run again when its page is next shown
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            if open_store:
                await store.close()

    routes = [
        Route("/", home),
        Route("/login/{token}", pages.login),
        Route("/logout", staff_only(pages.logout), methods=["POST"]),
        Route("/queue", staff_only(queue.queue_page)),
        Route("/queue.csv", staff_only(queue.queue_csv)),
        Route("/tickets/{number:int}", staff_only(ticket.ticket_page)),
        Route(
            "/tickets/{number:int}/presence",
            staff_only(ticket.presence_block),
            methods=["GET", "POST"],
        ),
        Route("/tickets/{number:int}/standard", staff_only(picker.standard_picker)),
        Route("/tickets/{number:int}/teach", staff_only(ticket.teach), methods=["POST"]),
        Route("/tickets/{number:int}/{action}", staff_only(ticket.act), methods=["POST"]),
        Route("/photos/{number:int}/{index:int}", staff_only(photos.photo)),
        Route("/stats", staff_only(pages.stats_page)),
        Route("/knowledge", staff_only(pages.knowledge_page)),
        Route("/knowledge/proposals", staff_only(teach.proposals_page)),
        Route(
            "/knowledge/proposals/{number:int}/{decision}",
            staff_only(teach.decide),
            methods=["POST"],
        ),
        Mount("/static", StaticFiles(packages=[("bot.console", "static")]), name="static"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            404: not_found,
            405: not_found,
            StoreUnavailableError: busy,
            500: failed,
        },
    )
    app.state.console = console
    app.add_middleware(SecurityHeaders)
    return app


async def home(request: Request) -> Response:
    return RedirectResponse("/queue", status_code=303)


async def not_found(request: Request, exc: Exception) -> Response:
    console: Console = request.app.state.console
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    return console.message("not_found", status)


async def busy(request: Request, exc: Exception) -> Response:
    """The database is locked, read-only or full: nothing of the request was saved; say so."""
    log.warning("console: %s %s not done: %s", request.method, request.url.path, type(exc).__name__)
    console: Console = request.app.state.console
    return console.message("busy", 503)


async def failed(request: Request, exc: Exception) -> Response:
    """Log with the traceback, then a short apology (never the exception's text)."""
    log.error("console: %s %s failed", request.method, request.url.path, exc_info=exc)
    console: Console = request.app.state.console
    return console.page("message.html", None, 500, key="error")
