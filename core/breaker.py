"""A circuit breaker per process, for services the site can do without for a while (Redis).

Without one, a hung service costs every call its socket timeout; with one it costs one
timeout per process per interval.
"""

import threading
import time


class Breaker:
    """After a failure, calls skip the service for `retry_after` seconds; then one call tries
    it again while the others keep skipping, until a call succeeds."""

    def __init__(self, retry_after: float):
        self.retry_after = retry_after
        self.failing = False  # a call failed, and none has succeeded since
        self._open_until = 0.0  # time.monotonic(); calls skip the service before it
        self._lock = threading.Lock()

    def admits(self) -> bool:
        """Whether this call may use the service: always, unless it is failing; then one
        call an interval."""
        if not self.failing:
            return True
        with self._lock:
            now = time.monotonic()
            if now < self._open_until:
                return False
            self._open_until = now + self.retry_after
            return True

    def failed(self) -> bool:
        """Record a failure; True for the first of an outage, the one worth logging."""
        with self._lock:
            first = not self.failing
            self.failing, self._open_until = True, time.monotonic() + self.retry_after
            return first

    def succeeded(self) -> bool:
        """Record a success; True when it ends an outage."""
        if not self.failing:
            return False
        with self._lock:
            ended, self.failing, self._open_until = self.failing, False, 0.0
            return ended
