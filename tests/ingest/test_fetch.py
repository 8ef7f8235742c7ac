"""The feed fetcher against a real HTTP server on loopback, plus its pure helpers."""

from __future__ import annotations

import email.utils
import gzip
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import BodyTooLarge, FeedError, FetchFailed, UnsafeURL
from ingest.fetch import Fetcher, FetchResult, backoff, check_url, is_public_address

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
ETAG = '"v1"'
LAST_MODIFIED = "Sat, 01 Nov 2025 10:00:00 GMT"
HUGE = 50 * 2**20
MB = 2**20


@dataclass
class ServerState:
    requests: list[str] = field(default_factory=list)
    huge_written: int = 0
    huge_done: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


class Handler(BaseHTTPRequestHandler):
    server: FeedServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        state = self.server.state
        state.requests.append(self.path)
        route = getattr(self, "route_" + self.path.strip("/").replace("-", "_"), None)
        if route is None:
            self.send_error(404)
        else:
            route()

    def _body(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, to: str) -> None:
        self.send_response(302)
        self.send_header("Location", to)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def route_feed(self) -> None:
        if self.headers.get("If-None-Match") == ETAG:
            self.send_response(304)  # no validators: the client must keep its own
            self.end_headers()
            return
        self._body(
            200, FEED, Content_Type="application/rss+xml", ETag=ETAG, Last_Modified=LAST_MODIFIED
        )

    def route_ratelimited(self) -> None:
        self._body(429, b"slow down", Retry_After="120")

    def route_unavailable(self) -> None:
        when = email.utils.formatdate(time.time() + 90, usegmt=True)
        self._body(503, b"maintenance", Retry_After=when)

    def route_broken(self) -> None:
        self._body(500, b"oops")

    def route_slow(self) -> None:
        self.server.state.release.wait(5)
        self._body(200, FEED)

    def route_huge(self) -> None:
        state = self.server.state
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.end_headers()  # no Content-Length: the client must stop reading by itself
        chunk = b"x" * 65536
        try:
            while state.huge_written < HUGE:
                self.wfile.write(chunk)
                state.huge_written += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            state.huge_done.set()

    def route_declared_huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(HUGE))
        self.end_headers()
        try:
            self.wfile.write(b"x" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def route_gzipped(self) -> None:
        self._body(200, gzip.compress(FEED), Content_Encoding="gzip")

    def route_loop_a(self) -> None:
        self._redirect("/loop-b")

    def route_loop_b(self) -> None:
        self._redirect("/loop-a")

    def route_hop1(self) -> None:
        self._redirect("/hop2")

    def route_hop2(self) -> None:
        self._redirect(f"http://127.0.0.1:{self.server.server_port}/feed")


class FeedServer(ThreadingHTTPServer):
    state: ServerState

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_port}{path}"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer(("127.0.0.1", 0), Handler)
    srv.state = ServerState()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.state.release.set()
    srv.shutdown()
    srv.server_close()
    thread.join(5)


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(allow_private=True, timeout=5.0) as f:
        yield f


# --- the happy path and conditional GET ------------------------------------------------------


def test_200_returns_body_and_validators(server: FeedServer, fetcher: Fetcher) -> None:
    result = fetcher.fetch(server.url("/feed"))
    assert result.status == 200
    assert result.content == FEED
    assert result.etag == ETAG
    assert result.last_modified == LAST_MODIFIED
    assert result.content_type == "application/rss+xml"
    assert result.url == server.url("/feed")
    assert result.elapsed >= 0


def test_304_returns_no_content_and_keeps_validators(server: FeedServer, fetcher: Fetcher) -> None:
    first = fetcher.fetch(server.url("/feed"))
    second = fetcher.fetch(server.url("/feed"), etag=first.etag, last_modified=first.last_modified)
    assert second.status == 304
    assert second.content is None
    assert (second.etag, second.last_modified) == (ETAG, LAST_MODIFIED)


def test_user_agent_names_recount() -> None:
    seen: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["User-Agent"])
        return httpx.Response(200, content=FEED)

    with httpx.Client(transport=httpx.MockTransport(record)) as client:
        Fetcher(client).fetch("http://93.184.216.34/feed")
    assert seen[0].startswith("Recount/")


def test_gzip_body_is_decoded(server: FeedServer, fetcher: Fetcher) -> None:
    assert fetcher.fetch(server.url("/gzipped")).content == FEED


# --- server errors and backoff hints ----------------------------------------------------------


def test_429_carries_status_and_retry_after_seconds(server: FeedServer, fetcher: Fetcher) -> None:
    with pytest.raises(FetchFailed) as caught:
        fetcher.fetch(server.url("/ratelimited"))
    assert caught.value.status == 429
    assert caught.value.retry_after == 120


def test_503_with_http_date_retry_after_becomes_seconds(
    server: FeedServer, fetcher: Fetcher
) -> None:
    with pytest.raises(FetchFailed) as caught:
        fetcher.fetch(server.url("/unavailable"))
    assert caught.value.status == 503
    assert caught.value.retry_after is not None
    assert 80 <= caught.value.retry_after <= 90


def test_500_fails_with_status(server: FeedServer, fetcher: Fetcher) -> None:
    with pytest.raises(FetchFailed) as caught:
        fetcher.fetch(server.url("/broken"))
    assert caught.value.status == 500
    assert caught.value.retry_after is None
    assert "500" in str(caught.value)


def test_slow_server_times_out_as_fetch_failed(server: FeedServer) -> None:
    with Fetcher(allow_private=True, timeout=0.5) as fetcher:
        with pytest.raises(FetchFailed, match=r"timed out after 0\.5 s"):
            fetcher.fetch(server.url("/slow"))


def test_refused_connection_is_fetch_failed() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with Fetcher(allow_private=True, timeout=2.0) as fetcher:
        with pytest.raises(FetchFailed, match="ConnectError"):
            fetcher.fetch(f"http://127.0.0.1:{port}/feed")


# --- size cap --------------------------------------------------------------------------------


def test_oversize_body_stops_reading_early(server: FeedServer) -> None:
    with Fetcher(allow_private=True, max_bytes=MB) as fetcher:
        with pytest.raises(BodyTooLarge, match=str(MB)):
            fetcher.fetch(server.url("/huge"))
    assert server.state.huge_done.wait(5), "the server never noticed the client hung up"
    # Socket buffers absorb a few MB; a client that read it all would let all 50 MB through.
    assert server.state.huge_written < 16 * MB


def test_declared_content_length_above_cap_fails_before_reading(server: FeedServer) -> None:
    with Fetcher(allow_private=True, max_bytes=MB) as fetcher:
        with pytest.raises(BodyTooLarge, match=f"Content-Length {HUGE}.*cap of {MB} bytes"):
            fetcher.fetch(server.url("/declared-huge"))


# --- redirects -------------------------------------------------------------------------------


def test_redirect_chain_returns_feed_and_final_url(server: FeedServer, fetcher: Fetcher) -> None:
    result = fetcher.fetch(server.url("/hop1"))
    assert result.status == 200
    assert result.content == FEED
    assert result.url == server.url("/feed")
    assert server.state.requests == ["/hop1", "/hop2", "/feed"]


def test_redirect_loop_fails(server: FeedServer, fetcher: Fetcher) -> None:
    with pytest.raises(FetchFailed, match="too many redirects"):
        fetcher.fetch(server.url("/loop-a"))
    assert len(server.state.requests) <= 6


def test_more_redirects_than_allowed_fails(server: FeedServer) -> None:
    with Fetcher(allow_private=True, max_redirects=1) as fetcher:
        with pytest.raises(FetchFailed, match="too many redirects"):
            fetcher.fetch(server.url("/hop1"))
    assert server.state.requests == ["/hop1", "/hop2"]


def test_non_http_schemes_are_refused(fetcher: Fetcher) -> None:
    for url in ("file:///etc/passwd", "ftp://93.184.216.34/feed", "gopher://x/"):
        with pytest.raises(UnsafeURL):
            fetcher.fetch(url)


# --- the private-address guard ---------------------------------------------------------------


def test_loopback_ip_is_refused_before_any_request(server: FeedServer) -> None:
    with Fetcher() as fetcher, pytest.raises(UnsafeURL, match="127.0.0.1"):
        fetcher.fetch(server.url("/feed"))
    assert server.state.requests == []


def test_localhost_name_is_refused_before_any_request(server: FeedServer) -> None:
    with Fetcher() as fetcher, pytest.raises(UnsafeURL):
        fetcher.fetch(f"http://localhost:{server.server_port}/feed")
    assert server.state.requests == []


def test_redirect_to_loopback_is_refused_at_the_hop() -> None:
    sent: list[str] = []

    def public_host(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://127.0.0.1/"})

    with httpx.Client(transport=httpx.MockTransport(public_host)) as client:
        with pytest.raises(UnsafeURL, match="127.0.0.1"):
            Fetcher(client).fetch("http://93.184.216.34/feed")
    assert sent == ["http://93.184.216.34/feed"]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("10.0.0.1", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("127.0.0.1", False),
        ("::1", False),
        ("169.254.169.254", False),
        ("fe80::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("0.0.0.0", False),
        ("::", False),
        ("224.0.0.1", False),
        ("100.64.0.1", False),
        ("fc00::1", False),
        ("240.0.0.1", False),
        ("8.8.8.8", True),
        ("93.184.216.34", True),
        ("2001:4860:4860::8888", True),
        ("::ffff:8.8.8.8", True),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/feed",
        "http://localhost/feed",
        "http://10.1.2.3:8080/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/feed",
        "http://[::ffff:127.0.0.1]/feed",
        "http://0.0.0.0/",
    ],
)
def test_check_url_refuses_private_targets(url: str) -> None:
    with pytest.raises(UnsafeURL):
        check_url(url)


@pytest.mark.parametrize(
    ("url", "opens"),
    [
        ("http://127.0.0.1/feed", "loopback"),
        ("http://[::1]/feed", "loopback"),
        ("http://[::ffff:127.0.0.1]/feed", "loopback"),
        ("http://10.1.2.3:8080/", "private"),
        ("http://192.168.0.7/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://0.0.0.0/", "0.0.0.0/32"),
    ],
)
def test_a_refused_target_names_the_setting_value_that_would_open_it(url: str, opens: str) -> None:
    with pytest.raises(UnsafeURL) as refused:
        check_url(url)
    assert str(refused.value).endswith(f"(RECOUNT_ALLOW_PRIVATE_FEEDS={opens} would allow it)")


def test_check_url_accepts_public_ip_literals() -> None:
    check_url("https://93.184.216.34/feed")
    check_url("http://[2001:4860:4860::8888]/feed")


def test_unresolvable_host_is_fetch_failed_not_unsafe() -> None:
    with pytest.raises(FetchFailed, match="could not resolve"):
        check_url("http://no-such-host.invalid/feed")


def test_every_failure_is_a_feed_error() -> None:
    assert issubclass(FetchFailed, FeedError)
    assert issubclass(UnsafeURL, FeedError)
    assert issubclass(BodyTooLarge, FeedError)


def test_fetch_result_is_immutable() -> None:
    result = FetchResult(200, b"", "http://x/", None, None, None, 0.0)
    with pytest.raises(AttributeError):
        result.status = 304  # type: ignore[misc]


# --- backoff ---------------------------------------------------------------------------------


def test_backoff_doubles_from_base_until_cap() -> None:
    waits = [backoff(n, None, base=60, cap=3600) for n in range(1, 9)]
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_backoff_prefers_retry_after_but_caps_it() -> None:
    assert backoff(1, 120, base=60, cap=3600) == 120
    assert backoff(5, 10, base=60, cap=3600) == 10
    assert backoff(1, 10**9, base=60, cap=3600) == 3600


def test_backoff_survives_months_of_failures() -> None:
    assert backoff(10_000, None, base=60, cap=86400) == 86400


@given(
    failures=st.integers(min_value=0, max_value=10**6),
    retry_after=st.none() | st.floats(min_value=0, max_value=1e12),
    base=st.floats(min_value=0.1, max_value=1e4),
    cap=st.floats(min_value=1, max_value=1e7),
)
def test_backoff_is_bounded_and_monotonic(
    failures: int, retry_after: float | None, base: float, cap: float
) -> None:
    wait = backoff(failures, retry_after, base, cap)
    assert 0 <= wait <= cap
    if retry_after is None:
        assert backoff(failures + 1, None, base, cap) >= wait
