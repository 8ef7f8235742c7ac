"""URLs as Recount shows them: never with the credentials a feed URL may carry.

`user:secret@` in a URL is a password. The log is public and append-only, and log lines are
copied everywhere, so every URL that is stored, served or logged goes through `redact_url`
first. It works on characters, not on a parser's view of the URL, so it never raises and
removes the userinfo even from a URL no parser accepts.
"""

from __future__ import annotations

import re

AUTHORITY_ENDS = "/?#"  # not "\\": a parser that ends it there sees a longer userinfo


def redact_url(url: str) -> str:
    """The URL without its userinfo: everything up to the authority's last `@` is dropped."""
    start = url.find("//")
    if start < 0:
        return url
    start += 2
    end = len(url)
    for char in AUTHORITY_ENDS:
        found = url.find(char, start)
        if found >= 0:
            end = min(end, found)
    at = url.rfind("@", start, end)
    if at < 0:
        return url
    return url[:start] + url[at + 1 :]


def has_userinfo(url: str) -> bool:
    return redact_url(url) != url


USERINFO_IN_TEXT = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/?#@]*@")


def redact_urls_in(text: str) -> str:
    """Every URL's userinfo removed from free text (a log message, an error from a library)."""
    return USERINFO_IN_TEXT.sub(r"\1", text)
