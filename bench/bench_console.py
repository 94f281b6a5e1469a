"""Benchmark the staff console's pages: server time at 1,000 and 10,000 tickets.

    .venv/bin/python bench/bench_console.py [--sizes 1000 10000] [--requests 30]

For each size a fresh SQLite file gets that many tickets spread over the last 90 days (70%
closed, 15% waiting, 10% claimed, 5% answered; each with its history), then each page is asked
`--requests` times through the real ASGI app in this process (Starlette's TestClient: no
network, so the time is the server's: routing, session check, queries, templates). Reports
p50 / p95 / max in milliseconds and the page's size. The issue's target: the queue at 10,000
tickets within 300 ms, every page under 200 KB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from bot.console.app import build_console  # noqa: E402
from bot.helpdesk.console_access import issue_link  # noqa: E402
from bot.matching.matcher import load_matcher  # noqa: E402
from bot.store.database import to_text  # noqa: E402
from bot.store.model import CATEGORIES  # noqa: E402
from bot.store.sqlite import SQLiteTicketStore  # noqa: E402

STAFF = (900001, 900002, 900003)
SECRET = "bench-console-secret-0123456789"
PAGES = {
    "queue 未认领 (default)": "/queue",
    "queue 全部": "/queue?tab=all",
    "queue 全部, page 100": "/queue?tab=all&page=100",
    "queue 我的": "/queue?tab=mine",
    "queue search 食堂": "/queue?tab=all&q=食堂",
    "queue 即将超期": "/queue?tab=due",
    "queue 已超期": "/queue?tab=overdue",
    "queue rows (htmx poll)": "/queue",
    "ticket": "/tickets/1",
    "stats 30 days": "/stats?days=30",
    "knowledge": "/knowledge",
}
QUESTIONS = ("社区食堂在哪里", "渝才荟怎么申请", "楼宇吹哨找谁", "停车难怎么办", "袁家岗通办")


async def fill(path: Path, size: int, seed: int = 17) -> None:
    """`size` tickets with their events, inserted in one transaction."""
    rng = random.Random(seed)
    store = SQLiteTicketStore(path)
    await store.open()
    now = datetime.now(UTC)
    async with store.transaction():
        for n in range(size):
            created = now - timedelta(minutes=rng.randint(0, 90 * 24 * 60))
            roll = rng.random()
            status = (
                "closed"
                if roll < 0.7
                else "open"
                if roll < 0.85
                else "claimed"
                if roll < 0.95
                else "answered"
            )
            assignee = None if status == "open" else f"staff:{rng.choice(STAFF)}"
            text = f"{rng.choice(QUESTIONS)}？第{n}个问题，电话 138{rng.randint(10**7, 10**8 - 1)}"
            number = await store.execute(
                "INSERT INTO tickets (created_at, updated_at, user_id, chat_id, name, channel,"
                " category, text, candidates, status, assignee)"
                " VALUES (?, ?, ?, ?, ?, 'telegram', ?, ?, ?, ?, ?)",
                (
                    to_text(created),
                    to_text(created),
                    1000 + n,
                    1000 + n,
                    f"居民{n}",
                    rng.choice(CATEGORIES),
                    text,
                    json.dumps([["yucaihui", 40.0]]),
                    status,
                    assignee,
                ),
            )
            events = [("created", f"user:{1000 + n}", created, "unanswered")]
            if status in ("answered", "closed"):
                replied = created + timedelta(minutes=rng.randint(5, 3000))
                events.append(("staff_reply", assignee or "staff:900001", replied, "已处理。"))
            if status == "closed":
                events.append(
                    ("closed", assignee or "staff:900001", created + timedelta(days=4), "")
                )
            for kind, actor, at, note in events:
                await store.execute(
                    "INSERT INTO events (ticket_number, kind, actor, at, text)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (number, kind, actor, to_text(at), note),
                )
    await store.close()


def measure(size: int, requests: int) -> list[tuple[str, list[float], int]]:
    folder = Path(tempfile.mkdtemp(prefix="bench-console-"))
    db = folder / "bot.db"
    asyncio.run(fill(db, size))
    settings = load_settings(
        {
            "DATABASE_URL": f"sqlite:///{db}",
            "STAFF_USER_IDS": ",".join(map(str, STAFF)),
            "CONSOLE_SECRET": SECRET,
            "CONSOLE_BASE_URL": "http://testserver",
        },
        env_file=None,
    )
    matcher = load_matcher(settings.kb_dir, settings.intents_dir)

    async def link() -> str:
        store = SQLiteTicketStore(db)
        await store.open()
        try:
            return await issue_link(store, settings, STAFF[0], datetime.now(UTC))
        finally:
            await store.close()

    store = SQLiteTicketStore(db)
    app = build_console(settings, store, lambda: matcher, SECRET, open_store=True)
    results = []
    with TestClient(app, base_url="http://testserver") as client:
        client.get(asyncio.run(link()).removeprefix("http://testserver"))
        for name, path in PAGES.items():
            headers = {"hx-request": "true", "hx-target": "rows"} if "htmx" in name else {}
            times, size_bytes = [], 0
            for _ in range(requests):
                start = time.perf_counter()
                response = client.get(path, headers=headers)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (path, response.status_code)
                size_bytes = len(response.content)
            results.append((name, times, size_bytes))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    worst_queue = 0.0
    for size in args.sizes:
        print(f"\n{size:,} tickets ({args.requests} requests per page)")
        print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'KB':>7}")
        for name, times, size_bytes in measure(size, args.requests):
            p95 = statistics.quantiles(times, n=20)[18]
            print(
                f"{name:28} {statistics.median(times):8.1f} {p95:8.1f} {max(times):8.1f} "
                f"{size_bytes / 1024:7.1f}"
            )
            if name.startswith("queue") and size == max(args.sizes):
                worst_queue = max(worst_queue, p95)
    print(f"\nworst queue p95 at {max(args.sizes):,} tickets: {worst_queue:.1f} ms (target 300)")
    return 0 if worst_queue <= 300 else 1


if __name__ == "__main__":
    sys.exit(main())
