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
from api.deps import ArchiveDep, AtPosition, MetricPath, SubjectPath
from api.schemas import OptionalTimeText
from domain.figures import FigureView
from domain.links import web_link
from domain.subjects import validate_subject
from domain.times import optional_time
from services.figures import figure_history, figures_as_of, list_subjects, resolve_window
from services.reports import validate_metric

HERE = Path(__file__).resolve().parent.parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["stated"] = stated
templates.env.globals["web_link"] = web_link

router = APIRouter(include_in_schema=False)

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
    """Each figure: its current value, its timeline chart and its quotes, as of a date."""
    validate_subject(subject)
    moment = _moment(as_of)
    result = figures_as_of(archive, subject, moment, None, at_position)
    link = conditional.permalink(request, f"/subjects/{subject}", moment, result.position)
    context = {
        "subject": subject,
        "figures": [_figure(view, moment) for view in result.figures],
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
) -> HTMLResponse:
    """One figure's whole history, with every quote and its source."""
    validate_subject(subject)
    validate_metric(metric)
    moment = _moment(as_of)
    view = figure_history(archive, subject, metric, moment, None, at_position)
    position = resolve_window(archive, moment, None, at_position).position or 0
    link = conditional.permalink(request, f"/subjects/{subject}/{metric}", moment, position)
    figure = _figure(view, moment)
    context = {
        "subject": subject,
        "view": view,
        "chart": figure["chart"],
        "words": figure["words"],
        "query": _query(as_of, at_position),
        "permalink": link,
    }
    return _page(request, "figure.html", context, link)


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


def _page(request: Request, name: str, context: dict[str, Any], link: str) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context)
    response.headers["Link"] = f'<{link}>; rel="canonical"'
    return response
