"""Whole names: a span that ends inside a name is widened to its end (:mod:`qa_bot.answering.names`), with names given
by hand (no spaCy) and through the answer stage with a fake reader and a fake name finder."""

from __future__ import annotations

import pytest

from qa_bot.answering.names import might_cut, name_spans, title_case, whole_name

JOURNAL = "The findings are set to publish in Physical Review D."
SCHOOL = '"We were surprised," said Pierre Heidmann, a Johns Hopkins University physicist who led the study.'


def at(sentence: str, words: str) -> tuple[int, int]:
    start = sentence.index(words)
    return start, start + len(words)


def widened(sentence: str, words: str, names: list[str]) -> str:
    start, end = whole_name(sentence, *at(sentence, words), [at(sentence, n) for n in names])
    return sentence[start:end]


@pytest.mark.parametrize(
    ("sentence", "words", "names", "expected"),
    [
        # the name's last words left out: its end taken in (a one-letter last word keeps no full stop)
        (JOURNAL, "Physical Review", ["Physical Review D."], "Physical Review D"),
        (
            SCHOOL,
            "Johns Hopkins",
            ["Pierre Heidmann", "Johns Hopkins University"],
            "Johns Hopkins University",
        ),
        # its first words left out: the span's start is kept ("1966" of "Football World Cup 1966")
        (SCHOOL, "Hopkins University", ["Johns Hopkins University"], "Hopkins University"),
        ("The Football World Cup 1966 was won.", "1966", ["Football World Cup 1966"], "1966"),
        # a determiner the entity begins with is not a name's word
        ("Qaani leads the Quds Force, the external arm.", "Quds", ["the Quds Force"], "Quds Force"),
        # a span that holds the whole name, or no name, is unchanged
        (
            SCHOOL,
            "Johns Hopkins University physicist",
            ["Johns Hopkins University"],
            "Johns Hopkins University physicist",
        ),
        (SCHOOL, "led the study", ["Johns Hopkins University"], "led the study"),
        # a name's "'s" is no further word of it
        ("It was John Myhill's paper.", "John Myhill", ["John Myhill's"], "John Myhill"),
        # an abbreviation's own stop stays ("Inc."), only a one-letter word's is the sentence's
        ("He works for Apple Inc. now.", "Apple", ["Apple Inc."], "Apple Inc."),
        # a mistagged run of words is no name: too long a widening is not made
        ("Alpha " + "Beta " * 20 + "ends.", "Alpha", ["Alpha " + "Beta " * 19 + "Beta"], "Alpha"),
    ],
)
def test_a_span_is_widened_to_the_end_of_a_name_it_cuts(sentence, words, names, expected):
    assert widened(sentence, words, names) == expected


def test_only_a_span_followed_by_a_capitalised_word_or_digit_may_cut_a_name():
    assert might_cut(JOURNAL, at(JOURNAL, "Physical Review")[1])  # "D." follows
    assert might_cut("in Room 101 today", at("in Room 101 today", "Room")[1])  # a digit follows
    assert not might_cut(SCHOOL, at(SCHOOL, "led the study")[1])
    assert not might_cut(JOURNAL, at(JOURNAL, "Physical Review D")[1])  # the sentence's end follows
    # a headline's every word is capitalised: spaCy reads "Cisco Agrees" as a company there
    headline = "Acacia Stock Rises 30% After Cisco Agrees to Buy It for $4.5 Billion"
    assert title_case(headline) and not might_cut(headline, at(headline, "Cisco")[1])
    assert not title_case(JOURNAL) and not title_case("Physical Review D")  # too short to tell


def test_name_spans_keeps_names_not_dates_or_amounts():
    entities = [(0, 5, "PERSON"), (6, 10, "DATE"), (11, 15, "ORG"), (16, 20, "MONEY")]
    assert name_spans(entities) == [(0, 5), (11, 15)]
