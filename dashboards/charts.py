"""Small server-rendered SVG charts.

The SVG uses presentation attributes only (fill, x, y, width, height): the site's CSP blocks
`style` attributes and inline `<style>`. Every chart is an image with a title and a
description for screen readers; templates show the same figures in a table next to it
(`dashboards/_chart.html`).
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

WIDTH = 640
INK = "#1b1f24"
MUTED = "#4f5b66"
GRID = "#d7dde3"
FILL = "#1d4ed8"
FONT = "system-ui, sans-serif"
TICKS = 4
# Month names like "Dec 2025" need about 60 px; more labels would overlap.
MAX_X_LABELS = 7
LABEL_CHARS = 26


@dataclass(frozen=True)
class Point:
    label: str
    value: Decimal | int | float
    display: str = ""

    @property
    def shown(self) -> str:
        return self.display or str(self.value)


@dataclass
class Chart:
    """Data for one chart. `kind` is "columns" (values over time) or "bars" (ranked rows)."""

    chart_id: str
    title: str
    x_label: str
    y_label: str
    points: list[Point] = field(default_factory=list)
    kind: str = "columns"
    description: str = ""
    # Fixed top of the scale (100 for percentages); otherwise a round number above the max.
    max_value: float | None = None

    def summary(self) -> str:
        """A sentence saying what the chart shows, for `<desc>`."""
        if not self.points:
            return _("No data for this period.")
        top = max(self.points, key=lambda p: p.value)
        text = ngettext(
            "%(count)d value, from %(first)s to %(last)s; highest: %(top)s (%(value)s).",
            "%(count)d values, from %(first)s to %(last)s; highest: %(top)s (%(value)s).",
            len(self.points),
        ) % {
            "count": len(self.points),
            "first": self.points[0].label,
            "last": self.points[-1].label,
            "top": top.label,
            "value": top.shown,
        }
        return f"{self.description} {text}".strip()

    def svg(self) -> SafeString:
        return bar_chart(self) if self.kind == "bars" else column_chart(self)


def nice_ceiling(value: float) -> float:
    """A round number at or above `value` (a few steps per power of ten), for axis tops."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.6, 2, 2.5, 3, 4, 5, 6, 8):
        if value <= step * magnitude * (1 + 1e-9):
            return round(step * magnitude, 10)
    return 10 * magnitude


def _scale_top(chart: Chart) -> float:
    if chart.max_value is not None:
        return chart.max_value
    largest = max((float(p.value) for p in chart.points), default=0)
    if all(isinstance(p.value, int) for p in chart.points):
        # Counts: a round whole-number step between ticks.
        return max(1, math.ceil(nice_ceiling(largest / TICKS))) * TICKS
    return nice_ceiling(largest)


def _tick_text(value: float) -> str:
    return f"{value:g}" if value < 10_000 else f"{value:,.0f}"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _open_svg(chart: Chart, height: int) -> SafeString:
    return format_html(
        '<svg class="chart-svg" xmlns="http://www.w3.org/2000/svg" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'aria-labelledby="{id}-title {id}-desc" font-family="{font}" font-size="12">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<text x="0" y="18" font-size="15" font-weight="600" fill="{ink}" aria-hidden="true">'
        "{title}</text>",
        w=WIDTH,
        h=height,
        id=chart.chart_id,
        font=FONT,
        title=chart.title,
        desc=chart.summary(),
        ink=INK,
    )


def _close_svg(parts: list[SafeString]) -> SafeString:
    # Each part is already escaped (format_html); joining keeps them as they are.
    return format_html("{}</svg>", format_html_join("", "{}", ((part,) for part in parts)))


def _empty_note(x: float, y: float) -> SafeString:
    return format_html(
        '<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>',
        round(x, 1),
        round(y, 1),
        MUTED,
        _("No data for this period."),
    )


def column_chart(chart: Chart) -> SafeString:
    """Vertical columns, one per point, left to right (a time series)."""
    height, left, right, top, bottom = 280, 64, 16, 40, 56
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    base_y = top + plot_h
    scale_top = _scale_top(chart)
    parts = [_open_svg(chart, height)]
    for i in range(TICKS + 1):
        value = scale_top * i / TICKS
        y = base_y - plot_h * i / TICKS
        parts.append(
            format_html(
                '<line x1="{x1}" x2="{x2}" y1="{y}" y2="{y}" stroke="{c}" stroke-width="1"/>'
                '<text x="{tx}" y="{ty}" text-anchor="end" fill="{m}">{t}</text>',
                x1=left,
                x2=WIDTH - right,
                y=round(y, 1),
                c=GRID,
                tx=left - 6,
                ty=round(y + 4, 1),
                m=MUTED,
                t=_tick_text(value),
            )
        )
    count = len(chart.points)
    if count:
        slot = plot_w / count
        bar_w = max(slot * 0.7, 1)
        every = math.ceil(count / MAX_X_LABELS)
        for i, point in enumerate(chart.points):
            bar_h = plot_h * float(point.value) / scale_top if scale_top else 0
            x = left + slot * i + (slot - bar_w) / 2
            parts.append(
                format_html(
                    '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{f}">'
                    "<title>{label}: {shown}</title></rect>",
                    x=round(x, 1),
                    y=round(base_y - bar_h, 1),
                    w=round(bar_w, 1),
                    h=round(bar_h, 1),
                    f=FILL,
                    label=point.label,
                    shown=point.shown,
                )
            )
            if i % every == 0:
                parts.append(
                    format_html(
                        '<text x="{x}" y="{y}" text-anchor="middle" fill="{m}">{t}</text>',
                        x=round(left + slot * i + slot / 2, 1),
                        y=base_y + 16,
                        m=MUTED,
                        t=_short(point.label),
                    )
                )
    else:
        parts.append(_empty_note(left + plot_w / 2, top + plot_h / 2))
    parts.append(_axes(chart, left, top, base_y, WIDTH - right, height))
    return _close_svg(parts)


def bar_chart(chart: Chart) -> SafeString:
    """Horizontal bars, one row per point, top to bottom (a ranking or a distribution)."""
    row_h, left, right, top, bottom = 28, 180, 72, 40, 44
    rows = max(len(chart.points), 1)
    plot_w = WIDTH - left - right
    height = top + rows * row_h + bottom
    base_y = top + rows * row_h
    scale_top = _scale_top(chart)
    parts = [_open_svg(chart, height)]
    for i in range(TICKS + 1):
        value = scale_top * i / TICKS
        x = left + plot_w * i / TICKS
        parts.append(
            format_html(
                '<line x1="{x}" x2="{x}" y1="{y1}" y2="{y2}" stroke="{c}" stroke-width="1"/>'
                '<text x="{x}" y="{ty}" text-anchor="middle" fill="{m}">{t}</text>',
                x=round(x, 1),
                y1=top,
                y2=base_y,
                c=GRID,
                ty=base_y + 16,
                m=MUTED,
                t=_tick_text(value),
            )
        )
    for i, point in enumerate(chart.points):
        y = top + row_h * i
        bar_w = plot_w * float(point.value) / scale_top if scale_top else 0
        parts.append(
            format_html(
                '<text x="{lx}" y="{ty}" text-anchor="end" fill="{ink}">{label}</text>'
                '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{f}">'
                "<title>{full}: {shown}</title></rect>"
                '<text x="{vx}" y="{ty}" fill="{ink}">{shown}</text>',
                lx=left - 8,
                ty=round(y + row_h / 2 + 4, 1),
                ink=INK,
                label=_short(point.label),
                full=point.label,
                x=left,
                y=round(y + 5, 1),
                w=round(bar_w, 1),
                h=row_h - 10,
                f=FILL,
                vx=round(left + bar_w + 6, 1),
                shown=point.shown,
            )
        )
    if not chart.points:
        parts.append(_empty_note(left + plot_w / 2, top + row_h / 2 + 4))
    parts.append(_axes(chart, left, top, base_y, WIDTH - right, height, horizontal=True))
    return _close_svg(parts)


def _axes(chart, left, top, base_y, right_x, height, *, horizontal=False) -> SafeString:
    """The two axis lines and their labels."""
    # The value axis is vertical for columns and horizontal for bars.
    value_label, category_label = chart.y_label, chart.x_label
    lines = format_html(
        '<line x1="{l}" x2="{l}" y1="{t}" y2="{b}" stroke="{m}" stroke-width="1"/>'
        '<line x1="{l}" x2="{r}" y1="{b}" y2="{b}" stroke="{m}" stroke-width="1"/>',
        l=left,
        t=top,
        b=base_y,
        r=right_x,
        m=MUTED,
    )
    bottom = format_html(
        '<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>',
        round((left + right_x) / 2, 1),
        height - 8,
        MUTED,
        value_label if horizontal else category_label,
    )
    if horizontal:
        # Row labels fill the left margin: the category name goes above them.
        side = format_html(
            '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>',
            left - 8,
            top - 8,
            MUTED,
            category_label,
        )
    else:
        middle = round((top + base_y) / 2, 1)
        side = format_html(
            '<text x="14" y="{y}" text-anchor="middle" fill="{m}" '
            'transform="rotate(-90 14 {y})">{t}</text>',
            y=middle,
            m=MUTED,
            t=value_label,
        )
    labels = bottom + side
    return lines + labels  # SafeString + SafeString stays safe
