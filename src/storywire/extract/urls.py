"""URL canonicalisation: one article, one URL, however a feed or a share button spelled it."""

from __future__ import annotations

import contextlib
import ipaddress
import posixpath
import re
from functools import cache
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from publicsuffixlist import PublicSuffixList

# Query parameters that identify a campaign or a click, never the content.
_TRACKING_EXACT = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ocid",
        "cmpid",
        "ref",
        "ref_src",
        "ref_url",
        "smid",
        "sr_share",
        "ito",
        "CMP",
        "feature",
        "s_cid",
        "guccounter",
        "soc_src",
        "soc_trk",
        "mkt_tok",
        "spm",
        "xtor",
        "wt_mc",
        "wt_zmc",
        "__twitter_impression",
    }
)
_TRACKING_PREFIXES = ("utm_", "at_", "ns_", "pk_", "mtm_", "hsa_", "oly_", "vero_", "_hs")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_INDEX_PAGE = re.compile(r"/(index|default)\.(html?|php|aspx?)$", re.IGNORECASE)


def is_tracking_parameter(name: str) -> bool:
    return name in _TRACKING_EXACT or name.lower().startswith(_TRACKING_PREFIXES)


def canonical_url(url: str, base: str | None = None) -> str:
    """The URL with tracking parameters, fragments, default ports and case noise removed.

    Scheme and host are lower-cased, the path keeps its case (servers treat it as significant),
    dot segments and duplicate slashes collapse, a trailing slash is dropped except on the root,
    and the remaining query parameters are sorted so equivalent spellings compare equal.
    """
    if base:
        url = urljoin(base, url)
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".").lower()
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii") if host else host
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port if parts.port and parts.port != _DEFAULT_PORTS.get(scheme) else None
    netloc = f"{host}:{port}" if port else host
    path = _normalise_path(parts.path)
    query = urlencode(
        sorted(
            (name, value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if not is_tracking_parameter(name)
        ),
        doseq=True,
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def _normalise_path(path: str) -> str:
    path = re.sub(r"/{2,}", "/", path or "/")
    normal = posixpath.normpath(path) if path not in ("", "/") else "/"
    if normal.startswith("//"):
        normal = "/" + normal.lstrip("/")
    normal = _INDEX_PAGE.sub("/", normal)
    if len(normal) > 1 and normal.endswith("/"):
        normal = normal.rstrip("/")
    return quote(unquote(normal), safe="/%:@!$&'()*+,;=-._~")


def preferred_url(page_url: str, declared_canonical: str | None) -> str:
    """The page's rel=canonical when it stays on the same site, else the page URL itself.

    A canonical on another host usually points a syndicated copy at the original; following it
    would merge the copy into the original and lose the republishing outlet as a source.
    """
    page = canonical_url(page_url)
    if not declared_canonical:
        return page
    try:
        declared = canonical_url(declared_canonical, base=page_url)
    except ValueError:  # a canonical a page made up, e.g. with a port that is not a number
        return page
    if urlsplit(declared).scheme not in ("http", "https"):
        return page
    return declared if site(declared) == site(page) else page


@cache
def _public_suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list the package ships: nothing is downloaded


def site(url: str) -> str:
    """Who controls a URL: its registrable domain by the Public Suffix List ("feeds.bbci.co.uk"
    -> "bbci.co.uk", while "a.github.io" and "b.github.io" are two sites). An IP address or a
    name with no public suffix ("localhost") stands for itself, port included; an unreadable
    URL is "", nobody's site."""
    try:
        parts = urlsplit(url if "//" in url else f"//{url}")
        host = (parts.hostname or "").rstrip(".")
        netloc = parts.netloc.lower()
        parts.port  # noqa: B018 - a bad port raises ValueError here, not later
    except ValueError:
        return ""
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(host)
        return netloc
    return _public_suffixes().privatesuffix(host) or netloc


# Query parameters that carry credentials in feed URLs (private feeds, paid APIs).
_SECRET_PARAMETER = re.compile(
    r"(?:api[-_]?key|key|token|access[-_]?token|auth|password|passwd|pwd|secret|sig|signature|"
    r"session|sid|credentials?|hash)$",
    re.IGNORECASE,
)
# A URL in prose: a sentence's closing punctuation is not part of it.
_URL_IN_TEXT = re.compile(r"https?://[^\s\"'<>]*[^\s\"'<>.,;:!?)]", re.IGNORECASE)
REDACTED = "REDACTED"


def redact_url(url: str) -> str:
    """The URL without what a private feed's address hides: user and password, and the values
    of parameters such as `token` or `api_key`. For public pages; the feed keeps its URL."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return REDACTED
    netloc = f"{REDACTED}@" if parts.username or parts.password else ""
    netloc += f"[{host}]" if ":" in host else host
    netloc += f":{port}" if port else ""
    query = "&".join(
        f"{quote(name, safe='')}={REDACTED if _SECRET_PARAMETER.search(name) else quote(value)}"
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def redact_urls_in(text: str) -> str:
    """Every URL in a message (an error names the feed it failed on) through `redact_url`."""
    return _URL_IN_TEXT.sub(lambda found: redact_url(found.group(0)), text)


# The longest URL stored (the columns' length); browsers and servers stop near it too.
MAX_URL_LENGTH = 2000


def http_url(url: str | None, base: str | None = None) -> str | None:
    """`url` (resolved against `base`) when it is an http(s) URL with a host and at most
    MAX_URL_LENGTH characters, else None: an image address taken from a page or feed may be
    `javascript:` or `data:`, and is stored and served as a link."""
    if not url or len(url) > MAX_URL_LENGTH:
        return None
    try:
        absolute = urljoin(base, url.strip()) if base else url.strip()
        parts = urlsplit(absolute)
        host = parts.hostname
        parts.port  # noqa: B018 - a port that is not a number raises ValueError here
    except ValueError:
        return None
    usable = parts.scheme.lower() in ("http", "https") and host and len(absolute) <= MAX_URL_LENGTH
    return absolute if usable else None
