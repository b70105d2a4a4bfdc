"""The forked daphne server of the browser tests opens database sessions of its own."""

import urllib.request

import pytest
from django.db import connection

from tests.browser import daphne_server

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database sessions (and the pool) are PostgreSQL's"
)


def _backend_pid_application():
    """An ASGI app answering with the PostgreSQL backend that serves its Django connection."""
    from asgiref.sync import sync_to_async
    from django.db import connection

    def backend_pid():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                return cursor.fetchone()[0]
        finally:
            connection.close()

    async def application(scope, receive, send):
        if scope["type"] != "http":
            return
        pid = await sync_to_async(backend_pid)()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(pid).encode()})

    return application


def test_a_forked_server_never_uses_the_test_process_sessions(transactional_db):
    # Leave idle sessions in this process's pool, as any test before a server start does.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    if connection.pool:
        connection.pool.wait(timeout=10)
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        sessions_before_fork = {pid for (pid,) in cursor.fetchall()}
    connection.close()

    with daphne_server(application_factory=_backend_pid_application) as url:
        server_sessions = {
            int(urllib.request.urlopen(url, timeout=15).read())  # noqa: S310 (our own http URL)
            for _ in range(3)
        }

    assert server_sessions.isdisjoint(sessions_before_fork)
