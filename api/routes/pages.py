"""The web pages: subjects, a subject's figures with charts, one figure's history, an embed.

Server-rendered with Jinja2 from the same use cases as the JSON API; the charts are SVG
(api/charts.py), the stylesheet is served from api/static, and nothing loads from elsewhere.
Each page names its permalink (the same view pinned at a log position), in its footer, in
`<link rel="canonical">` and in the Link header, and its Atom feed in `<link rel="alternate">`.

The pages ask services/ for exactly what they show: a figure's whole timeline in the window
(a chart must see every revision and vague report to set its axes), each source's latest
statement, the archived copy of each quote; never "every report" through the bounded JSON shape.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api import conditional
from api.charts import NARROW, WIDE, chart_svg, figure_chart, stated
from api.deps import ArchiveDep, AtPosition, MetricPath, ReportsAfter, SubjectPath
from api.schemas import OptionalTimeText
from api.session import ReviewerDep, desk_context, private
from domain.figures import FigureView, ReportCursor, ReportView, Window
from domain.links import web_link
from domain.sources import source_name
from domain.subjects import validate_subject
from domain.times import format_time, optional_time
from services.figures import (
    figure_history,
    figure_timeline,
    sources_compared,
    subject_timelines,
)
from services.mementos import Version, archived_copies
from services.reports import validate_metric
from services.review import waiting
from services.subjects import list_subjects, subject_page_facts

HERE = Path(__file__).resolve().parent.parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["stated"] = stated
templates.env.globals["web_link"] = web_link
templates.env.globals["source_name"] = source_name

router = APIRouter(include_in_schema=False)
PAGE = 100  # quotes on a page; the figure page links to the next

DateInput = Annotated[OptionalTimeText | None, Query(description="empty means now")]
SVG = "image/svg+xml"
# The embed alone may be framed by other sites; every other response keeps frame-ancestors 'none'.
EMBED_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors *",
    ]
)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, archive: ArchiveDep, found: ReviewerDep) -> HTMLResponse:
    """Every listed subject by title, with its figures now; the most recently changed first.
    The header offers the desk's sign-in here too, the page a reviewer lands on first."""
    context = {
        "subjects": list_subjects(archive),
        "permalink": None,
        "data": "/v1/subjects",
        "reviewer": found,
    }
    return private(templates.TemplateResponse(request, "index.html", context), found)


@router.get("/subjects/{subject}", response_class=HTMLResponse)
def subject_page(
    request: Request,
    subject: SubjectPath,
    archive: ArchiveDep,
    found: ReviewerDep,
    as_of: DateInput = None,
    at_position: AtPosition = None,
) -> HTMLResponse:
    """Each figure: its current value, its timeline chart and its quotes, as of a date; the
    readings waiting for review, and for a signed-in reviewer the controls on each quote."""
    validate_subject(subject)
    moment = _moment(as_of)
    views, window = subject_timelines(archive, subject, Window(moment, at_position=at_position))
    position = window.position or 0
    link = conditional.permalink(request, f"/subjects/{subject}", moment, position)
    query = _query(as_of, at_position)
    figures = []
    for view in views:
        page, _window = figure_history(
            archive, subject, view.metric, window.at(position), limit=PAGE
        )
        readings = {r.report_id: r for r in view.reports}
        figures.append(
            {**_figure(view, moment), "page": page, "quotes": page.reports, "readings": readings}
        )
    context = {
        "subject": subject,
        "facts": subject_page_facts(archive, subject),
        "figures": figures,
        "position": position,
        "as_of_date": moment.date().isoformat() if moment else "",
        "query": query,
        "permalink": link,
        "data": f"/v1/subjects/{subject}/figures{query}",
        "feed": f"/subjects/{subject}.atom",
        "waiting": waiting(archive, subject),
        "back": f"/subjects/{subject}{query}",
        **desk_context(found),
    }
    return private(_page(request, "subject.html", context, link), found)


@router.get("/subjects/{subject}/{metric}.svg", response_class=Response)
def figure_svg(
    subject: SubjectPath,
    metric: MetricPath,
    archive: ArchiveDep,
    as_of: DateInput = None,
    at_position: AtPosition = None,
    narrow: bool = False,
) -> Response:
    """The chart alone, as an SVG file to download or to put in an article."""
    view, moment, _position = _history(archive, subject, metric, as_of, at_position)
    body = chart_svg(view, moment, NARROW if narrow else WIDE, standalone=True)
    filename = f"{subject}-{metric}.svg"
    return Response(
        body or _empty_svg(),
        media_type=SVG,
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.get("/subjects/{subject}/{metric}/embed", response_class=HTMLResponse)
def figure_embed(
    request: Request,
    subject: SubjectPath,
    metric: MetricPath,
    archive: ArchiveDep,
    as_of: DateInput = None,
    at_position: AtPosition = None,
) -> HTMLResponse:
    """The current value and the chart, for an iframe on another site (only this may be framed)."""
    view, moment, position = _history(archive, subject, metric, as_of, at_position)
    link = conditional.permalink(request, f"/subjects/{subject}/{metric}", moment, position)
    context = {"subject": subject, **_figure(view, moment), "permalink": link}
    response = templates.TemplateResponse(request, "embed.html", context)
    response.headers["Content-Security-Policy"] = EMBED_POLICY
    return response


@router.get("/subjects/{subject}/{metric}", response_class=HTMLResponse)
def figure_page(
    request: Request,
    subject: SubjectPath,
    metric: MetricPath,
    archive: ArchiveDep,
    found: ReviewerDep,
    as_of: DateInput = None,
    at_position: AtPosition = None,
    reports_after: ReportsAfter = None,
) -> HTMLResponse:
    """One figure: its whole timeline charted, each source's latest word, and its quotes a page
    at a time, each with its source and archived copy, as of a date."""
    view, moment, position = _history(archive, subject, metric, as_of, at_position)
    after = None if reports_after is None else ReportCursor.decode(reports_after)
    window = Window(moment, at_position=position)
    page, _window = figure_history(archive, subject, metric, window, after=after, limit=PAGE)
    path = f"/subjects/{subject}/{metric}"
    paging = [] if reports_after is None else [("reports_after", reports_after)]
    link = conditional.permalink(request, path, moment, position, paging)
    query = _query(as_of, at_position)
    following = None
    if page.reports_next is not None:  # the next page, pinned to the same window
        pinned = _query(as_of, position)
        following = f"{pinned}&{urlencode([('reports_after', page.reports_next.encode())])}"
    base = str(request.base_url).rstrip("/")
    embed = f"{base}{path}/embed{query}"
    sources = sources_compared(archive, subject, metric, window)
    context = {
        "subject": subject,
        **_figure(view, moment),
        "position": position,
        "as_of_date": moment.date().isoformat() if moment else "",
        "sources": sources,
        "spread": _spread(sources),
        "page": page,
        "quotes": page.reports,
        "following": following,
        "copies": {k: _copy(v) for k, v in archived_copies(archive, page.reports).items()},
        "query": query,
        "permalink": link,
        "data": f"/v1/subjects/{subject}/figures/{metric}{query}",
        "csv": f"/v1/subjects/{subject}/figures/{metric}.csv{query}",
        "svg": f"{path}.svg{query}",
        "embed": embed,
        "snippet": _snippet(embed, view),
        "feed": f"{path}.atom",
        "readings": {r.report_id: r for r in view.reports},
        "back": f"{path}{query}",
        **desk_context(found),
    }
    return private(_page(request, "figure.html", context, link), found)


def _history(
    archive: ArchiveDep, subject: str, metric: str, as_of: str | None, at_position: int | None
) -> tuple[FigureView, datetime | None, int]:
    validate_subject(subject)
    validate_metric(metric)
    moment = _moment(as_of)
    view, window = figure_timeline(
        archive, subject, metric, Window(moment, at_position=at_position)
    )
    return view, moment, window.position or 0


def _moment(as_of: str | None) -> datetime | None:
    """An empty date field (the form sent with no date) means now."""
    return optional_time(as_of)


def _figure(view: FigureView, moment: datetime | None) -> dict[str, Any]:
    words = stated(view.current).removesuffix(f"{view.current.value:,}") if view.current else ""
    return {"view": view, "chart": figure_chart(view, moment), "words": words.strip()}


def _query(as_of: str | None, at_position: int | None) -> str:
    """The same window, carried over to links between pages."""
    position = None if at_position is None else str(at_position)
    pairs = [(k, v) for k, v in (("as_of", as_of), ("at_position", position)) if v]
    return "?" + urlencode(pairs, safe=":") if pairs else ""


def _spread(sources: list[ReportView]) -> int | None:
    """How far apart the sources' numbers are (None with fewer than two numbers)."""
    values = [r.value for r in sources if r.value is not None]
    return max(values) - min(values) if len(values) > 1 else None


def _copy(version: Version) -> dict[str, Any]:
    """The archived copy a quote was read from: its memento URL (Memento serves http(s)
    captures only) and its version, so a quote from a corrected article says so."""
    href = None
    if web_link(version.url) is not None:
        href = f"/memento/{version.captured_at:%Y%m%d%H%M%S}/{version.url}"
    return {"href": href, "version": version.version}


def _snippet(embed: str, view: FigureView) -> str:
    title = f"{view.metric.replace('_', ' ').capitalize()}: {view.subject} (Recount)"
    return (
        f'<iframe src="{embed}" title="{title}" width="100%" height="420" loading="lazy"></iframe>'
    )


def _empty_svg() -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 40" role="img">'
        '<text x="8" y="24" font-family="sans-serif" font-size="13">No report to draw.</text>'
        "</svg>"
    )


def _page(request: Request, name: str, context: dict[str, Any], link: str) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context)
    response.headers["Link"] = f'<{link}>; rel="canonical"'
    return response


def report_time(report: ReportView) -> str:
    """A report's date as the pages print it: 12 Jan 2022."""
    return f"{report.reported_at.day} {report.reported_at:%b %Y}"


templates.env.globals["report_time"] = report_time
templates.env.globals["format_time"] = format_time
