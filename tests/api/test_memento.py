"""Memento (RFC 7089) for captured articles, checked by the real clients over a loopback server.

`memento-client` drives TimeGate negotiation; `memento-cli list` reads a memento's Link header and
the TimeMap. Both are strict about header and link-format details, so they pin the formats.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
import requests
from memento_client import MementoClient

from api.app import create_app
from domain.events import DocumentCaptured, PendingEvent
from tests.api.conftest import settings_for
from tests.api.live import serve
from tests.conftest import open_archive

URL = "https://news.example/kazakhstan/live?page=1"
TIMES = [
    datetime(2022, 1, 5, 9, 0, tzinfo=UTC),
    datetime(2022, 1, 6, 12, 30, tzinfo=UTC),
    datetime(2022, 1, 8, 18, 0, tzinfo=UTC),
]
MEMENTO = Path(sys.executable).with_name("memento")


def capture(version: int, when: datetime) -> PendingEvent:
    text = f"Live updates, version {version}: at least {150 + version} people have died."
    event = DocumentCaptured(
        document_id="live-blog",
        subject="kazakhstan-unrest-2022",
        url=URL,
        title="Live",
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        text=text,
        captured_at=when,
    )
    return PendingEvent(event, expected_version=version - 1)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("memento")
    url = f"sqlite:///{tmp_path / 'recount.db'}"
    archive = open_archive(url, tmp_path)
    for version, when in enumerate(TIMES, start=1):
        archive.events.append([capture(version, when)])
    archive.close()
    with serve(create_app(settings_for(url, tmp_path))) as base:
        yield base


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def test_timegate_redirects_to_the_nearest_memento(server):
    asked = datetime(2022, 1, 6, 10, 0, tzinfo=UTC)
    response = httpx.head(f"{server}/timegate/{URL}", headers={"Accept-Datetime": http_date(asked)})
    assert response.status_code == 302
    assert response.headers["location"] == f"{server}/memento/20220106123000/{URL}"
    assert response.headers["vary"] == "accept-datetime"
    link = response.headers["link"]
    assert f'<{URL}>; rel="original"' in link
    assert f'<{server}/timemap/link/{URL}>; rel="timemap"; type="application/link-format"' in link
    assert 'rel="first prev memento"; datetime="Wed, 05 Jan 2022 09:00:00 GMT"' in link
    assert 'rel="next last memento"; datetime="Sat, 08 Jan 2022 18:00:00 GMT"' in link
    assert "memento-datetime" not in response.headers


def test_memento_client_negotiates_against_the_loopback_timegate(server):
    client = MementoClient(timegate_uri=f"{server}/timegate/", check_native_timegate=False)
    # The original host does not exist offline; the client reads rel="original" from this instead.
    memento_head = requests.head(f"{server}/memento/20220105090000/{URL}", timeout=5)
    info = client.get_memento_info(URL, datetime(2022, 1, 7, 23, 0), req_uri_response=memento_head)
    closest = info["mementos"]["closest"]
    assert closest["uri"] == [f"{server}/memento/20220108180000/{URL}"]
    assert closest["datetime"] == datetime(2022, 1, 8, 18, 0)
    assert closest["http_status_code"] == 200
    assert info["mementos"]["first"]["datetime"] == datetime(2022, 1, 5, 9, 0)
    assert info["mementos"]["prev"]["datetime"] == datetime(2022, 1, 6, 12, 30)
    assert MementoClient.is_memento(closest["uri"][0])


def test_memento_cli_lists_every_capture_from_the_timemap(server):
    done = subprocess.run(
        [str(MEMENTO), "list", f"{server}/memento/20220106123000/{URL}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines == [
        f"2022-01-05 09:00:00 {server}/memento/20220105090000/{URL}",
        f"2022-01-06 12:30:00 {server}/memento/20220106123000/{URL}",
        f"2022-01-08 18:00:00 {server}/memento/20220108180000/{URL}",
    ]


def test_timemap_is_link_format_with_every_memento(server):
    response = httpx.get(f"{server}/timemap/link/{URL}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/link-format"
    lines = response.text.strip().split(",\n")
    assert lines[0] == f'<{URL}>; rel="original"'
    assert lines[1].startswith(f'<{server}/timemap/link/{URL}>; rel="self"')
    assert lines[2] == f'<{server}/timegate/{URL}>; rel="timegate"'
    first = f"<{server}/memento/20220105090000/{URL}>"
    assert lines[3] == first + '; rel="memento"; datetime="Wed, 05 Jan 2022 09:00:00 GMT"'
    assert len(lines) == 6 and " ;" not in response.text


def test_memento_serves_the_captured_text_with_its_datetime(server):
    response = httpx.get(f"{server}/memento/20220106123000/{URL}")
    assert response.status_code == 200
    assert response.text == "Live updates, version 2: at least 152 people have died."
    assert response.headers["memento-datetime"] == "Thu, 06 Jan 2022 12:30:00 GMT"
    link = response.headers["link"]
    for rel in ('rel="original"', 'rel="timegate"', 'rel="timemap"', 'rel="first prev memento"'):
        assert rel in link
    itself = f"<{server}/memento/20220106123000/{URL}>"
    assert itself + '; rel="memento"; datetime="Thu, 06 Jan 2022 12:30:00 GMT"' in link


def test_a_stamp_between_captures_redirects_to_the_nearest(server):
    response = httpx.get(f"{server}/memento/20220107000000/{URL}")
    assert response.status_code == 302
    assert response.headers["location"].endswith(f"/memento/20220106123000/{URL}")


def test_bad_accept_datetime_is_400_and_unknown_url_404(server):
    bad = httpx.get(f"{server}/timegate/{URL}", headers={"Accept-Datetime": "2022-01-06"})
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/problem+json"
    missing = httpx.get(f"{server}/timemap/link/https://nowhere.example/")
    assert missing.status_code == 404
    assert missing.json()["title"] == "UnknownMemento"


def test_a_browser_sees_the_capture_under_a_banner_with_its_neighbours(server):
    response = httpx.get(f"{server}/memento/20220106123000/{URL}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["memento-datetime"] == "Thu, 06 Jan 2022 12:30:00 GMT"
    page = response.text
    assert "Archived copy 2 of 3" in page
    assert f'class="memento-original" href="{URL.replace("&", "&amp;")}"' in page
    assert f'rel="prev" href="{server}/memento/20220105090000/{URL}"' in page
    assert f'rel="next" href="{server}/memento/20220108180000/{URL}"' in page
    assert "Live updates, version 2: at least 152 people have died." in page
