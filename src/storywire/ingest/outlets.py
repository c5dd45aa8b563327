"""Which outlet an article or feed belongs to: one outlet per site, keyed by its homepage's
host (`slugs.outlet_slug`), whoever meets the site first: a feed, an imported page or the
operator's `feeds add --outlet`."""

from __future__ import annotations

from urllib.parse import urlsplit

from storywire.extract.urls import site
from storywire.models import NewOutlet, Outlet
from storywire.slugs import outlet_slug
from storywire.store import db, repo


def ensure_outlet(
    session: db.Session,
    name: str,
    homepage: str | None,
    language: str | None = None,
    rename: bool = False,
) -> Outlet:
    """The outlet of `homepage`'s site (of `name` when there is no homepage), created on first
    sight. What a feed or a file says about itself never renames a stored outlet; the operator's
    word (`rename`) does."""
    outlet = NewOutlet(
        name=name,
        homepage=homepage or "",
        slug=outlet_slug(homepage or name),
        language=language,
    )
    return repo.upsert_outlet(session, outlet) if rename else repo.ensure_outlet(session, outlet)


def origin(url: str) -> str | None:
    """The site's homepage as scheme://host/, or None for a URL without a host."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/" if parts.netloc else None


def feed_homepage(feed_url: str, claimed: str | None) -> str:
    """The homepage of a feed's outlet: the one the feed claims when it is on the feed's own
    site, else the feed's origin. A feed naming another site's homepage would otherwise be
    filed under that site's outlet."""
    if claimed and site(claimed) == site(feed_url):
        return claimed
    parts = urlsplit(feed_url)
    return f"{parts.scheme}://{parts.netloc}/"
