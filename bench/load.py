"""HTTP load from this process: N threads, each with its own keep-alive connection."""

import http.client
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Result:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    statuses: dict[int, int] = field(default_factory=dict)
    first_error: str = ""

    @property
    def rps(self) -> float:
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0

    def add(self, other: "Result") -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.seconds += other.seconds
        self.latencies.extend(other.latencies)
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.first_error = self.first_error or other.first_error

    def percentile(self, p: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


@dataclass(frozen=True)
class Event:
    finished: float  # time.perf_counter()
    status: int  # 0: a network error or a timeout
    seconds: float

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400


def window(events: list[Event], start: float, end: float) -> Result:
    """The requests that ended between `start` and `end` (perf_counter times), as a Result."""
    result = Result(seconds=max(0.0, end - start))
    for event in events:
        if not start <= event.finished < end:
            continue
        result.requests += 1
        if event.status:
            result.statuses[event.status] = result.statuses.get(event.status, 0) + 1
        if event.ok:
            result.latencies.append(event.seconds)
        else:
            result.errors += 1
    return result


def _headers(port: int, cookie: str) -> dict:
    headers = {"Host": f"127.0.0.1:{port}", "User-Agent": "edusphere-bench", "Accept": "text/html"}
    if cookie:
        headers["Cookie"] = cookie
    return headers


def fetch(port: int, path: str, cookie: str = "", timeout: float = 30) -> tuple[int, dict, bytes]:
    """One request: (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=_headers(port, cookie))
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def run(
    port: int,
    path: str,
    *,
    cookie: str,
    duration: float,
    concurrency: int,
    timeout: float = 30.0,
    events: list | None = None,
) -> Result:
    """Keep `concurrency` requests in flight for `duration` seconds; count every outcome.

    `events`, when given, receives one Event per request, for figures over part of the run
    (`window()`).
    """
    result = Result()
    lock = threading.Lock()
    headers = _headers(port, cookie)
    deadline = time.perf_counter() + duration

    def worker():
        latencies, statuses, requests, errors, first_error = [], {}, 0, 0, ""
        timeline = [] if events is not None else None
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            requests += 1
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                errors += 1
                first_error = first_error or f"{type(exc).__name__}: {exc}"
                if timeline is not None:
                    timeline.append(Event(time.perf_counter(), 0, 0.0))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                continue
            finished = time.perf_counter()
            statuses[status] = statuses.get(status, 0) + 1
            if 200 <= status < 400:
                latencies.append(finished - started)
            else:
                errors += 1
            if timeline is not None:
                timeline.append(Event(finished, status, finished - started))
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.close()
        with lock:
            result.requests += requests
            result.errors += errors
            result.latencies.extend(latencies)
            for status, count in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + count
            result.first_error = result.first_error or first_error
            if timeline is not None:
                events.extend(timeline)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result
