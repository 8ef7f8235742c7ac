"""The web pages: subjects, a subject's figures with charts and an as-of control, one history.

Server-rendered with Jinja2 from the same queries as the JSON API; the charts are inline SVG
(api/charts.py), the stylesheet is served from api/static, and nothing loads from elsewhere.
Each page names its permalink (the same view pinned at a log position), in its footer, in
`<link rel="canonical">` and in the Link header.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api import conditional
from api.charts import figure_chart, stated
from api.deps import ArchiveDep, AtPosition, MetricPath, ReportsAfter, SubjectPath
from api.schemas import OptionalTimeText
from domain.figures import FigurePage, FigureView, ReportCursor
from domain.links import web_link
from domain.subjects import validate_subject
from domain.times import optional_time
from services.figures import figure_history, figures_as_of, list_subjects
from services.reports import validate_metric

HERE = Path(__file__).resolve().parent.parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["stated"] = stated
templates.env.globals["web_link"] = web_link

router = APIRouter(include_in_schema=False)
PAGE = 100  # quotes on a page; the figure page links to the next

DateInput = Annotated[OptionalTimeText | None, Query(description="empty means now")]


@router.get("/", response_class=HTMLResponse)
def index(request: Request, archive: ArchiveDep) -> HTMLResponse:
    """Every subject, linked to its page."""
    context = {"subjects": list_subjects(archive), "permalink": None}
    return templates.TemplateResponse(request, "index.html", context)


@router.get("/subjects/{subject}", response_class=HTMLResponse)
def subject_page(
    request: Request,
    subject: SubjectPath,
    archive: ArchiveDep,
    as_of: DateInput = None,
    at_position: AtPosition = None,
) -> HTMLResponse:
    """Each figure: its current value, its timeline chart and its first quotes, as of a date."""
    validate_subject(subject)
    moment = _moment(as_of)
    result = figures_as_of(archive, subject, moment, None, at_position)
    pages = [
        figure_history(archive, subject, f.metric, moment, None, result.position, limit=PAGE)[0]
        for f in result.figures
    ]
    link = conditional.permalink(request, f"/subjects/{subject}", moment, result.position)
    context = {
        "subject": subject,
        "figures": [_figure(page, moment) for page in pages],
        "position": result.position,
        "as_of_date": moment.date().isoformat() if moment else "",
        "query": _query(as_of, at_position),
        "permalink": link,
    }
    return _page(request, "subject.html", context, link)


@router.get("/subjects/{subject}/{metric}", response_class=HTMLResponse)
def figure_page(
    request: Request,
    subject: SubjectPath,
    metric: MetricPath,
    archive: ArchiveDep,
    as_of: DateInput = None,
    at_position: AtPosition = None,
    reports_after: ReportsAfter = None,
) -> HTMLResponse:
    """One figure's history, a page of quotes at a time, each with its source."""
    validate_subject(subject)
    validate_metric(metric)
    moment = _moment(as_of)
    after = None if reports_after is None else ReportCursor.decode(reports_after)
    page, window = figure_history(
        archive, subject, metric, moment, None, at_position, after=after, limit=PAGE
    )
    position = window.position or 0
    paging = [] if reports_after is None else [("reports_after", reports_after)]
    link = conditional.permalink(request, f"/subjects/{subject}/{metric}", moment, position, paging)
    figure = _figure(page, moment)
    following = None
    if page.reports_next is not None:  # the next page, pinned to the same window
        pinned = _query(as_of, position)
        following = f"{pinned}&{urlencode([('reports_after', page.reports_next.encode())])}"
    context = {
        "subject": subject,
        "view": figure["view"],
        "page": page,
        "chart": figure["chart"],
        "words": figure["words"],
        "query": _query(as_of, at_position),
        "following": following,
        "permalink": link,
    }
    return _page(request, "figure.html", context, link)


def _moment(as_of: str | None) -> datetime | None:
    """An empty date field (the form sent with no date) means now."""
    return optional_time(as_of)


def _figure(page: FigurePage, moment: datetime | None) -> dict[str, Any]:
    """The chart draws the latest revisions and the reports of the page shown."""
    view = FigureView(page.subject, page.metric, page.current, page.revisions, page.reports)
    words = stated(view.current).removesuffix(f"{view.current.value:,}") if view.current else ""
    chart = figure_chart(view, moment)
    return {"view": view, "page": page, "chart": chart, "words": words.strip()}


def _query(as_of: str | None, at_position: int | None) -> str:
    """The same window, carried over to links between pages."""
    position = None if at_position is None else str(at_position)
    pairs = [(k, v) for k, v in (("as_of", as_of), ("at_position", position)) if v]
    return "?" + urlencode(pairs, safe=":") if pairs else ""


def _page(request: Request, name: str, context: dict[str, Any], link: str) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context)
    response.headers["Link"] = f'<{link}>; rel="canonical"'
    return response
