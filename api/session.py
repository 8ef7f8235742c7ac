"""Signing in on the pages: a session cookie for a reviewer, and CSRF checks on every form.

A reviewer signs in with an API token. The token is checked once and never kept: the cookie
holds a random session secret (HttpOnly, SameSite=Strict, Secure over https), the database its
SHA-256 with the token's id and the session's CSRF secret (store/review.py). Every request
checks the token again, so a revoked token signs its sessions out at once. Each form carries
the CSRF secret in a hidden field, compared in constant time: the session's for a signed-in
reviewer; before sign-in, a random value also set as a cookie (double submit), so another site
cannot sign a browser in with its own token.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import Depends, Request, Response

from api.deps import ArchiveDep
from domain.errors import AuthError, Forbidden, InvalidInput
from domain.qualifiers import Qualifier
from domain.status import ReportStatus
from services.review import end_session, session_of, start_session
from services.tokens import TokenInfo

SESSION_COOKIE = "recount_session"
SIGNIN_COOKIE = "recount_signin"
FORM_MAX = 20_000


@dataclass(frozen=True)
class Reviewer:
    """A signed-in reviewer: the token acted for, and the CSRF secret its forms carry."""

    token: TokenInfo
    csrf: str


def reviewer(request: Request, archive: ArchiveDep) -> Reviewer | None:
    """The signed-in reviewer, or None (no cookie, an expired session, a revoked token).

    A plain `def`: it reads the database, so FastAPI runs it off the event loop."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    try:
        found = session_of(archive, secret)
    except AuthError:
        return None
    return None if found is None else Reviewer(*found)


ReviewerDep = Annotated[Reviewer | None, Depends(reviewer)]


async def form(request: Request) -> dict[str, str]:
    """A posted form (application/x-www-form-urlencoded), one value a field (the last)."""
    body = await request.body()
    if len(body) > FORM_MAX:
        raise InvalidInput("the form is too large")
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError:
        raise InvalidInput("the form is not UTF-8 text") from None


def require_reviewer(found: Reviewer | None, fields: dict[str, str]) -> Reviewer:
    """A signed-in reviewer whose form carries its session's CSRF secret."""
    if found is None:
        raise Forbidden("sign in to review (your session may have ended)")
    if not hmac.compare_digest(fields.get("csrf", ""), found.csrf):
        raise Forbidden("the form is stale or was not sent by this site: reload the page")
    return found


def signin_csrf(request: Request) -> str:
    return request.cookies.get(SIGNIN_COOKIE) or secrets.token_urlsafe(32)


def check_signin_csrf(request: Request, fields: dict[str, str]) -> None:
    cookie = request.cookies.get(SIGNIN_COOKIE, "")
    if not cookie or not hmac.compare_digest(fields.get("csrf", ""), cookie):
        raise Forbidden("the sign-in form is stale or was not sent by this site: reload it")


def _cookie(request: Request, response: Response, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def set_signin_cookie(request: Request, response: Response, value: str) -> None:
    _cookie(request, response, SIGNIN_COOKIE, value, 3600)


def sign_in(request: Request, response: Response, archive: ArchiveDep, token: str) -> None:
    _cookie(request, response, SESSION_COOKIE, start_session(archive, token), 7 * 24 * 3600)
    response.delete_cookie(SIGNIN_COOKIE, path="/")


def sign_out(request: Request, response: Response, archive: ArchiveDep) -> None:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        end_session(archive, secret)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")


def desk_context(found: Reviewer | None) -> dict[str, Any]:
    """What a page needs to show the desk's controls, or none to a reader not signed in."""
    return {
        "reviewer": found,
        "qualifiers": [q.value for q in Qualifier],
        "statuses": [s.value for s in ReportStatus],
    }


R = TypeVar("R", bound=Response)


def private(response: R, found: Reviewer | None) -> R:
    """A page holding a session's CSRF secret is never stored by a cache."""
    if found is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


FormDep = Annotated[dict[str, str], Depends(form)]
