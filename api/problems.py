"""What each problem `type` means, as pages, and errors shown as pages to people browsing.

Every problem+json answer names its `type` (`/problems/unknown-subject`, RFC 9457 §3.1.1); that
URL resolves to a page saying what went wrong and what to do. The catalogue is built from the
error tree in domain/errors.py, so a new error class gets its page without a list to keep.

A GET of a page (anything outside the JSON API, Memento and the static files) that fails
is answered with an HTML page carrying the same status, title and detail, unless the client
asked for JSON: a person who mistypes a subject sees a page with a way back, not raw JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.routes.pages import templates
from domain import errors

# Paths whose errors stay problem+json whatever the client accepts: machines call them.
MACHINE_PREFIXES = (
    *("/v1/", "/timegate/", "/timemap/", "/memento/", "/openapi.json", "/static/"),
    *("/healthz", "/readyz", "/metrics"),  # for load balancers and monitoring, never people
)

CAPITALS = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

# What each problem means, for the errors whose class says nothing more than its name.
MEANINGS: dict[str, str] = {
    "auth-error": "The request needs a valid API token.",
    "not-initialized": "The database has no Recount schema yet; `recount init` creates it.",
    "unknown-subject": "The archive holds no figure and no captured article about that subject "
    "(a subject is a slug such as kazakhstan-unrest-2022).",
    "unknown-metric": "The subject has no figure for that metric (deaths, arrests, troops, …).",
    "unknown-report": "No report has that id.",
    "unknown-document": "No captured article has that document id.",
    "unknown-feed": "No feed has that id (or an id starting with those characters).",
    "unknown-event": "No event is at that log position.",
    "unknown-token": "No API token has that name.",
    "unauthorized": "No API token was sent, or the token is not one Recount issued.",
    "forbidden": "The API token was revoked.",
    "body-too-large": "A feed's body was larger than Recount reads.",
}

# What a reader can do about each problem, where the class's own docstring is not enough.
ADVICE: dict[str, str] = {
    "invalid-input": "Check the request against the API documentation at /docs and try again.",
    "invalid-time": "Write times as RFC 3339 (2022-01-11T18:00:00Z) or as a date (2022-01-11).",
    "invalid-report": "Fix the field the detail names; nothing was recorded.",
    "unknown-subject": "The subjects the archive holds are listed on the home page.",
    "unknown-metric": "The subject's page lists the figures it has.",
    "unknown-memento": "Only articles Recount captured have archived copies.",
    "stream-conflict": "Read the figure again and retry with its current version in If-Match.",
    "idempotency-key-reused": "Use a new Idempotency-Key for a different request.",
    "unauthorized": "Send `Authorization: Bearer TOKEN` with a token from "
    "`recount tokens create NAME`.",
    "forbidden": "The token was revoked; ask for a new one.",
    "payload-too-large": "Send a smaller body.",
    "already-decided": "Read the report's `review` again: the desk has decided on it already.",
    "not-found": "Check the address; the home page lists what the archive holds.",
}

# Titles for errors that have no class of their own (routing, methods).
HTTP_TITLES = {404: "Not Found", 405: "Method Not Allowed"}


@dataclass(frozen=True)
class ProblemType:
    slug: str
    title: str
    status: int
    meaning: str
    advice: str

    @property
    def uri(self) -> str:
        return f"/problems/{self.slug}"


def slug_of(kind: type[Exception]) -> str:
    """`UnknownSubject` → `unknown-subject`, `UnsafeURL` → `unsafe-url`: the type URI's end."""
    return CAPITALS.sub("-", kind.__name__).lower()


def catalogue(status_of: dict[type[errors.RecountError], int]) -> dict[str, ProblemType]:
    """Every problem type, from the error tree and the status each maps to."""
    found: dict[str, ProblemType] = {}
    for kind, status in status_of.items():
        slug = slug_of(kind)
        words = MEANINGS.get(slug) or (kind.__doc__ or "").strip() or _words(slug)
        found[slug] = ProblemType(slug, kind.__name__, status, words, ADVICE.get(slug, ""))
    return dict(sorted(found.items()))


def every_error() -> list[type[errors.RecountError]]:
    """The error classes a response may name, walked from the root of the tree."""
    seen: list[type[errors.RecountError]] = []
    pending = list(errors.RecountError.__subclasses__())
    while pending:
        kind = pending.pop(0)
        seen.append(kind)
        pending.extend(kind.__subclasses__())
    return seen


def _words(slug: str) -> str:
    return slug.replace("-", " ").capitalize() + "."


def wants_page(request: Request) -> bool:
    """A browser reading a page: a GET outside the machine routes, unless JSON is asked for."""
    if request.method not in ("GET", "HEAD") or request.url.path.startswith(MACHINE_PREFIXES):
        return False
    accept = request.headers.get("accept", "")
    return "json" not in accept or "text/html" in accept


def error_page(
    request: Request,
    status: int,
    title: str,
    detail: str,
    kind: str,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    context = {"status": status, "title": title, "detail": detail, "type": kind}
    return templates.TemplateResponse(
        request, "error.html", context, status_code=status, headers=headers
    )


def problem_pages(status_of: dict[type[errors.RecountError], int]) -> APIRouter:
    """The /problems pages, for the error tree mapped to these statuses."""
    types = catalogue(status_of)
    router = APIRouter(include_in_schema=False)

    @router.get("/problems", response_class=HTMLResponse)
    def problems(request: Request) -> HTMLResponse:
        """Every problem type the API may answer with."""
        context = {"types": list(types.values())}
        return templates.TemplateResponse(request, "problems.html", context)

    @router.get("/problems/{slug}", response_class=HTMLResponse)
    def problem(request: Request, slug: str) -> HTMLResponse:
        """What one problem type means and what to do about it."""
        if slug not in types:
            raise errors.NotFound(f"no problem type {slug!r}; /problems lists them")
        context = {"problem": types[slug]}
        return templates.TemplateResponse(request, "problem.html", context)

    return router
