"""A figure's timeline as inline SVG, drawn on the server: no script, no build step, no CDN.

The line is a step chart of the values that could be current, over reported time: a value holds
until the next report changes it. Reports a number cannot pin down (vague words, ranges) are drawn
as bands between their low and high bounds, so they are seen without ever setting the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from domain.figures import FigureView, ReportView

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 36
TIE_GAP = 14.0  # pixels between revisions reported at the same moment


@dataclass(frozen=True)
class Scale:
    start: datetime
    end: datetime
    top: int
    bottom: int = 0

    def x(self, moment: datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1.0
        share = (moment - self.start).total_seconds() / span
        return round(LEFT + share * (WIDTH - LEFT - RIGHT), 1)

    def y(self, value: float) -> float:
        span = self.top - self.bottom
        share = (value - self.bottom) / span if span else 0.0
        return round(HEIGHT - BOTTOM - share * (HEIGHT - TOP - BOTTOM), 1)


def figure_chart(view: FigureView, until: datetime | None = None) -> str:
    """The SVG markup of `view`'s timeline; `until` extends the last step (an as-of time)."""
    if not view.reports:
        return ""
    scale = _scale(view.reports, until)
    title = f"{view.metric.replace('_', ' ').capitalize()} reported over time"
    steps = " → ".join(f"{r.value:,}" for r in view.revisions if r.value is not None)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-{view.metric}-title chart-{view.metric}-desc" '
        f'data-metric="{escape(view.metric)}" data-steps="{len(view.revisions)}">',
        f'<title id="chart-{view.metric}-title">{escape(title)}</title>',
        f'<desc id="chart-{view.metric}-desc">{escape(steps or "no numeric report")}</desc>',
        *_axes(scale),
        *(_band(r, view.reports, scale) for r in view.reports if _is_band(r)),
        _steps(view.revisions, scale),
        *(
            _point(r, x, scale)
            for r, x in zip(view.revisions, _xs(view.revisions, scale), strict=True)
        ),
        "</svg>",
    ]
    return "\n".join(p for p in parts if p)


def stated(report: ReportView) -> str:
    """The report as words a reader knows: "at least 160", "around 9,900", "dozens"."""
    words = {"exact": "", "at_least": "at least", "more_than": "more than", "up_to": "up to"}
    qualifier = report.qualifier.value
    word = words.get(qualifier, qualifier.replace("_", " "))
    if report.value is None:
        if report.low is not None and report.high is not None and qualifier == "range":
            return f"between {report.low:,} and {report.high:,}"
        return word
    return f"{word} {report.value:,}".strip()


def _scale(reports: list[ReportView], until: datetime | None) -> Scale:
    times = [r.reported_at for r in reports]
    start, end = min(times), max(times)
    if until is not None and until > end:
        end = until
    pad = max((end - start) / 20, timedelta(hours=6))
    values = [v for r in reports for v in (r.value, r.high, r.low) if v is not None] or [1]
    step = _nice(max(values) / 10)
    top = max(step, -(-int(max(values) * 1.05) // step) * step)
    # Start at zero unless that would flatten every revision into one line (10,000 vs 9,900).
    low = min(values)
    bottom = 0 if low < top / 2 else _floor(low - (max(values) - low) - top / 100, top)
    return Scale(start - pad, end + pad, top, bottom)


def _floor(value: float, top: int) -> int:
    step = _nice(top / 20)
    return max(0, int(value // step) * step)


def _nice(value: float) -> int:
    """Round an axis top up to 1, 2 or 5 times a power of ten."""
    power = 1
    while power * 10 <= value:
        power *= 10
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def _axes(scale: Scale) -> list[str]:
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    lines = [f'<line class="axis" x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}"/>']
    for value in (scale.bottom, (scale.bottom + scale.top) // 2, scale.top):
        y = scale.y(value)
        lines.append(f'<line class="grid" x1="{LEFT}" y1="{y}" x2="{right}" y2="{y}"/>')
        lines.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4}" text-anchor="end">{value:,}</text>'
        )
    for moment in _date_ticks(scale):
        x = scale.x(moment)
        label = moment.strftime("%d %b")
        lines.append(
            f'<text class="tick" x="{x}" y="{bottom + 20}" text-anchor="middle">{label}</text>'
        )
    return lines


def _date_ticks(scale: Scale) -> list[datetime]:
    first = scale.start.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    days = max(1, (scale.end - first).days // 6 + 1)
    ticks = []
    moment = first
    while moment <= scale.end:
        ticks.append(moment)
        moment += timedelta(days=days)
    return ticks


def _steps(revisions: list[ReportView], scale: Scale) -> str:
    if not revisions:
        return ""
    points: list[str] = []
    for report, x in zip(revisions, _xs(revisions, scale), strict=True):
        assert report.value is not None
        y = scale.y(report.value)
        if points:
            points.append(f"H{x}")
            points.append(f"V{y}")
        else:
            points.append(f"M{x},{y}")
    points.append(f"H{scale.x(scale.end)}")
    return f'<path class="step" d="{" ".join(points)}"/>'


def _xs(revisions: list[ReportView], scale: Scale) -> list[float]:
    """x of each revision; revisions of the same moment are set apart so their order shows."""
    xs: list[float] = []
    for report in revisions:
        x = scale.x(report.reported_at)
        xs.append(max(x, xs[-1] + TIE_GAP) if xs else x)
    return xs


def _point(report: ReportView, x: float, scale: Scale) -> str:
    assert report.value is not None
    label = f"{stated(report)}, {report.reported_at:%d %b %Y}"
    return (
        f'<circle class="revision" cx="{x}" cy="{scale.y(report.value)}" '
        f'r="4"><title>{escape(label)}</title></circle>'
    )


def _is_band(report: ReportView) -> bool:
    return report.value is None and report.low is not None and report.high is not None


def _band(report: ReportView, reports: list[ReportView], scale: Scale) -> str:
    assert report.low is not None and report.high is not None
    later = [r.reported_at for r in reports if r.reported_at > report.reported_at]
    end = min(later) if later else scale.end
    x1, x2 = scale.x(report.reported_at), max(scale.x(end), scale.x(report.reported_at) + 6)
    y1 = scale.y(min(report.high, scale.top))
    y2 = scale.y(max(report.low, scale.bottom))
    label = f"{stated(report)}: {report.low:,} to {report.high:,}"
    return (
        f'<rect class="band" x="{x1}" y="{y1}" width="{round(x2 - x1, 1)}" '
        f'height="{round(y2 - y1, 1)}"><title>{escape(label)}</title></rect>'
    )
