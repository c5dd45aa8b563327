"""URL keys: stories and outlets are addressed by slugs that read as their names, in ASCII
(python-slugify transliterates: "Múnich" becomes "munich", not "m-nich")."""

from __future__ import annotations

from urllib.parse import urlsplit

from slugify import slugify

STORY_SLUG_LENGTH = 60


def story_slug(title: str, story_id: int) -> str:
    """A story's key: its first headline, then its id, which keeps two stories apart."""
    return f"{slugify(title, max_length=STORY_SLUG_LENGTH) or 'story'}-{story_id}"


def outlet_slug(value: str) -> str:
    """An outlet's key from its homepage (host and port, without "www.") or, lacking one, its
    name: so the feeds and pages of one site are one outlet."""
    base = urlsplit(value).netloc or value
    return slugify(base.lower().removeprefix("www.")) or "outlet"
