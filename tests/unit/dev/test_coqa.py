"""CoQA conversations for the reader: answer kinds, the short span inside a rationale, training windows with their
history, the held-out split and its eval layout; and the by-turn metrics `qa-bot eval` reports for conversations."""

from __future__ import annotations

import json
import random

import pytest

from qa_bot.dev.coqa import (
    answer_kind,
    best_span,
    build_turn_windows,
    measured_only_stories,
    split_stories,
    to_eval_layout,
)
from qa_bot.dev.evaluate import EvalQuestion, load_dataset

STORY = (
    "Ana Ruiz sailed out of Puerto Blanco on Sunday. Her boat, the Gaviota, sank near the reef two days later.\n"
    "Fishermen from Montgomery County found her on a sandbar and brought her home. She did not return with "
    "the boat, which is still missing. Ruiz said she will sail again next year."
)


def turn(i: int, question: str, answer: str, rationale: str | None) -> tuple[dict, dict]:
    start = STORY.index(rationale) if rationale else -1
    end = start + len(rationale) if rationale else -1
    return ({"turn_id": i, "input_text": question},
            {"turn_id": i, "input_text": answer, "span_start": start, "span_end": end,
             "span_text": rationale or "unknown"})  # fmt: skip


def story(sid: str = "s1", source: str = "cnn") -> dict:
    turns = [
        turn(1, "Whose boat sank?", "Ana Ruiz's", "Ana Ruiz sailed out of Puerto Blanco"),
        turn(2, "Where?", "near the reef", "Her boat, the Gaviota, sank near the reef two days later."),
        turn(3, "Who found her?", "fishermen", "Fishermen from Montgomery County found her"),
        turn(4, "County?", "Montgomery", "Fishermen from Montgomery County"),
        turn(5, "Did she return with the boat?", "no", "She did not return with the boat"),
        turn(6, "What was her dog called?", "unknown", None),
    ]
    return {"id": sid, "source": source, "story": STORY,
            "questions": [q for q, _ in turns], "answers": [a for _, a in turns]}  # fmt: skip


def sentences(nlp):
    from qa_bot.ingest import split_sentences

    return lambda texts: [split_sentences(t, nlp) for t in texts]


def test_answer_kinds():
    assert [answer_kind(a) for a in ("Yes", "no.", "unknown", "Montgomery County", "Yes, she did")] == [
        "yes", "no", "unknown", "span", "span",
    ]  # fmt: skip


def test_the_span_learned_is_the_shortest_best_match_inside_the_rationale():
    r = "Fishermen from Montgomery County found her"
    start = STORY.index(r)
    s, e = best_span(STORY, start, start + len(r), "Montgomery")
    assert STORY[s:e] == "Montgomery"
    s, e = best_span(STORY, start, start + len(r), "the fishermen")
    assert STORY[s:e] == "Fishermen"
    r2 = "Her boat, the Gaviota, sank near the reef two days later."
    s, e = best_span(STORY, STORY.index(r2), STORY.index(r2) + len(r2), "near a reef")
    assert STORY[s:e] == "near the reef"
    assert best_span(STORY, start, start + len(r), "seventeen") is None  # nothing matches: not learned


def test_turn_windows_hold_their_answer_history_and_kind(blank_nlp):
    windows = build_turn_windows([story()], sentences(blank_nlp), random.Random(0), negative_rate=1.0)
    turns = [w for w in windows if w.source == "turn"]
    assert [w.question for w in turns] == ["Whose boat sank?", "Where?", "Who found her?", "County?",
                                           "Did she return with the boat?"]  # fmt: skip
    by_q = {w.question: w for w in turns}
    assert by_q["County?"].text[slice(*by_q["County?"].answer)] == "Montgomery"
    assert by_q["County?"].history == (("Whose boat sank?", "Ana Ruiz's"), ("Where?", "near the reef"),
                                       ("Who found her?", "fishermen"))[-2:]  # fmt: skip
    assert by_q["Whose boat sank?"].history == ()
    said = by_q["Did she return with the boat?"]
    assert said.kind == "no" and said.text[slice(*said.answer)] == "She did not return with the boat"
    assert {w.kind for w in turns if w is not said} == {"span"}
    for w in windows:
        if w.source == "turn_neg":
            assert w.answer is None and w.kind is None
    unknown = [w for w in windows if w.source == "turn_unknown"]
    assert len(unknown) == 1 and unknown[0].answer is None and unknown[0].kind is None


def test_dev_split_holds_out_cnn_stories_and_keeps_only_ship_safe_ones():
    stories = [story(f"cnn{i}", "cnn") for i in range(30)] + [story("w1", "wikipedia"), story("r1", "race"),
                                                                 story("m1", "mctest"), story("g1", "gutenberg")]  # fmt: skip
    train, dev = split_stories(stories, dev_cnn=24)
    assert len(dev) == 24 and all(s["source"] == "cnn" for s in dev)
    assert {s["id"] for s in train} & {s["id"] for s in dev} == set()
    assert {s["source"] for s in train} == {"cnn", "wikipedia", "gutenberg"}  # no exam or children's stories
    _, dev_again = split_stories(list(reversed(stories)), dev_cnn=24)  # the file's order does not matter
    assert {s["id"] for s in dev_again} == {s["id"] for s in dev}
    # the exam and children's stories: measured on only, and exactly the ones no split trains on
    measured = measured_only_stories(stories)
    assert {s["id"] for s in measured} == {"r1", "m1"}
    assert not {s["id"] for s in measured} & {s["id"] for s in train}


def test_eval_layout_gives_every_turn_its_history(tmp_path):
    path = tmp_path / "coqa.json"
    path.write_text(json.dumps(to_eval_layout([story()])))
    (article,) = load_dataset(path)
    assert article.text == STORY.strip()
    qs = article.questions
    assert (
        qs[0].history == ()
        and qs[3].history[-1] == ("Who found her?", "fishermen")
        and len(qs[3].history) == 3
    )
    assert qs[4].answers == ("no",) and qs[5].is_impossible and qs[5].answers == ()


def test_switched_layout_moves_each_conversation_on_from_the_story_before(tmp_path):
    path = tmp_path / "coqa.json"
    other = story("s2")
    other["questions"][0] = {**other["questions"][0], "input_text": "Who sailed?"}
    path.write_text(json.dumps(to_eval_layout([story(), other], switched=True)))
    first, second = load_dataset(path)
    whole_first = (("Whose boat sank?", "Ana Ruiz's"), ("Where?", "near the reef"), ("Who found her?", "fishermen"),
                   ("County?", "Montgomery"), ("Did she return with the boat?", "no"),
                   ("What was her dog called?", "unknown"))  # fmt: skip
    assert (
        second.questions[0].history == whole_first
    )  # a story's first turn: after the whole other conversation
    assert second.questions[2].history == (
        *whole_first,
        ("Who sailed?", "Ana Ruiz's"),
        ("Where?", "near the reef"),
    )
    assert first.questions[0].history[0] == ("Who sailed?", "Ana Ruiz's")  # the first story follows the last
    plain = to_eval_layout([story(), other])
    assert plain["data"][1]["paragraphs"][0]["qas"][0]["history"] == []


@pytest.mark.parametrize(
    ("question", "answers", "history", "kind"),
    [
        ("Whose boat sank?", ("Ana Ruiz's",), (), "first turn"),
        ("Where is she now?", ("home",), (("q", "a"),), "pronoun follow-up"),
        ("County?", ("Montgomery",), (("q", "a"),), "elliptical follow-up"),
        ("With whom did the fishermen go back to the port?", ("x",), (("q", "a"),), "other follow-up"),
        ("Did she return?", ("No",), (), "yes/no"),
    ],
)
def test_turn_kinds(question, answers, history, kind):
    from qa_bot.dev.metrics import turn_kind

    assert turn_kind(EvalQuestion("q", question, answers, False, history)) == kind


def test_scores_by_turn_kind_count_abstentions_on_answerable_turns():
    from qa_bot.dev.evaluate import Prediction
    from qa_bot.dev.metrics import score

    qs = [EvalQuestion("1", "Whose boat sank?", ("Ana Ruiz's",), False),
          EvalQuestion("2", "County?", ("Montgomery",), False, (("q", "a"),)),
          EvalQuestion("3", "Did she return?", ("no",), False, (("q", "a"),)),
          EvalQuestion("4", "Her dog?", (), True, (("q", "a"),))]  # fmt: skip
    preds = {"1": Prediction("Ana Ruiz's"), "2": Prediction(""), "3": Prediction("No"), "4": Prediction("")}
    m = score(qs, preds)
    assert m["by_turn"]["yes/no"] == {"n": 1, "f1": 100.0, "abstained_answerable": 0.0}
    assert m["by_turn"]["elliptical follow-up"]["abstained_answerable"] == 100.0
    assert m["abstained_HasAns"] == pytest.approx(100 / 3, abs=0.01)


def test_answers_cited_from_another_article_are_counted():
    from qa_bot.dev.evaluate import Prediction
    from qa_bot.dev.metrics import score

    def cited(answer, title):
        return Prediction(answer, ({"title": title, "text": answer},))

    qs = [EvalQuestion("1", "Whose boat sank?", ("Ana Ruiz's",), False, (), "Boat"),
          EvalQuestion("2", "County?", ("Montgomery",), False, (("q", "a"),), "Boat"),
          EvalQuestion("3", "Who was arrested?", ("Carl",), False, (("q", "a"),), "Boat"),
          EvalQuestion("4", "Why?", ("storm",), False, (("q", "a"),), "Boat")]  # fmt: skip
    preds = {"1": cited("Ana Ruiz's", "Boat"), "2": cited("Montgomery", "Boat"), "3": cited("Mertens", "Fire"),
             "4": Prediction("")}  # fmt: skip
    m = score(qs, preds)
    assert m["answered_elsewhere"] == pytest.approx(100 / 3, abs=0.01)  # of the three answered, one
    assert m["followups_answered_elsewhere"] == 50.0  # of the two answered follow-ups, one
    untitled = score([EvalQuestion("1", "Whose boat sank?", ("x",), False)], {"1": cited("x", "Boat")})
    assert untitled["answered_elsewhere"] is None  # a question without its article is not counted


def test_yes_no_outcomes_split_the_kind_decisions_misses_from_the_polaritys():
    from qa_bot.dev.evaluate import Prediction
    from qa_bot.dev.metrics import YES_NO_OUTCOMES, score, yes_no_outcome

    turn = (("Whose boat sank?", "Ana Ruiz's"),)
    qs = [EvalQuestion("1", "Did she return?", ("no",), False, turn),
          EvalQuestion("2", "Was it old?", ("Yes.",), False, turn),
          EvalQuestion("3", "Was she hurt?", ("yes",), False, turn),
          EvalQuestion("4", "Did it sink fast?", ("no",), False, turn),
          EvalQuestion("5", "Where?", ("the harbour",), False, turn),
          EvalQuestion("6", "Why?", ("a storm",), False, turn),
          EvalQuestion("7", "Her dog?", (), True, turn)]  # fmt: skip
    said = {"1": "No", "2": "no", "3": "broke her arm", "4": "", "5": "Yes", "6": "a storm", "7": "No"}
    expected = ["verdict right", "verdict wrong", "words, no verdict", "declined", "verdict, gold is words", None,
                None]  # fmt: skip
    assert [yes_no_outcome(q, said[q.qid]) for q in qs] == expected
    m = score(qs, {k: Prediction(v) for k, v in said.items()})
    assert {k: c["n"] for k, c in m["yes_no"].items()} == {k: int(k in expected) for k in YES_NO_OUTCOMES}
    # a set without yes/no turns or verdicts has no such block
    assert score(qs[5:6], {"6": Prediction("a storm")})["yes_no"] == {}
