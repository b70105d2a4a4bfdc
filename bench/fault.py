"""The fault row: the anonymous catalog under load while the bench's Redis is paused.

SIGSTOP is the harshest way for Redis to fail: its sockets stay open and the kernel still
accepts new ones, but nothing answers, so every command waits for the client's timeout
(a crash at least refuses connections). The cache treats that as a miss within its socket
timeout, then skips Redis behind its breaker, so pages should keep coming from the database.
"""

import threading
import time
from dataclasses import dataclass

from bench import load
from bench.redis_server import RedisServer
from bench.report import Row

PAUSE = 5.0  # seconds Redis stays stopped
LEAD = 1.0  # load before the pause, so that requests are in flight when Redis stops
TAIL = 2.0  # load after it: requests held up by the pause end (or fail) here
RATIO_TARGET = 0.3
NAME = f"Redis paused {PAUSE:g} s: catalog, page 1 (anonymous)"


@dataclass
class Fault:
    during: load.Result  # requests that ended while Redis was stopped
    whole: load.Result  # every request of the run: before, during and after the pause
    after: load.Result  # requests that ended after SIGCONT
    ceiling: load.Result  # the bare view, half just before the run and half just after
    stopped: bool  # the kernel reported Redis stopped during the pause


def measure(port: int, path: str, ceiling_path: str, redis: RedisServer, concurrency: int):
    """Load `path` for LEAD + PAUSE + TAIL seconds, with Redis stopped for PAUSE of them."""

    def ceiling() -> load.Result:
        return load.run(port, ceiling_path, cookie="", duration=PAUSE / 2, concurrency=concurrency)

    before = ceiling()
    events: list[load.Event] = []
    runs: list[load.Result] = []
    loader = threading.Thread(
        target=lambda: runs.append(
            load.run(
                port,
                path,
                cookie="",
                duration=LEAD + PAUSE + TAIL,
                concurrency=concurrency,
                # A request that waits out the whole pause counts as failed (a timeout).
                timeout=PAUSE,
                events=events,
            )
        )
    )
    loader.start()
    time.sleep(LEAD)
    try:
        stopped_at = time.perf_counter()
        redis.pause()
        time.sleep(0.05)
        stopped = redis.state() == "T"
        time.sleep(max(0.0, stopped_at + PAUSE - time.perf_counter()))
    finally:
        redis.resume()
        resumed_at = time.perf_counter()
    loader.join()
    whole = runs[0]
    ending = max((e.finished for e in events), default=resumed_at)
    after = ceiling()
    before.add(after)
    return Fault(
        during=load.window(events, stopped_at, resumed_at),
        whole=whole,
        after=load.window(events, resumed_at, max(ending, resumed_at)),
        ceiling=before,
        stopped=stopped,
    )


def row(fault: Fault | None, skipped: str = "") -> Row:
    """The table row: throughput while paused against the ceiling, errors of the whole run."""
    target = f"≥ {RATIO_TARGET:.2f} × ceiling, 0 errors"
    if fault is None:
        return Row(NAME, target=target, result=skipped)
    during = fault.during
    row = Row(
        NAME,
        during.rps,
        during.percentile(50),
        during.percentile(99),
        fault.whole.errors,
        target=target,
    )
    row.ratio = during.rps / fault.ceiling.rps if fault.ceiling.rps else None
    missed = []
    if row.ratio is None or row.ratio < RATIO_TARGET:
        missed.append("ratio")
    if fault.whole.errors:
        missed.append(f"{fault.whole.errors:,} errors")
    if not fault.stopped:
        # Figures taken with Redis running say nothing about the fault.
        row.result = "**failed**: Redis was not stopped"
        row.met = False
        return row
    row.met = not missed
    if missed:
        row.result = "**missed**: " + ", ".join(missed)
    return row


def note(fault: Fault) -> str:
    """What the row leaves out: the statuses, and how the pages did once Redis was back."""
    statuses = ", ".join(f"{code}×{n}" for code, n in sorted(fault.whole.statuses.items()))
    error = f"; first error: {fault.whole.first_error}" if fault.whole.first_error else ""
    return (
        f"{NAME}: SIGSTOP to the bench's own redis-server after {LEAD:g} s of load, SIGCONT "
        f"{PAUSE:g} s later, load for {TAIL:g} s more; req/s and latencies are of the requests "
        f"that ended during the pause, errors of the whole run (requests time out after "
        f"{PAUSE:g} s) → {statuses or 'no response'}; after SIGCONT {fault.after.rps:,.0f} req/s"
        f"; ceiling {fault.ceiling.rps:,.0f} req/s (just before and after){error}"
    )
