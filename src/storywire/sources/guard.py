"""The SSRF guard: storywire fetches URLs that strangers control (feeds, OPML files, links inside
articles), so it must never be talked into connecting to this machine, its private network or a
cloud metadata service.

Two layers:

* `check_url` is a cheap up-front check (scheme, IP literals in every numeric spelling, localhost
  names, and a port and host name that a socket could use) that needs no DNS, so a bad URL is
  refused before it is queued.
* `guarded_transport` is the real guard. Its `GuardedNetworkBackend` sits where httpcore opens
  TCP connections, so *every* connection is checked -- the first request, each redirect hop and
  each reconnect -- against the addresses the name resolves to at that moment, and the socket is
  then opened to the checked address itself, so a rebinding DNS server cannot answer differently
  between the check and the connect.

`BlockedAddressError` raised inside the transport reaches the caller unwrapped: httpx's
`map_httpcore_exceptions` translates only httpcore's own exceptions and re-raises anything else
as it is, and httpcore's pool and connection re-raise it without retrying (they retry only
`httpcore.ConnectError`/`ConnectTimeout`). DNS failures and timeouts surface the usual way, as
`httpx.ConnectError` and `httpx.ConnectTimeout`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
import unicodedata
import urllib.parse
from collections.abc import Collection, Iterable
from typing import Any

import httpcore
import httpx

from storywire.errors import BlockedAddressError, ConfigError, FetchError

__all__ = [
    "GuardedNetworkBackend",
    "check_url",
    "forbidden_reason",
    "guarded_transport",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SCHEMES = frozenset({"http", "https"})

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

_V4_LOOPBACK = _V4("127.0.0.0/8")
_V6_LOOPBACK = ipaddress.IPv6Address("::1")

# First match wins, so the narrow entries (metadata) come before the ranges that hold them.
# Python's own `is_private`/`is_global` tables change between patch releases and miss multicast,
# so the ranges we promise to refuse are spelled out; `is_global` only catches the rest.
_V4_RULES: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (_V4("169.254.169.254/32"), "cloud metadata address"),  # AWS, GCP, Azure, OpenStack
    (_V4("100.100.100.200/32"), "cloud metadata address"),  # Alibaba Cloud
    (_V4("0.0.0.0/8"), "unspecified address"),
    (_V4("10.0.0.0/8"), "private address"),
    (_V4("172.16.0.0/12"), "private address"),
    (_V4("192.168.0.0/16"), "private address"),
    (_V4("100.64.0.0/10"), "carrier-grade NAT address"),
    (_V4("169.254.0.0/16"), "link-local address"),
    (_V4("224.0.0.0/4"), "multicast address"),
    (_V4("255.255.255.255/32"), "broadcast address"),
    (_V4("240.0.0.0/4"), "reserved address"),
    (_V4("192.0.0.0/24"), "reserved address"),
    (_V4("198.18.0.0/15"), "reserved address"),
)

_V6_RULES: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_V6("fd00:ec2::254/128"), "cloud metadata address"),  # AWS IPv6 instance metadata
    (_V6("fc00::/7"), "private address"),  # RFC 4193 unique-local
    (_V6("fe80::/10"), "link-local address"),
    (_V6("fec0::/10"), "site-local address"),
    (_V6("ff00::/8"), "multicast address"),
    # Local-use NAT64 prefixes may embed the IPv4 address at several offsets, so refuse them all.
    (_V6("64:ff9b:1::/48"), "local-use NAT64 address"),
    # Teredo obfuscates the embedded client address; nothing we fetch lives behind Teredo.
    (_V6("2001::/32"), "Teredo address"),
)

# IPv6 forms that carry an IPv4 address in their low 32 bits; a socket (or a NAT64 gateway)
# connecting to them reaches that IPv4 address, so they are judged by it.
_V6_EMBEDDING_LOW32: tuple[ipaddress.IPv6Network, ...] = (
    _V6("::ffff:0:0/96"),  # IPv4-mapped
    _V6("::ffff:0:0:0/96"),  # IPv4-translated (SIIT)
    _V6("::/96"),  # IPv4-compatible (deprecated); :: and ::1 are handled before
    _V6("64:ff9b::/96"),  # NAT64 well-known prefix
)

# What inet_aton accepts as one dotted part: hex (0x..), octal (leading 0) or decimal.
_INET_ATON_PART = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")
# WHATWG's "ends in a number": such hosts are IPv4 addresses or invalid, never DNS names.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0[xX][0-9a-fA-F]*")
# Dots that IDNA maps to "." (ideographic, fullwidth and halfwidth full stops).
_IDNA_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})

# httpx's own default limits (httpx._config.DEFAULT_LIMITS), repeated because that name is private.
_DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


def forbidden_reason(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_loopback: bool
) -> str | None:
    """None when we may connect; otherwise a short reason like 'private address 10.0.0.1'."""
    if isinstance(address, ipaddress.IPv6Address):
        return _ipv6_reason(address, allow_loopback)
    return _ipv4_reason(address, allow_loopback)


def _ipv4_reason(address: ipaddress.IPv4Address, allow_loopback: bool) -> str | None:
    if address in _V4_LOOPBACK:
        return None if allow_loopback else f"loopback address {address}"
    for network, label in _V4_RULES:
        if address in network:
            return f"{label} {address}"
    if not address.is_global:  # documentation ranges and whatever IANA reserves next
        return f"non-public address {address}"
    return None


def _ipv6_reason(address: ipaddress.IPv6Address, allow_loopback: bool) -> str | None:
    bare = ipaddress.IPv6Address(int(address))  # drop any %zone so comparisons are by value
    if bare == _V6_LOOPBACK:
        return None if allow_loopback else f"loopback address {address}"
    if bare.is_unspecified:
        return f"unspecified address {address}"
    embedded = _embedded_ipv4(bare)
    if embedded is not None:
        # The loopback exemption is for 127/8 and ::1 as such; an IPv4 address dressed as IPv6
        # (or sent through a NAT64 gateway) is never exempt.
        reason = _ipv4_reason(embedded, allow_loopback=False)
        return None if reason is None else f"{reason} embedded in {address}"
    for network, label in _V6_RULES:
        if bare in network:
            return f"{label} {address}"
    if not bare.is_global:
        return f"non-public address {address}"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, in the forms that make sockets reach it."""
    if any(address in network for network in _V6_EMBEDDING_LOW32):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour  # 2002::/16 embeds it in bits 16..48


def check_url(url: str, allow_loopback: bool) -> None:
    """Fast up-front check: scheme, host present, and hosts that are IP literals in any numeric form
    (parsed the way inet_aton does) or localhost names; then a port in 1..65535 and a host name
    DNS can look up. Raises BlockedAddressError for internal hosts, FetchError for anything else
    wrong with the URL, so a malformed one fails here rather than as some other exception deep in
    the socket layer. Does no DNS: names are checked at connect time."""
    try:
        parts = urllib.parse.urlsplit(url)
        split_host = parts.hostname or ""
        split_port = parts.port  # ValueError when out of range or not a number
    except ValueError as exc:
        raise FetchError(f"invalid URL: {exc}") from exc
    if parts.scheme not in _SCHEMES:
        raise FetchError(
            f"unsupported URL scheme {parts.scheme!r}; only http and https are fetched"
        )
    # Check the host as both urllib and httpx (which will do the fetching) see it, so a URL the two
    # parsers read differently cannot slip past. Messages name the host only: userinfo may hold
    # a password.
    try:
        fetched: httpx.URL | None = httpx.URL(url)
        unparseable = ""
    except httpx.InvalidURL as exc:
        fetched, unparseable = None, str(exc)
    hosts = [split_host] if fetched is None else [split_host, fetched.host]
    for host in hosts:
        if not host:
            raise FetchError("URL has no host")
        reason = _host_reason(host, allow_loopback)
        if reason is not None:
            raise BlockedAddressError(f"refusing to fetch from {host}: {reason}")
    # Only now, so that an internal host httpx cannot parse is still refused as internal.
    if fetched is None:
        raise FetchError(f"invalid URL: {unparseable}")
    for port in (split_port, fetched.port):
        if port is not None and not 1 <= port <= 65535:
            raise FetchError(f"invalid URL: port {port} is out of range")
    reason = _dns_name_reason(fetched.raw_host.decode("ascii"))
    if reason is not None:
        raise FetchError(f"invalid URL: {reason}")


def _dns_name_reason(host: str) -> str | None:
    """Why a host (as httpx sends it: IDNA-encoded ASCII) cannot be looked up. getaddrinfo
    IDNA-encodes the name again and raises UnicodeError for an empty label or one over 63
    characters; a name over 253 characters is no DNS name either."""
    if ":" in host:  # an IPv6 literal
        return None
    name = host.removesuffix(".")  # the root's empty label
    if len(name) > 253 or not all(0 < len(label) <= 63 for label in name.split(".")):
        return f"host {host} is not a valid DNS name (labels of 1 to 63 characters, 253 in all)"
    return None


def _host_reason(host: str, allow_loopback: bool) -> str | None:
    """Why a host may not be fetched from, judged without DNS."""
    name = _normalize_host(host)
    if name == "localhost" or name.endswith(".localhost"):  # RFC 6761: always loopback
        return None if allow_loopback else f"loopback name {host}"
    address = _literal_address(name)
    if address is not None:
        return forbidden_reason(address, allow_loopback)
    return _numeric_host_reason(name)


def _normalize_host(host: str) -> str:
    """Lower-case, percent-decoded, IDNA dots and compatibility digits folded, no trailing dots."""
    name = unicodedata.normalize("NFKC", urllib.parse.unquote(host)).translate(_IDNA_DOTS)
    name = name.lower().removeprefix("[").removesuffix("]")
    return name if ":" in name else name.rstrip(".")


def _literal_address(name: str) -> IPAddress | None:
    """The address a normalized host spells, if it is an IPv6 literal or an inet_aton IPv4 form."""
    if ":" in name:
        try:
            return ipaddress.IPv6Address(name.split("%", 1)[0])  # the %zone picks an interface
        except ValueError:
            return None
    return _inet_aton(name)


def _inet_aton(name: str) -> ipaddress.IPv4Address | None:
    """Parse like C's inet_aton: 1-4 dotted parts in hex, octal or decimal, the last part filling
    the remaining bytes, so 2130706433, 0177.0.0.1, 0x7f.1 and 127.1 all mean 127.0.0.1."""
    parts = name.split(".")
    if not 1 <= len(parts) <= 4 or not all(_INET_ATON_PART.fullmatch(p) for p in parts):
        return None
    values = [_inet_aton_number(part) for part in parts]
    *head, last = values
    if any(value > 0xFF for value in head) or last >= 1 << (8 * (5 - len(values))):
        return None
    number = last
    for index, value in enumerate(head):
        number |= value << (24 - 8 * index)
    return ipaddress.IPv4Address(number)


def _inet_aton_number(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if part.startswith("0"):
        return int(part, 8)
    return int(part)


def _numeric_host_reason(name: str) -> str | None:
    """Refuse hosts that end in a number but are no valid address (08.0.0.1, 1.2.3.4.5,
    4294967296): no DNS name looks like that, and resolvers disagree about what they mean."""
    if _NUMERIC_LABEL.fullmatch(name.rsplit(".", 1)[-1]):
        return f"numeric host {name} that is not a valid IP address"
    return None


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Wraps httpcore's asyncio backend: resolves the host with the event loop's getaddrinfo,
    refuses (BlockedAddressError) if ANY resolved address is forbidden, then connects to a
    checked address itself rather than the name, so a rebinding DNS server cannot swap the
    address between check and connect.

    TLS still verifies against the URL's host: httpcore's `AsyncHTTPConnection._connect` calls
    `stream.start_tls(server_hostname=sni_hostname or self._origin.host)`, where the origin is
    the request URL's host; the host we pass to `connect_tcp` is never used for SNI or for the
    certificate check, so connecting to the IP changes neither.
    """

    def __init__(
        self,
        allow_loopback: bool,
        backend: httpcore.AsyncNetworkBackend | None = None,
        ports: Collection[int] | None = None,
    ) -> None:
        self._allow_loopback = allow_loopback
        self._backend = httpcore.AnyIOBackend() if backend is None else backend
        self._ports = None if ports is None else frozenset(ports)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if not 1 <= port <= 65535:  # socket.connect would raise OverflowError, which nobody maps
            raise httpcore.ConnectError(f"invalid port {port} for {host}")
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        addresses = await self._addresses(host, port, timeout, local_address)
        for address in addresses:
            reason = forbidden_reason(address, self._allow_loopback)
            if reason is not None:
                raise BlockedAddressError(f"refusing to connect to {host}: {reason}")
        # Feeds and pages are served on web ports; another port on a public host is a mail,
        # database or admin service. Loopback (allowed only for the demo and tests) is exempt.
        loopback = all(address.is_loopback for address in addresses)
        if self._ports is not None and port not in self._ports and not loopback:
            raise BlockedAddressError(
                f"refusing to connect to {host}:{port}: not a web port "
                f"(fetch_ports: {', '.join(map(str, sorted(self._ports)))})"
            )
        # Every address passed, so trying the next on a refused connection (say ::1 before
        # 127.0.0.1) is as safe as the first.
        error: httpcore.ConnectError | None = None
        for address in addresses:
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                raise httpcore.ConnectTimeout(f"timed out connecting to {host}")
            try:
                return await self._backend.connect_tcp(
                    str(address),
                    port,
                    timeout=remaining,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                error = exc
        assert error is not None  # _addresses never returns an empty list
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """A unix socket is always local, so it is always refused."""
        raise BlockedAddressError(f"refusing to connect to unix socket {path}")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)

    async def _addresses(
        self, host: str, port: int, timeout: float | None, local_address: str | None
    ) -> list[IPAddress]:
        """The host's addresses: parsed when it is numeric (no DNS), else resolved once."""
        name = _normalize_host(host)
        literal = _literal_address(name)
        if literal is not None:
            return [literal]
        reason = _numeric_host_reason(name)
        if reason is not None:
            raise BlockedAddressError(f"refusing to connect to {host}: {reason}")
        return await _resolve(host, port, timeout, _family_of(local_address))


async def _resolve(host: str, port: int, timeout: float | None, family: int) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(host, port, family=family, type=socket.SOCK_STREAM)
    except TimeoutError as exc:
        raise httpcore.ConnectTimeout(f"timed out resolving {host}") from exc
    except (OSError, UnicodeError) as exc:  # UnicodeError: the name fails IDNA encoding
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    addresses: list[IPAddress] = []
    for info_family, _, _, _, sockaddr in infos:
        if info_family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise httpcore.ConnectError(f"{host} resolves to no IP address")
    return addresses


def _family_of(local_address: str | None) -> int:
    """Resolve only the family we can connect from when a local address is pinned."""
    if local_address is None:
        return socket.AF_UNSPEC
    try:
        version = ipaddress.ip_address(local_address).version
    except ValueError:
        return socket.AF_UNSPEC
    return socket.AF_INET if version == 4 else socket.AF_INET6


class _GuardedHTTPTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with a pool whose every connection goes through the guard.

    httpx has no public way to hand a network backend to the pool it builds, so this replaces
    the pool it keeps in `_pool` (the one private attribute relied on) with an identical
    `httpcore.AsyncConnectionPool` built with the public `network_backend=` argument. If a
    future httpx stops keeping its pool there, construction fails instead of running unguarded.
    """

    def __init__(
        self,
        network_backend: GuardedNetworkBackend,
        *,
        verify: ssl.SSLContext | bool = True,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = _DEFAULT_LIMITS,
        local_address: str | None = None,
        retries: int = 0,
        socket_options: Iterable[Any] | None = None,
    ) -> None:
        ssl_context = httpx.create_ssl_context(verify=verify, trust_env=trust_env)
        super().__init__(verify=ssl_context)
        if not isinstance(getattr(self, "_pool", None), httpcore.AsyncConnectionPool):
            raise RuntimeError(
                "httpx.AsyncHTTPTransport no longer keeps its pool in `_pool`; "
                "the SSRF guard cannot be installed"
            )
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=http1,
            http2=http2,
            local_address=local_address,
            retries=retries,
            socket_options=socket_options,
            network_backend=network_backend,
        )


def guarded_transport(
    allow_loopback: bool, ports: Collection[int] | None = None, **transport_kwargs: Any
) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection goes through GuardedNetworkBackend.

    Takes httpx.AsyncHTTPTransport's keyword arguments except `proxy` and `uds` (a proxy resolves
    the target itself and a unix socket is local, so neither could be guarded) and the deprecated
    `cert` (pass `verify=` an SSLContext with the chain loaded). Give it to the client as
    `transport=`, which also makes httpx ignore proxy environment variables. With `ports`, a
    connection to any other port is refused, except on loopback.
    """
    for name in ("proxy", "uds"):
        if transport_kwargs.get(name) is not None:
            raise ConfigError(
                f"a guarded transport cannot use {name}=: its connections would bypass the guard"
            )
    return _GuardedHTTPTransport(
        GuardedNetworkBackend(allow_loopback, ports=ports), **transport_kwargs
    )
