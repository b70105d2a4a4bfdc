"""Queries behind each benched page: count, total SQL time and the slowest statements.

`python -m bench.probe` (same BENCH_SCALE / DATABASE_URL as `make bench`, after a bench run
has seeded the database). Requests go through Django's test client in this process, so the
numbers show where a page's time goes, not how fast the server is.
"""

import logging
import os
import sys

import django

from bench.config import Config


def main() -> None:
    cfg = Config.from_env()
    os.environ["DATABASE_URL"] = cfg.bench_database_url(cfg.scale)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edusphere.settings")
    os.environ["BENCH_CEILING_VIEW"] = "True"
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from bench.run import endpoints
    from bench.seed import _read_marker, fixtures

    marker = _read_marker(os.environ["DATABASE_URL"])
    if not marker:
        sys.exit("bench.probe: no seeded bench database at this scale; run make bench first")
    logging.disable(logging.WARNING)  # one "Not Found" line per missing page is noise here
    setup_test_environment()  # lets the test client talk to the settings' ALLOWED_HOSTS
    fx = fixtures(marker, sockets=0)
    print(f"Queries per page at scale {cfg.scale:g} ({fx['database']})\n")
    for ep in endpoints(fx):
        client = Client()
        if ep.cookie:
            name, value = ep.cookie.split("=", 1)
            client.cookies[name] = value
        client.get(ep.path)  # warm caches and connections
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(ep.path)
        total = sum(float(q["time"]) for q in ctx.captured_queries)
        print(f"## {ep.name}: GET {ep.path} -> {response.status_code}")
        print(f"{len(ctx.captured_queries)} queries, {total * 1000:.1f} ms in SQL")
        slowest = sorted(ctx.captured_queries, key=lambda q: float(q["time"]), reverse=True)[:3]
        for query in slowest:
            print(f"- {float(query['time']) * 1000:.1f} ms: {query['sql'][:300]}")
        print()


if __name__ == "__main__":
    main()
