"""`replay`: feed items through the service's own stages, with the real model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storywire.cluster.replay import StreamItem, replay
from storywire.nlp.embed import default_embedder
from storywire.sources.feeds import clean_description

T0 = datetime(2026, 6, 9, 7, tzinfo=UTC)

# One outlet whose descriptions are only an image, one that gives every item the same line:
# neither is content, so their unrelated items must not become one story of "copies".
UNRELATED = [
    "Harbour bridge to close for six weeks of repairs",
    "Striker signs four-year deal with relegated club",
    "Chipmaker's quarterly profit doubles on data-centre demand",
    "Heatwave warning issued for the south-east this weekend",
]


def _items() -> list[StreamItem]:
    items = []
    for n, title in enumerate(UNRELATED):
        items.append(
            StreamItem(
                f"img-{n}",
                title,
                '<p><img src="https://img.example/a.jpg" /></p>',
                T0 + timedelta(minutes=20 * n),
                "Picture Post",
                f"https://picture.example/{n}",
            )
        )
        items.append(
            StreamItem(
                f"sub-{n}",
                title,
                "Subscribe to read the full story from our newsroom today.",
                T0 + timedelta(minutes=20 * n + 5),
                "Paywalled Times",
                f"https://paywall.example/{n}",
            )
        )
    return items


def test_boilerplate_descriptions_do_not_make_copies() -> None:
    rows = replay(_items(), default_embedder()).rows
    story = {item: s for item, s, _ in rows}
    for outlet in ("img", "sub"):
        assert len({story[f"{outlet}-{n}"] for n in range(len(UNRELATED))}) == len(UNRELATED)
    for n in range(len(UNRELATED)):  # the same headline from two outlets is one story
        assert story[f"img-{n}"] == story[f"sub-{n}"]


def test_every_item_gets_a_story_and_a_thread_in_input_order() -> None:
    items = _items()[::-1]
    replayed = replay(items, default_embedder())
    assert [item for item, _, _ in replayed.rows] == [i.id for i in items]
    assert all(thread is not None for _, _, thread in replayed.rows)
    assert replayed.report.clustered == len(items)
    assert replayed.rounds == 2  # 30-minute rounds from the first item: 7:00 and 7:40


def test_descriptions_lose_their_markup_and_keep_their_paragraphs() -> None:
    assert clean_description('<img src="x.jpg"/>') == ""
    assert clean_description("<p>One &amp; two</p>\n\n<p>Three</p>") == "One & two\n\nThree"
    assert clean_description("Plain   text\nwrapped") == "Plain text wrapped"


def test_an_undated_item_arrives_in_the_first_round_and_splits_nothing_else() -> None:
    """Before, an item without a date ended the replay's rounds: every later item went into
    one round with it."""
    from storywire.cluster.replay import _rounds

    items = _items()
    undated = StreamItem("undated", "Ferry timetable changes", "", None, "Picture Post")
    rounds = _rounds([undated, *items], timedelta(minutes=30))
    assert [len(batch) for _, batch in rounds] == [5, 4]
    assert 0 in rounds[0][1] and rounds[0][0] == T0 + timedelta(minutes=30)
    replayed = replay([undated, *items], default_embedder())
    assert replayed.rounds == 2 and replayed.report.clustered == len(items) + 1


def test_unrelated_headlines_under_one_rubric_are_not_one_story() -> None:
    """An outlet files its war coverage under a running rubric and signs every headline: the
    rubric and the name are most of each short headline, and made unrelated reports one story.
    Once the outlet's earlier headlines show the rubric (here its first four), the models read
    the later ones without it."""
    events = [
        "Drones downed over Kyiv overnight",
        "Grain corridor reopens for cargo ships",
        "EU pledges more artillery aid",
        "Peace talks planned in Geneva",
        "Power plant in Zaporizhzhia hit by shelling",
        "Prisoner exchange frees 90 soldiers",
        "Farmers in Poland block border crossing",
        "Black Sea fleet commander replaced",
    ]
    items = [
        StreamItem(
            f"war-{n}",
            f"Live oorlog in Oekraïne: {event} - Het Dagblad",
            "",
            T0 + timedelta(hours=n),
            "Het Dagblad",
            f"https://dagblad.example/{n}",
        )
        for n, event in enumerate(events)
    ]
    story = {item: s for item, s, _ in replay(items, default_embedder()).rows}
    later = [story[f"war-{n}"] for n in range(4, len(events))]
    assert len(set(later)) == len(later)
    assert not set(later) & {story[f"war-{n}"] for n in range(4)}
