"""Slugs: readable ASCII keys for stories and outlets."""

from __future__ import annotations

import pytest

from storywire.slugs import outlet_slug, story_slug


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Magnitude 6.4 quake hits Teravale", "magnitude-6-4-quake-hits-teravale-7"),
        ("Múnich: Bürgermeister tritt zurück", "munich-burgermeister-tritt-zuruck-7"),
        ("Путин провёл переговоры", "putin-provel-peregovory-7"),
        ("«»!!", "story-7"),
    ],
)
def test_a_story_slug_is_its_headline_in_ascii_then_its_id(title: str, slug: str) -> None:
    assert story_slug(title, 7) == slug


def test_a_long_headline_is_cut_to_sixty_characters_without_a_trailing_dash() -> None:
    slug = story_slug("word " * 40, 12)
    assert slug.endswith("-12") and len(slug) <= 60 + 3 and "--" not in slug


@pytest.mark.parametrize(
    ("value", "slug"),
    [
        ("https://www.herald.example/", "herald-example"),
        ("https://herald.example/world/", "herald-example"),
        ("http://127.0.0.1:8080/", "127-0-0-1-8080"),
        ("Le Monde diplomatique", "le-monde-diplomatique"),
        ("Süddeutsche Zeitung", "suddeutsche-zeitung"),
        ("???", "outlet"),
    ],
)
def test_an_outlet_is_keyed_by_its_host_or_else_its_name(value: str, slug: str) -> None:
    assert outlet_slug(value) == slug
