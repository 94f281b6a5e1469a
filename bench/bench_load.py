"""Load benchmark: the real Telegram service (`python -m bot run`) driven through the fake Bot API.

    .venv/bin/python bench/bench_load.py [--residents 1000] [--messages 5]

N residents (private chats) each send M messages, all of them active at once: a resident sends
the next message as soon as the reply to the previous one arrives (closed loop, no think time
unless --think is given). Messages mix covered questions (the knowledge base's own questions) and
uncovered ones (ordinary government questions, distinct per resident); both kinds are checked
with the same Matcher the bot uses, so "uncovered" means "outcome ticket", never gibberish.

With --replicas N the service runs as N processes in webhook mode on one database (PostgreSQL
for N > 1), and each update is POSTed to one replica in turn, as a load balancer would.

Latency is measured from the moment an update is available in getUpdates (or is POSTed) to the
moment the bot's sendMessage to that chat reaches the fake server. Peak memory is the bot process's
RSS (the largest replica's), polled. After the run the database is read: tickets must equal the
uncovered messages sent (each exactly once), and each ticket must have exactly one staff post,
delivered to the staff chat or still queued in the outbox (a group takes 20 messages a minute, so
at load most wait). The per-resident ticket limits (MAX_OPEN_TICKETS, MAX_TICKETS_PER_HOUR) are
raised so they cannot distort the count.
Exit status 1 when a check fails, including reply latency p95 over --p95-target (500 ms).
Only 127.0.0.1 traffic; bounded by --timeout/--drain-timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import aiohttp
import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the fake Bot API and the process harness live in tests/

from bot.config import Settings  # noqa: E402
from bot.kb.intents import load_intents  # noqa: E402
from bot.kb.loader import load_knowledge  # noqa: E402
from bot.matching.matcher import Matcher  # noqa: E402
from bot.paths import bundled_dir  # noqa: E402
from bot.store.backend import make_store  # noqa: E402
from tests.factories import STAFF_CHAT_ID, make_text_update  # noqa: E402
from tests.fake_bot_api import Call, FakeBotApi  # noqa: E402
from tests.telegram_harness import BotProcess, service_env  # noqa: E402

FIRST_RESIDENT = 10_000_001
P95_TARGET_MS = 500.0  # issue #7; --p95-target changes it, 0 leaves the check out
WEBHOOK_SECRET = "bench-Secret_1"
NO_LIMIT = "1000000"  # MAX_OPEN_TICKETS / MAX_TICKETS_PER_HOUR for the run

UNCOVERED_TOPICS = (
    "我的社保卡丢了怎么补办",
    "公积金怎么提取出来付房租",
    "孩子刚出生怎么上户口",
    "退休后医保关系怎么转到重庆",
    "失业保险金怎么申请",
    "灵活就业人员怎么交养老保险",
    "异地就医备案怎么办理",
    "公积金贷款额度怎么算",
    "户口从外省迁进来要什么材料",
    "社保断缴了三个月还能补缴吗",
    "公积金账户怎么转移",
    "独生子女父母奖励金怎么领",
    "残疾证怎么办理",
    "高龄津贴怎么申请",
)
STREETS = ("解放碑街道", "七星岗街道", "上清寺街道", "大溪沟街道", "化龙桥街道", "两路口街道")


@dataclass(frozen=True)
class Message:
    text: str
    uncovered: bool


def plan(residents: int, messages: int, share: float, seed: int) -> dict[int, list[Message]]:
    """Each resident's messages, every one classified by the bot's own Matcher beforehand."""
    matcher = Matcher(
        load_knowledge(bundled_dir("knowledge")), load_intents(bundled_dir("intents"))
    )
    # A question written as a command ("/tongban 是干什么的") is a command to the engine, not a
    # question: it starts that flow, and the resident's next messages belong to the flow.
    covered = sorted(
        {
            q
            for e in matcher.kb.entries
            for q in e.questions
            if not q.startswith("/") and matcher.decide(q).outcome == "answer"
        }
    )
    rng = random.Random(seed)
    scripts: dict[int, list[Message]] = {}
    for r in range(residents):
        user_id = FIRST_RESIDENT + r
        script = []
        for m in range(messages):
            if rng.random() >= share:
                script.append(Message(rng.choice(covered), uncovered=False))
                continue
            for topic in rng.sample(UNCOVERED_TOPICS, len(UNCOVERED_TOPICS)):
                text = f"我住{STREETS[(r + m) % len(STREETS)]}{r + 1}号{m + 1}单元，{topic}？"
                decision = matcher.decide(text)
                if decision.outcome == "ticket" and not decision.gibberish:
                    script.append(Message(text, uncovered=True))
                    break
            else:
                raise SystemExit(f"no uncovered question the matcher sends to a ticket ({r}, {m})")
        scripts[user_id] = script
    return scripts


class TimedBotApi(FakeBotApi):
    """The fake Bot API, also handing each sendMessage to the resident waiting for it.

    FakeBotApi calls `_notify` after every call it has answered; reading only the calls added
    since the last look keeps the driver's cost per reply constant with 5,000 messages.
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        self.waiting: dict[int, asyncio.Future[Call]] = {}
        self.unexpected = 0  # sends to a resident nobody was waiting for
        self.staff_posts: list[Call] = []
        self._seen = 0

    def _notify(self) -> None:
        super()._notify()
        new, self._seen = self.calls[self._seen :], len(self.calls)
        for call in new:
            if call.method not in ("sendMessage", "sendPhoto") or call.failed:
                continue
            chat_id = int(call.params["chat_id"])
            if chat_id == STAFF_CHAT_ID:
                self.staff_posts.append(call)
                continue
            future = self.waiting.pop(chat_id, None)
            if future is None or future.done():
                self.unexpected += 1
            else:
                future.set_result(call)


class ServiceProcess(BotProcess):
    """`python -m bot run` as the e2e tests start it, optionally under cProfile."""

    def __init__(self, env: dict[str, str], log_path: Path, profile: Path | None) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        profiler = ["-m", "cProfile", "-o", str(profile.resolve())] if profile else []
        self.process = subprocess.Popen(
            [sys.executable, *profiler, "-m", "bot", "run"],
            cwd=log_path.parent,
            env={**env, "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    sent: list[Message] = field(default_factory=list)  # pushed so far, in order
    answers: dict[str, str] = field(default_factory=dict)  # message text → the reply's text
    replies: int = 0
    peak_rss: int = 0
    cpu_seconds: float = 0.0  # the bot process's CPU time, user + system
    handling: float = float("nan")  # first update stored in the inbox to the last handled


class Webhooks:
    """Telegram in webhook mode: each update POSTed to a replica in turn (the next one when a
    replica does not answer 200), as a load balancer in front of the replicas would."""

    def __init__(self, ports: list[int], session: aiohttp.ClientSession) -> None:
        self.ports = ports
        self.session = session
        self._ids = itertools.count(1)

    async def deliver(self, update: dict[str, object], turn: int) -> None:
        update = {"update_id": next(self._ids), **update}
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        for attempt in range(600):
            port = self.ports[(turn + attempt) % len(self.ports)]
            try:
                async with self.session.post(
                    f"http://127.0.0.1:{port}/hook", json=update, headers=headers
                ) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        raise SystemExit(f"no replica took update {update['update_id']}")


async def resident(
    api: TimedBotApi,
    user_id: int,
    script: list[Message],
    run: Run,
    think: float,
    webhooks: Webhooks | None = None,
) -> None:
    """Send each message once the reply to the previous one has arrived.

    With think time, residents also start at a random moment within the first `think` seconds,
    so they do not all write in the same instant.
    """
    loop = asyncio.get_running_loop()
    if think:
        await asyncio.sleep(random.Random(user_id).uniform(0, think))
    for message in script:
        future: asyncio.Future[Call] = loop.create_future()
        api.waiting[user_id] = future
        update = make_text_update(user_id, message.text)
        pushed = time.monotonic()
        if webhooks is None:
            api.push(update)
        else:
            await webhooks.deliver(update, user_id + len(run.sent))
        run.sent.append(message)
        call = await future
        run.latencies.append(call.at - pushed)
        run.answers[message.text] = str(call.params.get("text", ""))
        run.replies += 1
        if think:
            await asyncio.sleep(think)


async def watch_memory(pids: list[int], run: Run) -> None:
    """Peak RSS of the largest bot process, and the CPU time of all of them."""
    processes = [psutil.Process(pid) for pid in pids]
    cpu: dict[int, float] = {}
    while processes:
        for process in list(processes):
            try:
                run.peak_rss = max(run.peak_rss, process.memory_info().rss)
                times = process.cpu_times()
                cpu[process.pid] = times.user + times.system
            except psutil.NoSuchProcess:
                processes.remove(process)
        run.cpu_seconds = sum(cpu.values())
        await asyncio.sleep(0.1)


async def report_progress(api: TimedBotApi, run: Run, total: int, started: float) -> None:
    while True:
        await asyncio.sleep(10)
        print(
            f"  {time.monotonic() - started:6.0f}s: {run.replies}/{total} replies, "
            f"{len(api.staff_posts)} staff posts",
            file=sys.stderr,
        )


async def stop(bot: BotProcess) -> int:
    """SIGTERM and the exit status (BotProcess kills it if it does not stop within 60 s)."""
    try:
        return await bot.stop(within=60)
    except AssertionError as exc:
        print(exc, file=sys.stderr)
        return -9


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def until(condition: object, within: float) -> bool:
    deadline = time.monotonic() + within
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True


async def bench(args: argparse.Namespace, workdir: Path) -> int:
    scripts = plan(args.residents, args.messages, args.uncovered_share, args.seed)
    planned = sum(len(script) for script in scripts.values())
    api = TimedBotApi()
    await api.start()
    env = service_env(api, workdir, MAX_OPEN_TICKETS=NO_LIMIT, MAX_TICKETS_PER_HOUR=NO_LIMIT)
    if args.max_rate is not None:  # the service's own ceiling, without Telegram's global limit
        env["TELEGRAM_MAX_RATE"] = str(args.max_rate)
    if args.concurrent_chats is not None:
        env["CONCURRENT_CHATS"] = str(args.concurrent_chats)
    if args.database:  # an empty PostgreSQL database (or SQLite file) instead of a tmp file
        env["DATABASE_URL"] = args.database
    database = env["DATABASE_URL"]
    ports = [_free_port() for _ in range(args.replicas)]
    bots = [ServiceProcess(env, workdir / "bot.log", args.profile)] if not ports else []
    for n, port in enumerate(ports):
        replica = {
            **env,
            "WEBHOOK_URL": "https://bot.example.org/hook",
            "WEBHOOK_SECRET": WEBHOOK_SECRET,
            "WEBHOOK_PORT": str(port),
            "REPLICA_NAME": f"replica-{n}",
        }
        bots.append(ServiceProcess(replica, workdir / f"bot-{n}.log", None))
    run = Run()
    helpers = [asyncio.create_task(watch_memory([b.process.pid for b in bots], run))]
    session = aiohttp.ClientSession()
    webhooks = Webhooks(ports, session) if ports else None
    try:
        ready = (lambda: len(api.of("setWebhook")) >= len(ports)) if ports else None
        if not await until(ready or (lambda: api.of("getUpdates")), 60):
            raise SystemExit(f"the service did not start:\n{bots[0].log()[-3000:]}")
        started = time.monotonic()
        helpers.append(asyncio.create_task(report_progress(api, run, planned, started)))
        drivers = [resident(api, u, s, run, args.think, webhooks) for u, s in scripts.items()]
        try:
            await asyncio.wait_for(asyncio.gather(*drivers), args.timeout)
        except TimeoutError:
            print(f"timed out after {args.timeout}s", file=sys.stderr)
        wall = time.monotonic() - started
        tickets_sent = sum(m.uncovered for m in run.sent)
        await until(lambda: len(api.staff_posts) >= tickets_sent, args.drain_timeout)
        drained = time.monotonic() - started
    finally:
        exit_codes = []
        for bot, code in zip(bots, await asyncio.gather(*(stop(b) for b in bots)), strict=True):
            exit_codes.append(code)
            if code != 0:
                print(bot.log()[-2000:], file=sys.stderr)
        exit_code = max(exit_codes, key=abs)
        for helper in helpers:
            helper.cancel()
        await session.close()
        await api.stop()
    tickets, queued, run.handling = await read_results(database)
    sent = run.sent  # all of them unless --timeout cut the run short
    uncovered = Counter(m.text for m in sent if m.uncovered)
    checks = {
        "every message sent, every one answered": (
            run.replies == len(sent) == planned and api.unexpected == 0
        ),
        "tickets == uncovered messages sent": sorted(tickets.values()) == sorted(uncovered),
        "each uncovered message once": all(n == 1 for n in uncovered.values()),
        "one staff post per ticket (delivered or queued), none other": staff_posts_ok(
            api.staff_posts, queued, tickets
        ),
        "service exited 0 on SIGTERM (every replica)": exit_code == 0,
    }
    if args.p95_target:
        p95 = percentile(sorted(run.latencies), 95)
        checks[f"reply latency p95 ≤ {args.p95_target:g} ms"] = p95 * 1000 <= args.p95_target
    print_report(args, sent, uncovered, tickets, run, wall, drained, api, checks, queued)
    for text in sorted(set(uncovered) - set(tickets.values()))[:5]:
        print(f"no ticket for {text!r}; the reply was {run.answers.get(text, '(none)')!r}")
    return 0 if all(checks.values()) else 1


async def read_results(url: str) -> tuple[dict[int, str], list[int], float]:
    """The tickets (number → text), the ticket numbers of staff posts still queued, and the
    seconds from the first update stored in the inbox to the last one handled."""
    store = make_store(Settings(database_url=url))
    await store.open()
    try:
        rows = await store.rows("SELECT number, text FROM tickets ORDER BY number")
        tickets = {int(r["number"]): str(r["text"]) for r in rows}
        queued = [
            int(r[0])
            for r in await store.rows(
                "SELECT ticket_number FROM outbox WHERE kind = 'staff_post' AND sent_at IS NULL"
            )
        ]
        span = await store.row("SELECT MIN(received_at), MAX(handled_at) FROM inbox")
    finally:
        await store.close()
    first, last = (span[0], span[1]) if span else (None, None)
    if first is None or last is None:
        return tickets, queued, float("nan")
    handling = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()
    return tickets, queued, handling


def staff_posts_ok(posts: list[Call], queued: list[int], tickets: dict[int, str]) -> bool:
    """Each ticket has exactly one staff post, delivered or still persisted in the outbox.

    A staff group takes 20 messages a minute (Telegram's limit), so at load most posts are
    still queued when the run ends: they are safe in the outbox, none lost and none doubled.
    """
    numbers = list(queued)
    for post in posts:
        found = re.match(r"#(\d+) · ", str(post.params.get("text", "")))
        numbers.append(int(found.group(1)) if found else -1)
    return sorted(numbers) == sorted(tickets)


def percentile(ordered: list[float], p: int) -> float:
    if len(ordered) < 2:
        return ordered[0] if ordered else float("nan")
    return statistics.quantiles(ordered, n=100, method="inclusive")[p - 1]


def print_report(
    args: argparse.Namespace,
    sent: list[Message],
    uncovered: Counter[str],
    tickets: dict[int, str],
    run: Run,
    wall: float,
    drained: float,
    api: TimedBotApi,
    checks: dict[str, bool],
    queued: list[int],
) -> None:
    ordered = sorted(run.latencies)
    p95 = percentile(ordered, 95)
    rows = [
        ("database", "PostgreSQL" if (args.database or "").startswith("postgres") else "SQLite"),
        (
            "processes",
            f"{args.replicas} replicas, webhook mode" if args.replicas else "1, polling",
        ),
        ("residents × messages", f"{args.residents} × {args.messages}"),
        (
            "pause after each reply (--think)",
            f"{args.think:g} s (offered load about {args.residents / args.think:.0f} messages/s)"
            if args.think
            else "none (closed loop)",
        ),
        (
            "global send limit (TELEGRAM_MAX_RATE)",
            "30/s, the default"
            if args.max_rate is None
            else (f"{args.max_rate:g}/s" if args.max_rate else "none (0)"),
        ),
        (
            "chats handled at once (CONCURRENT_CHATS)",
            "16, the default" if args.concurrent_chats is None else str(args.concurrent_chats),
        ),
        (
            "messages sent (covered / uncovered)",
            f"{len(sent)} of {args.residents * args.messages} "
            f"({len(sent) - sum(uncovered.values())} / {sum(uncovered.values())})",
        ),
        ("replies received", str(run.replies)),
        ("wall time, first message to last reply", f"{wall:.1f} s"),
        ("messages per second", f"{run.replies / wall:.1f}"),
        ("handling time, first update stored to last handled", f"{run.handling:.2f} s"),
        ("reply latency p50", f"{percentile(ordered, 50) * 1000:.0f} ms"),
        ("reply latency p95", f"{p95 * 1000:.0f} ms"),
        ("reply latency p99", f"{percentile(ordered, 99) * 1000:.0f} ms"),
        ("reply latency max", f"{(ordered[-1] if ordered else float('nan')) * 1000:.0f} ms"),
        ("peak RSS of the bot process (the largest replica)", f"{run.peak_rss / 2**20:.0f} MiB"),
        (
            "CPU time of the bot process (all replicas, start-up included)",
            f"{run.cpu_seconds:.1f} s",
        ),
        ("tickets created", str(len(tickets))),
        ("staff posts delivered", f"{len(api.staff_posts)} (by {drained:.1f} s)"),
        ("staff posts still queued in the outbox at the end", str(len(queued))),
    ]
    print(f"\nTelegram load: python {platform.python_version()}, {os.cpu_count()} cores\n")
    print("| measure | value |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print()
    for name, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=5, help="per resident")
    parser.add_argument("--uncovered-share", type=float, default=0.4)
    parser.add_argument("--think", type=float, default=0.0, help="seconds between reply and next")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--p95-target",
        type=float,
        default=P95_TARGET_MS,
        metavar="MS",
        help="fail unless the reply latency p95 is at most this (default 500; 0: no such check)",
    )
    parser.add_argument(
        "--max-rate",
        type=float,
        help="TELEGRAM_MAX_RATE for the service (default: its own, Telegram's 30/s; 0: no limit)",
    )
    parser.add_argument(
        "--concurrent-chats",
        type=int,
        help="CONCURRENT_CHATS for the service (default: its own, 16; 1: one update at a time)",
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="bound on the message phase")
    parser.add_argument("--drain-timeout", type=float, default=120.0, help="then for staff posts")
    parser.add_argument("--profile", type=Path, help="run the bot under cProfile, stats here")
    parser.add_argument(
        "--replicas",
        type=int,
        default=0,
        metavar="N",
        help="N processes in webhook mode sharing the database (a PostgreSQL --database for N > 1),"
        " each update POSTed to one in turn (default 0: one process, polling)",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="DATABASE_URL for the service, e.g. an empty postgresql://… database"
        " (default: an SQLite file in a temporary folder)",
    )
    args = parser.parse_args()
    if args.replicas > 1 and not (args.database or "").startswith("postgres"):
        parser.error("--replicas above 1 needs a PostgreSQL --database (SQLite serves one process)")
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        return asyncio.run(bench(args, Path(tmp)))


if __name__ == "__main__":
    sys.exit(main())
