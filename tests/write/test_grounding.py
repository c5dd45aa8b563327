"""The grounding check's number slots and dotted abbreviations (the rest of the check is tested
with the LLM writer, in test_llm.py)."""

from __future__ import annotations

import time

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


def test_long_hostile_inputs_stay_fast() -> None:
    hostile = [
        "U." * 20_000,
        "1," * 20_000 + "x",
        ("seven people " * 5_000).strip(),
        "23 per cent " * 5_000,
        "A.B.C. " * 5_000 + "1 2 3 4 5",
    ]
    for text in hostile:
        started = time.perf_counter()
        check_sentence(text, [text, text[::-1]], context=[text])
        # About 0.1 s each alone; the bound leaves room for CI's coverage tracing and a busy
        # machine, and still catches anything quadratic in 60,000 characters.
        assert time.perf_counter() - started < 3.0, text[:20]
