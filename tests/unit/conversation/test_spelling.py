"""A question's misspelt words mended (pyspellchecker's English word list; no model)."""

from __future__ import annotations

import pytest

from qa_bot.conversation.spelling import QUESTION_OPENERS, respell, spell_checker

ARTICLE_WORDS = {
    "the",
    "senator",
    "refused",
    "to",
    "testify",
    "before",
    "committee",
    "on",
    "tuesday",
}.__contains__


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("did he tesitfy?", "did he testify?"),  # two letters swapped, to the article's word
        ("Who commited suiside ?", "Who committed suicide ?"),  # two words, spacing kept
        ("Did they have any messase?", "Did they have any message?"),
        ("Did he tallk to him?", "Did he talk to him?"),  # one letter too many
    ],
)
def test_a_misspelt_word_is_mended_to_the_word_one_slip_away(typed, meant):
    assert respell(typed, ARTICLE_WORDS) == meant


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("Wa anyone with him?", "Was anyone with him?"), ("Whta did she say?", "What did she say?"),
     ("Wher did he go?", "Where did he go?"), ("hwo many died?", "how many died?")],
)  # fmt: skip
def test_the_first_word_is_mended_to_a_word_that_opens_questions(typed, meant):
    assert respell(typed, ARTICLE_WORDS) == meant
    assert meant.split()[0].lower() in QUESTION_OPENERS


@pytest.mark.parametrize(
    "question",
    [
        "Suddhodana wanted his son to become what?",  # a name opening the question: not an opener's slip
        "Did Blnken meet the CEO?",  # a name the articles never mention
        "Are iPods sold there?",  # a capital inside the word
        "Which tv anchor was it?",  # under four letters
        "What is a multi-point unit?",  # part of a hyphenated word
        "Who refused to testify?",  # every word known
        "?!",
    ],
)
def test_names_short_words_compounds_and_known_words_are_left_as_typed(question):
    assert respell(question, ARTICLE_WORDS) is None


def test_the_articles_words_are_never_mended_and_are_preferred():
    assert respell("Who went zorbing on tuesday?", {"zorbing"}.__contains__) is None
    # "politican": "political" is the more frequent neighbour, "politician" one letter left out
    assert respell("Was he a politican?", set().__contains__) != "Was he a politician?"
    assert respell("Was he a politican?", {"politician"}.__contains__) == "Was he a politician?"


def test_the_dictionary_loads_once():
    assert spell_checker() is spell_checker()
    assert "testify" in spell_checker() and "tesitfy" not in spell_checker()


def test_a_misspelt_name_is_mended_only_to_a_name_of_the_articles():
    known = {"blinken", "khamenei", "qaani", "iran"}.__contains__
    assert respell("What did Blinkin say at the UN?", known) == "What did Blinken say at the UN?"
    assert respell("Who is Qani? Did Khamenie?", known) == "Who is Qaani? Did Khamenei?"
    assert respell("what did blinkin say?", known) == "what did blinken say?"
    assert respell("Was Qani’s role in Blinkin's view?", known) == "Was Qaani’s role in Blinken's view?"
    assert respell("Why doesn't Blinken care?", known) is None  # "doesn" of "doesn't" is no word to mend
    # "bidden" is a word, and no name of the articles is one slip from it
    assert respell("What did Bidden say?", known) is None
    assert respell("Was Blinkin there?", set().__contains__) is None  # never to a dictionary word


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("Howmany workers were hired?", "How many workers were hired?"),
     ("Whodenied the allegations?", "Who denied the allegations?"),
     ("Who connected tothe internet?", "Who connected to the internet?"),
     ("What did he do in highschool?", "What did he do in high school?")],
)  # fmt: skip
def test_two_words_run_together_are_parted(typed, meant):
    assert respell(typed, ARTICLE_WORDS) == meant


def test_a_word_of_the_articles_is_never_parted():
    assert respell("Is the plasma supercold?", {"supercold"}.__contains__) is None
    assert respell("Is the plasma supercold?", set().__contains__) == "Is the plasma super cold?"


def test_a_name_run_into_the_next_word_is_parted_only_when_the_articles_name_it():
    known = {"iravani", "allegations"}.__contains__
    assert respell("What did Iravanicall the allegations?", known) == "What did Iravani call the allegations?"
    assert respell("What did Blackwatercall it?", known) is None  # not a name of the articles
    assert respell("Who deniedthe allegations?", known) == "Who denied the allegations?"  # not "denied'the"


def test_a_word_run_into_a_capitalised_word_of_the_articles_is_parted_at_its_capital():
    known = {"hamas", "united", "states", "iranian", "foreign"}.__contains__
    assert respell("Who acted againstHamas?", known) == "Who acted against Hamas?"
    assert respell("What did he call the UnitedStates?", known) == "What did he call the United States?"
    assert respell("Is it on YouTube?", known) is None  # a name with a capital inside
    assert respell("Who won the WorldCup?", known) is None  # not words of the articles


def test_a_question_of_known_words_does_not_load_the_dictionary(monkeypatch):
    from qa_bot.conversation import spelling

    def never():
        raise AssertionError("the dictionary was loaded")

    monkeypatch.setattr(spelling, "spell_checker", never)
    # stop words and words of the articles only
    assert respell("Who refused to testify before the committee?", ARTICLE_WORDS) is None
    with pytest.raises(AssertionError, match="dictionary was loaded"):
        respell("Who refused to tesitfy?", ARTICLE_WORDS)


def test_given_the_articles_words_as_written_a_slip_is_mended_to_one_of_them():
    stems = {"youni", "hezbollah", "kennedi"}.__contains__  # how the lexical index knows them: by their stems
    written = {"younis", "hezbollah", "kennedy"}
    assert respell("Who photographed Khan Yunis?", stems) is None  # "younis" is not its own stem
    assert respell("Who photographed Khan Yunis?", stems, written=written) == "Who photographed Khan Younis?"
    assert respell("What did Kenedy say?", stems, written=written) == "What did Kennedy say?"
    assert respell("Did Hezbollahand Iran meet?", stems, written=written) == "Did Hezbollah and Iran meet?"
    # a stop word the articles write is no article word to mend to: "woen" is "women", not "when"
    with_when = {"women", "when"}
    assert (
        respell("How many woen took part?", {"women"}.__contains__, written=with_when)
        == "How many women took part?"
    )


def test_words_of_the_web_and_rare_neighbours_are_left_as_typed():
    nothing = set().__contains__
    # whole words of the reader's WordPiece vocabulary that the dictionary lacks ("apps" is not "apes")
    assert respell("Did the firm launch new apps for uber drivers?", nothing) is None
    # the dictionary's only neighbour is a word met once in its corpus ("covin"): no likelier than the word itself
    assert respell("What about covid cases?", nothing) is None
    assert respell("Did he tesitfy?", nothing) == "Did he testify?"  # a common word still is the mend


def test_two_slips_in_a_long_word_are_mended_only_to_a_clear_word_of_the_articles():
    written = frozenset({"occurred", "obscured", "capture", "hostages", "hagari", "petrenko", "petrenka"})
    stems = written.__contains__
    assert respell("When had it ocured?", stems, written=written) == "When had it occurred?"  # far commoner
    assert (
        respell("Did they catpute the hostages?", stems, written=written) == "Did they capture the hostages?"
    )
    assert respell("Were the hsotgaes freed?", stems, written=written) == "Were the hostages freed?"
    assert respell("Who is Daniel Haagrri?", stems, written=written) == "Who is Daniel Hagari?"  # a name too
    # not without the articles' words, not in a short word, and not between two names alike
    assert respell("Did they catpute the hostages?", stems) is None
    assert respell("Was it ocurd?", stems, written=written) is None
    assert respell("Did Petrinkj meet?", stems, written=written) is None  # "Petrenko" or "Petrenka"
    assert (
        respell("Did hsotgaes die?", stems, written=frozenset({"hostages", "hostess"})) == "Did hostages die?"
    )


def test_two_slips_are_not_an_ending_more_or_less_but_may_be_another_form_or_an_accent():
    written = frozenset({"oklahoma", "attack", "attacks", "suárez"})
    stems = written.__contains__
    assert respell("How many Oklahomans voted?", stems, written=written) is None  # another form, not a slip
    assert respell("Who led the attahs?", stems, written=written) == "Who led the attacks?"  # "attack" alike
    assert respell("Why did Saurez bite him?", stems, written=written) == "Why did Suárez bite him?"


def test_two_slips_in_an_articles_word_beat_two_words_of_none_run_together():
    written = frozenset({"offered", "workers", "denied", "bermuda"})
    stems = written.__contains__
    assert (
        respell("Were workers oferred jobs?", stems, written=written) == "Were workers offered jobs?"
    )  # not "of erred"
    assert (
        respell("Were workers oferred jobs?", stems) == "Were workers of erred jobs?"
    )  # no words of theirs to go by
    assert (
        respell("Who deniedthe claim?", stems, written=written) == "Who denied the claim?"
    )  # a part is theirs
    assert respell("Did Bermudez sail?", stems, written=written) is None  # another ending, not two slips
