"""The fault row of `make bench`: the bench's own Redis paused under load, and how it is judged.

No Django here: a stdlib HTTP server stands in for daphne, so these run in seconds.
"""

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import fault, load
from bench.redis_server import SHARED_PORT, RedisServer, _answers
from bench.run import free_port

REDIS_SERVER = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server")


def _result(requests: int, errors: int = 0, seconds: float = 1.0) -> load.Result:
    return load.Result(requests=requests, errors=errors, seconds=seconds)


def _fault(during_ok: int, errors: int = 0, ceiling: int = 100, stopped: bool = True):
    return fault.Fault(
        during=_result(during_ok),
        whole=_result(during_ok + errors, errors),
        after=_result(0),
        ceiling=_result(ceiling),
        stopped=stopped,
    )


def test_window_counts_only_the_requests_that_ended_in_it():
    events = [
        load.Event(0.5, 200, 0.01),  # before
        load.Event(1.0, 200, 0.02),
        load.Event(1.5, 500, 0.03),
        load.Event(1.9, 0, 0.0),  # a timeout
        load.Event(2.0, 200, 0.04),  # at the end: after
    ]
    result = load.window(events, 1.0, 2.0)
    assert (result.requests, result.errors, result.seconds) == (3, 2, 1.0)
    assert result.statuses == {200: 1, 500: 1}
    assert result.latencies == [0.02] and result.rps == 1.0


def test_row_is_met_at_the_ratio_with_no_error():
    row = fault.row(_fault(during_ok=30, ceiling=100))
    assert row.met is True and row.result == "" and row.ratio == pytest.approx(0.3)
    assert row.target == "≥ 0.30 × ceiling, 0 errors"


def test_row_misses_below_the_ratio_or_with_any_error():
    assert fault.row(_fault(during_ok=29)).result == "**missed**: ratio"
    missed = fault.row(_fault(during_ok=90, errors=2))
    assert missed.met is False and missed.errors == 2
    assert missed.result == "**missed**: 2 errors"


def test_row_fails_when_redis_never_stopped_and_skips_without_redis():
    row = fault.row(_fault(during_ok=90, stopped=False))
    assert row.met is False and "not stopped" in row.result
    skipped = fault.row(None, "skipped: needs Redis (set REDIS_URL)")
    assert skipped.rps is None and skipped.result.startswith("skipped")


@pytest.fixture
def redis(tmp_path):
    server = RedisServer(REDIS_SERVER, tmp_path / "redis").start(free_port)
    try:
        yield server
    finally:
        server.stop()


@needs_redis
def test_own_redis_pauses_resumes_and_stops(redis):
    assert redis.port != SHARED_PORT and _answers(redis.port)
    redis.pause()
    try:
        assert redis.state() == "T"
        assert not _answers(redis.port)  # connected by the kernel, never answered
    finally:
        redis.resume()
    assert _answers(redis.port)
    process = redis.process
    redis.pause()
    redis.stop()  # continues it first, or SIGTERM would wait
    assert process.poll() is not None and redis.process is None


@needs_redis
def test_measure_pauses_redis_while_the_page_is_loaded(redis, monkeypatch):
    monkeypatch.setattr(fault, "LEAD", 0.3)
    monkeypatch.setattr(fault, "PAUSE", 1.0)
    monkeypatch.setattr(fault, "TAIL", 0.3)
    states = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            states.append(redis.state())
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        measured = fault.measure(httpd.server_port, "/page/", "/ceiling/", redis, concurrency=2)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert measured.stopped and "T" in states and not redis.paused
    assert _answers(redis.port)
    assert measured.during.requests > 0 and measured.after.requests > 0
    assert measured.whole.errors == 0 and measured.ceiling.rps > 0
    assert measured.during.seconds == pytest.approx(1.0, abs=0.1)
    assert fault.row(measured).errors == 0
