import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from dashboards.charts import Chart, Point, nice_ceiling

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart):
    svg = str(chart.svg())
    root = ET.fromstring(svg)  # noqa: S314  (our own output)
    return svg, root


def check_accessible(chart):
    svg, root = parse(chart)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id == f"{chart.chart_id}-title"
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert root.find(f"{SVG}title").text == chart.title
    # The CSP blocks style attributes and inline style elements.
    assert "style" not in svg
    return svg, root


def bars(root):
    # Data rectangles carry a tooltip title; the background does not.
    return [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]


def texts(root):
    return [t.text for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("kind", ["columns", "bars"])
def test_no_data(kind):
    chart = Chart("empty", "Revenue", "Month", "USD", points=[], kind=kind)
    _, root = check_accessible(chart)
    assert bars(root) == []
    assert "No data for this period." in texts(root)
    assert root.find(f"{SVG}desc").text == "No data for this period."
    assert {"Month", "USD"} <= set(texts(root))


@pytest.mark.parametrize("kind", ["columns", "bars"])
def test_one_point(kind):
    chart = Chart(
        "one",
        "Revenue",
        "Month",
        "USD",
        kind=kind,
        points=[Point("Nov 2026", Decimal("49.50"), "49.50 USD")],
    )
    _, root = check_accessible(chart)
    (bar,) = bars(root)
    assert float(bar.get("height")) > 0 and float(bar.get("width")) > 0
    assert bar.find(f"{SVG}title").text == "Nov 2026: 49.50 USD"
    assert "highest: Nov 2026 (49.50 USD)" in root.find(f"{SVG}desc").text
    assert "Nov 2026" in texts(root)


def test_columns_scale_to_the_largest_value():
    chart = Chart(
        "c",
        "Enrollments",
        "Month",
        "Enrollments",
        points=[Point("a", 3), Point("b", 0), Point("c", 6)],
    )
    _, root = check_accessible(chart)
    heights = [float(r.get("height")) for r in bars(root)]
    assert heights[1] == 0 and heights[2] == pytest.approx(2 * heights[0])
    # Counts get whole-number ticks.
    assert {"0", "2", "4", "6", "8"} <= set(texts(root))


def test_bars_with_a_fixed_scale_and_escaped_labels():
    chart = Chart(
        "f",
        "Funnel",
        "Module",
        "%",
        kind="bars",
        max_value=100,
        points=[Point("<b>Intro</b> & setup", 50, "50.0%"), Point("Next", 100, "100.0%")],
    )
    svg, root = check_accessible(chart)
    assert "<b>" not in svg and "&lt;b&gt;Intro" in svg
    widths = [float(r.get("width")) for r in bars(root)]
    assert widths[1] == pytest.approx(2 * widths[0])
    assert "100" in texts(root)


def test_long_series_thins_its_labels():
    points = [Point(f"d{i}", i) for i in range(31)]
    _, root = check_accessible(Chart("d", "Days", "Day", "n", points=points))
    assert len(bars(root)) == 31
    assert sum(1 for t in texts(root) if t.startswith("d")) <= 12


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(0, 1), (0.3, 0.3), (1, 1), (3, 3), (7, 8), (12, 12), (546, 600), (999, 1000), (1001, 1200)],
)
def test_nice_ceiling(value, ceiling):
    assert nice_ceiling(value) == ceiling
