"""When two sentences state the same fact (write/facts.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from storywire.write.facts import (
    content,
    current_figures,
    each_fact_once,
    figures,
    gives_current_figure,
    measures,
    out_of_date,
    planned_day,
    repeated_pairs,
    restates,
)


def test_a_sentence_that_adds_little_to_another_restates_it() -> None:
    quake = content("A magnitude 6.4 earthquake shook southern Calveria early on Tuesday.")
    assert restates(content("A strong earthquake struck southern Calveria."), quake)
    assert restates(quake, content("The earthquake measured magnitude 6.4, seismologists said."))


def test_a_fact_restated_in_other_forms_of_its_words_is_a_repeat() -> None:
    """ "banned" and "ban", "announced" and "announces" are one content word (gn24's UK
    story of 15 June stated the under-16s' ban twice)."""
    banned = content(
        "Children under 16 will be banned from using social media in Kestria, Prime Minister "
        "Dana Voss announced on Monday, saying such platforms made youngsters unhappy."
    )
    ban = content(
        "Kestria is the latest country to follow Norland with a ban on social media for "
        "children, the prime minister announces, protecting youngster wellbeing."
    )
    assert restates(banned, ban)  # 9 of 15: "ban", "announc", "youngster" and six others


def test_a_fact_told_again_with_half_of_its_words_is_a_repeat() -> None:
    """Half the smaller sentence's content inside the other is a repeat (4 of 8 here): the
    share was chosen on the tune half of bench/repeats.py's labelled pairs, where 0.45 caught
    12 of 35 repeats the old 0.6 let through while flagging 1 of 86 pairs of different facts
    (gn24's Telegram story of 17 June told the ban "until June 22" twice)."""
    blocked = content(
        "Kestria's government has blocked the messaging app Relay until June 22, saying it was "
        "used to cheat in the medical exam."
    )
    restricted = content("The restrictions include a nationwide ban on Relay until June 22.")
    assert restates(blocked, restricted)
    reaction = content(
        "Relay's chief executive called the ban a mistake that would punish millions of users."
    )
    assert not restates(blocked, reaction)
    snow = content("Snow closed the Arlen pass on Tuesday, stranding hundreds of drivers.")
    mayor = content("Arlen's mayor said on Tuesday that schools would reopen next week.")
    assert not restates(snow, mayor)  # 2 of 7: a place and a day


def test_two_facts_about_the_same_people_are_not_a_repeat() -> None:
    """Sharing the story's names is not stating the same fact."""
    arrested = content("Police in Calveria arrested two men after the Teravale bank robbery.")
    freed = content("A court in Calveria freed the two men from Teravale on bail on Friday.")
    assert not restates(arrested, freed)


def test_a_possessive_is_the_name_it_belongs_to() -> None:
    """A name with a typographic apostrophe, with a plain one, and bare: one word of content."""
    assert content("Lenz’s film") == content("Lenz's film") == content("Lenz film")
    dropped = content("Dario Lenz’s nearly finished Quill movie was dropped by Halden Studios.")
    assert restates(dropped, content("Dario Lenz's Quill movie must find a studio after Halden."))


def test_numbers_are_content() -> None:
    assert "#6.4" in content("The quake measured 6.4.")
    nine = content("Officials said nine people died in Teravale, 23 were injured.")
    other = content("Officials said nine people died in Teravale, 41 were injured.")
    assert nine != other


def test_a_sentence_with_little_content_is_never_a_repeat() -> None:
    assert not restates(content("He said so."), content("He said so on Tuesday in Teravale."))


def test_repeated_pairs_lists_each_pair_once_in_order() -> None:
    sentences = [
        "A magnitude 6.4 earthquake shook southern Calveria early on Tuesday.",
        "Rescuers searched collapsed buildings in Teravale through the night.",
        "A strong earthquake struck southern Calveria.",
    ]
    assert repeated_pairs(sentences) == [(0, 2)]


def test_each_fact_once_keeps_the_first_statement_of_a_fact() -> None:
    sentences = [
        "A magnitude 6.4 earthquake shook southern Calveria early on Tuesday.",
        "A strong earthquake struck southern Calveria.",
        "Rescuers searched collapsed buildings in Teravale through the night.",
        "The earthquake measured magnitude 6.4, seismologists said.",
    ]
    assert each_fact_once(sentences) == [0, 2]
    assert each_fact_once([]) == []


def test_figures_are_counts_of_what_coverage_updates() -> None:
    assert figures("A magnitude 6.4 quake struck, killing at least nine people in Teravale.") == {
        "dead": {"9"}
    }
    assert figures(
        "Nine people are confirmed dead and more than 80 injured, 14 of them badly."
    ) == {
        "dead": {"9"},
        "injured": {"80"},
    }
    assert figures("Police arrested 12 protesters; 3 officers were hurt.") == {
        "arrested": {"12"},
        "injured": {"3"},
    }


def test_a_tally_counts_what_it_changed_to_however_far_its_words() -> None:
    """A tally ("death toll", "number of people missing") and the number it rose or fell to
    can stand further apart than any counted word's reach; a number a tally of something
    uncounted changed to counts nothing, whatever counted word stands near."""
    assert figures(
        "The death toll from the previous day's earthquake has risen to 23, officials said."
    ) == {"dead": {"23"}}
    assert figures("The number of people missing after the Arlen valley floods fell to four.") == {
        "missing": {"4"}
    }
    assert figures("El balance de muertos por el terremoto en la región ascendió a 23.") == {
        "dead": {"23"}
    }
    assert figures("Police arrested two men after the number of visitors rose to 5000.") == {
        "arrested": {"2"}
    }
    assert figures("The number of visitors rose to 5000 as police arrested two men.") == {
        "arrested": {"2"}
    }


def test_what_is_not_a_current_figure_is_left_out() -> None:
    """A phrase ends at a comma or an "and"; a number after "from" is history; a sentence that
    names a year is background; a share or a magnitude is not a count."""
    assert figures("23 people have died and about 140 have been treated in hospital.") == {
        "dead": {"23"}
    }
    assert figures("The toll rose to 23 deaths, up from nine.") == {"dead": {"23"}}
    assert figures("The region's last big earthquake, in 1987, killed 14 people.") == {}
    assert figures("Turnout fell to 45% as 6.5 million stayed home.") == {}
    assert figures("Singer-songwriter Oliver Tree dies at 32 in helicopter crash") == {}
    assert figures("A 32-year-old man was arrested; police said he was aged 40.") == {}


def test_the_current_figure_is_the_latest_coverage_gives() -> None:
    day = datetime(2026, 11, 2, tzinfo=UTC)
    dated = [
        ("Officials reported at least two deaths.", day),
        ("Nine people are confirmed dead and 80 injured.", day + timedelta(hours=2)),
        ("The toll has climbed to 23 dead, officials said.", day + timedelta(days=1)),
        ("Undated: 5 people died.", None),
    ]
    current = current_figures(dated)
    assert current == {"dead": "23", "injured": "80"}
    assert out_of_date("Nine people are confirmed dead.", current)
    assert not out_of_date("The toll rose from nine to 23 deaths.", current)
    assert not out_of_date("More than 80 people were injured.", current)
    assert not out_of_date("Rescuers searched the rubble.", current)
    # Without dates nothing says which figure is the latest.
    assert current_figures([(text, None) for text, _ in dated]) == {}


def test_a_late_smaller_toll_is_not_the_current_one() -> None:
    """Outlets report a growing toll at their own pace: "at least 100" hours after others
    reported 320 is late news. A toll revised down stands once a day's coverage gives it, and
    the missing are found, so their newest count stands."""
    day = datetime(2023, 10, 7, 12, tzinfo=UTC)
    dated = [
        ("Earthquakes in the west of the country killed at least 14 people.", day),
        (
            "At least 320 people were killed in the earthquakes, the UN said.",
            day + timedelta(hours=5),
        ),
        ("Powerful earthquakes kill at least 100, the UN says.", day + timedelta(hours=14)),
        ("Fifty people are missing after the quake.", day + timedelta(hours=5)),
        ("Eight people are still missing, officials said.", day + timedelta(hours=14)),
    ]
    current = current_figures(dated)
    assert current == {"dead": "320", "missing": "8"}
    assert out_of_date("Powerful earthquakes kill at least 100, the UN says.", current)
    revised = [*dated, ("The toll was revised to 150 dead.", day + timedelta(days=2))]
    assert current_figures(revised)["dead"] == "150"


def test_two_sentences_stating_one_figure_state_the_same_fact() -> None:
    """A toll, a magnitude or a rate stated twice is stated once too often, whatever else
    the two sentences say."""
    killing = content("A 6.4 quake shook the coast, killing at least nine people in Teravale.")
    confirmed = content("Civil protection said nine deaths had been confirmed in the old town.")
    assert restates(killing, confirmed)
    magnitude = content("Teravale was counting its dead after a magnitude 6.4 earthquake.")
    assert restates(killing, magnitude)
    assert not restates(confirmed, content("Civil protection said 80 people were injured."))


def test_a_measure_in_force_is_out_of_date_once_the_newest_report_lifts_it() -> None:
    day = datetime(2026, 11, 3, 14, tzinfo=UTC)
    dated = [
        ("A tsunami warning is in force for the coasts of the islands.", day),
        ("The office issued a tsunami warning at 14:29 and urged people inland.", day),
        ("Authorities lifted the tsunami warning at 16:20.", day + timedelta(hours=2)),
    ]
    current = current_figures(dated)
    assert current == {"warning": "lifted"}
    assert out_of_date("A tsunami warning is in force for the coasts of the islands.", current)
    assert not out_of_date("The office issued a tsunami warning at 14:29.", current)  # history
    assert not out_of_date("Authorities lifted the tsunami warning at 16:20.", current)
    reissued = [*dated, ("The warning remains in force tonight.", day + timedelta(hours=5))]
    assert current_figures(reissued) == {"warning": "in force"}
    assert measures("Rail workers began a 48-hour strike on Tuesday.") == (("strike", "issued"),)
    assert measures("The strike ended in 1984.") == ()  # a year: background
    assert measures("The warning was posted on the wall.") == ()  # nothing said of it


def test_a_measure_issued_and_a_measure_lifted_are_two_facts() -> None:
    issued = "The disaster management office issued a tsunami warning at 14:29 for the coast."
    lifted = "The disaster management office cancelled the warning at 16:20 for the coast."
    assert not restates(content(issued), content(lifted))
    again = "The disaster management office issued the tsunami warning for the coast at 14:29."
    assert restates(content(issued), content(again))


def test_a_title_that_gives_the_current_toll_is_lifted_over_a_side_report() -> None:
    """A headline that gives the coverage's current figure says where the story is now: it wins
    over a follow-up on the story's edge that is a little more central (by less than the lift)."""
    from storywire.write.extractive import CURRENT_FIGURE_LIFT, _headline_quality

    current = {"dead": "23"}
    toll = "State of emergency declared as quake death toll climbs to 23"
    rescue = "Rescue team at work in quake-hit Teravale"
    assert gives_current_figure(toll, current)
    assert not gives_current_figure(rescue, current)
    assert not gives_current_figure("Nine dead as earthquake strikes", current)
    lifted = _headline_quality(toll, 0.45, current_figure=gives_current_figure(toll, current))
    central = 0.45 + CURRENT_FIGURE_LIFT / 2
    assert lifted > _headline_quality(rescue, central, current_figure=False)


def test_a_plan_is_the_day_a_future_tense_sentence_names() -> None:
    friday = datetime(2026, 6, 12, 9, tzinfo=UTC)
    plans = {
        "On June 14, Arlen voters will be able to decide on a council cap.": date(2026, 6, 14),
        "The Voss trial will resume on Monday.": date(2026, 6, 15),
        "The strike is set to begin on the 20th of June.": date(2026, 6, 20),
        "Talks are due to start on Sept. 3 in Vellmar.": date(2026, 9, 3),
        "Polls won't open until Friday.": date(2026, 6, 12),  # the day it was written
        "US-Iran deal scheduled to be signed on Sunday, says Trump": date(2026, 6, 14),  # a title
    }
    for text, day in plans.items():
        assert planned_day(text, friday) == day, text
    told = [
        "Arlen voters rejected the council cap on June 14.",  # not a plan
        "The council will keep its 40 seats.",  # a plan of no day
        "He will speak about what he saw last Monday.",  # a day gone by
        "The mayor said she will appeal the June 2 ruling.",  # June 2 is past; next year's too far
        "The vote will be held on February 30.",  # no such day
        "Iran said on Friday that talks will resume next month.",  # when it was said
        "Flights were cancelled due to the strike on Friday.",  # a cause, not a plan
    ]
    for text in told:
        assert planned_day(text, friday) is None, text
    assert planned_day("The Cup will kick off on Friday in Arlen.", friday) == date(2026, 6, 12)
    december = datetime(2026, 12, 1, tzinfo=UTC)
    assert planned_day("Protesters will decide 14 demands.", december) is None  # no December
    december = datetime(2026, 12, 28, tzinfo=UTC)
    assert planned_day("The new law will take effect on January 3.", december) == date(2027, 1, 3)
