"""The project's own paraphrase set (tests/data/paraphrase_qa.json): well-formed SQuAD v2.0, every gold answer at its
offset, and the mix the issue asks for (new phrasings, unanswerables, follow-ups). Never tuned on."""

from __future__ import annotations

import json

from qa_bot.dev.evaluate import load_dataset
from tests.conftest import TEST_DATA

PARAPHRASES = TEST_DATA / "paraphrase_qa.json"


def test_the_paraphrase_set_is_well_formed():
    raw = json.loads(PARAPHRASES.read_text("utf-8"))
    questions = []
    for art in raw["data"]:
        for para in art["paragraphs"]:
            for qa in para["qas"]:
                questions.append(qa)
                assert qa["is_impossible"] == (not qa["answers"])
                for a in qa["answers"]:
                    assert para["context"][a["answer_start"] :][: len(a["text"])] == a["text"]
    assert len(questions) >= 30
    assert sum(q["is_impossible"] for q in questions) >= 5
    assert sum(bool(q.get("history")) for q in questions) >= 5
    assert len({q["id"] for q in questions}) == len(questions)
    assert len(load_dataset(PARAPHRASES)) == 4  # the seed article and the three news dev articles


def test_no_paraphrase_repeats_a_dev_question(shared_data):
    mine = {q.question.lower() for a in load_dataset(PARAPHRASES) for q in a.questions}
    for name in ("seed_qa_dev.json", "news_dev.json"):
        path = shared_data / name
        if path.exists():
            dev = {q.question.lower() for a in load_dataset(path) for q in a.questions}
            assert not mine & dev
