"""URLs as Recount shows them: the userinfo is gone, whatever the URL looks like."""

from __future__ import annotations

import pytest

from domain.urls import has_userinfo, redact_url, redact_urls_in


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:secret@news.example.org/feed", "http://news.example.org/feed"),
        ("https://secret@news.example.org:8443/a?b=@c", "https://news.example.org:8443/a?b=@c"),
        ("http://a@b@news.example.org/", "http://news.example.org/"),
        ("http://u:p@h\\@evil.example/", "http://evil.example/"),
        ("http://[::1/", "http://[::1/"),
        ("http://news.example.org/path@x", "http://news.example.org/path@x"),
        ("not a url", "not a url"),
    ],
)
def test_redacted_url_has_no_userinfo(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert has_userinfo(url) is (url != shown)


def test_every_url_in_a_message_is_redacted() -> None:
    text = "GET http://reader:s3cret@a.example/x then https://key@b.example/y; mailto:x@y.z"
    assert redact_urls_in(text) == "GET http://a.example/x then https://b.example/y; mailto:x@y.z"
