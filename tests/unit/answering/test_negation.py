"""A span its sentence denies is no answer: the answerer with a fake check, then spaCy's parses (slow)."""

from __future__ import annotations

import pytest

from qa_bot.answering.attribution import Attributor
from qa_bot.answering.calibration import Calibration
from qa_bot.answering.extractive import ExtractiveAnswerer
from qa_bot.answering.kind import AnswerKind
from qa_bot.answering.negation import denies, may_deny
from qa_bot.answering.reader import ReadResult
from qa_bot.answering.windows import SpanScore
from qa_bot.text import rule_sentences
from qa_bot.types import Chunk, Passage

STORY = (
    "Teenagers who use phones late sleep about an hour less, a study found. "
    "The study did not find a link between late phone use and exam results."
)


class Reader:
    """Ranks the denied span above the stated one."""

    def read(self, question, pieces, history=()):
        scored = [("a link between late phone use and exam results", 6.0), ("about an hour less", 5.0)]
        spans = [SpanScore(0, pieces[0].index(t), pieces[0].index(t) + len(t), s, 0.0, 0) for t, s in scored]
        return ReadResult(tuple(spans), 0.0, windows=1, kinds=((1, 0, 0),))


def answer(question: str, denied=None):
    answerer = ExtractiveAnswerer(Reader(), Attributor(rule_sentences), calibration=Calibration(0.0, 1.0),
                                  answer_kind=AnswerKind(), denied=denied)  # fmt: skip
    return answerer.answer(question, [Passage(Chunk("c0", "d", "T", 40, 40 + len(STORY), STORY), score=1.0)])


def test_may_deny_reads_the_words_of_negation():
    assert may_deny("It did not find a link.") and may_deny("He isn't here.") and may_deny("She never left.")
    assert not may_deny("Nothing in the notes.") and not may_deny("A knot was tied.")


def test_a_span_the_check_denies_is_passed_over_with_its_sentence_and_offsets():
    seen = []

    def check(question, sentence, start, end):
        seen.append((question, sentence[start:end]))
        return "did not find" in sentence

    assert answer("What did the study find?", check).text == "about an hour less"
    assert seen[0] == ("What did the study find?", "a link between late phone use and exam results")
    assert answer("What did the study find?").text.startswith("a link")  # no check: the reader's order
    # a yes / no question is the answer-kind decision's: its "no" rests on such sentences
    seen.clear()
    answer("Did the study find a link?", check)
    assert seen == []


@pytest.fixture(scope="module")
def nlp():
    from qa_bot.models import get_nlp

    return get_nlp()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "sentence", "span", "denied"),
    [
        ("What did the study find?", STORY.split(". ")[1], "a link between late phone use and exam results", True),
        ("What did the study not find?", STORY.split(". ")[1], "a link between late phone use and exam results",
         False),  # the question asks for exactly that
        ("What did the study find?", STORY.split(". ")[0], "about an hour less", False),  # not negated
        ("What are used as practical machines?", "Turing machines are not used as practical machines.",
         "Turing machines", True),
        ("What kind of needlework was used?", "The tapestry is not a true tapestry but embroidery.", "embroidery",
         False),  # affirmed after "but"
        ("Who denied the allegations?", "Iravani denied the allegations, saying Iran was not involved.", "Iravani",
         False),  # another verb is negated
    ],
)  # fmt: skip
def test_the_parse_says_which_span_is_denied(nlp, question, sentence, span, denied):
    at = sentence.index(span)
    assert denies(nlp(question), nlp(sentence), at, at + len(span)) is denied


@pytest.mark.slow
def test_the_bot_declines_rather_than_answer_with_what_was_denied(seed_bot):
    from qa_bot.finders import negation_check

    check = negation_check(seed_bot)
    sentence = "The study did not find a link between late phone use and exam results."
    assert check("What did the study find?", sentence, sentence.index("a link"), len(sentence) - 1)
    assert not check("What did the study find?", "It found a link.", 9, 15)  # no negation: never parsed
    assert seed_bot.answerer.denied is not None
