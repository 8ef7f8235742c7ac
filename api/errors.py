"""The one place that knows HTTP status codes: Recount's errors become RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.schemas import Problem
from domain import errors

PROBLEM = "application/problem+json"

# The success codes the routes answer with besides 200, named here with the error codes.
CREATED = 201
FOUND = 302
NOT_MODIFIED = 304

STATUS: list[tuple[type[errors.RecountError], int]] = [
    (errors.PayloadTooLarge, 413),
    (errors.InvalidAcceptDatetime, 400),
    (errors.InvalidInput, 422),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.Unauthorized, 401),
    (errors.Forbidden, 403),
    (errors.FeedError, 422),
    (errors.IntegrityError, 500),
]


def status_of(error: errors.RecountError) -> int:
    return code_of(type(error))


def code_of(kind: type[errors.RecountError]) -> int:
    return next((code for base, code in STATUS if issubclass(kind, base)), 500)


def documented(*kinds: type[errors.RecountError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these errors (and 422, which every route with input may answer)."""
    codes = {code_of(kind) for kind in kinds} | {422}
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        code: {
            "model": Problem,
            "description": "a problem (RFC 9457)",
            "content": {PROBLEM: {"schema": schema}},
        }
        for code in sorted(codes)
    }


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> JSONResponse:
    body = {"type": kind, "title": title, "status": status, "detail": detail}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _type_uri(error: Exception) -> str:
    from api.problems import slug_of

    return "/problems/" + slug_of(type(error))


def install(app: FastAPI) -> None:
    """Map errors to problems (as pages for people browsing), and serve the problem types."""
    from api import problems

    def answer(request: Request, status: int, title: str, detail: str, kind: str) -> Response:
        if problems.wants_page(request):
            return problems.error_page(request, status, title, detail, kind)
        return problem(status, title, detail, kind)

    @app.exception_handler(errors.RecountError)
    async def _recount(request: Request, error: errors.RecountError) -> Response:
        title = type(error).__name__
        return answer(request, status_of(error), title, str(error), _type_uri(error))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ()))
        detail = f"{where}: {first.get('msg')}"
        return answer(request, 422, "InvalidInput", detail, "/problems/invalid-input")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        kind = "/problems/not-found" if error.status_code == 404 else "about:blank"
        return answer(request, error.status_code, str(error.detail), str(error.detail), kind)

    statuses = {kind: code_of(kind) for kind in problems.every_error()}
    app.include_router(problems.problem_pages(statuses))
