"""The answerer's small linear models: loading, fallback, and the arithmetic the fitting script relies on."""

from __future__ import annotations

import json
import math

import pytest

from qa_bot.answerer import AnswerModel, LinearModel, answer_features, best_rival


def test_linear_model_ignores_unknown_features_and_counts_missing_as_zero():
    m = LinearModel(0.5, {"a": 2.0, "b": -1.0})
    assert m.logit({"a": 1.0, "zzz": 100.0}) == pytest.approx(2.5)


def test_missing_file_falls_back_to_the_hand_set_score(tmp_path):
    m = AnswerModel.load(tmp_path / "none.json")
    assert m.info["source"] == "hand-set"
    # the hand-set decision point: a hand score of 0.35 is confidence 0.5
    assert m.confidence({"hand": 0.35}) == pytest.approx(0.5)
    assert m.confidence({"hand": 0.6}) > 0.9 > 0.1 > m.confidence({"hand": 0.1})


def test_model_file_round_trip(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(
        json.dumps(
            {
                "candidate": {"bias": 0.0, "weights": {"hand": 2.0}},
                "abstain": {"bias": -1.0, "weights": {"candidate": 1.0}},
                "info": {"fitted": "today"},
            }
        )
    )
    m = AnswerModel.load(path)
    assert m.candidate_logit({"hand": 0.5}) == 1.0
    assert m.confidence({"candidate": 1.0}) == 0.5
    assert m.confidence({"candidate": 1e9}) == pytest.approx(1.0)  # clipped, no overflow
    assert m.info == {"fitted": "today"}


def test_best_rival_skips_spans_inside_the_chosen_one():
    texts = ["the Wall Street Journal", "Wall Street Journal", "Reuters"]
    assert best_rival(texts, [3.0, 2.9, 1.0], 0) == 1.0
    assert best_rival(["only"], [1.0], 0) is None


def test_answer_features_margin_is_capped():
    f = answer_features({"hand": 0.4, "coverage": 1.0}, 2.0, None)
    assert f["margin"] == 3.0 and f["candidate"] == 2.0 and f["hand"] == 0.4
    assert answer_features({}, 2.0, 1.5)["margin"] == pytest.approx(0.5)
    assert not math.isnan(answer_features({}, 0.0, 10.0)["margin"])


def test_store_idf_weighs_rare_words_more(tmp_path, fake_embedder):
    from qa_bot.ingest import chunk_document, make_document
    from qa_bot.store import Store

    store = Store(tmp_path / "ix", embedder=fake_embedder)
    doc = make_document("alpha beta.\n\nalpha gamma.\n\nalpha delta.", title="t")
    chunks = chunk_document(doc, [(0, 11), (13, 25), (27, 39)], max_chars=12, overlap=0)
    store.add_document(doc, chunks)
    assert store.idf("gamma") > store.idf("alpha") > 0
    assert store.idf("never-seen") >= store.idf("gamma")
