"""Question analysis in qa_bot.text."""

from __future__ import annotations

import pytest

from qa_bot.text import asked_identity, words_within


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
