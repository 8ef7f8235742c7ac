"""The one place that knows HTTP status codes: Recount's errors become RFC 9457 problem+json."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain import errors

PROBLEM = "application/problem+json"

STATUS: list[tuple[type[errors.RecountError], int]] = [
    (errors.PayloadTooLarge, 413),
    (errors.InvalidInput, 422),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.Unauthorized, 401),
    (errors.Forbidden, 403),
    (errors.FeedError, 422),
    (errors.IntegrityError, 500),
]


def status_of(error: errors.RecountError) -> int:
    return next((code for kind, code in STATUS if isinstance(error, kind)), 500)


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> JSONResponse:
    body = {"type": kind, "title": title, "status": status, "detail": detail}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _type_uri(error: Exception) -> str:
    name = type(error).__name__
    return "/problems/" + "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.RecountError)
    async def _recount(_request: Request, error: errors.RecountError) -> JSONResponse:
        title = type(error).__name__
        return problem(status_of(error), title, str(error), _type_uri(error))

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return problem(
            422, "InvalidInput", f"{where}: {first.get('msg')}", "/problems/invalid-input"
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        return problem(error.status_code, str(error.detail), str(error.detail))
