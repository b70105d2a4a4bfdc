"""Bench options (from the environment) and where each scale's database lives.

Nothing here imports Django: the orchestrator only starts processes and sends requests.
"""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
DEFAULT_RESULTS = REPO_DIR / "docs" / "bench.md"


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def scale_tag(scale: float) -> str:
    """'1', '0.1', '0.01' -> '1', '0_1', '0_01': safe in file and database names."""
    return f"{scale:g}".replace(".", "_").replace("-", "m")


@dataclass(frozen=True)
class Config:
    scale: float
    duration: float  # seconds of measured load per endpoint
    warmup: float  # seconds of unmeasured load before each endpoint
    concurrency: int
    sockets: int  # WebSockets to open (the delivery test sends to all of them)
    hold: float  # seconds the sockets are held before being counted again
    tenth: bool  # also measure the anonymous pages at one tenth of the scale
    output: Path | None
    data_dir: Path  # where SQLite bench databases go
    database_url: str  # the project's DATABASE_URL ("" means SQLite)
    # "" means no Redis: the delivery and fault rows are skipped. `make bench` only reads it as
    # "run with Redis" and starts a redis-server of its own (`redis_server`), which the fault
    # row may pause; bench.instructions, which pauses nothing, uses this URL.
    redis_url: str
    redis_server: str  # the redis-server binary ("" if none is installed)

    @classmethod
    def from_env(cls) -> "Config":
        scale = _env_float("BENCH_SCALE", 1.0)
        if scale <= 0:
            raise SystemExit("BENCH_SCALE must be positive")
        output = os.environ.get("BENCH_OUTPUT", "").strip()
        if output:
            out_path = Path(output)
        elif scale == 1.0:
            out_path = DEFAULT_RESULTS
        else:
            # Smoke runs must not overwrite the published results.
            out_path = BENCH_DIR / "results" / f"bench-{scale_tag(scale)}.md"
        return cls(
            scale=scale,
            duration=_env_float("BENCH_DURATION", 10.0),
            warmup=_env_float("BENCH_WARMUP", 1.0),
            concurrency=_env_int("BENCH_CONCURRENCY", 8),
            sockets=_env_int("BENCH_SOCKETS", 1000),
            hold=_env_float("BENCH_HOLD", 5.0),
            tenth=os.environ.get("BENCH_TENTH", "1").strip() not in {"0", "false", "False", ""},
            output=out_path,
            data_dir=Path(os.environ.get("BENCH_DIR", "").strip() or BENCH_DIR),
            database_url=os.environ.get("DATABASE_URL", "").strip(),
            redis_url=(
                os.environ.get("BENCH_REDIS_URL", "").strip()
                or os.environ.get("REDIS_URL", "").strip()
            ),
            redis_server=(
                os.environ.get("BENCH_REDIS_SERVER", "").strip()
                or shutil.which("redis-server")
                or ""
            ),
        )

    def bench_database_url(self, scale: float) -> str:
        """The bench database for a scale: never the project's own database."""
        name = "edusphere_bench" if scale == 1.0 else f"edusphere_bench_s{scale_tag(scale)}"
        if not self.database_url or self.database_url.startswith("sqlite"):
            file = "bench.sqlite3" if scale == 1.0 else f"bench-s{scale_tag(scale)}.sqlite3"
            return f"sqlite:///{self.data_dir / file}"
        parts = urlsplit(self.database_url)
        return urlunsplit(parts._replace(path="/" + name))


def maintenance_url(database_url: str) -> str:
    """The same server's `postgres` database, for CREATE/DROP DATABASE."""
    return urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
