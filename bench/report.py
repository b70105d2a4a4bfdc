"""The results table (markdown) and a description of the machine it was measured on."""

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

START, END = "<!-- bench:start -->", "<!-- bench:end -->"


@dataclass
class Row:
    name: str
    rps: float | None = None
    p50: float | None = None  # seconds
    p99: float | None = None
    errors: int | None = None
    ratio: float | None = None
    growth: float | None = None
    target: str = ""
    met: bool | None = None  # None: nothing to judge (the ceiling itself, informational rows)
    result: str = ""  # overrides the met/missed wording (e.g. "skipped: needs Redis")


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.1f}"


def _num(value: float | None, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram": ram,
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
    }


def render(rows: list[Row], *, header: dict, notes: list[str]) -> str:
    m = machine()
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {m['cpu']}, {m['cores']} cores, "
        f"{m['ram']} RAM, {m['os']}, Python {m['python']}, {header['database']}; "
        f"daphne (one process, DEBUG=False, whitenoise) on 127.0.0.1, load from a separate "
        f"process: {header['concurrency']} connections for {header['duration']:g} s per "
        f"endpoint after {header['warmup']:g} s of warm-up. Load average (1 min) "
        f"{header['load_before']:.2f} before, {os.getloadavg()[0]:.2f} after: anything else "
        f"running on the machine skews the figures.",
        "",
        f"Scale {header['scale']:g}: {header['rows']}.",
        "",
        "| measurement | req/s | p50 ms | p99 ms | errors | vs ceiling | p50 growth "
        "(full ÷ tenth) | target | result |",
        "|---|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    for row in rows:
        result = row.result or {True: "met", False: "**missed**", None: ""}[row.met]
        lines.append(
            f"| {row.name} | {_num(row.rps, ',.0f')} | {_ms(row.p50)} | {_ms(row.p99)} | "
            f"{_num(row.errors, ',d')} | {_num(row.ratio, '.2f')} | {_num(row.growth, '.2f')} | "
            f"{row.target} | {result} |"
        )
    if notes:
        lines += ["", *[f"- {note}" for note in notes]]
    return "\n".join(lines) + "\n"


def write(path: Path, table: str) -> None:
    """Replace the text between the bench markers, keeping the rest of the file."""
    block = f"{START}\n{table}{END}"
    if path.exists() and START in (text := path.read_text()) and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        path.write_text(before + block + after)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# Bench results\n\n{block}\n")
