"""The URL guard: malformed URLs are refused as such, IPv6 forms are judged by the IPv4 inside,
and the networks RECOUNT_ALLOW_PRIVATE_FEEDS opens are open to local feeds only."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator

import httpx
import pytest

from domain.addresses import embedded_ipv4, is_opened, is_public_address, parse_networks
from domain.errors import InvalidFeedURL, InvalidInput, UnsafeURL
from ingest.fetch import Fetcher
from ingest.guard import check_url, parse_feed_url
from tests.ingest.feedserver import FeedServer, Reply, atom, entries, running_server

PUBLIC = "93.184.216.34"  # a public address whose requests the test routes to loopback

MALFORMED = [
    "http://0177.0.0.1/",  # octal
    "http://999.999.999.999/",
    "http://127.0.0.01/",  # a leading zero
    "http://[::1/",  # an unclosed bracket
    "http://127.1/",  # inet_aton shorthand
    "http://2130706433/",  # one number
    "http://0x7f.0.0.1/",  # hexadecimal
    "http://1.2.3.4.5/",
    "http://[1.2.3.4]/",
    "http://[::1]x/",
    "http://[fe80::1%25eth0]/",  # a zone id
    "http://ex%41mple.org/",  # an escape in the host
    "http://example.org:99999/",
    "http://example.org:abc/",
    "http://exa mple.org/",
    "http://exa\\mple.org/",
    "http://-bad-.example.org/",
    "http://a..b/",
    "http:///feed",
    "",
    "http://" + "a" * 3000 + ".org/",
]

EMBEDDING_LOOPBACK = [
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::127.0.0.1",  # IPv4-compatible
    "::ffff:0:127.0.0.1",  # IPv4-translated
    "2002:7f00:1::",  # 6to4
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo: client 127.0.0.1, XOR-ed
    "64:ff9b::127.0.0.1",  # NAT64, well-known prefix
    "64:ff9b:1::7f00:1",  # NAT64, local-use prefix
]


@pytest.mark.parametrize("url", MALFORMED)
def test_malformed_feed_urls_are_refused_as_malformed(url: str) -> None:
    with pytest.raises(InvalidFeedURL) as refused:
        parse_feed_url(url)
    assert isinstance(refused.value, InvalidInput)  # a 422 and one CLI line, never a 500


def test_well_formed_urls_parse() -> None:
    for url in ("https://news.example.org/feed", "http://93.184.216.34:8080/a?b=c",
                "http://[2001:4860:4860::8888]/", "https://xn--nxasmq6b.example/"):  # fmt: skip
        assert str(parse_feed_url(url)) == url


@pytest.mark.parametrize("address", EMBEDDING_LOOPBACK)
def test_ipv6_forms_embedding_loopback_are_not_public(address: str) -> None:
    assert not is_public_address(address)
    inside = embedded_ipv4(ipaddress.ip_address(address))
    assert ipaddress.IPv4Address("127.0.0.1") in inside


@pytest.mark.parametrize(
    "address",
    [
        "2002:a00:1::",
        "2002:c0a8:101::",
        "64:ff9b::10.0.0.1",
        "::ffff:169.254.169.254",
        "::10.1.2.3",
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",
    ],  # fmt: skip
)
def test_ipv6_forms_embedding_private_ipv4_are_not_public(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address", ["2002:808:808::1", "64:ff9b::8.8.8.8", "::ffff:8.8.8.8", "2001:4860:4860::8888"]
)
def test_ipv6_forms_embedding_public_ipv4_stay_public(address: str) -> None:
    assert is_public_address(address)


@pytest.mark.parametrize("address", EMBEDDING_LOOPBACK)
def test_embedded_loopback_literals_are_refused_at_registration_and_fetch(address: str) -> None:
    with pytest.raises(UnsafeURL, match="non-public"):
        check_url(f"http://[{address}]/feed")
    with Fetcher() as fetcher, pytest.raises(UnsafeURL):
        fetcher.fetch(f"http://[{address}]/feed")


def test_a_dns_answer_embedding_loopback_is_refused_before_connecting(monkeypatch) -> None:
    def answer(host, port, *args, **kwargs):
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2002:7f00:1::", port, 0, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", answer)
    with pytest.raises(UnsafeURL, match="2002:7f00:1::"):
        check_url("http://feeds.example.org/world.atom")


def test_allow_private_feeds_names_the_networks_it_opens() -> None:
    opened = parse_networks("loopback, 10.0.0.0/8")
    assert is_opened("127.0.0.1", opened) and is_opened("::1", opened)
    assert is_opened("::ffff:127.0.0.1", opened) and is_opened("10.9.8.7", opened)
    assert not is_opened("192.168.1.1", opened) and not is_opened("169.254.169.254", opened)
    assert parse_networks("") == () and parse_networks("0") == ()
    assert is_opened("192.168.1.1", parse_networks("1"))  # the documented alias: every network
    with pytest.raises(InvalidInput, match="'lan'"):
        parse_networks("loopback,lan")


# --- with a real loopback server ------------------------------------------------------------


class ToLoopback(httpx.BaseTransport):
    """Sends requests for the public address to the loopback server, as if it were there."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == PUBLIC:
            request.url = request.url.copy_with(host="127.0.0.1", port=self.port)
        return self.inner.handle_request(request)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with running_server() as srv:
        srv.routes["/feed"] = Reply(200, atom(entries(1)), {"Content-Type": "application/atom+xml"})
        yield srv


def test_opened_loopback_lets_a_local_feed_be_polled(server: FeedServer) -> None:
    with Fetcher(opened=parse_networks("loopback")) as fetcher:
        assert fetcher.fetch(server.url("/feed")).status == 200
    with Fetcher(opened=parse_networks("10.0.0.0/8")) as fetcher, pytest.raises(UnsafeURL):
        fetcher.fetch(server.url("/feed"))
    assert server.requests["/feed"] == 1


@pytest.mark.parametrize(
    "target", ["http://127.0.0.1:{port}/feed", "http://[::ffff:127.0.0.1]:{port}/feed"]
)
def test_public_feed_redirecting_into_an_opened_network_is_refused(
    server: FeedServer, target: str
) -> None:
    server.routes["/moved"] = Reply(302, b"", {"Location": target.format(port=server.server_port)})
    client = httpx.Client(transport=ToLoopback(server.server_port))
    with Fetcher(client, opened=parse_networks("loopback")) as fetcher:
        with pytest.raises(UnsafeURL, match="redirect from a public address"):
            fetcher.fetch(f"http://{PUBLIC}/moved")
    client.close()
    assert server.requests["/moved"] == 1 and server.requests["/feed"] == 0


def test_local_feed_may_redirect_within_the_opened_network(server: FeedServer) -> None:
    server.routes["/moved"] = Reply(302, b"", {"Location": server.url("/feed")})
    with Fetcher(opened=parse_networks("loopback")) as fetcher:
        assert fetcher.fetch(server.url("/moved")).url == server.url("/feed")
