"""Instructions the server executes per request, for benched pages (valgrind's callgrind).

`python -m bench.instructions [PAGE ...]` (same BENCH_SCALE / DATABASE_URL / REDIS_URL as
`make bench`, after a bench run has seeded the database; PAGE is a row name of the bench
table, or its start: "player", "/learn/"). Requests per second on a shared machine swing by
half from one run to the next; this count does not (repeated runs agree to about 0.2%), so
it shows what one change to a page is worth. Each page is requested through Django's test
client in a process of its own, with the bench server's production settings, under
callgrind, which counts only while the measured requests run (after a warm-up).
"""

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.config import REPO_DIR, Config
from bench.run import COLLECTSTATIC, endpoints, server_env

DEFAULT_PAGES = ("ceiling", "player", "/learn/")
WARMUP_REQUESTS = 5


def _child(page: str, requests: int) -> None:
    """Runs under callgrind: warm up, say so, run `requests` requests when told, say so."""
    import django

    django.setup()
    from django.test import Client

    from bench.seed import _read_marker, fixtures

    # No setup_test_environment(): its instrumented template rendering would be counted too.
    endpoint = _find(endpoints(fixtures(_read_marker(os.environ["DATABASE_URL"]), sockets=0)), page)
    client = Client(SERVER_NAME="127.0.0.1")  # the host server_env() allows
    if endpoint.cookie:
        name, value = endpoint.cookie.split("=", 1)
        client.cookies[name] = value

    def get() -> None:
        status = client.get(endpoint.path).status_code
        if status != 200:  # a redirect or an error costs something else than the page
            sys.exit(f"bench.instructions: {endpoint.path} answered {status}")

    for _ in range(WARMUP_REQUESTS):
        get()
    print("ready", flush=True)
    sys.stdin.readline()
    for _ in range(requests):
        get()
    print("done", flush=True)
    sys.stdin.readline()


def _find(eps, page: str):
    for endpoint in eps:
        if endpoint.name.startswith(page):
            return endpoint
    sys.exit(f"bench.instructions: no bench page named {page!r}")


def count(page: str, env: dict, requests: int) -> int:
    """Instructions per request for `page`, counted while `requests` requests run."""
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "stderr", "w+") as stderr:
        out = Path(tmp) / "callgrind.out"
        # stderr to a file: a pipe nobody reads while we wait on stdout could fill and block.
        child = subprocess.Popen(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-m",
                "bench.instructions",
                "--child",
                page,
                str(requests),
            ],
            cwd=REPO_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )

        def failure() -> str:
            child.kill()
            child.wait()
            stderr.seek(0)
            return f"bench.instructions: {page}: {stderr.read()[-3000:]}"

        def step(expected: str, instrumentation: str) -> None:
            if child.stdout.readline().strip() != expected:
                sys.exit(failure())
            subprocess.run(
                ["callgrind_control", "--instr=" + instrumentation, str(child.pid)],
                check=True,
                capture_output=True,
            )
            child.stdin.write("\n")
            child.stdin.flush()

        step("ready", "on")
        step("done", "off")
        child.communicate(timeout=600)
        stderr.seek(0)
        collected = re.search(r"Collected : ([\d,]+)", stderr.read())
        if child.returncode != 0 or collected is None:
            sys.exit(failure())
    return int(collected.group(1).replace(",", "")) // requests


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        _child(argv[1], int(argv[2]))
        return
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        sys.exit("bench.instructions needs valgrind (apt-get install valgrind)")
    cfg = Config.from_env()
    requests = int(os.environ.get("BENCH_REQUESTS", "40"))
    pages = argv or list(DEFAULT_PAGES)
    with tempfile.TemporaryDirectory() as tmp:
        env = server_env(Path(tmp), secrets.token_urlsafe(64), cfg.redis_url)
        env.update(
            DATABASE_URL=cfg.bench_database_url(cfg.scale),
            CACHE_KEY_PREFIX=f"bench-instructions-{secrets.token_hex(4)}",
        )
        subprocess.run(COLLECTSTATIC, env=env, cwd=REPO_DIR, check=True)
        print(f"Instructions per request at scale {cfg.scale:g}, {requests} requests each\n")
        print("| page | instructions per request |\n|---|--:|")
        for page in pages:
            print(f"| {page} | {count(page, env, requests):,} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
