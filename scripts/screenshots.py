"""`make screenshots`: the demo site's key pages at laptop (1366×900) and phone (390×844)
sizes, saved as PNG into docs/screenshots/ (one viewport each, not the full page).

Serves the demo site as production would (scripts/demo_server.py) and drives Chromium
(CHROMIUM_PATH, default Debian's /usr/bin/chromium) through Playwright.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo_server import ROOT, demo_site  # noqa: E402

OUTPUT = ROOT / "docs/screenshots"
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
# page name (a DemoSite path) -> the role it is seen as (None: a visitor, not logged in)
PAGES = {
    "home": None,
    "catalog": None,
    "course": None,
    "player": "student",
    "my_learning": "student",
    "workspace": "instructor",
    "admin": "admin",
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def main() -> int:
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(parents=True, exist_ok=True)
    executable = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    with demo_site() as site, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        for size_name, viewport in SIZES.items():
            for page_name, role in PAGES.items():
                context = browser.new_context(
                    viewport=viewport, device_scale_factor=1, color_scheme="light"
                )
                if role:
                    context.add_cookies(
                        [{"name": "sessionid", "value": site.sessions[role], "url": site.base_url}]
                    )
                page = context.new_page()
                page.goto(site.url(page_name), wait_until="networkidle")
                path = OUTPUT / f"{page_name}-{size_name}.png"
                page.screenshot(path=path, animations="disabled")
                print(f"{path.relative_to(ROOT)} ({path.stat().st_size // 1024} KiB)")
                context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
