"""axe-core (bundled by axe-playwright-python) on a Playwright page, for the browser tests.

`assert_no_axe_violations(page)` runs axe on what the page shows now and fails with each
violated rule, its impact, the elements (CSS targets) and axe's help, so a failure says what
to fix without rerunning anything.
"""

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()

# WCAG 2.0/2.1/2.2 A and AA plus axe's best practices: every rule axe turns on by default.
DEFAULT_OPTIONS = {"resultTypes": ["violations"]}
MAX_NODES_SHOWN = 5


def axe_violations(page, *, options: dict | None = None) -> list[dict]:
    """axe's violations on `page` as it is now (a list of axe result dicts)."""
    return _axe.run(page, options=options or DEFAULT_OPTIONS).response["violations"]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        nodes = violation["nodes"]
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{len(nodes)} element{'s' if len(nodes) != 1 else ''}] {violation['helpUrl']}"
        )
        for node in nodes[:MAX_NODES_SHOWN]:
            target = " ".join(str(part) for part in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ").strip()
            lines.append(f"    {target}: {summary}")
        if len(nodes) > MAX_NODES_SHOWN:
            lines.append(f"    ... and {len(nodes) - MAX_NODES_SHOWN} more")
    return "\n".join(lines)


def assert_no_axe_violations(page, *, options: dict | None = None) -> None:
    """Fail, naming each rule and element, when axe finds a violation on `page`."""
    violations = axe_violations(page, options=options)
    if violations:
        rules = ", ".join(violation["id"] for violation in violations)
        raise AssertionError(
            f"axe: {len(violations)} rule(s) violated on {page.url} ({rules}):\n"
            + format_violations(violations)
        )
