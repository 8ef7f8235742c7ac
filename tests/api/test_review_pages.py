"""Signing in on the pages: what the cookie holds, what a form without the CSRF secret gets,
and a revoked token's sessions."""

from __future__ import annotations

import re

from services.tokens import create_token, revoke_token
from tests.api.conftest import archive_of


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(client, token: str):
    page = client.get("/signin")
    return client.post(
        "/signin",
        data={"csrf": csrf_of(page.text), "token": token},
        follow_redirects=False,
    )


def test_sign_in_sets_a_strict_http_only_cookie_that_is_not_the_token(client):
    token = create_token(archive_of(client), "desk-a", "editor")
    response = sign_in(client, token)
    assert response.status_code == 303 and response.headers["location"] == "/review"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("recount_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and token not in cookie
    page = client.get("/review")
    assert "Save correction" in page.text and page.headers["cache-control"] == "no-store"


def test_sign_in_without_the_forms_secret_or_with_a_bad_token_is_refused(client):
    token = create_token(archive_of(client), "desk-a", "editor")
    client.get("/signin")
    refused = client.post("/signin", data={"csrf": "made-up", "token": token})
    assert refused.status_code == 403
    wrong = client.post(
        "/signin", data={"csrf": csrf_of(client.get("/signin").text), "token": "rct_nope"}
    )
    assert wrong.status_code == 401
    assert "Save correction" not in client.get("/review").text


def test_revoking_the_token_signs_its_sessions_out(client):
    token = create_token(archive_of(client), "desk-a", "editor")
    sign_in(client, token)
    assert "Sign out" in client.get("/review").text
    revoke_token(archive_of(client), "desk-a")
    page = client.get("/review")
    assert "Sign out" not in page.text and "Save correction" not in page.text


def test_sign_out_ends_the_session(client):
    token = create_token(archive_of(client), "desk-a", "editor")
    sign_in(client, token)
    secret = client.cookies.get("recount_session")
    page = client.get("/review")
    out = client.post("/signout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.set("recount_session", secret)  # the old cookie, replayed
    assert "Sign out" not in client.get("/review").text


def test_the_home_page_offers_sign_in_and_then_names_the_reviewer(client):
    token = create_token(archive_of(client), "desk-a", "editor")
    assert 'href="/signin"' in client.get("/").text
    sign_in(client, token)
    home = client.get("/")
    assert "desk-a" in home.text and "Sign out" in home.text
    assert 'href="/signin"' not in home.text and home.headers["cache-control"] == "no-store"
