"""Which addresses a feed poll may connect to, judged without any I/O.

An IPv6 address can carry an IPv4 address inside it, and on a dual-stack host or behind a
translator the packet then goes to that IPv4: `::ffff:127.0.0.1` (IPv4-mapped), `::127.0.0.1`
(IPv4-compatible), `2002:7f00:1::` (6to4), `2001:0:…` (Teredo, the client address XOR-ed) and
`64:ff9b::7f00:1` (NAT64). Such a form is judged by every IPv4 it embeds, never by its own
prefix, so no private IPv4 hides behind a "global" IPv6.

Operators open non-public networks by name (`loopback`, `private`, `link-local`) or by CIDR in
RECOUNT_ALLOW_PRIVATE_FEEDS; `1` is kept as an alias for every network.
"""

from __future__ import annotations

import ipaddress

from domain.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

NAMED_NETWORKS: dict[str, tuple[str, ...]] = {
    "loopback": ("127.0.0.0/8", "::1/128"),
    "private": ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"),
    "link-local": ("169.254.0.0/16", "fe80::/10"),
}
EVERY_NETWORK = ("0.0.0.0/0", "::/0")  # the old `1`: tests and local files only

_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # SIIT, RFC 6145
_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated IPv4-compatible, RFC 4291 2.5.5.1
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: local use, never global


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """The networks a RECOUNT_ALLOW_PRIVATE_FEEDS value opens; InvalidInput naming a bad item."""
    opened: list[IPNetwork] = []
    for item in (part.strip().lower() for part in text.split(",")):
        if not item or item == "0":
            continue
        if item in ("1", "all"):
            names: tuple[str, ...] = EVERY_NETWORK
        elif item in NAMED_NETWORKS:
            names = NAMED_NETWORKS[item]
        else:
            names = (item,)
        for name in names:
            try:
                opened.append(ipaddress.ip_network(name, strict=False))
            except ValueError:
                words = ", ".join(NAMED_NETWORKS)
                raise InvalidInput(
                    f"RECOUNT_ALLOW_PRIVATE_FEEDS: {item!r} is neither a CIDR network nor one "
                    f"of {words}, 1 (every network)"
                ) from None
    return tuple(opened)


def embedded_ipv4(address: IPAddress) -> tuple[ipaddress.IPv4Address, ...]:
    """Every IPv4 address an IPv6 address carries (none for a plain IPv6 or an IPv4)."""
    if isinstance(address, ipaddress.IPv4Address):
        return ()
    if address.ipv4_mapped is not None:
        return (address.ipv4_mapped,)
    if address.sixtofour is not None:
        return (address.sixtofour,)
    if address.teredo is not None:
        return address.teredo  # (server, client): the client is already un-XOR-ed
    last32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _TRANSLATED or address in _NAT64 or address in _NAT64_LOCAL:
        return (last32,)
    if address in _COMPATIBLE and int(address) > 1:  # not :: nor ::1
        return (last32,)
    return ()


def _is_public_plain(address: IPAddress) -> bool:
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def is_public_address(ip: str | IPAddress) -> bool:
    """True if `ip` is globally routable unicast, and so is every IPv4 it embeds."""
    address = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    inner = embedded_ipv4(address)
    if inner:
        return address not in _NAT64_LOCAL and all(_is_public_plain(v4) for v4 in inner)
    return _is_public_plain(address)


def is_opened(ip: str | IPAddress, opened: tuple[IPNetwork, ...]) -> bool:
    """True if the operator opened a network holding `ip` (or every IPv4 inside it)."""
    address = ipaddress.ip_address(ip) if isinstance(ip, str) else ip

    def inside(candidate: IPAddress) -> bool:
        return any(candidate in network for network in opened)

    if inside(address):
        return True
    inner = embedded_ipv4(address)
    return bool(inner) and all(inside(v4) or _is_public_plain(v4) for v4 in inner)
