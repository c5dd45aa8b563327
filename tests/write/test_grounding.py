"""The grounding check's number slots and dotted abbreviations (the rest of the check is tested
with the LLM writer, in test_llm.py)."""

from __future__ import annotations

import time

import pytest

from storywire.write.grounding import NUMBER_WINDOW, check_sentence

# --- numbers: a number must stand beside one of its words in a cited sentence ------------------


def test_a_number_found_only_in_another_slot_of_the_cited_sentences_is_rejected() -> None:
    source = [
        "Stoffel was shot three times in the attack.",
        "Her daughters, ages 5 and 7, were unharmed.",
    ]
    assert check_sentence("Stoffel was shot three times in the attack.", source) == []
    assert check_sentence("Stoffel was shot five times in the attack.", source) == [
        "number five is in the cited sources, but not next to 'shot' or 'times'"
    ]


def test_a_toll_moved_from_the_injured_to_the_dead_is_rejected() -> None:
    source = [
        "The earthquake left 23 dead in Teravale, the health office said.",
        "Another 57 were injured, officials said.",
    ]
    assert check_sentence("The earthquake left 23 dead in Teravale.", source) == []
    assert check_sentence("The earthquake left 57 dead in Teravale.", source) == [
        "number 57 is in the cited sources, but not next to 'dead' or 'earthquake' or 'left'"
    ]


def test_a_paraphrase_keeping_the_number_beside_its_word_passes() -> None:
    source = ["At least 23 people were killed when the bridge in Teravale collapsed."]
    assert check_sentence("The bridge collapse in Teravale killed 23 people.", source) == []
    assert check_sentence("The collapse killed 23 people in Teravale.", source) == []


def test_every_occurrence_of_a_number_needs_its_own_slot() -> None:
    faithful = "Ships searched for seven sailors after a ship four times its size hit them."
    source = [faithful]
    assert check_sentence(faithful, source) == []
    changed = faithful.replace("four times", "seven times")
    assert check_sentence(changed, source) == [
        "number seven is in the cited sources, but not next to 'ship' or 'times'"
    ]


def test_a_number_with_no_content_word_beside_it_only_has_to_occur() -> None:
    # "was on May 3": "was", "on" and "may" are stopwords, so 3 has no slot to check.
    source = ["Teravale counted 3 ballots twice, and the vote ended in June."]
    assert check_sentence("The Teravale vote count ended, it was on May 3.", source) == []
    assert check_sentence("The Teravale vote count ended, it was on May 4.", source) == [
        "number 4 is not in the cited sources"
    ]


def test_slots_keep_the_number_normalisation() -> None:
    percent = ["Turnout in Teravale rose by 23 per cent on Tuesday."]
    assert check_sentence("Teravale turnout rose 23%.", percent) == []
    assert check_sentence("Teravale turnout rose 23 percent.", percent) == []
    decimal = ["Das Beben der Stärke 6,4 erschütterte Teravale."]
    assert check_sentence("Ein Beben der Stärke 6.4 erschütterte Teravale.", decimal) == []
    words = ["Police closed three bridges in Teravale."]
    assert check_sentence("In Teravale 3 bridges were closed.", words) == []
    german = ["In Teravale wurden drei Brücken gesperrt."]
    assert check_sentence("In Teravale wurden 3 Brücken gesperrt.", german) == []
    thousands = ["The town hall will shelter 1,000 displaced residents."]
    assert check_sentence("1000 displaced residents will be sheltered.", thousands) == []


def test_the_window_counts_every_word_and_number() -> None:
    far = " ".join(["the"] * NUMBER_WINDOW)
    source = [f"Officials counted {far} 40 ballots in Teravale."]
    assert check_sentence("Officials counted 40 ballots in Teravale.", source) == []
    further = [f"Officials counted {far} and 40 in Teravale, then ballots."]
    assert check_sentence("Officials counted 40 ballots.", further) == [
        "number 40 is in the cited sources, but not next to 'ballots' or 'counted' or 'officials'"
    ]


# --- names: dotted abbreviations -------------------------------------------------------------


def test_dotted_abbreviations_match_their_undotted_form() -> None:
    source = ["Officials from the U.S. and Washington, D.C. visited Teravale on Tuesday."]
    sentence = "Officials from the US and Washington, DC visited Teravale."
    assert check_sentence(sentence, source) == []
    assert check_sentence("Officials from the U.S. visited Teravale.", source) == []
    undotted = ["Officials from the US visited Teravale on Tuesday."]
    assert check_sentence("Officials from the U.S. visited Teravale.", undotted) == []


def test_a_different_abbreviation_is_still_rejected() -> None:
    source = ["Officials from the U.S. visited Teravale on Tuesday."]
    problem = ["name 'uk' is not in the cited sources"]
    assert check_sentence("Officials from the UK visited Teravale.", source) == problem
    assert check_sentence("Officials from the U.K. visited Teravale.", source) == problem


def test_abbreviations_in_the_context_count_too() -> None:
    source = ["Officials visited Teravale on Tuesday."]
    article = ["U.S. officials visited Teravale on Tuesday.", *source]
    assert check_sentence("US officials visited Teravale.", source, context=article) == []


# --- cost ------------------------------------------------------------------------------------


def _seconds(text: str) -> float:
    """The best of two runs, so that a busy moment of the machine does not count."""
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        check_sentence(text, [text, text[::-1]], context=[text])
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize(
    ("unit", "count", "tail"),
    [
        ("U.", 20_000, ""),
        ("1,", 20_000, "x"),
        ("seven people ", 5_000, ""),
        ("23 per cent ", 5_000, ""),
        ("A.B.C. ", 5_000, "1 2 3 4 5"),
    ],
)
def test_long_hostile_inputs_cost_time_in_proportion(unit: str, count: int, tail: str) -> None:
    """Eight times the text may cost about eight times the time, never the 64 of a quadratic.

    A ratio and not seconds: CI's coverage tracing and a busy machine made one of these take 3.9 s
    where it takes 0.4 s alone, but they slow both sizes alike.
    """
    whole = _seconds((unit * count).strip() + tail)
    eighth = _seconds((unit * (count // 8)).strip() + tail)
    assert whole < 20 * eighth, f"{whole:.2f} s against {eighth:.3f} s for an eighth"


# --- negation: a sentence may not deny what its sources state, nor state what they deny ------


def test_an_added_negation_is_rejected() -> None:
    source = ["Archaeologists have uncovered a Viking mound under a car park in Dingwall."]
    assert check_sentence("Archaeologists have uncovered a mound in Dingwall.", source) == []
    assert check_sentence("Archaeologists have not uncovered a mound in Dingwall.", source) == [
        "it denies 'uncovered', which the cited sources state"
    ]
    assert check_sentence("Archaeologists never uncovered a mound in Dingwall.", source) == [
        "it denies 'uncovered', which the cited sources state"
    ]


def test_a_removed_negation_is_rejected() -> None:
    source = ["Excavations indicated that the Dingwall mound was not man-made, the director said."]
    assert check_sentence("The Dingwall mound was not man-made, the director said.", source) == []
    assert check_sentence("The Dingwall mound was man-made, the director said.", source) == [
        "it states 'man', which the cited sources deny"
    ]
    contracted = ["Pasztor hasn't been charged with Macomber's death."]
    assert check_sentence("Pasztor has been charged with Macomber's death.", contracted) == [
        "it states 'charged', which the cited sources deny"
    ]


def test_a_negation_reaches_only_the_word_it_turns_within_its_clause() -> None:
    # "did not identify the victim" denies identifying, not the victim; a comma ends the reach.
    source = ["Police did not identify the victim, who was found in Teravale on Sunday."]
    assert check_sentence("The victim was found in Teravale on Sunday, police said.", source) == []
    assert check_sentence("Police identified the victim found in Teravale.", source) == [
        "it states 'identified', which the cited sources deny"
    ]


def test_not_only_and_lexical_negations_read_as_their_sources() -> None:
    source = ["The Teravale crews need to be ready not only to fight, but to win tonight."]
    assert check_sentence("Teravale crews must be ready to fight and win tonight.", source) == []
    vision = ["The Teravale campaign doesn't have a vision for the future, he said."]
    assert check_sentence("The Teravale campaign lacks vision for the future.", vision) == []


def test_a_word_both_stated_and_denied_in_the_sources_is_not_judged() -> None:
    source = ["Teravale did not win the first vote.", "Teravale did win the second vote."]
    assert check_sentence("Teravale did win the vote.", source) == []
    assert check_sentence("Teravale did not win the vote.", source) == []


# --- roles: who did what to whom -------------------------------------------------------------


def test_two_names_traded_around_a_verb_are_rejected() -> None:
    source = ["On Sunday Rihanna took Janet Jackson's top spot on the Billboard dance chart."]
    assert check_sentence("Rihanna took Jackson's top spot on the dance chart.", source) == []
    assert check_sentence("Jackson took Rihanna's top spot on the dance chart.", source) == [
        "it puts 'jackson' and 'rihanna' the other way round from the cited sources"
    ]


def test_the_passive_keeps_the_roles() -> None:
    source = ["In the Teravale final Rihanna beat Jackson on Sunday."]
    assert check_sentence("Jackson was beaten by Rihanna in the Teravale final.", source) == []
    assert check_sentence("Rihanna was beaten by Jackson in the Teravale final.", source) == [
        "it puts 'rihanna' and 'jackson' the other way round from the cited sources"
    ]
    passive = ["Jackson was beaten by Rihanna in the Teravale final on Sunday."]
    assert check_sentence("Rihanna beat Jackson in the Teravale final.", passive) == []


def test_names_no_cited_sentence_holds_together_are_not_compared() -> None:
    source = ["Rihanna sang in Teravale on Sunday.", "Jackson sang there on Monday."]
    assert check_sentence("Jackson followed Rihanna on the Teravale stage.", source) == []
    assert check_sentence("Rihanna and Jackson sang in Teravale.", source) == []


# --- names: what may come from the cited articles -------------------------------------------


def test_a_name_only_the_article_holds_is_rejected_unless_it_completes_a_cited_name() -> None:
    source = ["Rose was shot in the head on Tuesday while on patrol near the campus."]
    article = ["Officer Collin Rose of Wayne State University died.", *source]
    assert check_sentence("Collin Rose was shot in the head on Tuesday.", source, article) == []
    assert check_sentence("Wayne State was shot in the head on Tuesday.", source, article) == [
        "name 'state' is not in the cited sources"  # an opening word may be an ordinary one
    ]


def test_who_reported_may_come_from_the_article() -> None:
    source = ["The Teravale council voted to close the bridge on Tuesday."]
    article = ["TERAVALE (AP) - The council met.", *source]
    for sentence in (
        "The Teravale council voted to close the bridge, the AP reports.",
        "The Teravale council voted to close the bridge, reports AP.",
        "The Teravale council voted to close the bridge, per the AP.",
    ):
        assert check_sentence(sentence, source, article) == [], sentence
    assert check_sentence("The council voted, Reuters reports.", source, article) == [
        "name 'reuters' is not in the cited sources"
    ]


def test_a_month_abbreviation_matches_its_month() -> None:
    source = ["The Teravale order was signed on November 3 by the council."]
    assert check_sentence("The Teravale order was signed on Nov. 3.", source) == []
    assert check_sentence("The Teravale order was signed on Oct. 3.", source) == [
        "number 3 is in the cited sources, but not next to 'oct'",
        "name 'oct' is not in the cited sources",
    ]
