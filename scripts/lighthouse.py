"""`make lighthouse`: Lighthouse (phone profile) on the demo site's home, catalog, course
page and player, with Debian's Chromium.

Serves the demo site as production would (scripts/demo_server.py), runs the Lighthouse
pinned in tools/lighthouse/ (`npm ci` there first; the Makefile does it) on each page, the
player as the demo student (a session cookie sent with --extra-headers), prints the four
category scores per page and, for a page below target, the audits that cost it points.
Exits 1 when a score is below target. The reports (HTML and JSON) stay in .lighthouse/.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo_server import ROOT, demo_site  # noqa: E402

LIGHTHOUSE = ROOT / "tools/lighthouse/node_modules/.bin/lighthouse"
REPORTS = ROOT / ".lighthouse"
CHROME_PATH = (
    os.environ.get("CHROME_PATH") or os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
)
CHROME_FLAGS = " ".join(
    [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
    ]
)
TARGETS = {"performance": 90, "accessibility": 95, "best-practices": 95, "seo": 95}
# page name (a DemoSite path) -> the role it is seen as (None: a visitor, not logged in)
PAGES = {"home": None, "catalog": None, "course": None, "player": "student"}
AUDITS_SHOWN = 6


def run_lighthouse(url: str, name: str, cookie: str | None) -> dict:
    output = REPORTS / name
    args = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
        "--only-categories=" + ",".join(TARGETS),
        "--output=json",
        "--output=html",
        f"--output-path={output}",
    ]
    if cookie:
        args.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = {**os.environ, "CHROME_PATH": CHROME_PATH}
    subprocess.run(args, env=env, check=True, timeout=300)  # noqa: S603
    return json.loads(Path(f"{output}.report.json").read_text())


def scores(report: dict) -> dict[str, int]:
    return {
        key: round((category["score"] or 0) * 100) for key, category in report["categories"].items()
    }


def costly_audits(report: dict, category: str) -> list[str]:
    """The audits of `category` that lost points, heaviest first, with what they found."""
    audits = report["audits"]
    lines = []
    refs = sorted(report["categories"][category]["auditRefs"], key=lambda ref: -ref["weight"])
    for ref in refs:
        audit = audits[ref["id"]]
        if audit.get("score") is None or audit["score"] >= 1:
            continue
        if ref["weight"] == 0 and category != "performance":
            continue
        detail = audit.get("displayValue") or ""
        lines.append(
            f"    {audit['id']} (score {audit['score']:.2f}, weight {ref['weight']}): "
            f"{audit['title']}{' — ' + detail if detail else ''}"
        )
        if len(lines) == AUDITS_SHOWN:
            break
    if category == "performance":
        # The opportunities and diagnostics that say where the time goes.
        for audit in audits.values():
            savings = (audit.get("metricSavings") or {}).get("LCP") or 0
            if audit.get("score") is not None and audit["score"] < 0.9 and savings >= 100:
                lines.append(
                    f"    {audit['id']}: {audit['title']} (LCP saving about {savings:.0f} ms)"
                )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", action="append", choices=list(PAGES), help="only these pages")
    options = parser.parse_args()
    if not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: run `make lighthouse` (npm ci in tools/lighthouse).")
        return 2
    REPORTS.mkdir(exist_ok=True)
    results: dict[str, dict] = {}
    with demo_site() as site:
        for name in options.page or PAGES:
            role = PAGES[name]
            print(f"Lighthouse: {name} ({site.paths[name]}) ...", flush=True)
            cookie = site.cookie_header(role) if role else None
            results[name] = run_lighthouse(site.url(name), name, cookie)

    failed = False
    header = f"{'page':<10}" + "".join(f"{key:>16}" for key in TARGETS)
    print("\n" + header)
    print(f"{'target':<10}" + "".join(f"{'>= ' + str(v):>16}" for v in TARGETS.values()))
    below: list[tuple[str, str]] = []
    for name, report in results.items():
        page_scores = scores(report)
        print(f"{name:<10}" + "".join(f"{page_scores[key]:>16}" for key in TARGETS))
        below += [(name, key) for key, target in TARGETS.items() if page_scores[key] < target]
    for name, key in below:
        failed = True
        print(f"\n{name}: {key} {scores(results[name])[key]} < {TARGETS[key]}")
        print("\n".join(costly_audits(results[name], key)))
    summary = {name: scores(report) for name, report in results.items()}
    (REPORTS / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nReports: {REPORTS}/<page>.report.html")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
