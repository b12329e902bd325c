"""Question analysis in qa_bot.text."""

from __future__ import annotations

import pytest

from qa_bot.text import asked_identity, words_within, written_as_name


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
        (
            "who is blinken",
            None,
        ),  # lower case: only with any_case, and only if the articles write it as a name
    ],
)
def test_a_question_asking_who_someone_is(question, name):
    assert asked_identity(question) == name


def test_words_within_whole_words():
    assert words_within("Qaani", "Brigadier General Esmail Qaani")
    assert words_within("esmail qaani", "Esmail  Qaani,")  # case and spacing aside
    assert not words_within("Ban", "an urban area")
    assert not words_within("Qaani Esmail", "Esmail Qaani")  # in order
    assert not words_within("", "Esmail Qaani")


def test_a_name_typed_in_lower_case_is_one_the_articles_always_write_as_a_name():
    assert asked_identity("who is blinken", any_case=True) == "blinken"
    assert asked_identity("who was arrested?", any_case=True) == "arrested"
    assert asked_identity("Who is Iravani?", any_case=True) == "Iravani"
    texts = [
        "US Secretary of State Antony  Blinken noted it.",
        "Blinken had said so.",
        "He was arrested Friday.",
    ]
    assert written_as_name("blinken", texts) == "Blinken"
    assert written_as_name("antony blinken", texts) == "Antony  Blinken"
    assert written_as_name("arrested", texts) is None  # written in lower case
    assert written_as_name("arrested", ["'Arrested Development' star", "was arrested"]) is None  # not always
    assert written_as_name("macron", texts) is None  # not there
