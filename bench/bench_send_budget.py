"""What the shared send budget costs per message: the one statement that takes a slot.

    .venv/bin/python bench/bench_send_budget.py postgresql://… [--replicas 3] [--sends 3000]

N stores (as N replicas, each with its own connection pool) take slots of one budget as fast
as they can, each with C requests at once (the outbox sends to up to 64 chats at once; a
budget's slot is taken before each). The interval is tiny, so nobody waits for a slot: what
is measured is the statement, under contention for the one row. Reported: slots taken per
second over all replicas, and each take's latency p50 / p95 / max, as a sender sees it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Settings
from bot.store.backend import make_store


async def replica(url: str, sends: int, at_once: int, latencies: list[float]) -> None:
    store = make_store(Settings(database_url=url, database_pool_max=max(at_once, 1)))
    await store.open()
    left = sends

    async def sender() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            started = time.perf_counter()
            await store.take_send_slot("bench", time.time(), 1e-6)
            latencies.append(time.perf_counter() - started)

    try:
        await asyncio.gather(*(sender() for _ in range(at_once)))
    finally:
        await store.close()


async def main(url: str, replicas: int, sends: int, at_once: int) -> None:
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(replica(url, sends // replicas, at_once, latencies) for _ in range(replicas))
    )
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    p95 = statistics.quantiles(ordered, n=20)[18]
    print(
        f"{replicas} replicas × {at_once} at once: {len(ordered)} slots in {wall:.2f} s"
        f" ({len(ordered) / wall:,.0f}/s, start-up included); per take p50"
        f" {statistics.median(ordered) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms,"
        f" max {ordered[-1] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database", help="DATABASE_URL (postgresql://… or sqlite:///…)")
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--sends", type=int, default=3000)
    parser.add_argument("--at-once", type=int, default=8, help="concurrent takes per replica")
    args = parser.parse_args()
    asyncio.run(main(args.database, args.replicas, args.sends, args.at_once))
