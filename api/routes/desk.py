"""The review desk's pages: the queue, sign-in and sign-out, and the forms that decide.

Plain HTML forms, no script: each decision posts to `/review/{report_id}/{action}` with the
session's CSRF secret and comes back (303) to the page it was made on. A reader who is not
signed in sees the queue and the decisions, never a control. Pages shown to a signed-in
reviewer are `Cache-Control: no-store`: they hold the session's CSRF secret.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import errors
from api.charts import stated
from api.deps import ArchiveDep
from api.routes.pages import templates
from api.session import (
    FormDep,
    ReviewerDep,
    check_signin_csrf,
    desk_context,
    private,
    require_reviewer,
    set_signin_cookie,
    sign_in,
    sign_out,
    signin_csrf,
)
from domain.errors import InvalidInput
from domain.figures import ReportView
from domain.review import Change, ReviewState
from services.reports import retract_report
from services.review import (
    confirm_report,
    correct_report,
    queue_items,
    review_queue,
)

router = APIRouter(include_in_schema=False)
SEE_OTHER = 303
ACTIONS = ("confirm", "correct", "reject")


@router.get("/review", response_class=HTMLResponse)
def review_page(
    request: Request,
    archive: ArchiveDep,
    found: ReviewerDep,
    subject: Annotated[str | None, Query(max_length=200)] = None,
    after: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The readings waiting for a look, least sure first, with controls for a reviewer."""
    page = review_queue(archive, subject or None, 20, after or None)
    following = None
    if page.next is not None:
        following = "?" + "&".join(
            [*([f"subject={subject}"] if subject else []), f"after={page.next.encode()}"]
        )
    context: dict[str, Any] = {
        "items": queue_items(archive, page),
        "views": {view.report_id: view for view in page.items},
        "waiting": page.waiting,
        "subject": subject,
        "following": following,
        "back": str(request.url.path) + (f"?subject={subject}" if subject else ""),
        "permalink": None,
        "data": "/v1/review" + (f"?subject={subject}" if subject else ""),
        **desk_context(found),
    }
    return private(templates.TemplateResponse(request, "review.html", context), found)


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, found: ReviewerDep) -> Response:
    csrf = signin_csrf(request)
    context = {"csrf": csrf, "reviewer": found, "permalink": None, "data": None}
    response = templates.TemplateResponse(request, "signin.html", context)
    response.headers["Cache-Control"] = "no-store"
    set_signin_cookie(request, response, csrf)
    return response


@router.post("/signin")
def signin(request: Request, archive: ArchiveDep, fields: FormDep) -> Response:
    check_signin_csrf(request, fields)
    response = RedirectResponse("/review", status_code=SEE_OTHER)
    sign_in(request, response, archive, fields.get("token", "").strip())
    return response


@router.post("/signout")
def signout(request: Request, archive: ArchiveDep, found: ReviewerDep, fields: FormDep) -> Response:
    require_reviewer(found, fields)
    response = RedirectResponse("/", status_code=SEE_OTHER)
    sign_out(request, response, archive)
    return response


@router.post("/review/{report_id}/{action}", responses=errors.documented(InvalidInput))
def decide(
    report_id: str, action: str, archive: ArchiveDep, found: ReviewerDep, fields: FormDep
) -> Response:
    """Confirm, correct or reject from a form, then go back to the page it was on."""
    reviewer = require_reviewer(found, fields)
    token = reviewer.token
    if action == "confirm":
        confirm_report(archive, report_id, token.name, any_report=token.is_editor)
    elif action == "correct":
        correct_report(
            archive,
            report_id,
            _change(fields),
            fields.get("reason", ""),
            token.name,
            any_report=token.is_editor,
        )
    elif action == "reject":
        retract_report(
            archive, report_id, fields.get("reason", ""), token.name, any_report=token.is_editor
        )
    else:
        raise InvalidInput(f"no review action {action!r} (one of {', '.join(ACTIONS)})")
    return RedirectResponse(_back(fields.get("back", "")), status_code=SEE_OTHER)


def _change(fields: dict[str, str]) -> Change:
    """A form's correction: a field left blank keeps the old reading's value."""

    def number(name: str) -> int | None:
        text = fields.get(name, "").replace(",", "").strip()
        if not text:
            return None
        if not text.isdigit():
            raise InvalidInput(f"{name} must be a whole number, not {text!r}")
        return int(text)

    def word(name: str) -> str | None:
        return fields.get(name, "").strip() or None

    return Change(
        value=number("value"),
        low=number("low"),
        high=number("high"),
        qualifier=word("qualifier"),
        metric=word("metric"),
        status=word("status"),
    )


def _back(path: str) -> str:
    """Only a path on this site: never another origin (`//host`, `https:`)."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/review"


def review_note(report: ReportView, others: dict[str, ReportView] | None = None) -> str:
    """The decision on a report in a line: "confirmed by desk-a on 12 Jan 2022", "corrected
    from 2,000 to 2,030 by desk-a on 2 Dec 2026: misread". Empty for an unreviewed reading."""
    review = report.review
    if review is None or review.state is ReviewState.UNREVIEWED:
        return ""
    others = others or {}
    when = f" on {review.at.day} {review.at:%b %Y}" if review.at else ""
    who = f" by {review.by}" if review.by else ""
    because = f": {review.reason}" if review.reason else ""
    if review.state is ReviewState.CORRECTED:
        new = others.get(review.corrected_by or "")
        to = f" from {stated(report)} to {stated(new)}" if new else ""
        return f"corrected{to}{who}{when}{because}"
    if review.state is ReviewState.ENTERED and review.corrects:
        old = others.get(review.corrects)
        was = f" from {stated(old)} to {stated(report)}" if old else " from an earlier reading"
        return f"corrected{was}{who}{when}{because}"
    word = "typed in" if review.state is ReviewState.ENTERED else review.state.value
    return f"{word}{who}{when}{because}"


templates.env.globals["review_note"] = review_note
