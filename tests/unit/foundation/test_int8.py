"""Int8 with smoothing (:func:`qa_bot.runtime.smooth`): fast tests on a hand-made graph of two weight products
sharing one activation, and the shipped reader's ranges (slow)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from qa_bot.errors import ModelUnavailable

CHANNELS, OUTLIER = 8, 3


def _graph(path, seed=0):
    """``x @ W1`` and ``x @ W2`` (x: [windows, tokens, 8]); ``attention_mask`` is an input as the reader's is."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    w1, w2 = (rng.normal(size=(CHANNELS, 6)).astype(np.float32) for _ in range(2))
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w1"], ["y1"], name="/layer.0/query/MatMul"),
         helper.make_node("MatMul", ["x", "w2"], ["y2"], name="/layer.0/key/MatMul")],
        "two",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["w", "t", CHANNELS]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["w", "t"])],
        [helper.make_tensor_value_info(y, TensorProto.FLOAT, ["w", "t", 6]) for y in ("y1", "y2")],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return w1, w2


def _feed(seed=1, outlier=60.0):
    x = np.random.default_rng(seed).normal(size=(2, 5, CHANNELS)).astype(np.float32)
    x[..., OUTLIER] *= outlier  # one channel a BERT's LayerNorm makes huge
    return {"x": x, "attention_mask": np.ones((2, 5), dtype=np.int64)}


def _run(path_or_model, feed):
    import onnxruntime as ort

    src = path_or_model if isinstance(path_or_model, str) else path_or_model.SerializeToString()
    return ort.InferenceSession(src, providers=["CPUExecutionProvider"]).run(None, feed)


def test_activation_ranges_are_the_largest_magnitude_per_channel_over_real_tokens(tmp_path):
    from qa_bot.runtime import activation_ranges

    _graph(tmp_path / "g.onnx")
    a, b = _feed(1), _feed(2)
    b["attention_mask"][:, 3:] = 0  # padding: not measured
    b["x"][:, 3:] = 1e6
    got = activation_ranges(tmp_path / "g.onnx", [a, b])
    assert list(got) == ["x"]  # one activation, multiplied twice
    want = np.maximum(np.abs(a["x"]).max(axis=(0, 1)), np.abs(b["x"][:, :3]).max(axis=(0, 1)))
    np.testing.assert_allclose(got["x"], want, rtol=1e-6)


def test_smoothing_leaves_every_product_as_it_was_and_tames_the_outlier(tmp_path):
    import onnx

    from qa_bot.runtime import activation_ranges, smooth

    w1, _ = _graph(tmp_path / "g.onnx")
    feed = _feed()
    before = _run(str(tmp_path / "g.onnx"), feed)
    model = onnx.load(str(tmp_path / "g.onnx"))
    assert smooth(model, activation_ranges(tmp_path / "g.onnx", [feed]), alpha=0.7) == 1
    muls = [n for n in model.graph.node if n.op_type == "Mul"]
    assert len(muls) == 1 and all(
        n.input[0] == muls[0].output[0] for n in model.graph.node if n.op_type == "MatMul"
    )
    for got, want in zip(_run(model, feed), before, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)  # the same products
    scale = onnx.numpy_helper.to_array(
        next(i for i in model.graph.initializer if i.name.endswith("smooth_scale"))
    )
    assert np.argmin(scale) == OUTLIER  # the huge channel is divided most
    new_w1 = onnx.numpy_helper.to_array(next(i for i in model.graph.initializer if i.name == "w1"))
    np.testing.assert_allclose(new_w1 * scale[:, None], w1, rtol=1e-5)


def test_smoothed_int8_is_closer_to_fp32_than_plain_int8(tmp_path):
    from qa_bot.runtime import activation_ranges, quantize_int8

    _graph(tmp_path / "g.onnx")
    fit, check = _feed(1), _feed(7)
    want = _run(str(tmp_path / "g.onnx"), check)
    quantize_int8(tmp_path / "g.onnx", tmp_path / "plain.onnx")
    ranges = activation_ranges(tmp_path / "g.onnx", [fit])
    quantize_int8(tmp_path / "g.onnx", tmp_path / "smooth.onnx", ranges=ranges, alpha=0.7)

    def error(path):
        return np.mean([np.abs(g - w).mean() for g, w in zip(_run(str(path), check), want, strict=True)])

    assert error(tmp_path / "smooth.onnx") < 0.5 * error(
        tmp_path / "plain.onnx"
    )  # measured: 0.14 against 0.41


def test_ranges_of_another_graph_are_refused(tmp_path):
    import onnx

    from qa_bot.runtime import smooth

    _graph(tmp_path / "g.onnx")
    with pytest.raises(ModelUnavailable, match="No int8 range"):
        smooth(onnx.load(str(tmp_path / "g.onnx")), {"/other/activation": [1.0] * CHANNELS}, alpha=0.7)


def test_the_ranges_file_is_read_or_refused(tmp_path):
    from qa_bot.answering.model_io import INT8_RANGES, load_int8_ranges

    assert load_int8_ranges(tmp_path) is None  # none fitted: int8 unsmoothed, auto in fp32
    (tmp_path / INT8_RANGES).write_text(json.dumps({"alpha": 0.7, "ranges": {"x": [1, 2.5]}}))
    got = load_int8_ranges(tmp_path)
    assert got is not None and (got.alpha, got.ranges, got.path) == (
        0.7,
        {"x": [1.0, 2.5]},
        tmp_path / INT8_RANGES,
    )
    (tmp_path / INT8_RANGES).write_text('{"ranges": {}}')
    with pytest.raises(ModelUnavailable, match="int8 ranges"):
        load_int8_ranges(tmp_path)


@pytest.mark.slow
def test_the_shipped_reader_reads_in_smoothed_int8_and_without_ranges_in_fp32(tmp_path, caplog):
    """Precision auto: int8 smoothed by the shipped ranges; a reader without ranges (or with ranges of another
    graph, with a warning naming the command that fits them) reads in fp32."""
    from qa_bot.answering.model_io import INT8_RANGES, MODEL_DIR, load_int8_ranges
    from qa_bot.answering.reader import TrainedReader

    shipped = TrainedReader(cache_dir=tmp_path / "cache").warm_up()
    assert shipped.precision == "int8" and shipped.onnx_path.name.startswith("reader_int8-")
    fitted = load_int8_ranges()
    assert fitted is not None and 0 < fitted.alpha < 1
    import onnx

    nodes = onnx.load(str(shipped.onnx_path)).graph.node
    assert sum(n.op_type == "Mul" and n.name.endswith("/smooth") for n in nodes) == len(fitted.ranges)

    bare = tmp_path / "reader"
    bare.mkdir()
    for f in MODEL_DIR.iterdir():
        if f.name != INT8_RANGES:
            shutil.copy(f, bare / f.name)
    assert TrainedReader(bare, cache_dir=tmp_path / "cache").warm_up().precision == "fp32"
    (bare / INT8_RANGES).write_text(json.dumps({"alpha": 0.7, "ranges": {"/not/this/graph": [1.0]}}))
    other = TrainedReader(bare, cache_dir=tmp_path / "cache").warm_up()
    assert other.precision == "fp32" and "qa-bot fit-int8" in caplog.text
