"""Who took a photo: the question forms, the captions' credits, and the caption a question names."""

from __future__ import annotations

import pytest

from qa_bot.answering.credits import (
    asks_for_photographer,
    asks_what_photo_shows,
    credit_answer,
    photo_credits,
)
from qa_bot.types import Document

ARTICLE = (
    "Fishermen haul in their nets at dawn off the coast of Skarv. (Photo: Ola Berg/Nordic Wire)\n\n"
    "SKARV, Norway (Nordic Wire) -- The ferry between Skarv and the mainland will stop running in March, the "
    "county council said (in a statement). Mayor Kari Dahl called it a blow.\n"
    "Mayor Kari Dahl speaks at the harbour on Monday. (AP Photo/Jonas Lie)\n"
    "The last ferry leaves the pier. (Reuters)\n"
    "Older pictures of the ferry are kept at the museum. (file)\n"
    "Timetables are online (see https://example.org/ferry)"
)


def doc(text: str = ARTICLE, doc_id: str = "d1") -> Document:
    return Document(doc_id=doc_id, title="Skarv ferry", text=text)


@pytest.mark.parametrize(
    "question",
    [
        "Who took the photo?",
        "Who took the photo of the fishermen?",
        "who photographed the mayor?",
        "Who is the photographer?",
        "Whose picture is it?",
        "Which agency took the image of the ferry?",
        "Who was the photo taken by?",
        "Who shot that picture?",
        "Who is credited for the photo?",
    ],
)
def test_questions_asking_who_took_a_photo(question):
    assert asks_for_photographer(question)


NOT_PHOTOGRAPHER = ["Who is in the photo?", "What does the picture show?", "Who was shot?", "Who was photographed?",
                    "Who took part in the vote?", "Who took the ferry?", "Took the photo?"]  # fmt: skip
SHOWS = ["Who is in the photo?", "What does the picture show?", "Who is pictured?", "What is the photo of?",
         "Who was photographed next to the tank?",
         "What does the photo of the mayor show?", "what does the caption say"]  # fmt: skip
NOT_SHOWS = [
    "Who took the photo?",
    "Who was in the meeting?",
    "What did the mayor show?",
    "Who is the mayor?",
]


@pytest.mark.parametrize("question", NOT_PHOTOGRAPHER)
def test_other_questions_are_not_photographer_questions(question):
    assert not asks_for_photographer(question)


def test_each_credited_caption_gives_its_photographer_else_its_agency():
    credits = photo_credits(ARTICLE)
    names = [ARTICLE[c.name[0] : c.name[1]] for c in credits]
    # "(Photo: Ola Berg/Nordic Wire)": the name past "Photo:"; "(Reuters)": the agency; "(Nordic Wire) --" is a
    # dateline inside a line, "(in a statement)", "(file)" and a bracketed link are no credits
    assert names == ["Ola Berg", "Jonas Lie", "Reuters"]
    # the agency first, named like a person but for its organisation's word: the photographer is the other part
    for credit, name in [("(Nordic Wire/Ola Berg)", "Ola Berg"), ("(Kyodo News/Ken Sato)", "Ken Sato"),
                         ("(Anna Berg/Getty Images)", "Anna Berg"), ("(Tom Lund/Ministry of Fisheries)", "Tom Lund")]:  # fmt: skip
        text = f"The harbour at dawn. {credit}"
        (only,) = photo_credits(text)
        assert text[only.name[0] : only.name[1]] == name
    for c in credits:
        line = ARTICLE[c.caption[0] : c.caption[1]]
        assert "\n" not in line and line.endswith(")") and ARTICLE[c.name[0] : c.name[1]] in line


def test_the_caption_the_question_names_is_the_one_answered():
    d = doc()
    mayor = credit_answer("Who photographed the mayor?", [d])
    assert mayor is not None and mayor.text == "Jonas Lie" and mayor.meta["credit"]
    assert d.text[mayor.answer_start : mayor.answer_end] == mayor.text
    cited = mayor.citations[0]
    assert d.text[cited.start : cited.end] == cited.text and cited.text.startswith("Mayor Kari Dahl speaks")
    assert credit_answer("Who took the picture of the fishermen?", [d]).text == "Ola Berg"
    # naming nothing: the first caption; naming what no caption shows: no answer here (the reader answers)
    assert credit_answer("Who took the photo?", [d]).text == "Ola Berg"
    assert credit_answer("Who took the photo of the volcano?", [d]) is None
    # an article without a credited caption: none
    assert credit_answer("Who took the photo?", [doc("The ferry stops in March (the council said).")]) is None


def test_the_best_named_caption_across_the_retrieved_articles():
    other = doc("Volcano erupts at night. (Getty Images/Anna Berg)", "d2")
    answer = credit_answer("Who took the photo of the volcano?", [doc(), other])
    assert answer is not None and (answer.doc_id, answer.text) == ("d2", "Anna Berg")


@pytest.mark.parametrize(("question", "shows"), [(q, True) for q in SHOWS] + [(q, False) for q in NOT_SHOWS])
def test_questions_asking_what_a_photo_shows(question, shows):
    assert asks_what_photo_shows(question) is shows


def test_what_a_photo_shows_is_its_captions_words_before_the_credit():
    d = doc()
    a = credit_answer("Who is in the photo of the mayor?", [d])
    assert a is not None and a.meta == {"caption": True}
    assert (
        a.text == "Mayor Kari Dahl speaks at the harbour on Monday." == d.text[a.answer_start : a.answer_end]
    )
    assert a.citations[0].text.endswith("(AP Photo/Jonas Lie)")  # cited by the whole caption line
    assert credit_answer("What does the picture show?", [d]).text.startswith("Fishermen haul in their nets")
    assert credit_answer("Who is the mayor?", [d]) is None  # no photo question: the reader answers
