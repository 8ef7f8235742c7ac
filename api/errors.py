"""The one place that knows HTTP status codes: Recount's errors become RFC 9457 problem+json."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from api.schemas import Problem
from domain import errors

PROBLEM = "application/problem+json"

# The success codes the routes answer with besides 200, named here with the error codes.
CREATED = 201
FOUND = 302
NOT_MODIFIED = 304
# A body that is not even text (FastAPI's own refusal, before any validation).
UNREADABLE_BODY = 400

MOVED = 301

STATUS: list[tuple[type[errors.RecountError], int]] = [
    (errors.SubjectMoved, MOVED),
    (errors.PayloadTooLarge, 413),
    (errors.InvalidAcceptDatetime, 400),
    (errors.InvalidInput, 422),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.Unauthorized, 401),
    (errors.Forbidden, 403),
    (errors.FeedError, 422),
    (errors.IntegrityError, 500),
    (errors.NotReady, 503),
]


def status_of(error: errors.RecountError) -> int:
    return code_of(type(error))


def code_of(kind: type[errors.RecountError]) -> int:
    return next((code for base, code in STATUS if issubclass(kind, base)), 500)


def documented(
    *kinds: type[errors.RecountError], body: bool = False
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these errors, as problem+json only (not FastAPI's default JSON).

    Every route with input may answer 422; a route that reads a body also 400 (not text at
    all) and 413 (over the cap, api/limits.py).
    """
    codes = {code_of(kind) for kind in kinds} | {422}
    if body:
        codes |= {UNREADABLE_BODY, code_of(errors.PayloadTooLarge)}
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        code: {"description": "a problem (RFC 9457)", "content": {PROBLEM: {"schema": schema}}}
        for code in sorted(codes)
    }


def problem(
    status: int,
    title: str,
    detail: str,
    kind: str = "about:blank",
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"type": kind, "title": title, "status": status, "detail": detail}
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers or None)


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> str:
    """The methods some route answers at this path (RFC 9110 §15.5.6: a 405 must say).

    Asked of the router itself, method by method, so it holds however routes are included.
    A mount (the static files) matches every method but StaticFiles only reads.
    """
    allowed = []
    scope = request.scope
    # Inside a mount the scope's root_path has grown by the mount's path; start from the app's.
    root = scope.get("app_root_path", scope.get("root_path", ""))
    for method in METHODS:
        probe = {**scope, "method": method, "root_path": root}
        for route in request.app.router.routes:
            if isinstance(route, Mount) and method not in ("GET", "HEAD"):
                continue
            if route.matches(probe)[0] is Match.FULL:
                allowed.append(method)
                break
    return ", ".join(allowed)


def moved_location(request: Request, error: errors.SubjectMoved) -> str:
    """The URL asked for, with the subject's old name replaced by its new one."""
    old = re.escape(f"/subjects/{error.subject}")
    path = re.sub(f"{old}(?=[/.]|$)", f"/subjects/{error.to}", request.url.path, count=1)
    return path + (f"?{request.url.query}" if request.url.query else "")


def _type_uri(error: Exception) -> str:
    from api.problems import slug_of

    return "/problems/" + slug_of(type(error))


def install(app: FastAPI) -> None:
    """Map errors to problems (as pages for people browsing), and serve the problem types."""
    from api import problems

    def answer(
        request: Request,
        status: int,
        title: str,
        detail: str,
        kind: str,
        headers: dict[str, str] | None = None,
    ) -> Response:
        if problems.wants_page(request):
            return problems.error_page(request, status, title, detail, kind, headers)
        return problem(status, title, detail, kind, headers)

    @app.exception_handler(errors.RecountError)
    async def _recount(request: Request, error: errors.RecountError) -> Response:
        title = type(error).__name__
        return answer(request, status_of(error), title, str(error), _type_uri(error))

    @app.exception_handler(errors.SubjectMoved)
    async def _moved(request: Request, error: errors.SubjectMoved) -> Response:
        """An old subject name answers with where it went, the rest of the URL kept."""
        headers = {"Location": moved_location(request, error)}
        return problem(MOVED, "SubjectMoved", str(error), _type_uri(error), headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ()))
        detail = f"{where}: {first.get('msg')}"
        return answer(request, 422, "InvalidInput", detail, "/problems/invalid-input")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        kind = "/problems/not-found" if error.status_code == 404 else "about:blank"
        detail = str(error.detail)
        return answer(request, error.status_code, detail, detail, kind, headers)

    statuses = {kind: code_of(kind) for kind in problems.every_error()}
    app.include_router(problems.problem_pages(statuses))
    _document_problem(app)


def _document_problem(app: FastAPI) -> None:
    """Name the Problem schema that every documented error response refers to."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("Problem", Problem.model_json_schema())
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
