"""Who wrote the article and when it was published: the question forms, the byline, the dateline, the declines."""

from __future__ import annotations

import pytest

from qa_bot.answering.provenance import asks_when_published, asks_who_wrote, byline, provenance_answer
from qa_bot.types import ABSTAIN_TEXT, Document

DATED = (
    "Apr 22, 2023\n\n"
    "By Jane Doe and John Roe\n\n"
    "Could this copycat black hole be a new type of star? Researchers said in 2015 it was unlikely.\n\n"
    '"We were very surprised," said Pierre Heidmann, who led the study.'
)
WRITE_TO = "Cisco agreed to buy Acacia on Thursday.\nAcacia shares rose.\nWrite to Eric J. Savitz at [email]"
AGENCY = "SANAA, Yemen (CNN) -- A minister escaped an attack on Tuesday, his office said."


def doc(text: str) -> Document:
    return Document(doc_id="d", title="T", text=text)


@pytest.mark.parametrize(
    ("question", "published", "wrote"),
    [
        ("When was this article published?", True, False),
        ("What is the date of the story?", True, False),
        ("what day was the article posted", True, False),
        ("When did the story come out?", True, False),
        ("When was the study published?", False, False),  # the story's content
        ("When was it released?", False, False),  # "it" may be what the story is about
        ("Who wrote this article?", False, True),
        ("Who is the author?", False, True),
        ("Who was the story written by?", False, True),
        ("who reported this story?", False, True),
        ("Who is the author of the book?", False, False),
        ("Who wrote the screenplay?", False, False),
        ("Who wrote it?", False, False),
    ],
)
def test_the_question_forms(question, published, wrote):
    assert (asks_when_published(question), asks_who_wrote(question)) == (published, wrote)


def test_who_the_author_is_asks_about_the_article_only_opening_a_conversation():
    assert asks_who_wrote("Who is the author?") and asks_who_wrote("Who's the writer")
    # after earlier turns about a novel, "the writer" is the novel's (CoQA: "Who was the writer?" -> Marisha Pessl)
    assert not asks_who_wrote("Who was the writer?", follow_up=True)
    assert asks_who_wrote("Who is the author of this article?", follow_up=True)
    assert asks_who_wrote("Who wrote the story?", follow_up=True)


def test_the_byline_first_then_a_closing_line_then_the_datelines_agency():
    for text, name in ((DATED, "Jane Doe and John Roe"), (WRITE_TO, "Eric J. Savitz"), (AGENCY, "CNN")):
        found = byline(text)
        assert found is not None and text[found[0] : found[1]] == name
    assert byline("The ferry stops in March.\nBy then the council will have decided.") is None
    # a sentence is no byline, nor a "Written by" in the story's middle
    storm = "By Tuesday Night the storm had passed over the whole of the county and its farms."
    assert byline(storm) is None
    middle = "\n".join(["Line."] * 3 + ["Written by William Shakespeare, the play ran."] + ["Line."] * 8)
    assert byline(middle) is None


def test_answers_are_the_bylines_and_datelines_spans_cited_by_their_line():
    d = doc(DATED)
    when = provenance_answer("When was this article published?", d)
    assert when.text == "Apr 22, 2023" and when.meta["dateline"] and when.citations[0].text == "Apr 22, 2023"
    who = provenance_answer("Who wrote this article?", d)
    assert who.text == "Jane Doe and John Roe" and who.meta["byline"]
    for a in (when, who):
        assert d.text[a.answer_start : a.answer_end] == a.text
        c = a.citations[0]
        assert d.text[c.start : c.end] == c.text and c.start <= a.answer_start < a.answer_end <= c.end
    assert provenance_answer("Who reported the story?", doc(AGENCY)).text == "CNN"


def test_an_article_without_them_declines_and_other_questions_pass():
    # a person the story quotes is not its author, a date it mentions not its publication date
    undated = doc('Researchers said in 2015 it was unlikely.\n"We were surprised," said Pierre Heidmann.')
    for q in ("Who wrote this article?", "When was this article published?"):
        a = provenance_answer(q, undated)
        assert a.abstained and a.text == ABSTAIN_TEXT and not a.citations
    assert provenance_answer("Who led the study?", doc(DATED)) is None


def test_a_long_line_of_capitalised_words_and_commas_is_read_in_linear_time():
    # "Word,X, Word,X, …" once made the dateline pattern backtrack exponentially (2^n); 60 of them never finish then
    line = ", ".join(["Word,X"] * 60) + " (end)"
    text = line + "\nBy Jane Doe\nThe story."
    found = byline(text)
    assert found is not None and text[found[0] : found[1]] == "Jane Doe"
    from qa_bot.answering.gist import lead_sentence

    lead = ", ".join(["Word,X"] * 60) + " ended."  # not a caption: no credit at its end
    assert lead_sentence(lead, [(0, len(lead))]) == (0, len(lead))


def test_no_span_of_a_byline_answers_a_question_about_the_story():
    from qa_bot.answering.attribution import Attributor
    from qa_bot.answering.calibration import Calibration
    from qa_bot.answering.extractive import ExtractiveAnswerer
    from qa_bot.answering.kind import AnswerKind
    from qa_bot.answering.provenance import byline_spans
    from qa_bot.answering.reader import ReadResult
    from qa_bot.answering.windows import SpanScore
    from qa_bot.text import rule_sentences
    from qa_bot.types import Chunk, Passage

    text = "Sleep study\n\nBy Maya Lindqvist, Health Reporter\n\nResearchers at the University of Leeds followed 2,400 students."
    passages = [Passage(Chunk("c0", "d", "T", 100, 100 + len(text), text), score=1.0)]
    spans = byline_spans(passages)
    line = "By Maya Lindqvist, Health Reporter"
    assert spans == [("d", 100 + text.index(line), 100 + text.index(line) + len(line))]
    # the closing line and a chunk without one
    assert len(byline_spans([Passage(Chunk("c1", "d", "T", 0, len(WRITE_TO), WRITE_TO), score=1.0)])) == 1
    assert byline_spans([Passage(Chunk("c2", "d", "T", 0, len(AGENCY), AGENCY), score=1.0)]) == []

    class Reader:  # ranks the reporter above the researchers
        def read(self, question, pieces, history=()):
            scored = [("Maya Lindqvist", 6.0), ("Researchers at the University of Leeds", 5.0)]
            found = [
                SpanScore(0, pieces[0].index(t), pieces[0].index(t) + len(t), s, 0.0, 0) for t, s in scored
            ]
            return ReadResult(tuple(found), 0.0, windows=1, kinds=((1, 0, 0),))

    answerer = ExtractiveAnswerer(Reader(), Attributor(rule_sentences), calibration=Calibration(0.0, 1.0),
                                  answer_kind=AnswerKind())  # fmt: skip
    assert answerer.answer("Who did the research?", passages).text == "Maya Lindqvist"
    assert answerer.answer("Who did the research?", passages, avoid=spans).text.startswith("Researchers")
