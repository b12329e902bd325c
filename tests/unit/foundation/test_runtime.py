"""The ONNX light path: exports cached by what they are made from (fast, a fake export), and the exported networks
computing what the PyTorch ones compute (slow)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from qa_bot.errors import ModelUnavailable
from qa_bot.runtime import cache_dir, cached_export


def test_an_export_is_made_once_and_again_when_its_source_changes(tmp_path):
    source = tmp_path / "weights.bin"
    source.write_bytes(b"v1")
    made = []

    def export(path):
        made.append(path)
        path.write_bytes(b"onnx:" + source.read_bytes())

    first = cached_export("net", [source], export, tmp_path / "cache")
    assert cached_export("net", [source], export, tmp_path / "cache") == first
    assert len(made) == 1 and first.read_bytes() == b"onnx:v1"
    source.write_bytes(b"v2-longer")
    second = cached_export("net", [source], export, tmp_path / "cache")
    assert second != first and second.read_bytes() == b"onnx:v2-longer"
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [second.name]  # the stale export is gone


def test_two_checkouts_keep_one_export_each(tmp_path):
    """A second checkout's export does not evict the first's (each would export again at its next start); an
    export named before exports had a place is cleaned up."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "net-0123456789abcdef.onnx").write_bytes(b"old layout")
    made = []

    def export(path):
        made.append(path)
        path.write_bytes(b"onnx")

    sources = []
    for checkout in ("a", "b"):
        (tmp_path / checkout).mkdir()
        sources.append(tmp_path / checkout / "weights.bin")
        sources[-1].write_bytes(b"v1")
    first = cached_export("net", [sources[0]], export, cache)
    second = cached_export("net", [sources[1]], export, cache)
    assert first != second and len(made) == 2
    assert sorted(p.name for p in cache.iterdir()) == sorted([first.name, second.name])
    assert cached_export("net", [sources[0]], export, cache) == first and len(made) == 2


def test_a_failed_export_leaves_nothing_behind(tmp_path):
    source = tmp_path / "weights.bin"
    source.write_bytes(b"v1")

    def export(path):
        path.write_bytes(b"half a fi")
        raise RuntimeError("exporter crashed")

    with pytest.raises(RuntimeError, match="exporter crashed"):
        cached_export("net", [source], export, tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_an_unwritable_cache_is_a_clear_error(tmp_path):
    source = tmp_path / "weights.bin"
    source.write_bytes(b"v1")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ModelUnavailable, match="Cannot write the model cache"):
        cached_export("net", [source], lambda p: None, blocker / "cache")


def test_the_cache_directory_follows_the_setting_then_xdg(monkeypatch, tmp_path):
    assert cache_dir(tmp_path / "mine") == tmp_path / "mine"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir("") == tmp_path / "xdg" / "qa-bot"


def test_runtime_choices_are_checked():
    from qa_bot import Settings
    from qa_bot.answering.reader import TrainedReader
    from qa_bot.errors import InvalidInput
    from qa_bot.models import Embedder

    with pytest.raises(ValueError, match="onnx, torch"):
        Embedder(runtime="tensorflow")
    with pytest.raises(ValueError, match="onnx, torch"):
        TrainedReader(runtime="tensorflow")
    with pytest.raises(InvalidInput, match="runtime"):
        Settings(runtime="tensorflow")
    assert TrainedReader(precision="bf16").runtime == "torch"  # bf16 is PyTorch's
    assert TrainedReader(precision="fp32").runtime == "onnx"
    assert TrainedReader(precision="int8").runtime == "onnx"
    assert TrainedReader(precision="int8", runtime="torch").runtime == "torch"


# -- the exported networks against PyTorch (slow) -----------------------------------------------------------
QUESTIONS = [
    "who denied the allegations?",
    "What did Iran's envoy call the claims?",
    "Where did the training take place, and when?",
    "How many people were killed in the attack on 7 October?",
    "x",
    "What did he say about it? " * 20,
]


@pytest.mark.slow
def test_light_query_vectors_equal_sentence_transformers(tmp_path):
    from qa_bot.models import Embedder

    light = Embedder(runtime="onnx", cache_dir=tmp_path)
    full = Embedder(runtime="torch")
    for q in QUESTIONS:
        a, b = light.embed_query(q), full.embed_query(q)
        assert light.onnx_path is not None and light.onnx_path.parent == tmp_path
        assert float(np.dot(a, b)) > 1 - 1e-5 and abs(float(np.linalg.norm(a)) - 1) < 1e-5
    assert light.dimension == full.dimension == 384


@pytest.mark.slow
def test_light_reader_reads_what_the_pytorch_reader_reads(tmp_path, seed_text):
    from qa_bot.answering.reader import TrainedReader

    light = TrainedReader(precision="fp32", runtime="onnx", cache_dir=tmp_path).warm_up()
    full = TrainedReader(precision="fp32", runtime="torch").warm_up()
    assert light.onnx_path is not None and light.reads_history == full.reads_history is True
    pieces = [seed_text[i : i + 900] for i in range(0, 3600, 900)]
    for q in QUESTIONS:
        enc = light.encode(q, pieces, history=[("Who denied it?", "Iravani")])
        for got, want in zip(light.forward(enc), full.forward(enc), strict=True):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, atol=2e-3)
        a, b = light.read(q, pieces), full.read(q, pieces)
        assert [(s.piece, s.start, s.end) for s in a.spans[:3]] == [
            (s.piece, s.start, s.end) for s in b.spans[:3]
        ]
        assert abs(a.null - b.null) < 2e-3


@pytest.mark.slow
def test_the_int8_reader_reads_the_spans_the_fp32_reader_reads(tmp_path, seed_text):
    """Precision int8 (the default, ``auto``): the fp32 export smoothed and quantised once into the cache beside
    it; the logits move by int8 rounding, the best span stays the fp32 reader's."""
    from qa_bot.answering.reader import TrainedReader

    fp32 = TrainedReader(precision="fp32", cache_dir=tmp_path).warm_up()
    int8 = TrainedReader(precision="int8", cache_dir=tmp_path).warm_up()
    assert (int8.runtime, int8.precision, fp32.precision) == ("onnx", "int8", "fp32")
    assert int8.onnx_path is not None and int8.onnx_path.parent == tmp_path
    assert int8.onnx_path.name.startswith("reader_int8-") and int8.reads_history
    assert (
        TrainedReader(cache_dir=tmp_path).warm_up().onnx_path == int8.onnx_path
    )  # auto: the same int8 graph
    pieces = [seed_text[i : i + 900] for i in range(0, 3600, 900)]
    same = 0
    for q in QUESTIONS:
        enc = fp32.encode(q, pieces, history=[("Who denied it?", "Iravani")])
        mask = enc.attention_mask.astype(bool)
        for got, want in zip(int8.forward(enc)[:2], fp32.forward(enc)[:2], strict=True):
            assert np.abs(got - want)[mask].max() < 2.5
        a, b = int8.read(q, pieces), fp32.read(q, pieces)
        same += (a.spans[0].piece, a.spans[0].start, a.spans[0].end) == (
            b.spans[0].piece,
            b.spans[0].start,
            b.spans[0].end,
        )
    assert same >= len(QUESTIONS) - 1
    assert len(list(tmp_path.glob("*.onnx"))) == 2  # one export each, neither evicting the other


@pytest.mark.slow
def test_without_an_export_the_reader_falls_back_to_pytorch(tmp_path, monkeypatch, caplog):
    from qa_bot.answering import model_io
    from qa_bot.answering.reader import TrainedReader

    def broken(model_dir, path):
        raise RuntimeError("no exporter here")

    monkeypatch.setattr(model_io, "export_reader", broken)
    reader = TrainedReader(runtime="onnx", cache_dir=tmp_path).warm_up()
    assert reader.runtime == "torch" and reader.onnx_path is None
    assert "falls back to PyTorch" in caplog.text and "no exporter here" in caplog.text
    assert reader.read("Who denied the allegations?", ["Iravani denied the allegations."]).spans
    assert os.listdir(tmp_path) == []


def _tiny_bert(tmp_path):
    """A two-layer BERT of random weights (fused attention) wrapped to return its hidden states, its inputs, and
    its ONNX export, and the attention implementations the model used while traced."""
    import torch
    from transformers import BertConfig, BertModel

    from qa_bot.runtime import export_module

    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, attn_implementation="sdpa")  # fmt: skip
    model = BertModel(config).eval()
    seen = []
    model.encoder.register_forward_pre_hook(lambda *_: seen.append(model.config._attn_implementation))

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[1, 7, 9, 2], [1, 5, 2, 0]])
    inputs = {"input_ids": ids, "attention_mask": (ids > 0).long()}
    export_module(Hidden(), inputs, {"hidden": {0: "batch", 1: "tokens"}}, tmp_path / "tiny.onnx")
    traced = list(seen)
    with torch.no_grad():
        want = Hidden()(**inputs).numpy()
    return model, traced, {k: v.numpy() for k, v in inputs.items()}, want, tmp_path / "tiny.onnx"


@pytest.mark.slow
def test_an_export_traces_plain_attention_and_leaves_the_model_as_it_was(tmp_path):
    """Exported, attention is the plain matmul - softmax - matmul (ONNX Runtime runs it faster than a traced
    fused attention); the model itself keeps its own attention, and the graph computes what the model does."""
    import onnxruntime as ort

    model, seen, inputs, want, path = _tiny_bert(tmp_path)
    assert seen and set(seen) == {"eager"}
    assert model.config._attn_implementation == "sdpa"
    got = ort.InferenceSession(str(path)).run(None, inputs)
    mask = inputs["attention_mask"].astype(bool)
    np.testing.assert_allclose(got[0][mask], want[mask], atol=1e-5)


@pytest.mark.slow
def test_int8_keeps_the_feed_forward_down_projections_in_fp32(tmp_path):
    import onnx
    import onnxruntime as ort

    from qa_bot.runtime import quantize_int8

    *_, inputs, want, path = _tiny_bert(tmp_path)
    quantize_int8(path, tmp_path / "int8.onnx")
    nodes = onnx.load(str(tmp_path / "int8.onnx")).graph.node
    fp32 = sorted(n.name for n in nodes if n.op_type == "MatMul" and "/dense/" in n.name)
    assert fp32 == [f"/bert/encoder/layer.{i}/output/dense/MatMul" for i in range(2)]
    quantized = [n for n in nodes if n.op_type in ("MatMulInteger", "DynamicQuantizeMatMul")]
    assert (
        len(quantized) == 2 * 5
    )  # per layer: query, key, value, attention output, feed-forward up-projection
    got = ort.InferenceSession(str(tmp_path / "int8.onnx")).run(None, inputs)[0]
    mask = inputs["attention_mask"].astype(bool)
    assert np.abs(got[mask] - want[mask]).max() < 0.2  # int8 rounding, not another network


@pytest.mark.slow
def test_sessions_threads_sleep_when_done_unless_asked_to_spin(tmp_path):
    """Two sessions run one after the other on each question (embedder, reader): threads spinning on after the
    first took the cores from the next, so only the last (the reader) spins."""
    *_, path = _tiny_bert(tmp_path)
    from qa_bot.runtime import open_session

    entry = "session.intra_op.allow_spinning"
    assert open_session(path).get_session_options().get_session_config_entry(entry) == "0"
    assert open_session(path, spin=True).get_session_options().get_session_config_entry(entry) == "1"
