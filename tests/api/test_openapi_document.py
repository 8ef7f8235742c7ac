"""What /openapi.json promises about errors and methods, checked against what the server does."""

from __future__ import annotations

import pytest

from tests.api.conftest import SUBJECT

PROBLEM = "application/problem+json"


def test_every_documented_error_is_a_problem_and_nothing_else(client):
    document = client.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert list(response["content"]) == [PROBLEM], (method, path, status)
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "Problem" in document["components"]["schemas"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/v1/subjects", "GET, POST"),
        ("PUT", "/v1/feeds", "GET, POST"),
        ("PATCH", "/v1/feeds/abc", "GET, DELETE"),
        ("GET", "/v1/reports/abc/retraction", "POST"),
        ("POST", "/timegate/https://news.example/a", "GET, HEAD"),
        ("POST", "/static/recount.css", "GET, HEAD"),
        ("PUT", f"/subjects/{SUBJECT}", "GET"),
    ],
)
def test_a_method_not_allowed_names_the_methods_that_are(client, method, path, allowed):
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.headers["content-type"] == PROBLEM


def test_the_live_tail_documents_its_events(client):
    document = client.get("/openapi.json").json()
    stream = document["paths"]["/v1/events/stream"]["get"]["responses"]["200"]["content"]
    event = stream["text/event-stream"]["schema"]
    assert event["required"] == ["event", "id", "data"]
    assert event["properties"]["data"]["contentSchema"]["$ref"].endswith("/LogEventOut")


def test_refused_methods_and_unreadable_bodies_append_nothing(client, auth):
    archive = client.app.state.archive
    pinned = f"/v1/subjects/{SUBJECT}/figures?at_position=14"
    before = archive.events.head(), client.get(pinned).content
    reports = f"/v1/subjects/{SUBJECT}/reports"
    unreadable = client.post(
        reports, content=b"\xd7\xb7\xff\x1a", headers=auth | {"Content-Type": "application/json"}
    )
    assert unreadable.status_code == 400
    assert unreadable.headers["content-type"] == PROBLEM
    assert client.put(reports, json={}, headers=auth).status_code == 405
    assert client.delete(f"/v1/subjects/{SUBJECT}/figures", headers=auth).status_code == 405
    assert (archive.events.head(), client.get(pinned).content) == before
