"""A real HTTP server on loopback for feed tests, and feeds built the way news sites write them.

Each path serves a `Reply` (status, body, headers) or a function of the request that returns one;
the server counts requests per path and the most that were in flight at once.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering


Route = Reply | Callable[[BaseHTTPRequestHandler], Reply | None]


class Handler(BaseHTTPRequestHandler):
    server: FeedServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        server = self.server
        path = self.path
        with server.lock:
            server.requests[path] += 1
            server.in_flight[path] += 1
            server.most_in_flight[path] = max(server.most_in_flight[path], server.in_flight[path])
        try:
            route = server.routes.get(path)
            reply = route(self) if callable(route) else route
            if reply is None:  # the route wrote its own answer
                return
            time.sleep(reply.delay)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.status != 304:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if reply.status != 304:
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with server.lock:
                server.in_flight[path] -= 1


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, Route] = {}
        self.requests: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        self.most_in_flight: Counter[str] = Counter()
        self.lock = threading.Lock()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_port}{path}"

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up (a size cap, a timeout) is part of the test


@contextmanager
def running_server() -> Iterator[FeedServer]:
    server = FeedServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


START = datetime(2022, 1, 5, 8, tzinfo=UTC)


@dataclass(frozen=True)
class Entry:
    n: int
    deaths: int
    edition: int = 1

    @property
    def link(self) -> str:
        return f"https://news.example.org/story/{self.n}"

    @property
    def published(self) -> datetime:
        return START + timedelta(minutes=self.n)

    @property
    def text(self) -> str:
        extra = " The toll was updated." * (self.edition - 1)
        return f"At least {self.deaths} people have died in the protests, officials said{extra}."


def atom(entries: list[Entry], title: str = "World news") -> bytes:
    """An Atom feed whose entries each report a death toll."""
    items = "".join(
        f"<entry><id>{escape(e.link)}</id><title>Story {e.n}</title>"
        f'<link href="{escape(e.link)}"/><updated>{e.published.isoformat()}</updated>'
        f"<summary>{escape(e.text)}</summary></entry>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{escape(title)}</title>'
        f"<id>urn:test</id><updated>{START.isoformat()}</updated>{items}</feed>"
    ).encode()


def entries(count: int, start: int = 0) -> list[Entry]:
    return [Entry(n, 100 + n) for n in range(start, start + count)]
