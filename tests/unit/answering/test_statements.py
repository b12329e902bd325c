"""Statements as reader input (qa_bot.answering.statements): which statements a question reads, how each is joined
with its speaker, and how an answer read from one maps back to the article and is cited."""

from __future__ import annotations

import pytest

from qa_bot.answering.statements import (
    asks_about_statements,
    asks_whole_statement,
    identity_pieces,
    mention_pieces,
    statement_pieces,
    unreported_speaker,
)
from qa_bot.types import Chunk, Document, Passage, Statement, TextSpan
from tests.unit.answering.test_reader import FakeReader, answerer

TEXT = (
    "Mayor Lena Ortiz visited the plant on Tuesday.\n\n"
    "Workers feared the worst. “The plant will stay open,” she said.\n\n"
    "Halvard Metals denied the report of job cuts, calling it premature."
)
DOC = Document("d1", "Riverside", TEXT)


def span(text: str, after: int = 0) -> TextSpan:
    at = TEXT.index(text, after)
    return TextSpan(at, at + len(text), text)


QUOTE_AT = TEXT.index("“The plant")
STATEMENTS = (
    Statement(span("Lena Ortiz"), span("Mayor"), span("said"), span("The plant will stay open"), True,
              span("she"), span("“The plant will stay open,” she said.")),
    Statement(span("Halvard Metals"), None, span("denied"), span("the report of job cuts"), False,
              span("Halvard Metals"), span("Halvard Metals denied the report of job cuts, calling it premature.")),
)  # fmt: skip


def whole() -> list[Passage]:
    return [Passage(Chunk("c0", "d1", "Riverside", 0, len(TEXT), TEXT), score=1.0)]


def pieces(question: str, passages: list[Passage] | None = None):
    return statement_pieces(question, whole() if passages is None else passages, [(DOC, STATEMENTS)])


def test_questions_about_something_said_are_recognised():
    assert asks_about_statements("Who denied the report?")
    assert asks_about_statements("According to whom will the plant stay open?")
    assert asks_about_statements("What did the mayor say about the plant?")
    assert not asks_about_statements("When did the mayor visit the plant?")


def test_a_piece_joins_the_speaker_named_elsewhere_to_the_words_and_every_part_maps_back():
    (piece,) = pieces("Who said the plant will stay open?")
    assert piece.text == "Mayor Lena Ortiz said: “The plant will stay open”"
    for seg in piece.segments:  # every part is a slice of the stored article
        assert piece.text[seg.at : seg.at + seg.end - seg.start] == TEXT[seg.start : seg.end]
    assert [s.part for s in piece.segments] == ["role", "speaker", "verb", "content"]
    # the speaker is cited by their own sentence first, then the statement
    first, second = piece.cite_speaker
    assert first.text == "Mayor Lena Ortiz visited the plant on Tuesday."
    assert second.text == "“The plant will stay open,” she said."
    assert all(TEXT[c.start : c.end] == c.text for c in (*piece.cite_speaker, *piece.cite_words))


def test_only_statements_sharing_most_of_the_question_in_the_retrieved_passages_are_read():
    assert pieces("Who visited the plant on Tuesday?") == []  # no statement holds it
    assert pieces("Who said the workers feared job cuts at the plant?") == []  # two words of five at most
    outside = [Passage(Chunk("c0", "d1", "Riverside", 0, 47, TEXT[:47]), score=1.0)]
    assert pieces("Who denied the report of job cuts?", outside) == []  # its sentence was not retrieved
    (piece,) = pieces("Who denied the report of job cuts?")
    assert piece.text == "Halvard Metals denied the report of job cuts."
    assert piece.answers == ("speaker",)
    assert pieces("What did Halvard Metals deny?")[0].answers == ("verb", "content")


def test_a_speaker_read_in_a_piece_is_the_answer_cited_by_both_sentences():
    said = pieces("Who said the plant will stay open?")
    reader = FakeReader([("Lena Ortiz", 5.0)])
    a = answerer(reader).answer("Who said the plant will stay open?", whole(), statements=said)
    assert a.text == a.quote == "Lena Ortiz" and a.kind == "span" and a.meta["statement"]
    assert TEXT[a.answer_start : a.answer_end] == "Lena Ortiz"
    assert [c.text for c in a.citations] == ["Mayor Lena Ortiz visited the plant on Tuesday.",
                                             "“The plant will stay open,” she said."]  # fmt: skip
    assert a.citations[0].start <= a.answer_start < a.answer_end <= a.citations[0].end
    assert reader.calls[-1][1] == [p.text for p in said]


def test_who_someone_is_is_answered_by_the_whole_role_a_statement_gives_them():
    (piece,) = identity_pieces("Ortiz", whole(), [(DOC, STATEMENTS)])
    assert piece.answers == ("role",) and piece.whole
    assert identity_pieces("Lena Ortiz", whole(), [(DOC, STATEMENTS)]) == [piece]
    assert identity_pieces("Halvard Metals", whole(), [(DOC, STATEMENTS)]) == []  # given no role
    assert identity_pieces("Ana Ortiz", whole(), [(DOC, STATEMENTS)]) == []  # another person
    # named as an earlier answer gave her, with her title ("What is Mayor Lena Ortiz's job?"): still her
    assert identity_pieces("Mayor Lena Ortiz", whole(), [(DOC, STATEMENTS)]) == [piece]
    assert identity_pieces("Mayor", whole(), [(DOC, STATEMENTS)]) == []  # a title alone names no one
    assert identity_pieces("Mayor Ana Ortiz", whole(), [(DOC, STATEMENTS)]) == []
    elsewhere = [Passage(Chunk("c9", "d1", "Riverside", 0, 20, TEXT[:20]), score=1.0)]
    assert identity_pieces("Ortiz", elsewhere, [(DOC, STATEMENTS)]) == []  # her statement was not retrieved
    # the reader, unsure, picks part of the role: the whole role answers, cited by the sentence that gives it
    reader = FakeReader([("Mayor", 1.0)])
    a = answerer(reader, threshold=10.0).answer(
        "Who is Ortiz?", whole(), statements=[piece], identity="Ortiz"
    )
    assert a.text == a.quote == "Mayor" and a.meta["statement"] and not a.abstained
    assert TEXT[a.answer_start : a.answer_end] == "Mayor"
    assert a.citations[0].text == "Mayor Lena Ortiz visited the plant on Tuesday."
    assert a.citations[0].start <= a.answer_start < a.answer_end <= a.citations[0].end


def test_where_someone_works_is_the_part_of_their_role_the_reader_is_sure_of():
    text = "Rates will rise, said Omar Haddad, an economist at the Brightwater Institute, on Monday."
    doc = Document("d2", "Rates", text)
    at = lambda words: TextSpan(text.index(words), text.index(words) + len(words), words)  # noqa: E731
    said = Statement(at("Omar Haddad"), at("an economist at the Brightwater Institute"), at("said"),
                     at("Rates will rise"), False, at("Omar Haddad"), at(text))  # fmt: skip
    passages = [Passage(Chunk("c0", "d2", "Rates", 0, len(text), text), score=1.0)]
    (piece,) = identity_pieces("Haddad", passages, [(doc, (said,))], whole=False)
    assert piece.answers == ("role",) and not piece.whole and piece.confident_only
    assert identity_pieces("Haddad", passages, [(doc, (said,))]) != [piece]  # who he is: the whole role

    def ask(threshold: float):
        reader = FakeReader([("Brightwater Institute", 5.0)])
        return answerer(reader, threshold=threshold).answer(
            "Where does Haddad work?", passages, statements=[piece], identity="Haddad"
        )

    sure = ask(1.0)
    assert sure.text == sure.quote == "Brightwater Institute" and sure.meta["role"]
    assert text[sure.answer_start : sure.answer_end] == "Brightwater Institute"
    unsure = ask(10.0)  # not sure of it: the passages answer, as for any question (here: declined)
    assert "role" not in unsure.meta and unsure.abstained


def test_a_role_read_at_question_time_answers_only_when_the_reader_is_sure_of_it():
    person, role = span("Lena Ortiz"), span("Mayor")
    sentence = span("Mayor Lena Ortiz visited the plant on Tuesday.")
    (piece,) = mention_pieces(DOC, [(person, role, sentence), (person, role, sentence)])  # one piece per role
    assert piece.answers == ("role",) and piece.whole and piece.confident_only and piece.text == sentence.text
    sure = answerer(FakeReader([("Mayor", 5.0)])).answer("Who is Ortiz?", whole(), statements=[piece],
                                                          identity="Ortiz")  # fmt: skip
    assert sure.text == sure.quote == "Mayor" and sure.meta["role"] and "statement" not in sure.meta
    assert TEXT[sure.answer_start : sure.answer_end] == "Mayor" and sure.citations[0].text == sentence.text
    unsure = answerer(FakeReader([("Mayor", 1.0)]), threshold=10.0).answer(
        "Who is Ortiz?", whole(), statements=[piece], identity="Ortiz"
    )
    assert unsure.abstained  # not taken on the reader's doubt: the passages answer, here with as little


def test_an_age_is_no_role():
    text = "Rafael Cole, 38, admitted the charges."
    doc = Document("d3", "Court", text)

    def at(words: str) -> TextSpan:
        return TextSpan(text.index(words), text.index(words) + len(words), words)

    st = Statement(at("Rafael Cole"), at("38"), at("admitted"), at("the charges"), False, at("Rafael Cole"),
                   at(text))  # fmt: skip
    passages = [Passage(Chunk("c0", "d3", "Court", 0, len(text), text), score=1.0)]
    assert identity_pieces("Rafael Cole", passages, [(doc, (st,))]) == []


def test_a_span_outside_the_part_asked_for_or_without_confidence_leaves_the_passages_to_answer():
    said = pieces("Who said the plant will stay open?")
    # the only span the reader finds in the piece is its verb, not a speaker: the passages answer
    a = answerer(FakeReader([("said", 5.0)])).answer("q", whole(), statements=said)
    assert a.text == "said" and "statement" not in a.meta
    # a speaker span after it is taken (the next best inside the part asked for)
    a = answerer(FakeReader([("said", 5.0), ("Lena Ortiz", 1.0)])).answer("q", whole(), statements=said)
    assert a.text == "Lena Ortiz" and a.meta["statement"]
    # below the threshold in the piece: the passages' answer (here the same low score abstains)
    a = answerer(FakeReader([("Lena Ortiz", 1.0)]), threshold=3.0).answer("q", whole(), statements=said)
    assert a.abstained


class PieceReader(FakeReader):
    """Scores its spans ``bonus`` higher when reading statement pieces (short) than in the article."""

    def __init__(self, answers, bonus: float) -> None:
        super().__init__(answers)
        self.bonus = bonus

    def read(self, question, pieces, history=()):
        short = max(map(len, pieces)) <= 100
        found = [(t, score + self.bonus * short) for t, score in self.answers if any(t in p for p in pieces)]
        return FakeReader(found).read(question, pieces, history)


def test_a_what_question_is_answered_from_the_words_where_the_reader_is_surer_there():
    question = "What did Halvard Metals call the report?"
    said = statement_pieces(question, whole(), [(DOC, STATEMENTS)])
    answers = [("calling it premature", 5.0), ("the report of job cuts", 4.0)]
    a = answerer(PieceReader(answers, bonus=2.0)).answer(question, whole(), statements=said)
    assert a.text == "the report of job cuts" and a.meta["statement"]
    assert a.citations[0].text.startswith("Halvard Metals denied")
    a = answerer(PieceReader(answers, bonus=0.5)).answer(question, whole(), statements=said)
    assert a.text == "calling it premature" and "statement" not in a.meta


def test_a_question_asking_all_that_someone_said_is_told_from_one_asking_for_part_of_it():
    for question in ("What did the mayor say?", "what did she say about the plant?", "And what did he say?",
                     "What did Ortiz tell reporters on Tuesday?", "What did the company tell Lena Ortiz?",
                     "What does the report say?", "What did she say earlier about the plant?",
                     "What did Ortiz tell the City Council?", "What did she tell the Riverside Herald about it?"):  # fmt: skip
        assert asks_whole_statement(question), question
    for question in ("What did the mayor say would stay open?", "What kind of plant did she say it was?",
                     "What did the company tell Lena Ortiz the plan was?", "How did she say she felt?",
                     "Who said the plant will stay open?", "What did the mayor deny?"):  # fmt: skip
        assert not asks_whole_statement(question), question


def test_a_what_did_someone_say_question_reads_the_statements_of_the_speaker_it_names():
    (piece,) = pieces("What did the mayor say?")  # named by her role; what she said holds none of its words
    assert piece.named and piece.whole and piece.answers == ("content",)
    assert piece.text == "Mayor Lena Ortiz said: “The plant will stay open”"
    (piece,) = pieces("What did Lena Ortiz say about the plant?")  # "about" tells nothing of the statement
    assert piece.named and piece.whole
    (piece,) = pieces("What did the mayor say would stay open?")  # part of it: the reader's span, not all
    assert piece.named and not piece.whole
    assert pieces("What did the mayor say about the strike?") == []  # half the question's words are not there
    assert not pieces("What did the mayor deny?")  # a verb that tells which words: matched by them, as before


TEXT2 = "Halvard Metals said the plant is safe. Ana Ruiz, the Halvard Metals spokeswoman, said that jobs would go."
DOC2 = Document("d2", "Halvard", TEXT2)


def span2(text: str, after: int = 0) -> TextSpan:
    at = TEXT2.index(text, after)
    return TextSpan(at, at + len(text), text)


STATEMENTS2 = (
    Statement(span2("Halvard Metals"), None, span2("said"), span2("the plant is safe"), False,
              span2("Halvard Metals"), span2("Halvard Metals said the plant is safe.")),
    Statement(span2("Ana Ruiz"), span2("the Halvard Metals spokeswoman"), span2("said that"[:4], after=20),
              span2("that jobs would go"), False, span2("Ana Ruiz"),
              span2("Ana Ruiz, the Halvard Metals spokeswoman, said that jobs would go.")),
)  # fmt: skip


def test_the_speaker_the_question_names_best_is_the_one_it_means_and_all_their_words_answer():
    whole2 = [Passage(Chunk("c0", "d2", "Halvard", 0, len(TEXT2), TEXT2), score=1.0)]
    question = "What did the Halvard Metals spokeswoman say?"
    said = statement_pieces(question, whole2, [(DOC2, STATEMENTS2)])
    assert [p.text for p in said] == ["Ana Ruiz, the Halvard Metals spokeswoman, said that jobs would go."]
    # the reader is unsure of a span in it, and surer of another company's words in the passage: the statement
    # the question names answers, with all that was said ("that" aside), at its offsets in the article
    reader = PieceReader([("the plant is safe", 4.0), ("jobs", -2.0)], bonus=0.0)
    a = answerer(reader, threshold=1.0).answer(question, whole2, statements=said)
    assert not a.abstained and a.meta["statement"]
    assert a.text == a.quote == "jobs would go" == TEXT2[a.answer_start : a.answer_end]
    assert a.citations[0].start <= a.answer_start < a.answer_end <= a.citations[0].end
    assert TEXT2[a.citations[0].start : a.citations[0].end] == a.citations[0].text
    # a reported clause is given without its "said"
    company = "What did Halvard Metals say?"
    said = statement_pieces(company, whole2, [(DOC2, STATEMENTS2)])
    reader = PieceReader([("plant", -1.0)], bonus=0.0)
    assert (
        answerer(reader, threshold=1.0).answer(company, whole2, statements=said).text == "the plant is safe"
    )
    # words the verb acts on are given with it: "denied the report of job cuts", not "the report of job cuts"
    question = "What did Halvard Metals say?"
    said = pieces(question)
    a = answerer(PieceReader([("job cuts", -1.0)], bonus=0.0), threshold=1.0).answer(
        question, whole(), statements=said
    )
    assert a.text == "denied the report of job cuts" == TEXT[a.answer_start : a.answer_end]
    # a name is matched whole, or by the speaker's own name within it; one word shared is another person
    named = lambda q: [p.text[:8] for p in statement_pieces(q, whole2, [(DOC2, STATEMENTS2)])]  # noqa: E731
    assert named("What did Ruiz say?") == named("What did Ms. Ana Ruiz say?") == ["Ana Ruiz"]
    assert named("What did Lena Halvard say?") == []
    # the name before "say" speaks, not one the question asks about
    assert named("What did Ana Ruiz say about Halvard Metals?") == ["Ana Ruiz"]
    # part of what was said, asked for: the reader's span when it is sure of it, else the passages' answer
    part = "What did the Halvard Metals spokeswoman say would go?"
    said = statement_pieces(part, whole2, [(DOC2, STATEMENTS2)])
    assert [p.whole for p in said] == [False]
    sure = answerer(PieceReader([("the plant is safe", 3.0), ("jobs", 2.0)], bonus=0.0), threshold=1.0)
    assert sure.answer(part, whole2, statements=said).text == "jobs"
    unsure = answerer(PieceReader([("the plant is safe", 4.0), ("jobs", -2.0)], bonus=0.0), threshold=1.0)
    assert unsure.answer(part, whole2, statements=said).text == "the plant is safe"


def test_a_quotation_keeps_its_own_opening_that():
    text = "Rates will rise. “That puts them at risk,” Durham said."
    doc = Document("d4", "Rates", text)

    def at(part: str) -> TextSpan:
        i = text.index(part)
        return TextSpan(i, i + len(part), part)

    quote = Statement(at("Durham"), None, at("said"), at("That puts them at risk"), True, at("Durham"),
                      at("“That puts them at risk,” Durham said."))  # fmt: skip
    passages = [Passage(Chunk("c0", "d4", "Rates", 0, len(text), text), score=1.0)]
    question = "What did Durham say?"
    said = statement_pieces(question, passages, [(doc, (quote,))])
    a = answerer(PieceReader([("at risk", -1.0)], bonus=0.0), threshold=1.0).answer(
        question, passages, statements=said
    )
    assert a.text == "That puts them at risk" == text[a.answer_start : a.answer_end]


def test_what_someone_the_article_never_quotes_said_is_declined():
    assert unreported_speaker("What did Macron say?", [STATEMENTS]) == "Macron"
    assert (
        unreported_speaker("What did the Riverside union tell reporters?", [STATEMENTS])
        == "the Riverside union"
    )
    # a speaker the article has, by name, surname, role words or a longer name; part of a statement; no name
    for question in ("What did Lena Ortiz say?", "What did Ortiz say about the plant?", "What did Mayor Ortiz say?",
                     "What did Halvard say?", "What did Ortiz say would stay open?", "What did the union say?",
                     "Who did Macron tell?", "What did he say?"):  # fmt: skip
        assert unreported_speaker(question, [STATEMENTS]) is None, question
    assert unreported_speaker("What did Macron say?", [()]) is None  # no statements found: nothing to go by
    # the answerer declines it, with the nearest passages, whatever the reader finds
    a = answerer(FakeReader([("Lena Ortiz", 6.0)])).answer(
        "What did Macron say?", whole(), unreported="Macron"
    )
    assert a.abstained and a.meta["reason"] == "no statement of Macron" and a.related


def test_a_speaker_named_by_surname_is_the_one_the_article_named_in_full_with_their_role():
    text = "Ana Ruiz, the Halvard Metals spokeswoman, said that jobs would go. Later Ruiz said the plant would close."
    doc = Document("d3", "Later", text)

    def at(part: str, after: int = 0) -> TextSpan:
        i = text.index(part, after)
        return TextSpan(i, i + len(part), part)

    first, second = text.split(". ")[0] + ".", text.split(". ")[1]
    statements = (
        Statement(at("Ana Ruiz"), at("the Halvard Metals spokeswoman"), at("said"), at("that jobs would go"), False,
                  at("Ana Ruiz"), at(first)),
        Statement(at("Ruiz", 60), None, at("said", 60), at("the plant would close"), False, at("Ruiz", 60),
                  at(second)),
    )  # fmt: skip
    passages = [Passage(Chunk("c0", "d3", "Later", 0, len(text), text), score=1.0)]
    found = statement_pieces("What did the spokeswoman say about the plant?", passages, [(doc, statements)])
    assert [p.text for p in found] == [
        "Ruiz said the plant would close."
    ]  # her role, from the first statement
    both = statement_pieces("What did the spokeswoman say?", passages, [(doc, statements)])
    assert len(both) == 2 and all(p.named and p.whole for p in both)


@pytest.mark.slow
def test_a_he_said_is_answered_with_the_person_named_a_sentence_before(seed_bot):
    """On the seed: 'He stated that this support has not ceased' names its speaker one sentence before."""
    from tests.unit.answering.test_extractive import assert_grounded

    a = seed_bot.ask("Who stated that Iran's support is now shown through intelligence and propaganda?")
    assert a.text.endswith("Daniel Hagari") and a.meta.get("statement")
    assert "Daniel Hagari identified Iran" in a.citations[0].text
    assert a.citations[1].text.startswith("He stated that this support has not ceased")
    assert_grounded(seed_bot, a)


@pytest.mark.slow
def test_what_a_named_speaker_said_is_answered_with_their_words_not_another_speakers(seed_bot):
    """On the seed the reader alone answered "What did Blinken say at the UN?" with Iravani's "baseless"."""
    from tests.unit.answering.test_extractive import assert_grounded

    a = seed_bot.ask("What did Blinken say at the UN?")
    assert a.meta.get("statement") and a.text.startswith("Iran has been supporting terrorist entities")
    assert "Blinken noted" in a.citations[0].text
    assert_grounded(seed_bot, a)
    assert seed_bot.ask(
        "What did Macron say?"
    ).abstained  # Netanyahu spoke to him; the article quotes him not
    assert seed_bot.ask("what did macron say?").abstained  # typed in lower case: the same
    follow = seed_bot.ask("What did he say?", history=[("Who denied the allegations?", "Amir Saeid Iravani")])
    assert not follow.abstained and "Iravani" in follow.citations[0].text
    assert_grounded(seed_bot, follow)


def f1_with_and_without_statements(name: str) -> dict[bool, float]:
    """F1 of qa-bot on tests/data/``name``, reading statements (True) and the reader alone (False)."""
    from qa_bot import QABot
    from qa_bot.dev.evaluate import run_eval
    from tests.conftest import TEST_DATA

    return {
        flag: run_eval(
            TEST_DATA / name,
            ["qa-bot"],
            bot_factory=lambda index, flag=flag: QABot(index_dir=index, use_statements=flag),
        ).metrics["qa-bot"]["f1"]
        for flag in (False, True)
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["said_blind.json", "said_blind2.json", "said_blind3.json", "said_blind4.json"]
)
def test_what_someone_said_is_answered_better_on_the_blind_sets(name):
    """tests/data/said_blind*.json: questions asking what someone said — the seed and the news articles (written
    before the statement path answered "What did <speaker> say?", looked at while building it), the CNN stories of
    attribution_blind.json (written after, looked at too), four more CNN stories (written after the path was
    final, run once), three more (written before a speaker the article never quotes was declined, run once before
    and after it): 42.9 -> 74.6, 30.6 -> 70.3 -> 76.2, 58.7 -> 77.3 and 63.3 -> 80.0 F1 when measured.
    Reading the statements must keep a clear lead over the reader alone."""
    f1 = f1_with_and_without_statements(name)
    assert f1[True] >= f1[False] + 10, f1


@pytest.mark.slow
def test_who_someone_is_is_their_role_on_the_seed(seed_bot):
    """The reader alone answered "Who is Blinken?" with "Secretary of State Antony", "Who is Iravani?" with his
    name and "Who is Macron?" with "Benjamin Netanyahu"."""
    from tests.unit.answering.test_extractive import assert_grounded

    blinken = seed_bot.ask("Who is Blinken?")
    assert blinken.text == "US Secretary of State" and blinken.meta.get("statement")
    assert "Blinken noted" in blinken.citations[0].text
    iravani = seed_bot.ask("Who is Iravani?")
    assert "permanent representative" in iravani.text and "Iravani" not in iravani.text
    follow = seed_bot.ask("Who is he?", history=[("Who denied the allegations?", "Amir Saeid Iravani")])
    assert follow.text == iravani.text
    macron = seed_bot.ask("Who is Macron?")  # not quoted: his role read from the sentence naming him
    assert macron.text == "French President" and macron.meta.get("role")
    typed = seed_bot.ask("who is blinken")  # in lower case, as typed in a chat
    assert typed.text == blinken.text
    for a in (blinken, iravani, follow, macron, typed):
        assert_grounded(seed_bot, a)


@pytest.mark.slow
def test_a_role_the_article_gives_someone_is_a_yes_on_the_seed(seed_bot):
    """The reader read "Is Blinken the Secretary of State?" over "he did not rule out future changes in this
    position" and answered "No"."""
    from tests.unit.answering.test_extractive import assert_grounded

    yes = seed_bot.ask("Is Blinken the Secretary of State?")
    assert (yes.kind, yes.text, yes.quote) == ("yes", "Yes", "US Secretary of State") and yes.meta.get(
        "role_check"
    )
    assert "Blinken noted" in yes.citations[0].text
    follow = seed_bot.ask(
        "Is he the secretary of state?", history=[("Who is Blinken?", "US Secretary of State")]
    )
    assert follow.kind == "yes" and follow.quote == yes.quote
    macron = seed_bot.ask("Is Macron the French president?")  # his role read from the sentence naming him
    assert macron.kind == "yes" and macron.quote == "French President"
    other = seed_bot.ask("Is Blinken the Iranian foreign minister?")  # not his role: the reader answers
    assert not other.meta.get("role_check") and other.text != "Yes"
    for a in (yes, follow, macron, other):
        assert_grounded(seed_bot, a)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "lead"), [("identity_blind.json", 8), ("identity_blind2.json", 6)])
def test_who_someone_is_is_answered_better_on_the_blind_sets(name, lead):
    """tests/data/identity_blind*.json: "Who is X?" questions. The first (news and seven CNN stories) was written
    before the identity path was run on it: 56.2 on that first run against 59.2 before; then a role right before
    a name was no longer taken for the person's given names, an age no longer for a role, roles read from the
    sentences naming someone the article does not quote: 83.6 (the reader alone, a span naming the person
    aside, 60.8). The second (five more CNN stories) was written after all that and run once: 44.7 -> 57.0 (the
    reader alone 44.7). Reading the roles the articles give must keep a clear lead."""
    f1 = f1_with_and_without_statements(name)
    assert f1[True] >= f1[False] + lead, f1


@pytest.mark.slow
def test_statements_lift_attribution_answers_on_the_blind_set():
    """tests/data/attribution_blind.json (written after this was built; 73.6 -> 86.1 F1 when measured): reading
    the statements must keep a clear lead over the reader alone."""
    f1 = f1_with_and_without_statements("attribution_blind.json")
    assert f1[True] >= f1[False] + 5, f1
