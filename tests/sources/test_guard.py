"""The SSRF guard: URL forms that must be refused, and the real transport against a real HTTP
server on 127.0.0.1. Every TCP connect any httpcore client makes in this module is recorded, and
one to anywhere but loopback fails the test, so a broken guard cannot reach the network."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
import threading
import urllib.parse
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpcore
import httpx
import pytest

from storywire.errors import BlockedAddressError, ConfigError, FetchError
from storywire.sources.guard import (
    GuardedNetworkBackend,
    check_url,
    forbidden_reason,
    guarded_transport,
)

BODY = b"hello from 127.0.0.1"

# Refused by default, each for a different reason or spelling.
REFUSED_URLS = [
    "http://127.0.0.1/",
    "http://127.0.0.2:8080/feed.xml",
    "http://localhost/",
    "http://LOCALHOST/",
    "http://localhost./",
    "http://foo.localhost/",
    "http://2130706433/",  # decimal
    "http://0177.0.0.1/",  # octal
    "http://017700000001/",  # octal, one part
    "http://0x7f.0.0.1/",  # hex
    "http://0x7f000001/",  # hex, one part
    "http://127.1/",  # short form
    "http://127.0.0.1./",  # trailing dot
    "http://%31%32%37.0.0.1/",  # percent-encoded
    "http://①②⑦.0.0.1/",  # compatibility digits that IDNA folds
    "http://user:secret@127.0.0.1/",  # userinfo does not hide the host
    "http://example.com@127.0.0.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:7f00:1]/",
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[64:ff9b::7f00:1]/",  # NAT64
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[2002:a00:1::1]/",  # 6to4 of 10.0.0.1
    "https://[64:ff9b::a9fe:a9fe]/",  # NAT64 of the metadata address
    "http://10.0.0.1/",
    "http://10.1/",  # short form of 10.0.0.1
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://169.254.10.1/",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/",  # with a zone
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://255.255.255.255/",
    "http://240.0.0.1/",
    "http://100.64.0.1/",
    "http://192.0.2.1/",  # documentation
    "http://08.0.0.1/",  # numeric but no valid address: refused, never sent to DNS
    "http://1.2.3.4.5/",
]

# The refused forms that httpx can parse and that need no name lookup: the transport must refuse
# them on its own, without check_url. (httpx itself rejects 0177.0.0.1, 08.0.0.1 and ①②⑦.)
TRANSPORT_REFUSED_URLS = [
    url
    for url in REFUSED_URLS
    if "localhost" not in url.lower()
    and url.split("/")[2] not in ("0177.0.0.1", "08.0.0.1")
    and "①" not in url
]


class _Handler(BaseHTTPRequestHandler):
    """`/` answers with BODY; `/redirect/<quoted url>` redirects there."""

    server: _Server

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Host", "")))
        if self.path.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", urllib.parse.unquote(self.path.removeprefix("/redirect/")))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep request lines out of the test output."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, str]] = []

    @property
    def port(self) -> int:
        return int(self.server_address[1])


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    with _Server() as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield httpd
        httpd.shutdown()
        thread.join()


@pytest.fixture
def local(server: _Server) -> _Server:
    server.seen.clear()
    return server


@pytest.fixture(autouse=True)
def connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Hosts httpcore's socket layer was asked to connect to; anything but loopback fails."""
    hosts: list[str] = []
    original = httpcore.AnyIOBackend.connect_tcp

    async def spy(
        self: httpcore.AnyIOBackend,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        hosts.append(host)
        if host not in ("127.0.0.1", "::1"):
            raise AssertionError(f"the test tried to connect to {host}")
        return await original(
            self, host, port, timeout=timeout, local_address=local_address, socket_options=None
        )

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", spy)
    return hosts


def _fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[list[str]]]) -> list[str]:
    """Answer getaddrinfo for the named hosts from `answers` (one list of addresses per call, the
    last repeated); return the names looked up. Other names go to the real resolver."""
    looked_up: list[str] = []
    real = asyncio.BaseEventLoop.getaddrinfo

    async def getaddrinfo(
        self: asyncio.BaseEventLoop, host: str, port: int, **kwargs: Any
    ) -> list[tuple[Any, ...]]:
        if host not in answers:
            return await real(self, host, port, **kwargs)
        looked_up.append(host)
        calls = answers[host]
        addresses = calls.pop(0) if len(calls) > 1 else calls[0]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in addresses
        ]

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", getaddrinfo)
    return looked_up


async def _get(url: str, allow_loopback: bool, follow_redirects: bool = False) -> httpx.Response:
    transport = guarded_transport(allow_loopback=allow_loopback)
    async with httpx.AsyncClient(
        transport=transport, timeout=5, follow_redirects=follow_redirects
    ) as client:
        return await client.get(url)


# --- check_url -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_check_url_refuses_internal_hosts_in_every_spelling(url: str) -> None:
    with pytest.raises(BlockedAddressError):
        check_url(url, allow_loopback=False)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/feed.xml", "gopher://127.0.0.1:70/_x"]
)
def test_check_url_refuses_schemes_other_than_http(url: str) -> None:
    with pytest.raises(FetchError, match="scheme") as excinfo:
        check_url(url, allow_loopback=True)
    assert excinfo.type is FetchError


@pytest.mark.parametrize("url", ["http:///feed.xml", "https://", "//example.com/feed.xml"])
def test_check_url_refuses_urls_without_scheme_or_host(url: str) -> None:
    with pytest.raises(FetchError) as excinfo:
        check_url(url, allow_loopback=True)
    assert excinfo.type is FetchError


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/feed.xml",
        "HTTP://Example.COM./feed",
        "https://user:secret@example.org:8443/x",
        "http://93.184.215.14/",
        "http://[2606:4700::1111]/",
        "http://[::ffff:93.184.215.14]/",
        "https://1password.com/",  # a name that starts with a digit is still a name
    ],
)
def test_check_url_passes_public_hosts_without_dns(url: str) -> None:
    check_url(url, allow_loopback=False)


@pytest.mark.parametrize(
    "host", ["2130706433", "0177.0.0.1", "0x7f.1", "127.1", "0x7f000001", "10.1", "192.168.257"]
)
def test_numeric_hosts_mean_what_inet_aton_says(host: str) -> None:
    meant = ipaddress.IPv4Address(socket.inet_aton(host))
    with pytest.raises(BlockedAddressError, match=re.escape(f"address {meant}") + "$"):
        check_url(f"http://{host}/", allow_loopback=False)


def test_refusals_name_the_host_but_not_the_password() -> None:
    with pytest.raises(BlockedAddressError) as excinfo:
        check_url("http://alice:hunter2@10.0.0.1/", allow_loopback=False)
    assert str(excinfo.value) == "refusing to fetch from 10.0.0.1: private address 10.0.0.1"


# --- forbidden_reason ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback address 127.0.0.1"),
        ("10.0.0.1", "private address 10.0.0.1"),
        ("172.31.255.255", "private address 172.31.255.255"),
        ("169.254.169.254", "cloud metadata address 169.254.169.254"),
        ("100.100.100.200", "cloud metadata address 100.100.100.200"),
        ("fd00:ec2::254", "cloud metadata address fd00:ec2::254"),
        ("169.254.1.1", "link-local address 169.254.1.1"),
        ("fe80::1", "link-local address fe80::1"),
        ("fc00::1", "private address fc00::1"),
        ("100.64.0.1", "carrier-grade NAT address 100.64.0.1"),
        ("0.0.0.0", "unspecified address 0.0.0.0"),
        ("::", "unspecified address ::"),
        ("224.0.0.1", "multicast address 224.0.0.1"),
        ("ff02::1", "multicast address ff02::1"),
        ("255.255.255.255", "broadcast address 255.255.255.255"),
        ("240.0.0.1", "reserved address 240.0.0.1"),
        ("::ffff:10.0.0.1", "private address 10.0.0.1 embedded in ::ffff:a00:1"),
        ("::7f00:1", "loopback address 127.0.0.1 embedded in ::7f00:1"),
        (
            "64:ff9b::a9fe:a9fe",
            "cloud metadata address 169.254.169.254 embedded in 64:ff9b::a9fe:a9fe",
        ),
        ("2002:c0a8:101::1", "private address 192.168.1.1 embedded in 2002:c0a8:101::1"),
        ("2001:db8::1", "non-public address 2001:db8::1"),
    ],
)
def test_forbidden_reason_says_why(address: str, reason: str) -> None:
    assert forbidden_reason(ipaddress.ip_address(address), allow_loopback=False) == reason


@pytest.mark.parametrize(
    "address",
    [
        "93.184.215.14",
        "8.8.8.8",
        "2606:4700::1111",
        "::ffff:93.184.215.14",  # mapped, but public
        "64:ff9b::5db8:d70e",  # NAT64 of a public address
        "2002:5db8:d70e::1",  # 6to4 of a public address
    ],
)
def test_public_addresses_are_permitted(address: str) -> None:
    assert forbidden_reason(ipaddress.ip_address(address), allow_loopback=False) is None


# --- allow_loopback --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/", "http://127.0.0.2/", "http://[::1]/", "http://localhost:8080/"]
)
def test_allow_loopback_allows_loopback(url: str) -> None:
    check_url(url, allow_loopback=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.1.1/",
        "http://[fd00:ec2::254]/",
        "http://0.0.0.0/",
        # Loopback dressed as IPv6 is not the exempt 127/8 or ::1 (via NAT64 it is not even ours).
        "http://[::ffff:127.0.0.1]/",
        "http://[64:ff9b::7f00:1]/",
    ],
)
def test_allow_loopback_allows_nothing_else(url: str) -> None:
    with pytest.raises(BlockedAddressError):
        check_url(url, allow_loopback=True)


@pytest.mark.parametrize("address", ["127.0.0.1", "127.255.0.1", "::1"])
def test_forbidden_reason_exempts_only_loopback(address: str) -> None:
    assert forbidden_reason(ipaddress.ip_address(address), allow_loopback=True) is None


# --- the real transport ----------------------------------------------------------------------


def test_transport_refuses_a_real_local_server_by_default(
    local: _Server, connects: list[str]
) -> None:
    with pytest.raises(
        BlockedAddressError, match=re.escape("loopback address 127.0.0.1")
    ) as excinfo:
        asyncio.run(_get(f"http://127.0.0.1:{local.port}/", allow_loopback=False))
    # It reaches the caller as itself, not wrapped in an httpx error.
    assert not isinstance(excinfo.value, httpx.HTTPError)
    assert connects == []
    assert local.seen == []


def test_transport_fetches_from_loopback_when_allowed(local: _Server, connects: list[str]) -> None:
    response = asyncio.run(_get(f"http://127.0.0.1:{local.port}/", allow_loopback=True))
    assert response.status_code == 200
    assert response.content == BODY
    assert connects == ["127.0.0.1"]


@pytest.mark.parametrize("url", TRANSPORT_REFUSED_URLS)
def test_transport_refuses_internal_literals_without_check_url(
    url: str, connects: list[str]
) -> None:
    with pytest.raises(BlockedAddressError):
        asyncio.run(_get(url, allow_loopback=False))
    assert connects == []


@pytest.mark.parametrize(
    "target",
    ["http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:a00:1]/"],
)
def test_redirects_to_internal_addresses_are_refused_before_connecting(
    target: str, local: _Server, connects: list[str]
) -> None:
    start = f"http://127.0.0.1:{local.port}/redirect/{urllib.parse.quote(target, safe='')}"
    with pytest.raises(BlockedAddressError):
        asyncio.run(_get(start, allow_loopback=True, follow_redirects=True))
    assert [path for path, _ in local.seen] == [urllib.parse.urlsplit(start).path]
    assert connects == ["127.0.0.1"]  # the first hop only


def test_a_name_that_resolves_to_loopback_is_refused(local: _Server, connects: list[str]) -> None:
    """`localhost` is not special to the transport: it is refused for what DNS says it is."""
    with pytest.raises(BlockedAddressError, match=r"refusing to connect to localhost: loopback"):
        asyncio.run(_get(f"http://localhost:{local.port}/", allow_loopback=False))
    assert connects == []


def test_a_name_that_resolves_to_loopback_is_fetched_when_allowed(
    local: _Server, connects: list[str]
) -> None:
    response = asyncio.run(_get(f"http://localhost:{local.port}/", allow_loopback=True))
    assert response.content == BODY
    assert connects[-1] == "127.0.0.1"  # after ::1, if the resolver offered it first
    assert set(connects) <= {"127.0.0.1", "::1"}


def test_one_forbidden_address_among_public_ones_refuses_the_name(
    monkeypatch: pytest.MonkeyPatch, connects: list[str]
) -> None:
    _fake_dns(monkeypatch, {"mixed.test": [["93.184.215.14", "2606:4700::1111", "10.0.0.1"]]})
    with pytest.raises(BlockedAddressError, match=re.escape("private address 10.0.0.1")):
        asyncio.run(_get("http://mixed.test/", allow_loopback=False))
    assert connects == []


def test_the_checked_address_is_the_one_connected_to(
    monkeypatch: pytest.MonkeyPatch, local: _Server, connects: list[str]
) -> None:
    """A rebinding resolver answers 127.0.0.1 once, then 10.0.0.1: the name is looked up once and
    the socket goes to the address that was checked, never to the name."""
    looked_up = _fake_dns(monkeypatch, {"rebind.test": [["127.0.0.1"], ["10.0.0.1"]]})
    response = asyncio.run(_get(f"http://rebind.test:{local.port}/", allow_loopback=True))
    assert response.content == BODY
    assert looked_up == ["rebind.test"]
    assert connects == ["127.0.0.1"]
    assert local.seen == [("/", f"rebind.test:{local.port}")]


class _TLSProbe(httpcore.AsyncNetworkStream):
    """A stream that records how TLS would be started on it, then fails the connection."""

    def __init__(self) -> None:
        self.server_hostname: str | None = None
        self.context: ssl.SSLContext | None = None

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.server_hostname, self.context = server_hostname, ssl_context
        raise httpcore.ConnectError("probe: no TLS here")

    async def aclose(self) -> None:
        pass


def test_tls_verifies_the_url_host_not_the_connected_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fake_dns(monkeypatch, {"news.test": [["127.0.0.1"]]})
    probe = _TLSProbe()
    connected: list[str] = []

    async def connect(
        self: httpcore.AnyIOBackend, host: str, port: int, **kwargs: Any
    ) -> _TLSProbe:
        connected.append(host)
        return probe

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", connect)
    with pytest.raises(httpx.ConnectError, match="probe"):
        asyncio.run(_get("https://news.test/", allow_loopback=True))
    assert connected == ["127.0.0.1"]
    assert probe.server_hostname == "news.test"
    assert probe.context is not None
    assert probe.context.check_hostname and probe.context.verify_mode == ssl.CERT_REQUIRED


def test_unresolvable_names_fail_as_connect_errors(
    monkeypatch: pytest.MonkeyPatch, connects: list[str]
) -> None:
    _fake_dns(monkeypatch, {"nowhere.test": [[]]})
    with pytest.raises(httpx.ConnectError, match=re.escape("cannot resolve nowhere.test")):
        asyncio.run(_get("http://nowhere.test/", allow_loopback=False))
    assert connects == []


def test_unix_sockets_are_refused() -> None:
    backend = GuardedNetworkBackend(allow_loopback=True)
    with pytest.raises(BlockedAddressError, match="unix socket"):
        asyncio.run(backend.connect_unix_socket("/run/docker.sock"))


@pytest.mark.parametrize(
    "kwargs", [{"proxy": "http://127.0.0.1:3128"}, {"uds": "/run/docker.sock"}]
)
def test_guarded_transport_refuses_settings_that_bypass_the_guard(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        guarded_transport(allow_loopback=False, **kwargs)


def test_only_web_ports_are_fetched_except_on_loopback(
    monkeypatch: pytest.MonkeyPatch, connects: list[str]
) -> None:
    """A feed URL on port 25 or 6379 of a public host reaches a mail or database server."""
    _fake_dns(monkeypatch, {"mail.test": [["93.184.216.34"]]})

    async def get(url: str, allow_loopback: bool) -> httpx.Response:
        transport = guarded_transport(allow_loopback=allow_loopback, ports=(80, 443))
        async with httpx.AsyncClient(transport=transport, timeout=5) as client:
            return await client.get(url)

    for port in (25, 6379):
        with pytest.raises(BlockedAddressError, match=f"mail.test:{port}: not a web port"):
            asyncio.run(get(f"http://mail.test:{port}/feed", allow_loopback=False))
    assert connects == [], "refused before any socket"
    with pytest.raises(httpx.ConnectError):  # loopback, any port: the demo and the tests
        asyncio.run(get("http://127.0.0.1:9/feed", allow_loopback=True))
    assert connects == ["127.0.0.1"]
