"""A figure's timeline as SVG, drawn on the server: no script, no build step, no CDN.

What a reader must be able to trust at a glance:
- The line is a step chart of the revisions (the values that could be current, README
  "Concepts"): a value holds until the next report changes it. Only those values set the
  y-axis; a previous toll, a projection or another event's figure is never drawn and never
  stretches the axis, and the chart says how many such reports it leaves out.
- Reports a number cannot pin down (vague words, ranges) are bands between their bounds, clipped
  to the axis and named in a legend; they never set the line, and set the axis only when there
  is no line at all.
- Each revision's value is written at its step, the current value at the end of the line, and
  the first and last dates have ticks. An as-of chart ends at its cut-off, marked as such.

The chart is drawn twice, wide and narrow (the page's stylesheet shows the one that fits), so
its text stays at its own size on a phone rather than shrinking with a wide drawing. Colours and
fonts are presentation attributes, not a stylesheet, so the same markup reads right inline, as a
download and in an embed, under a policy that forbids inline styles.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from domain.figures import FigureView, ReportView
from domain.status import ReportStatus

INK, MUTED, LINE, ACCENT, BAND, BAND_EDGE = (
    "#1b1f24",
    "#57606a",
    "#d0d7de",
    "#0b5cad",
    "#bf8700",
    "#9a6700",
)
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
CHAR = 7.2  # average width of a 12px digit or letter, for laying labels out
TIE_GAP = 16.0  # pixels between revisions reported at the same moment
LEGEND_ROW = 18


@dataclass(frozen=True)
class Size:
    """A drawing's frame: the wide one for desktops, the narrow one for phones."""

    name: str
    width: int
    height: int
    right: int  # room for the current value's label after the line's end


WIDE = Size("wide", 720, 260, 84)
NARROW = Size("narrow", 360, 230, 70)
TOP, BOTTOM = 24, 40


@dataclass(frozen=True)
class Scale:
    size: Size
    left: int
    start: datetime
    end: datetime
    bottom: int
    top: int
    last: datetime  # the last report drawn: the last date tick unless a cut-off is set

    def x(self, moment: datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1.0
        share = (moment - self.start).total_seconds() / span
        inner = self.size.width - self.left - self.size.right - 16
        return round(self.left + 8 + share * inner, 1)

    def y(self, value: float) -> float:
        span = self.top - self.bottom or 1
        share = (value - self.bottom) / span
        return round(self.size.height - BOTTOM - share * (self.size.height - TOP - BOTTOM), 1)

    @property
    def x_end(self) -> float:
        return self.x(self.end)


@dataclass
class Box:
    x1: float
    y1: float
    x2: float
    y2: float

    def overlaps(self, other: Box) -> bool:
        return not (
            self.x2 <= other.x1 or other.x2 <= self.x1 or self.y2 <= other.y1 or other.y2 <= self.y1
        )


def figure_chart(view: FigureView, until: datetime | None = None) -> str:
    """Both drawings of `view`'s timeline, for a page; `until` is an as-of cut-off."""
    drawings = [chart_svg(view, until, size) for size in (WIDE, NARROW)]
    return "\n".join(d for d in drawings if d)


def chart_svg(
    view: FigureView, until: datetime | None = None, size: Size = WIDE, standalone: bool = False
) -> str:
    """One drawing of the timeline; `standalone` adds the XML namespace for a file of its own."""
    bands = [r for r in view.reports if _is_band(r)]
    line = [r for r in view.revisions if r.value is not None]
    if not line and not bands:
        return ""
    scale = _scale(line, bands, until, size)
    metric = view.metric.replace("_", " ").capitalize()
    ident = f"chart-{escape(view.metric)}-{size.name}"
    summary = " → ".join(f"{r.value:,}" for r in line) or "no numeric report"
    legend = _wrapped(_legend(view, bands, scale), size, scale.left)
    height = size.height + LEGEND_ROW * len(legend)
    namespace = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    parts = [
        f'<svg{namespace} class="chart chart-{size.name}" viewBox="0 0 {size.width} {height}" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" {FONT} font-size="12" '
        f'data-metric="{escape(view.metric)}" data-steps="{len(view.revisions)}" '
        f'data-y-bottom="{scale.bottom}" data-y-top="{scale.top}">',
        f'<title id="{ident}-title">{escape(metric)} reported over time</title>',
        f'<desc id="{ident}-desc">{escape(summary)}</desc>',
        *_y_axis(scale),
        *(_band(r, view.reports, scale) for r in bands),
        *_x_axis(scale, until),
        *_line(line, scale),
        *_legend_rows(legend, scale),
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


# --- scale -------------------------------------------------------------------------------


def _scale(
    line: list[ReportView], bands: list[ReportView], until: datetime | None, size: Size
) -> Scale:
    plotted = line or bands
    times = [r.reported_at for r in plotted]
    start = min(times)
    last = max(r.reported_at for r in [*line, *bands])
    if until is not None:
        end = until
    else:
        # Now: the last value still holds, so the line runs a little past the last report.
        end = last + max((last - start) / 12, timedelta(hours=12))
    if line:
        values = [r.value for r in line if r.value is not None]
    else:
        values = [v for r in bands for v in (r.low, r.high) if v is not None]
    bottom, top = _value_range(min(values), max(values))
    widest = max(len(f"{v:,}") for v in (bottom, top))
    return Scale(size, int(widest * CHAR) + 14, start, end, bottom, top, last)


def _value_range(low: int, high: int) -> tuple[int, int]:
    """Round bounds around the plotted values: from zero unless that flattens the changes
    (values within a quarter of each other, 9,900 and 10,000, get an axis of their own)."""
    if low == high:
        low = 0 if low > 0 else low
    spread = high - low
    from_zero = low >= 0 and low <= high * 0.75
    floor = 0 if from_zero else low - spread * 0.4
    step = _nice((high - floor) / 4 or 1)
    top = math.ceil((high + spread * 0.15 + (0 if spread else high * 0.1)) / step) * step
    bottom = 0 if from_zero else max(0, math.floor(floor / step) * step)
    return int(bottom), int(top if top > high else top + step)


def _nice(value: float) -> int:
    """Round a tick step up to 1, 2 or 5 times a power of ten."""
    power = 1
    while power * 10 <= value:
        power *= 10
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


# --- axes --------------------------------------------------------------------------------


def _y_axis(scale: Scale) -> list[str]:
    right = scale.x_end
    lines = []
    step = _nice((scale.top - scale.bottom) / 4 or 1)
    value = scale.bottom
    while value <= scale.top:
        y = scale.y(value)
        lines.append(
            f'<line class="grid" x1="{scale.left}" y1="{y}" x2="{right}" y2="{y}" '
            f'stroke="{LINE}" stroke-dasharray="2 3"/>'
        )
        lines.append(
            f'<text class="tick y-tick" x="{scale.left - 6}" y="{y + 4}" text-anchor="end" '
            f'fill="{MUTED}">{value:,}</text>'
        )
        value += step
    return lines


def _x_axis(scale: Scale, until: datetime | None) -> list[str]:
    base = scale.size.height - BOTTOM
    lines = [
        f'<line class="axis" x1="{scale.left}" y1="{base}" x2="{scale.x_end}" y2="{base}" '
        f'stroke="{MUTED}"/>'
    ]
    ticks = _date_ticks(scale, until)
    same_day = ticks[0].date() == ticks[-1].date()
    for index, moment in enumerate(ticks):
        x = scale.x(moment)
        last = index == len(ticks) - 1
        anchor = "start" if index == 0 else "end" if last and until is not None else "middle"
        label = _date_label(moment, scale, same_day)
        if last and until is not None:
            label = f"as of {label}"
        lines.append(
            f'<line class="tick-mark" x1="{x}" y1="{base}" x2="{x}" y2="{base + 5}" '
            f'stroke="{MUTED}"/>'
        )
        lines.append(
            f'<text class="tick x-tick" x="{x}" y="{base + 19}" text-anchor="{anchor}" '
            f'fill="{MUTED}">{escape(label)}</text>'
        )
    if until is not None:
        x = scale.x_end
        lines.append(
            f'<line class="cut-off" x1="{x}" y1="{TOP - 6}" x2="{x}" y2="{base}" '
            f'stroke="{MUTED}" stroke-dasharray="4 3"/>'
        )
    return lines


def _date_ticks(scale: Scale, until: datetime | None) -> list[datetime]:
    """The first and last dates always; whole days between them where they fit."""
    first, last = scale.start, scale.end if until is not None else scale.last
    if last <= first:
        return [first]
    room = scale.x(last) - scale.x(first)
    label = len(_date_label(first, scale)) * CHAR + 16
    between: list[datetime] = []
    day = first.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    days = (last - day).days + 1
    if days > 0 and room > 3 * label:
        every = max(1, math.ceil(days / max(1, int(room / label) - 2)))
        while day < last:
            x = scale.x(day)
            if x - scale.x(first) > label * 1.5 and scale.x(last) - x > label * 1.5:
                between.append(day)
            day += timedelta(days=every)
    return [first, *between, last]


def _date_label(moment: datetime, scale: Scale, same_day: bool = False) -> str:
    """Day and month; the year when the chart spans two; the time when it spans one day."""
    if same_day:
        return f"{moment.day} {moment:%b %H:%M}"
    if scale.start.year != scale.end.year:
        return f"{moment.day} {moment:%b %Y}"
    return f"{moment.day} {moment:%b}"


# --- the line and its labels -------------------------------------------------------------


def _xs(line: list[ReportView], scale: Scale) -> list[float]:
    """x of each revision; revisions of the same moment are set apart so their order shows."""
    xs: list[float] = []
    for report in line:
        x = scale.x(report.reported_at)
        xs.append(min(max(x, xs[-1] + TIE_GAP) if xs else x, scale.x_end))
    return xs


def _line(line: list[ReportView], scale: Scale) -> list[str]:
    if not line:
        return []
    xs = _xs(line, scale)
    path: list[str] = []
    for report, x in zip(line, xs, strict=True):
        assert report.value is not None
        y = scale.y(report.value)
        path += [f"H{x}", f"V{y}"] if path else [f"M{x},{y}"]
    path.append(f"H{scale.x_end}")
    parts = [
        f'<path class="step" d="{" ".join(path)}" fill="none" stroke="{ACCENT}" '
        f'stroke-width="2.5"/>'
    ]
    taken: list[Box] = []
    previous: int | None = None
    for report, x in zip(line, xs, strict=True):
        assert report.value is not None
        y = scale.y(report.value)
        when = f"{report.reported_at.day} {report.reported_at:%b %Y}"
        parts.append(
            f'<circle class="revision" cx="{x}" cy="{y}" r="4" fill="#ffffff" '
            f'stroke="{ACCENT}" stroke-width="2"><title>{escape(stated(report))}, {when}'
            f"</title></circle>"
        )
        fell = previous is not None and report.value < previous
        if scale.x_end - x > len(f"{report.value:,}") * CHAR or report is not line[-1]:
            parts.append(_value_label(f"{report.value:,}", x, y, fell, scale, taken))
        # else the current value's label, just after the line's end, names this step
        previous = report.value
    parts.append(_current_label(line[-1], scale))
    return parts


def _value_label(text: str, x: float, y: float, fell: bool, scale: Scale, taken: list[Box]) -> str:
    """The value at its step: above the point (below when it fell), moved off other labels."""
    width = len(text) * CHAR
    low_edge, high_edge = TOP - 10, scale.size.height - BOTTOM - 2
    offsets = [-10, 18, -24, 32, -38, 46] if not fell else [18, -10, 32, -24, 46, -38]
    chosen = offsets[0]
    for offset in offsets:
        box = Box(x - width / 2, y + offset - 11, x + width / 2, y + offset + 2)
        if box.y1 >= low_edge and box.y2 <= high_edge and not any(box.overlaps(t) for t in taken):
            chosen = offset
            break
    taken.append(Box(x - width / 2, y + chosen - 11, x + width / 2, y + chosen + 2))
    return (
        f'<text class="value-label" x="{x}" y="{round(y + chosen, 1)}" text-anchor="middle" '
        f'fill="{INK}">{text}</text>'
    )


def _current_label(report: ReportView, scale: Scale) -> str:
    """The current value after the end of the line, with its qualifier's words beneath."""
    assert report.value is not None
    x, y = scale.x_end + 6, scale.y(report.value)
    words = stated(report).removesuffix(f"{report.value:,}").strip()
    lines = [
        f'<text class="current-label" x="{x}" y="{y + 5}" font-weight="700" font-size="14" '
        f'fill="{ACCENT}">{report.value:,}</text>'
    ]
    if words:
        lines.append(
            f'<text class="current-words" x="{x}" y="{y + 19}" font-size="11" '
            f'fill="{MUTED}">{escape(words)}</text>'
        )
    return "\n".join(lines)


# --- bands and the legend ----------------------------------------------------------------


def _is_band(report: ReportView) -> bool:
    return (
        report.value is None
        and report.low is not None
        and report.high is not None
        and not report.retracted
        and report.status is ReportStatus.REPORTED
        and report.subset_of is None
    )


def _band(report: ReportView, reports: list[ReportView], scale: Scale) -> str:
    assert report.low is not None and report.high is not None
    if report.low > scale.top or report.high < scale.bottom:
        return ""  # wholly off the axis: the legend names it
    later = [r.reported_at for r in reports if r.reported_at > report.reported_at]
    end = min([*later, scale.end])
    x1 = scale.x(report.reported_at)
    x2 = max(scale.x(end), x1 + 8)
    y1, y2 = scale.y(min(report.high, scale.top)), scale.y(max(report.low, scale.bottom))
    return (
        f'<rect class="band" x="{x1}" y="{y1}" width="{round(x2 - x1, 1)}" '
        f'height="{round(max(y2 - y1, 2), 1)}" fill="{BAND}" fill-opacity="0.22" '
        f'stroke="{BAND_EDGE}" stroke-dasharray="3 2"><title>{escape(_band_words(report))}'
        f"</title></rect>"
    )


def _band_words(report: ReportView) -> str:
    assert report.low is not None and report.high is not None
    when = f"{report.reported_at.day} {report.reported_at:%b}"
    said = stated(report)
    if said.startswith("between"):
        return f"{said}, {when}"
    return f"“{said}” ({report.low:,}–{report.high:,}), {when}"


def _legend(view: FigureView, bands: list[ReportView], scale: Scale) -> list[tuple[str, str]]:
    """(kind, text) rows: each band, then what was left out of the drawing and why."""
    rows: list[tuple[str, str]] = []
    for report in bands[:4]:
        assert report.low is not None and report.high is not None
        beyond = report.low > scale.top or report.high < scale.bottom
        clipped = report.high > scale.top or report.low < scale.bottom
        note = " — off this axis" if beyond else " — cut at the axis" if clipped else ""
        rows.append(("band", f"vague: {_band_words(report)}{note}"))
    if len(bands) > 4:
        rows.append(("band", f"and {len(bands) - 4} more vague reports"))
    left_out: dict[str, int] = {}
    for report in view.reports:
        if report.status is not ReportStatus.REPORTED and not report.retracted:
            name = report.status.value.replace("_", " ")
            left_out[name] = left_out.get(name, 0) + 1
    if left_out:
        counted = ", ".join(f"{n} {name}" for name, n in left_out.items())
        rows.append(("note", f"not drawn: {counted} (see the quotes)"))
    return rows


def _legend_rows(rows: list[tuple[str, str, bool]], scale: Scale) -> list[str]:
    parts = []
    x = scale.left
    for index, (kind, text, first) in enumerate(rows):
        y = scale.size.height + LEGEND_ROW * index - 6
        if kind == "band" and first:
            parts.append(
                f'<rect class="legend-swatch" x="{x}" y="{y - 10}" width="14" height="10" '
                f'fill="{BAND}" fill-opacity="0.22" stroke="{BAND_EDGE}" '
                f'stroke-dasharray="3 2"/>'
            )
        parts.append(
            f'<text class="legend legend-{kind}" x="{x + 20}" y="{y}" fill="{MUTED}">'
            f"{escape(text)}</text>"
        )
    return parts


def _wrapped(rows: list[tuple[str, str]], size: Size, left: int) -> list[tuple[str, str, bool]]:
    """Legend rows cut at spaces to the drawing's width: (kind, text, first line of its row)."""
    limit = max(20, int((size.width - left - 28) / (CHAR * 0.92)))
    lines: list[tuple[str, str, bool]] = []
    for kind, text in rows:
        for index, line in enumerate(textwrap.wrap(text, limit)):
            lines.append((kind, line, index == 0))
    return lines
