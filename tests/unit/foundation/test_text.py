"""Question analysis in qa_bot.text."""

from __future__ import annotations

import pytest

from qa_bot.text import asked_employer, asked_identity, asked_person, asked_role, restore_case, words_within


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("Who is Iravani?", "Iravani"),
        ("who was Esmail Qaani", "Esmail Qaani"),
        ("And who is Amir-Abdollahian?", "Amir-Abdollahian"),
        ("What is Emmerson's job title?", "Emmerson"),
        ("What was Ban’s role?", "Ban"),
        ("What is Jong Un's position there?", "Jong Un"),
        ("What is the position of Khamenei?", "Khamenei"),
        ("What is Daniel Hagari's rank?", "Daniel Hagari"),
        ("What is the military rank of Qaani?", "Qaani"),
        ("What does Haleh Esfandiari do?", "Haleh Esfandiari"),
        ("Who is Ed O'Bannon?", "Ed O'Bannon"),
        ("What is O’Neal's job?", "O’Neal"),
        ("What did Nader do for a living?", "Nader"),
        ("Who is the Iranian Foreign Minister?", None),  # a role: asks for a name
        ("Who is Iran's supreme leader?", None),
        ("Who is Blinken meeting?", None),
        ("Who denied the allegations?", None),
        ("What position does he play?", None),
        ("What is his title?", None),  # a pronoun: its rewrite names him
        ("What did Blinken do at the UN?", None),
        ("Who's Blinken?", "Blinken"),
        ("Tell me more about Qaani", "Qaani"),
        ("Can you tell me about Amir Saeid Iravani?", "Amir Saeid Iravani"),
        ("tell me about the attack", None),  # no name
        ("Tell me more about him", None),  # a pronoun: its rewrite names him
        (
            "who is blinken",
            None,
        ),  # lower case: only with any_case, and only if the articles write it as a name
    ],
)
def test_a_question_asking_who_someone_is(question, name):
    assert asked_identity(question) == name


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Is Blinken the Secretary of State?", ("Blinken", "Secretary of State")),
        ("was Esmail Qaani a general", ("Esmail Qaani", "general")),
        ("And is Iravani the Iranian envoy to the UN?", ("Iravani", "Iranian envoy to the UN")),
        ("Is he the Secretary of State?", None),  # a pronoun: its rewrite names him
        ("Is Blinken in Israel?", None),  # no role asked
        ("Did Blinken meet the Secretary?", None),
        ("Who is the Secretary of State?", None),
        ("Is Joey a male or female?", None),  # alternatives: the reader answers
        ("Was I a vampire last year?", None),
    ],
)
def test_a_question_asking_whether_someone_holds_a_role(question, asked):
    assert asked_role(question) == asked


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("Where does Nader work?", "Nader"),
        ("where does Linda Henkel work?", "Linda Henkel"),
        ("And where did Helen Marsh work?", "Helen Marsh"),
        ("Where is Helen Marsh employed?", "Helen Marsh"),
        ("Who does Lars Moen work for?", "Lars Moen"),
        ("What company does Chuck Robbins work for?", "Chuck Robbins"),
        ("Which university does Diana Miglioretti work at?", "Diana Miglioretti"),
        ("For whom does Bah work?", "Bah"),
        ("Where does she work?", None),  # a pronoun: its rewrite names her
        ("Who did Beyonce work with?", None),  # with whom, not for whom
        ("Where is Cisco based?", None),
        ("Where did Chopin debut?", None),
        ("Who is Nader?", None),  # who he is: asked_identity
    ],
)
def test_a_question_asking_where_someone_works(question, name):
    assert asked_employer(question) == name


def test_a_question_about_a_person_says_whether_their_whole_role_answers():
    assert asked_person("Who is Iravani?") == ("Iravani", True)  # who he is: the whole role
    assert asked_person("Where does Nader work?") == (
        "Nader",
        False,
    )  # where: the part naming the organisation
    assert asked_person("Who denied the allegations?") is None


def test_words_within_whole_words():
    assert words_within("Qaani", "Brigadier General Esmail Qaani")
    assert words_within("esmail qaani", "Esmail  Qaani,")  # case and spacing aside
    assert not words_within("Ban", "an urban area")
    assert not words_within("Qaani Esmail", "Esmail Qaani")  # in order
    assert not words_within("", "Esmail Qaani")


def test_names_typed_in_lower_case_are_written_as_the_articles_write_them():
    texts = [
        "US Secretary of State Antony  Blinken noted it at the UN. Iran’s envoy, Redmond O'Neal, spoke.",
        "Blinken had said so. He was arrested Friday; 'Arrested Development' aired.",
    ]
    assert restore_case("who is blinken", texts) == "who is Blinken"
    assert asked_identity(restore_case("who is blinken", texts)) == "Blinken"
    assert (
        restore_case("what did antony blinken say at the un?", texts)
        == "what did Antony Blinken say at the UN?"
    )
    assert restore_case("who is redmond o'neal?", texts) == "who is Redmond O'Neal?"  # the apostrophe inside
    assert restore_case("who is iran's envoy?", texts) == "who is Iran’s envoy?"  # as written, curly
    assert restore_case("who was arrested?", texts) == "who was arrested?"  # written in lower case once
    assert restore_case("who is macron?", texts) == "who is macron?"  # not there
    assert restore_case("Who is Blinken?", texts) == "Who is Blinken?"
