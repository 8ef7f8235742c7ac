"""feedparser's own test corpus (~2,250 odd, broken and mis-encoded feeds) through the real worker.

Every file is served by one loopback server (with the HTTP headers its comment asks for) and
registered as a feed of one archive; one worker pass polls them all. Nothing may crash, a feed
with no usable entries appends nothing, and the archive still replays to the same projections.
The sdist is downloaded once into pytest's cache directory; nothing of it is committed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain.events import FeedAdded, PendingEvent
from domain.feeds import feed_id_for
from ingest.fetch import Fetcher
from services import audit as replay
from services.worker import Worker
from store.tables import documents
from tests.conftest import open_archive
from tests.ingest.feedserver import FeedServer, Reply, running_server

VERSION = "6.0.14"
SUBJECT = "feedparser-corpus"
HEADER = re.compile(r"^Header:\s*([\w-]+):\s*(.*?)\s*$", re.MULTILINE)
ENCODINGS = {".gz": "gzip", ".z": "deflate"}


@pytest.fixture(scope="session")
def corpus(request: pytest.FixtureRequest) -> Path:
    cache = request.config.cache
    assert cache is not None
    folder = cache.mkdir(f"feedparser-{VERSION}-sdist")
    tests = folder / f"feedparser-{VERSION}" / "tests"
    if tests.is_dir():
        return tests
    download = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                f"feedparser=={VERSION}", "-d", str(folder), "--quiet"]  # fmt: skip
    try:
        subprocess.run(download, check=True, capture_output=True, timeout=120)
    except (subprocess.SubprocessError, OSError) as error:
        pytest.skip(f"feedparser {VERSION} sdist could not be downloaded: {error}")
    with tarfile.open(folder / f"feedparser-{VERSION}.tar.gz") as archive:
        members = [m for m in archive.getmembers() if "/tests/" in m.name]
        archive.extractall(folder, members=members, filter="data")
    return tests


def corpus_files(tests: Path) -> list[Path]:
    return sorted(p for p in tests.rglob("*") if p.suffix in (".xml", *ENCODINGS))


def reply_for(path: Path, server_url: str) -> Reply:
    """The file's bytes, with the status and headers its leading comment declares."""
    body = path.read_bytes()
    headers = {"Content-Type": "application/xml"}
    status = 200
    for name, value in HEADER.findall(body[:2000].decode("latin-1")):
        if name.lower() == "status":
            status = int(value)
        elif name.lower() == "content-type":
            headers["Content-Type"] = value
        else:
            headers[name] = value.replace("http://localhost:8097", server_url)
    if path.suffix in ENCODINGS:
        headers["Content-Encoding"] = ENCODINGS[path.suffix]
    return Reply(status, body if status != 304 else b"", headers)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with running_server() as srv:
        yield srv


def test_every_corpus_feed_is_polled_without_a_crash_and_nothing_unusable_is_appended(
    corpus, server, tmp_path
):
    archive = open_archive(f"sqlite:///{tmp_path / 'corpus.db'}", tmp_path)
    files = corpus_files(corpus)
    assert len(files) > 2000
    base = server.url("")
    urls = {}
    for path in files:
        route = "/tests/" + path.relative_to(corpus).as_posix()
        server.routes[route] = reply_for(path, base)
        urls[feed_id_for(SUBJECT, base + route)] = base + route
    archive.events.append(
        [
            PendingEvent(FeedAdded(feed_id=i, url=u, subject=SUBJECT, interval_seconds=3600), 0)
            for i, u in urls.items()
        ]
    )

    with Fetcher(allow_private=True, timeout=5.0) as fetcher:
        worker = Worker(archive, fetcher, concurrency=8)
        results = worker.run_once()

    statuses = Counter(r.status for r in results)
    crashes = len(urls) - len(results)
    internal = [r for r in results if "internal error" in (r.error or "")]
    appended = sum(r.new + r.changed for r in results)
    print(f"\nfeedparser corpus: {len(files)} files, {dict(statuses)}, crashes={crashes}, "
          f"internal errors={len(internal)}, documents appended={appended}, "
          f"reports appended={sum(r.reports for r in results)}")  # fmt: skip
    reasons = Counter(re.sub(r"http://\S+|line \d+, column \d+", "", r.error or "")[:60]
                      for r in results if r.status == "failed")  # fmt: skip
    print("failed polls by reason:", reasons.most_common(12))
    assert crashes == 0 and not internal
    assert statuses["skipped"] == 0
    with archive.engine.connect() as connection:
        per_feed = dict(
            connection.execute(
                select(documents.c.feed_id, func.count()).group_by(documents.c.feed_id)
            ).all()
        )
    for result in results:
        if result.status == "failed":
            assert result.new == result.changed == 0
            assert result.feed_id not in per_feed, result.error
        else:
            assert per_feed.get(result.feed_id, 0) == result.new + result.changed
    assert sum(per_feed.values()) == appended > 0
    assert replay.replay_check(archive) is None
    archive.close()
