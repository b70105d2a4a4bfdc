"""`make bench`: seed large databases, serve them with daphne, measure, print one table.

Options are environment variables (see docs/bench.md): BENCH_SCALE (1), BENCH_DURATION (10 s),
BENCH_WARMUP (1 s), BENCH_CONCURRENCY (8), BENCH_SOCKETS (1000), BENCH_HOLD (5 s),
BENCH_TENTH (1), BENCH_OUTPUT, BENCH_DIR, DATABASE_URL as for the site, and REDIS_URL, which
makes the run start a redis-server of its own (BENCH_REDIS_SERVER) instead of using that URL.
"""

import asyncio
import contextlib
import json
import os
import re
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import announce, fault, load, report, ws
from bench.config import DEFAULT_RESULTS, REPO_DIR, Config
from bench.redis_server import RedisServer

README = REPO_DIR / "README.md"

WS_PATH = "/ws/notifications/"
CEILING_PATH = "/bench/ceiling/"
# The static files the production settings serve (whitenoise's manifest), into STATIC_ROOT.
COLLECTSTATIC = [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"]
DELIVERY_TARGET = 0.250  # seconds, p99


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    cookie: str = ""
    ratio_target: float | None = None
    at_tenth: bool = False  # also measured at one tenth of the scale (growth)
    logged_in: bool = False


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))  # daphne inherits it


_ports_given: set[int] = set()


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _ports_given:
            _ports_given.add(port)
            return port


def start_redis(cfg: Config, tmp: Path) -> RedisServer | None:
    """The run's own Redis when REDIS_URL asks for Redis: the fault row pauses it, so it is
    never the server of that URL (often the machine's shared one)."""
    if not cfg.redis_url:
        return None
    if not cfg.redis_server:
        raise SystemExit(
            "bench: with REDIS_URL the bench runs a redis-server of its own: install it "
            "(apt-get install redis-server) or set BENCH_REDIS_SERVER"
        )
    redis = RedisServer(cfg.redis_server, tmp / "redis").start(free_port)
    log(f"redis-server of the bench's own on port {redis.port}")
    return redis


def server_env(tmp: Path, secret_key: str, redis_url: str) -> dict:
    """Production settings, except plain HTTP on loopback and a routed ceiling view."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="edusphere.settings",
        DEBUG="False",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL="http://127.0.0.1",
        SECURE_SSL_REDIRECT="False",
        STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(tmp / "media"),
        PRIVATE_MEDIA_ROOT=str(tmp / "private"),
        CLOUDINARY_URL="",
        REDIS_URL=redis_url,
        BENCH_CEILING_VIEW="True",
        LOG_LEVEL="ERROR",  # a log line per 404 would cost more than some pages
        PYTHONUNBUFFERED="1",
    )
    return env


def start_prepare(cfg: Config, scale: float, env: dict, tmp: Path):
    """Start seeding one scale's database; returns (process, fixtures path)."""
    path = tmp / f"fixtures-{scale:g}.json"
    env = {**env, "DATABASE_URL": cfg.bench_database_url(scale)}
    log(f"preparing the scale {scale:g} database ({env['DATABASE_URL'].split('/')[-1]})")
    command = [
        sys.executable,
        "-m",
        "bench.seed",
        f"--scale={scale!r}",
        f"--fixtures={path}",
        f"--sockets={cfg.sockets}",
    ]
    return subprocess.Popen(command, env=env, cwd=REPO_DIR), path


def wait_all(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.wait() != 0:
            raise SystemExit(f"bench: {' '.join(map(str, process.args[1:4]))} failed")


class Server:
    """daphne in its own process, on a free loopback port."""

    def __init__(self, env: dict, log_path: Path):
        self.port = free_port()
        self.log_path = log_path
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)]
        command += ["-v", "0", "edusphere.asgi:application"]
        with log_path.open("ab") as log_file:
            self.process = subprocess.Popen(
                command, env=env, cwd=REPO_DIR, stdout=log_file, stderr=subprocess.STDOUT
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                if load.fetch(self.port, CEILING_PATH, timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"daphne did not answer:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.2)

    def rss(self) -> str:
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS"):
                    return f"{int(line.split()[1]) // 1024} MiB"
        except OSError:
            pass
        return "?"

    def logged_errors(self) -> list[str]:
        """What daphne logged, less the 404 warnings of pages that do not exist yet."""
        try:
            lines = self.log_path.read_text().splitlines()
            return [line for line in lines if line.strip() and not line.startswith("Not Found:")]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def endpoints(fx: dict) -> list[Endpoint]:
    student = f"{fx['cookie_name']}={fx['student_cookie']}"
    instructor = f"{fx['cookie_name']}={fx['instructor_cookie']}"
    admin = f"{fx['cookie_name']}={fx['admin_cookie']}"
    return [
        Endpoint("ceiling: bare view, same middleware", CEILING_PATH),
        Endpoint("catalog, page 1 (anonymous)", "/courses/", ratio_target=0.5, at_tenth=True),
        Endpoint(
            f"catalog, search `q={fx['catalog_query']}`",
            f"/courses/?q={fx['catalog_query']}",
            ratio_target=0.5,
            at_tenth=True,
        ),
        Endpoint(
            "catalog, filter category + level",
            f"/courses/?category={fx['category']}&level={fx['level']}",
            ratio_target=0.5,
            at_tenth=True,
        ),
        Endpoint(
            "course detail (anonymous)",
            f"/courses/{fx['course_slug']}/",
            ratio_target=0.5,
            at_tenth=True,
        ),
        Endpoint("player (enrolled student)", fx["player_path"], student, 0.35, logged_in=True),
        Endpoint("/learn/ (student)", "/learn/", student, 0.35, logged_in=True),
        Endpoint(
            "quiz, attempt in progress (student)", fx["quiz_path"], student, 0.35, logged_in=True
        ),
        Endpoint("certificate verification (anonymous)", fx["verify_path"], ratio_target=0.5),
        Endpoint("/teach/ (instructor)", "/teach/", instructor, logged_in=True),
        Endpoint("/notifications/ (student)", "/notifications/", student, logged_in=True),
        Endpoint("admin dashboard, 12 months", "/admin/?range=12m", admin, logged_in=True),
        Endpoint("admin dashboard, all time", "/admin/?range=all", admin, logged_in=True),
        Endpoint(
            "course analytics (admin)",
            f"/teach/{fx['course_slug']}/analytics/",
            admin,
            logged_in=True,
        ),
    ]


@dataclass
class Measured:
    page: load.Result
    ceiling: load.Result  # the bare view, measured in slices alternating with the page
    tenth: load.Result | None = None  # the same page at one tenth of the scale


def _check_session(ep: Endpoint, port: int, notes: list[str], label: str) -> None:
    status, headers, _ = load.fetch(port, ep.path, ep.cookie)
    location = headers.get("Location", "")
    if ep.logged_in and status in (301, 302) and "login" in location:
        notes.append(f"{label}{ep.name}: the bench session was not accepted ({location}).")


def measure_http(
    cfg: Config, servers: list[Server], eps: list[Endpoint], tenth_eps: dict, notes: list[str]
) -> dict[str, Measured]:
    """Each page in slices alternating with the ceiling (and its tenth-scale twin).

    Anything else running on the machine then weighs on both sides of each ratio alike,
    instead of on whichever endpoint happened to run at a bad moment.
    """
    slices = max(1, round(cfg.duration / 2))
    ceiling = eps[0]
    results = {}
    for ep in eps[1:]:
        jobs = [("page", servers[0], ep), ("ceiling", servers[0], ceiling)]
        if ep.name in tenth_eps:
            jobs.append(("tenth", servers[1], tenth_eps[ep.name]))
        for _kind, server, job_ep in jobs:
            _check_session(job_ep, server.port, notes, "")
            if cfg.warmup > 0:
                load.run(
                    server.port,
                    job_ep.path,
                    cookie=job_ep.cookie,
                    duration=cfg.warmup,
                    concurrency=cfg.concurrency,
                )
        merged = {kind: load.Result() for kind, _, _ in jobs}
        for _slice in range(slices):
            for kind, server, job_ep in jobs:
                merged[kind].add(
                    load.run(
                        server.port,
                        job_ep.path,
                        cookie=job_ep.cookie,
                        duration=cfg.duration / slices,
                        concurrency=cfg.concurrency,
                    )
                )
        for kind, _server, job_ep in jobs:
            if kind == "ceiling":
                continue
            result = merged[kind]
            statuses = ", ".join(f"{code}×{n}" for code, n in sorted(result.statuses.items()))
            error = f"; {result.first_error}" if result.first_error else ""
            label = "" if kind == "page" else f"scale {cfg.scale / 10:g}: "
            notes.append(
                f"{label}{ep.name}: `GET {job_ep.path}` → {statuses or 'no response'}{error}"
            )
        page = merged["page"]
        log(
            f"{ep.name}: {page.rps:.0f} req/s ({merged['ceiling'].rps:.0f} ceiling), "
            f"{page.errors} errors"
        )
        results[ep.name] = Measured(page, merged["ceiling"], merged.get("tenth"))
    return results


async def measure_ws(cfg: Config, server: Server, fx: dict, env: dict, redis_url: str) -> dict:
    cookies = fx["ws_cookies"][: cfg.sockets]
    started = time.perf_counter()
    opened, errors = await ws.open_many(server.port, WS_PATH, cookies, fx["cookie_name"])
    out = {
        "wanted": len(cookies),
        "opened": sum(s is not None for s in opened),
        "open_seconds": time.perf_counter() - started,
        "errors": errors,
    }
    await asyncio.sleep(cfg.hold)
    alive = [
        (uid, s)
        for uid, s in zip(fx["ws_user_ids"], opened, strict=True)
        if s is not None and not s.closed
    ]
    out["held"] = len(alive)
    out["rss"] = server.rss()
    if redis_url and alive:
        title = f"bench event {secrets.token_hex(4)}"
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.notify",
            json.dumps([uid for uid, _ in alive]),
            title,
            env=env,
            cwd=REPO_DIR,
            stdout=asyncio.subprocess.PIPE,
        )
        stdout, _ = await proc.communicate()
        if proc.returncode == 0:
            times = json.loads(stdout.decode().strip().splitlines()[-1])
            committed = times["committed"]
            out["send_seconds"] = times["sent"] - committed

            def arrival(sock):
                return next(
                    (
                        t
                        for t, m in sock.messages
                        if m.get("notification", {}).get("title") == title
                    ),
                    None,
                )

            # Sending to many users can itself take seconds: wait from the last send.
            deadline = max(committed, times["sent"]) + 10
            while time.time() < deadline and any(arrival(s) is None for _, s in alive):
                await asyncio.sleep(0.05)
            arrivals = [arrival(s) for _, s in alive]
            out["latencies"] = sorted(t - committed for t in arrivals if t is not None)
            out["missing"] = sum(t is None for t in arrivals)
        else:
            out["notify_failed"] = f"bench.notify exited {proc.returncode}"
    out["held_after"] = sum(not s.closed for _, s in alive)
    reasons = {}
    for sock in opened:
        if sock is not None and sock.closed:
            reasons[sock.close_reason] = reasons.get(sock.close_reason, 0) + 1
    out["close_reasons"] = reasons
    await asyncio.gather(*(s.close() for s in opened if s is not None))
    return out


def _pct(values: list[float], p: float) -> float | None:
    return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else None


def _exceptions(lines: list[str]) -> str:
    """The exceptions in a log, most frequent first (the last line of each traceback)."""
    counts: dict[str, int] = {}
    for line in lines:
        if re.match(r"^[\w.]+(Error|Exception|Timeout)\b.*:", line):
            counts[line[:200]] = counts.get(line[:200], 0) + 1
    top = sorted(counts.items(), key=lambda item: -item[1])[:3]
    return "; ".join(f"{n}× `{line}`" for line, n in top) or f"first: `{lines[0][:200]}`"


def build_rows(cfg, eps, measured, wsr, redis_url, faulted=None) -> list[report.Row]:
    ceiling = load.Result()
    for m in measured.values():
        ceiling.add(m.ceiling)
    if faulted is not None:
        ceiling.add(faulted.ceiling)
    rows = [
        report.Row(
            eps[0].name,
            ceiling.rps,
            ceiling.percentile(50),
            ceiling.percentile(99),
            ceiling.errors,
            target="—",
            result="baseline",
        )
    ]
    for ep in eps[1:]:
        m = measured[ep.name]
        r = m.page
        row = report.Row(ep.name, r.rps, r.percentile(50), r.percentile(99), r.errors)
        row.ratio = r.rps / m.ceiling.rps if m.ceiling.rps else None
        checks, missed = ["0 errors"], [] if r.errors == 0 else [f"{r.errors:,} errors"]
        if ep.ratio_target is not None:
            checks.insert(0, f"≥ {ep.ratio_target:.2f} × ceiling")
            if row.ratio is None or row.ratio < ep.ratio_target:
                missed.append("ratio")
        if m.tenth is not None:
            p50_full, p50_tenth = r.percentile(50), m.tenth.percentile(50)
            checks.insert(-1, "growth ≤ 1.2")
            if p50_full and p50_tenth:
                row.growth = p50_full / p50_tenth
                if row.growth > 1.2:
                    missed.append("growth")
            else:
                missed.append("growth")
        row.target = ", ".join(checks)
        row.met = not missed
        if missed:
            row.result = "**missed**: " + ", ".join(missed)
        rows.append(row)
    for ep in eps[1:]:
        if (t := measured[ep.name].tenth) is not None:
            rows.append(
                report.Row(
                    f"{ep.name} at scale {cfg.scale / 10:g}",
                    t.rps,
                    t.percentile(50),
                    t.percentile(99),
                    t.errors,
                    target="(for growth)",
                )
            )
    wanted = wsr["wanted"]
    rows.append(
        report.Row(
            f"WebSockets held (authenticated, {cfg.hold:g} s)",
            errors=len(wsr["errors"]) + (wsr["opened"] - wsr["held_after"]),
            target=f"{wanted:,} held",
            met=wsr["held_after"] == wanted and wanted >= min(cfg.sockets, 1000),
            result=f"{wsr['held_after']:,} of {wanted:,} held"
            + ("" if wsr["held_after"] == wanted else " — **missed**"),
        )
    )
    delivery = report.Row(
        f"notify() commit → arrival, {wsr['held']:,} users",
        target=f"p99 < {DELIVERY_TARGET * 1000:.0f} ms, all arrive",
    )
    if not redis_url:
        delivery.result = "skipped: needs Redis (set REDIS_URL)"
    elif "notify_failed" in wsr:
        delivery.result = f"**failed**: {wsr['notify_failed']}"
    elif "latencies" in wsr:
        lat = wsr["latencies"]
        delivery.p50, delivery.p99, delivery.errors = _pct(lat, 50), _pct(lat, 99), wsr["missing"]
        delivery.met = bool(lat) and wsr["missing"] == 0 and delivery.p99 < DELIVERY_TARGET
        delivery.result = "" if delivery.met else "**missed**"
    else:
        delivery.result = "skipped: no socket open"
    rows.append(delivery)
    rows.append(fault.row(faulted, "skipped: needs Redis (set REDIS_URL)"))
    return rows


def main() -> None:
    cfg = Config.from_env()
    raise_fd_limit()
    notes: list[str] = []
    scales = [cfg.scale, cfg.scale / 10] if cfg.tenth else [cfg.scale]
    faulted = None
    # The stack stops Redis before the directory it runs in is removed.
    with (
        tempfile.TemporaryDirectory(prefix="edusphere-bench-") as tmp_name,
        contextlib.ExitStack() as stack,
    ):
        tmp = Path(tmp_name)
        redis = start_redis(cfg, tmp)
        if redis is not None:
            stack.callback(redis.stop)
        redis_url = redis.url if redis is not None else ""
        env = server_env(tmp, secrets.token_urlsafe(64), redis_url)
        # Each server caches under a prefix of its own, fresh for each run: the two scales share
        # paths (the catalog pages) and ids, and a previous seed's entries must not be served.
        run_id = secrets.token_hex(4)
        envs = [
            {
                **env,
                "DATABASE_URL": cfg.bench_database_url(scale),
                "CACHE_KEY_PREFIX": f"bench-{run_id}-{scale:g}",
            }
            for scale in scales
        ]
        # Seeding, migrating and collectstatic are independent: run them side by side.
        prepared = [start_prepare(cfg, scale, env, tmp) for scale in scales]
        static = subprocess.Popen(COLLECTSTATIC, env=envs[0], cwd=REPO_DIR)
        wait_all([process for process, _ in prepared] + [static])
        fixtures = [json.loads(path.read_text()) for _, path in prepared]
        fx = fixtures[0]
        # Both servers start together (startup is mostly imports); an idle one costs nothing.
        servers = [Server(e, tmp / f"daphne-{i}.log") for i, e in enumerate(envs)]
        try:
            for server in servers:
                server.wait_ready()
            load_before = os.getloadavg()[0]
            eps = endpoints(fx)
            tenth_eps = {}
            if cfg.tenth:
                # Same endpoints in the same order, on the smaller database.
                small = endpoints(fixtures[1])
                tenth_eps = {e.name: t for e, t in zip(eps, small, strict=True) if e.at_tenth}
            measured = measure_http(cfg, servers, eps, tenth_eps, notes)
            if cfg.tenth:
                servers[1].stop()
            log(f"opening {min(cfg.sockets, len(fx['ws_cookies'])):,} WebSockets")
            wsr = asyncio.run(measure_ws(cfg, servers[0], fx, envs[0], redis_url))
            if redis is not None:
                # Last, so that whatever the pause leaves behind weighs on no other row.
                catalog = next(ep for ep in eps if ep.name == "catalog, page 1 (anonymous)")
                log(f"pausing Redis for {fault.PAUSE:g} s under load on {catalog.path}")
                faulted = fault.measure(
                    servers[0].port, catalog.path, CEILING_PATH, redis, cfg.concurrency
                )
                log(
                    f"{fault.NAME}: {faulted.during.rps:.0f} req/s "
                    f"({faulted.ceiling.rps:.0f} ceiling), {faulted.whole.errors} errors"
                )
        finally:
            for server in servers:
                server.stop()
        for server in servers:
            if lines := server.logged_errors():
                notes.append(f"daphne logged {len(lines)} lines; {_exceptions(lines)}")
        # An announcement to a course of 10,000 students, on a database of its own.
        announced = announce.run(cfg, env, tmp)
    notes.append(
        f"WebSockets: {wsr['opened']:,} of {wsr['wanted']:,} handshakes succeeded in "
        f"{wsr['open_seconds']:.1f} s, {wsr['held']:,} open after {cfg.hold:g} s, "
        f"{wsr['held_after']:,} after the delivery test; daphne RSS {wsr['rss']}"
        + (f"; first error: {wsr['errors'][0]}" if wsr["errors"] else "")
        + "".join(f"; {n} closed early: {why}" for why, n in wsr["close_reasons"].items())
        + (
            f"; notify_many()'s on-commit sends took {wsr['send_seconds']:.2f} s in the "
            "notifying process"
            if "send_seconds" in wsr
            else ""
        )
    )
    if faulted is not None:
        notes.append(fault.note(faulted))
    rows = build_rows(cfg, eps, measured, wsr, redis_url, faulted)
    rows += announced.rows
    notes += announced.notes
    header = {
        "database": fx["database"]
        + (" + Redis (the bench's own redis-server) channel layer" if redis_url else ""),
        "concurrency": cfg.concurrency,
        "duration": cfg.duration,
        "warmup": cfg.warmup,
        "scale": cfg.scale,
        "load_before": load_before,
        "rows": ", ".join(f"{n:,} {name}" for name, n in fx["rows"].items()),
    }
    table = report.render(rows, header=header, notes=notes)
    print(table)
    if cfg.output:
        report.write(cfg.output, table)
        log(f"written to {cfg.output}")
        if cfg.output == DEFAULT_RESULTS:
            # The README shows the latest published figures too.
            report.write(README, table)
            log(f"written to {README}")


if __name__ == "__main__":
    main()
