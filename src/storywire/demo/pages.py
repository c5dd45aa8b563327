"""Renders what the demo outlets serve: HTML article pages, home pages and RSS/Atom/JSON feeds.

Pages vary by outlet the way real sites do (navigation, adverts, related links, comments, byline
and date formats, which metadata is present), so extraction is exercised on realistic markup.
Articles with a lead image announce it where real publishers do: og:image on the page, a figure
above the text, media:content in RSS, an enclosure link in Atom and `image` in JSON Feed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

from jinja2 import Environment, PackageLoader, select_autoescape

from storywire.demo.corpus import DemoArticle, DemoOutlet
from storywire.demo.images import HEIGHT, IMAGE_TYPE, WIDTH, image_alt, render_svg

_env = Environment(
    loader=PackageLoader("storywire.demo", "templates"),
    autoescape=select_autoescape(["html", "xml"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "search": "Search",
        "subscribe": "Subscribe",
        "about": "About us",
        "privacy": "Privacy",
        "rights": "All rights reserved.",
        "advert": "Advertisement",
        "home": "Home",
        "by": "By",
        "updated": "Updated",
        "share": "Share this article",
        "related": "Related coverage",
        "comments": "Comments",
        "breaking": "LIVE: follow all the latest news as it happens",
        "published": "Published",
        "tip": "Got a story? Email the newsdesk.",
        "most_read": "Most read",
        "contributor": "Contributing writer",
        "newsletter": "Get our weekly newsletter",
        "nothing": "No articles yet.",
        "feed": "Subscribe to our feed",
    },
    "es": {
        "search": "Buscar",
        "subscribe": "Suscríbete",
        "about": "Quiénes somos",
        "privacy": "Privacidad",
        "rights": "Todos los derechos reservados.",
        "advert": "Publicidad",
        "home": "Portada",
        "by": "Por",
        "updated": "Actualizado",
        "share": "Comparte esta noticia",
        "related": "Noticias relacionadas",
        "comments": "Comentarios",
        "breaking": "ÚLTIMA HORA",
        "published": "Publicado",
        "tip": "¿Tienes una historia? Escríbenos.",
        "most_read": "Lo más leído",
        "contributor": "Colaborador",
        "newsletter": "Recibe nuestro boletín",
        "nothing": "Todavía no hay noticias.",
        "feed": "Suscríbete a nuestro canal",
    },
    "de": {
        "search": "Suche",
        "subscribe": "Abonnieren",
        "about": "Über uns",
        "privacy": "Datenschutz",
        "rights": "Alle Rechte vorbehalten.",
        "advert": "Anzeige",
        "home": "Startseite",
        "by": "Von",
        "updated": "Aktualisiert",
        "share": "Artikel teilen",
        "related": "Mehr zum Thema",
        "comments": "Kommentare",
        "breaking": "EILMELDUNG",
        "published": "Veröffentlicht",
        "tip": "Hinweise an die Redaktion.",
        "most_read": "Meistgelesen",
        "contributor": "Gastautor",
        "newsletter": "Unser Newsletter",
        "nothing": "Noch keine Artikel.",
        "feed": "Feed abonnieren",
    },
}

_COMMENTS: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("harbourwatcher", "Thanks for the clear write-up, more of this please."),
        ("ktm_1987", "I'll believe it when I see it."),
        ("quietreader", "Does anyone know where the full statement was published?"),
    ],
    "es": [
        ("lector_del_sur", "Muy buena cobertura, gracias."),
        ("marta.g", "Habrá que ver qué pasa la semana que viene."),
    ],
    "de": [
        ("nordlicht", "Danke für den ausführlichen Bericht."),
        ("k.weber", "Mal sehen, was davon am Ende übrig bleibt."),
    ],
}

_NAV = {
    "en": ["World", "Politics", "Business", "Technology", "Science", "Sports", "Opinion"],
    "es": ["Mundo", "Política", "Economía", "Tecnología", "Ciencia", "Deportes", "Opinión"],
    "de": ["Welt", "Politik", "Wirtschaft", "Technik", "Wissen", "Sport", "Meinung"],
}

FEED_PATHS = {"rss": "/feed.xml", "atom": "/atom.xml", "json": "/feed.json"}
FEED_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}
# Outlets whose feed links carry tracking parameters, as many real feeds do.
_TRACKED = {"daily-courier", "sportline", "harbor-times", "el-faro"}


@dataclass(frozen=True)
class Released:
    """An article as published at a moment: its absolute times and URLs."""

    article: DemoArticle
    url: str
    published: datetime
    updated: datetime | None
    image_url: str | None = None

    def feed_link(self) -> str:
        if self.article.outlet in _TRACKED:
            return f"{self.url}?utm_source=feed&utm_medium=rss&utm_campaign=newsroom"
        return self.url


def _x(value: str) -> str:
    """XML text and attribute escaping."""
    return escape(value, {'"': "&quot;"})


def _jsonld(outlet: DemoOutlet, item: Released) -> str | None:
    marked = item.article.opinion_mark == "jsonld"
    if outlet.style not in ("broadsheet", "magazine", "wire") and not marked:
        return None
    kind = "OpinionNewsArticle" if marked else "NewsArticle"
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": kind,
        "headline": item.article.title,
        "datePublished": item.published.isoformat(),
        "author": {"@type": "Person", "name": item.article.author},
        "publisher": {"@type": "NewsMediaOrganization", "name": outlet.name},
        "mainEntityOfPage": item.url,
        "inLanguage": outlet.language,
    }
    if item.updated:
        data["dateModified"] = item.updated.isoformat()
    if item.image_url:
        data["image"] = {
            "@type": "ImageObject",
            "url": item.image_url,
            "width": WIDTH,
            "height": HEIGHT,
            "caption": image_alt(item.article),
        }
    # Escape "</" so an article text can never close the script element.
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def article_page(
    outlet: DemoOutlet, item: Released, home: str, feed_url: str, related: list[Released]
) -> str:
    article = item.article
    labels = _LABELS[outlet.language]
    opinion_in_meta = article.opinion_mark == "section"
    return _env.get_template(f"{outlet.style}.html").render(
        outlet=outlet,
        article=article,
        url=item.url,
        home=home,
        feed_url=feed_url,
        feed_type=FEED_TYPES[outlet.feed],
        labels=labels,
        nav=_NAV[outlet.language],
        title_sep=" | " if outlet.style != "tabloid" else " - ",
        paragraphs=article.paragraphs,
        published=item.published,
        updated=item.updated,
        published_text=item.published.strftime(outlet.date_format),
        updated_text=item.updated.strftime(outlet.date_format) if item.updated else "",
        meta_dates=outlet.style in ("broadsheet", "wire"),
        show_section_meta=article.kind == "news" or opinion_in_meta,
        section_meta="Opinion" if opinion_in_meta else article.section,
        jsonld=_jsonld(outlet, item),
        related=[{"url": r.url, "title": r.article.title} for r in related],
        comments=_COMMENTS[outlet.language][: 1 + len(article.slug) % 3],
        tags=[article.section, article.event.split("-")[0].title()],
        image=_page_image(item),
    )


def _page_image(item: Released) -> dict[str, Any] | None:
    """What the templates need to show the lead image: its URL, type, size and alt text."""
    if not item.image_url:
        return None
    return {
        "url": item.image_url,
        "type": IMAGE_TYPE,
        "width": WIDTH,
        "height": HEIGHT,
        "alt": image_alt(item.article),
    }


def home_page(outlet: DemoOutlet, items: list[Released], feed_url: str) -> str:
    return _env.get_template("home.html").render(
        outlet=outlet,
        feed_url=feed_url,
        feed_type=FEED_TYPES[outlet.feed],
        labels=_LABELS[outlet.language],
        articles=[
            {
                "url": i.url,
                "title": i.article.title,
                "published_text": i.published.strftime(outlet.date_format),
            }
            for i in items
        ],
    )


def hub_page(now: datetime, outlets: list[dict[str, Any]], released: int, total: int) -> str:
    return _env.get_template("hub.html").render(
        now=now, outlets=outlets, released=released, total=total
    )


def feed_document(
    outlet: DemoOutlet, items: list[Released], home: str, feed_url: str, now: datetime
) -> str:
    """The outlet's feed in its own format, newest first."""
    newest = sorted(items, key=lambda i: i.published, reverse=True)
    updated = max((i.updated or i.published for i in newest), default=now)
    if outlet.feed == "json":
        return _json_feed(outlet, newest, home, feed_url)
    if outlet.feed == "atom":
        return _atom_feed(outlet, newest, home, feed_url, updated)
    return _rss_feed(outlet, newest, home, feed_url, updated)


def _rss_feed(
    outlet: DemoOutlet, items: list[Released], home: str, feed_url: str, updated: datetime
) -> str:
    entries = "".join(
        f"""
    <item>
      <title>{_x(i.article.title)}</title>
      <link>{_x(i.feed_link())}</link>
      <guid isPermaLink="false">{_x(outlet.id)}:{_x(i.article.slug)}</guid>
      <pubDate>{format_datetime(i.published)}</pubDate>
      <dc:creator>{_x(i.article.author)}</dc:creator>
      <category>{_x(i.article.section)}</category>
      <description>{_x(i.article.summary)}</description>{_rss_image(i)}
    </item>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"
  xmlns:media="http://search.yahoo.com/mrss/">
  <channel>
    <title>{_x(outlet.name)}</title>
    <link>{_x(home)}</link>
    <atom:link href="{_x(feed_url)}" rel="self" type="application/rss+xml"/>
    <description>{_x(outlet.voice)}</description>
    <language>{outlet.language}</language>
    <lastBuildDate>{format_datetime(updated)}</lastBuildDate>
    <ttl>15</ttl>{entries}
  </channel>
</rss>
"""


def _atom_feed(
    outlet: DemoOutlet, items: list[Released], home: str, feed_url: str, updated: datetime
) -> str:
    entries = "".join(
        f"""
  <entry>
    <id>tag:{_x(outlet.id)}.demo,2026:{_x(i.article.slug)}</id>
    <title>{_x(i.article.title)}</title>
    <link rel="alternate" type="text/html" href="{_x(i.feed_link())}"/>{_atom_image(outlet, i)}
    <published>{i.published.isoformat()}</published>
    <updated>{(i.updated or i.published).isoformat()}</updated>
    <author><name>{_x(i.article.author)}</name></author>
    <category term="{_x(i.article.section)}"/>
    <summary>{_x(i.article.summary)}</summary>
  </entry>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{outlet.language}">
  <id>tag:{_x(outlet.id)}.demo,2026:feed</id>
  <title>{_x(outlet.name)}</title>
  <subtitle>{_x(outlet.voice)}</subtitle>
  <link rel="alternate" type="text/html" href="{_x(home)}"/>
  <link rel="self" type="application/atom+xml" href="{_x(feed_url)}"/>
  <updated>{updated.isoformat()}</updated>{entries}
</feed>
"""


def _rss_image(item: Released) -> str:
    """Media RSS, the element feed readers (and feedparser's media_content) look for pictures in."""
    if not item.image_url:
        return ""
    return (
        f'\n      <media:content url="{_x(item.image_url)}" medium="image" type="{IMAGE_TYPE}"'
        f' width="{WIDTH}" height="{HEIGHT}"/>'
    )


def _atom_image(outlet: DemoOutlet, item: Released) -> str:
    """Atom has no picture element; publishers attach the image as an enclosure link."""
    if not item.image_url:
        return ""
    length = len(render_svg(item.article, outlet).encode("utf-8"))
    return (
        f'\n    <link rel="enclosure" type="{IMAGE_TYPE}" href="{_x(item.image_url)}"'
        f' length="{length}"/>'
    )


def _json_feed(outlet: DemoOutlet, items: list[Released], home: str, feed_url: str) -> str:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": outlet.name,
        "home_page_url": home,
        "feed_url": feed_url,
        "description": outlet.voice,
        "language": outlet.language,
        "items": [_json_item(outlet, i) for i in items],
    }
    return json.dumps(feed, ensure_ascii=False, indent=2)


def _json_item(outlet: DemoOutlet, item: Released) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": f"{outlet.id}:{item.article.slug}",
        "url": item.feed_link(),
        "title": item.article.title,
        "summary": item.article.summary,
        "date_published": item.published.isoformat(),
        "date_modified": (item.updated or item.published).isoformat(),
        "authors": [{"name": item.article.author}],
        "tags": [item.article.section],
    }
    if item.image_url:
        entry["image"] = item.image_url
    return entry


def opml_document(feeds: list[tuple[DemoOutlet, str, str]]) -> str:
    outlines = "".join(
        f'\n    <outline type="{"rss" if o.feed != "json" else "json"}" text="{_x(o.name)}" '
        f'title="{_x(o.name)}" xmlUrl="{_x(url)}" htmlUrl="{_x(home)}"/>'
        for o, url, home in feeds
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0">
  <head><title>storywire demo newsroom</title></head>
  <body>
    <outline text="Demo newsroom">{outlines}
    </outline>
  </body>
</opml>
"""
