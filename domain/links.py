"""Which stored URLs may become links: only http and https ones, written plainly.

A source URL is whatever a feed or an editor gave. Kept as given in the log, it is shown as text
unless it is a plain web address: a browser strips leading spaces and control characters and
drops tabs and newlines inside a URL before it reads the scheme, so " javascript:..." or
"java\tscript:..." would still run. A URL with any such character is therefore never a link,
whatever scheme it seems to have.
"""

from __future__ import annotations

import re

# Scheme, "//", a host, then no whitespace, control character, quote or angle bracket anywhere.
_WEB_URL = re.compile(
    r"(?i:https?)://[^\s\x00-\x1f\x7f-\x9f\"'<>\\/?#][^\s\x00-\x1f\x7f-\x9f\"<>\\]*"
)


def web_link(url: str | None) -> str | None:
    """`url` when it may be an href (http or https, nothing a browser would rewrite), else None."""
    if url is None or not _WEB_URL.fullmatch(url):
        return None
    return url
