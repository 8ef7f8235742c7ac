"""Security headers on every response, set in one place: the app factory installs this once.

The pages run no script at all (charts are SVG drawn on the server, styles come from
/static), so the policy allows only this origin's stylesheets and images and forbids scripts,
plugins, framing and form posts elsewhere. A stored `javascript:` URL that slipped past the
templates still could not run. A route that must differ (an embeddable view, say) opts in by
setting its own header, which this middleware then leaves alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


# As they go on the wire: names in lowercase, values encoded, once.
RAW_HEADERS = [(name.lower().encode(), value.encode()) for name, value in HEADERS.items()]
OWN_POLICY = b"content-security-policy"
FRAMING = b"x-frame-options"


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = secured(message.get("headers", ()))
            await send(message)

        await self.app(scope, receive, with_headers)


def secured(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The response's headers with each of ours it does not set itself (one pass over them:
    this runs for every response, a kept answer's too)."""
    given = list(headers)
    present = {name.lower() for name, _ in given}
    for name, value in RAW_HEADERS:
        # A route with a policy of its own (the embed) decides its framing there.
        if name not in present and not (name == FRAMING and OWN_POLICY in present):
            given.append((name, value))
    return given
