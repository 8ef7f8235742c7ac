"""Answers kept in memory, each valid while the log head is where it was when it was computed.

The archive only changes by appends, and every append moves the log head, so a figure answer
computed at head H is exactly the answer to the same request while the head is still H. Before
a GET under /v1/subjects is routed, the head is read (one primary-key read on a connection of
its own, `services.log.head_watch`); a request seen before at that head gets the stored status,
headers and bytes without reaching the route. Any append, from this process or another, moves
the head and so retires every stored answer at once. The key is the whole request as far as
the answer depends on it: the path (with the root path), the query string and `Accept`.

Only complete 200 answers of one body are kept (streamed CSV is not), up to MAX_BODY bytes,
the MAX_ANSWERS most recently used. A request with `If-None-Match` goes to the route, which
answers 304 itself. If the head cannot be read, the request goes to the route as if this
were not here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/v1/subjects"
HEAD = "recount_log_head"  # the request state's name for the head read for it
MAX_ANSWERS = 2048
MAX_BODY = 256 * 1024

Key = tuple[str, str, bytes, bytes]


@dataclass(frozen=True)
class Answer:
    head: int
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def head_read(request: Request) -> int | None:
    """The log head this request's answer is kept under, if one was read for it: the route
    answers at that head (one read fewer, and the kept answer is the head's own)."""
    head: int | None = getattr(request.state, HEAD, None)
    return head


class AnswerCache:
    def __init__(self, app: ASGIApp, head: Callable[[], int], size: int = MAX_ANSWERS) -> None:
        self.app = app
        self.head = head
        self.size = size
        self._answers: OrderedDict[Key, Answer] = OrderedDict()
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        try:
            head = self.head()
        except Exception:  # the route will say what is wrong with the database
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})[HEAD] = head  # the route answers at this head too
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None and answer.head == head:
                self._answers.move_to_end(key)
            else:
                answer = None
        if answer is not None:
            start = {"type": "http.response.start", "status": answer.status}
            await send({**start, "headers": list(answer.headers)})
            await send({"type": "http.response.body", "body": answer.body})
            return
        await self.app(scope, receive, self._keeper(key, head, send))

    def _key(self, scope: Scope) -> Key | None:
        """The request's key, or None for a request whose answer is not kept."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        path: str = scope["path"]
        if not path.startswith(PREFIX):
            return None
        accept = b""
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                return None
            if name == b"accept":
                accept = value
        return (scope.get("root_path", ""), path, scope["query_string"], accept)

    def _keeper(self, key: Key, head: int, send: Send) -> Send:
        """`send`, keeping a copy of the answer if it is a complete 200 of one body."""
        started: list[Message] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.append({**message, "headers": list(message.get("headers", []))})
            elif message["type"] == "http.response.body" and started:
                start = started.pop()
                body = message.get("body", b"")
                complete = not message.get("more_body", False)
                if start["status"] == 200 and complete and len(body) <= MAX_BODY:
                    self._store(key, Answer(head, 200, start["headers"], body))
            await send(message)

        return keep

    def _store(self, key: Key, answer: Answer) -> None:
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
