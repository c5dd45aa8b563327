"""When two sentences state the same fact (write/facts.py)."""

from __future__ import annotations

from storywire.write.facts import content, each_fact_once, repeated_pairs, restates


def test_a_sentence_that_adds_little_to_another_restates_it() -> None:
    quake = content("A magnitude 6.4 earthquake shook southern Calveria early on Tuesday.")
    assert restates(content("A strong earthquake struck southern Calveria."), quake)
    assert restates(quake, content("The earthquake measured magnitude 6.4, seismologists said."))


def test_two_facts_about_the_same_people_are_not_a_repeat() -> None:
    """Sharing the story's names is not stating the same fact."""
    arrested = content("Police in Calveria arrested two men after the Teravale bank robbery.")
    freed = content("A court in Calveria freed the two men from Teravale on bail on Friday.")
    assert not restates(arrested, freed)


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
