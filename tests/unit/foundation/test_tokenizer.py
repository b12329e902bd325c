"""qa_bot.tokenizer gives, token for token, what transformers' fast tokenizer gave the reader and the embedder
(slow: loads transformers for the comparison)."""

from __future__ import annotations

import numpy as np
import pytest

from qa_bot.answering.windows import question_text
from qa_bot.tokenizer import WordPieces

pytestmark = pytest.mark.slow

QUESTIONS = [
    "who denied the allegations?",
    "What did he call them?",
    "Ünïcödé?? don't   stop — “quoted” 2,000km",
    "why " * 30,
]
HISTORIES = [(), (("Who said it?", "Blinken"), ("When?", "The article doesn't say."))]


@pytest.fixture(scope="module")
def tokenizers(seed_text, shared_data):
    import json

    from transformers import AutoTokenizer

    from qa_bot.answering.model_io import base_model_path

    data = json.loads((shared_data / "squad2_dev_2articles.json").read_text("utf-8"))["data"]
    texts = [p["context"] for a in data for p in a["paragraphs"]][:12]
    texts += [
        seed_text[:4000],
        "x",
        "tabs\tand\nnew lines\n\nand  spaces",
        "",
        "日本語のテキスト and Ελληνικά",
    ]
    hf = AutoTokenizer.from_pretrained(str(base_model_path()))
    return hf, WordPieces(base_model_path()), texts


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("history", HISTORIES)
@pytest.mark.parametrize(("max_length", "stride"), [(256, 48), (192, 64), (96, 16)])
def test_question_and_passage_windows_equal_transformers(tokenizers, question, history, max_length, stride):
    hf, wp, texts = tokenizers
    q = question_text(hf, question, history)
    assert question_text(wp, question, history) == q and wp.tokenize(question) == hf.tokenize(question)
    want = hf([q] * len(texts), texts, truncation="only_second", max_length=max_length, stride=stride,
              return_overflowing_tokens=True, return_offsets_mapping=True, padding="longest",
              return_tensors="np")  # fmt: skip
    got = wp.encode_pairs([q] * len(texts), texts, max_length, stride)
    for key in ("input_ids", "token_type_ids", "attention_mask"):
        np.testing.assert_array_equal(getattr(got, key), want[key])
    assert got.owner == [int(o) for o in want["overflow_to_sample_mapping"]]
    offsets = [[(int(a), int(b)) if sid == 1 and b > a else None
                for sid, (a, b) in zip(want.sequence_ids(n), want["offset_mapping"][n], strict=True)]
               for n in range(len(got.owner))]  # fmt: skip
    assert got.offsets == offsets


def test_first_windows_alone_equal_transformers_truncation(tokenizers):
    hf, wp, texts = tokenizers
    want = hf(["who denied it?"] * len(texts), texts, truncation="only_second", max_length=128)
    got = wp.encode_pairs(["who denied it?"] * len(texts), texts, 128, overflow=False)
    assert len(got.owner) == len(texts)
    for n, ids in enumerate(want["input_ids"]):
        assert got.input_ids[n][: int(got.attention_mask[n].sum())].tolist() == ids


def test_single_texts_equal_sentence_transformers_input(tokenizers):
    hf, wp, texts = tokenizers
    want = hf(texts, truncation=True, max_length=256, padding=True, return_tensors="np")
    got = wp.encode_texts(texts, 256)
    for key in ("input_ids", "token_type_ids", "attention_mask"):
        np.testing.assert_array_equal(got[key], want[key])
