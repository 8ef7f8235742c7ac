"""Which source URLs may be links: http(s) written plainly, nothing a browser would rewrite."""

from __future__ import annotations

import pytest

from domain.links import web_link


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example/kazakhstan/report",
        "http://news.example/a?b=1&c=2#d",
        "HTTPS://News.Example/",
        "https://news.example:8443/path/%20encoded",
    ],
)
def test_a_plain_web_url_is_a_link(url):
    assert web_link(url) == url


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "\x01javascript:alert(1)",
        "java\tscript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        " https://news.example/",
        "https://news.example/\n",
        "https://news.example/a b",
        'https://news.example/"onmouseover="alert(1)',
        "https://news.example/<script>",
        "https:///no-host",
        "https:",
        "//news.example/",
        "/relative/path",
        "urn:recount:seed:000",
        "ftp://files.example/",
    ],
)
def test_anything_else_is_shown_as_text(url):
    assert web_link(url) is None
