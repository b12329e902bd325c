"""Which runtime runs the reader fastest here? Times one warm forward pass over the windows a real question reads
(the seed article's top-4 chunks), for PyTorch fp32, bf16 autocast and int8 dynamic quantisation, and ONNX Runtime:
fp32 as exported, fp32 traced with PyTorch's fused attention (SDPA), int8 as qa-bot runs it by default (smoothed by
the fitted ranges, the feed-forward down-projections and heads in fp32), the same unsmoothed, and int8 everywhere.
Prints p50/p95 per backend, its paired speed-up over PyTorch fp32 (the backends take turns), and how far each
backend's logits drift from fp32.

    .venv/bin/python scripts/bench_reader_backends.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from qa_bot.config import SEED_ARTICLE

QUESTIONS = ("Who denied the allegations?", "How many hostages were captured?", "Who is the mayor of Tehran?")


def windows(k: int = 4) -> list:
    from qa_bot.answering.model_io import load_tokenizer
    from qa_bot.answering.windows import encode_windows
    from qa_bot.bot import QABot

    tok = load_tokenizer()
    with tempfile.TemporaryDirectory() as tmp:
        bot = QABot(index_dir=Path(tmp) / "i", k=k)
        bot.ingest(SEED_ARTICLE)
        return [encode_windows(tok, q, [p.chunk.text for p in bot.analyze(q).passages]) for q in QUESTIONS]


def timed(backends: dict, encs: list, repeats: int) -> dict[str, tuple[float, float, float, list]]:
    """Per backend: p50 and p95 ms, the median of its time over PyTorch fp32's on the same windows in the same
    round (the machine's speed drifts; the backends take turns, in a shuffled order, on each question), outputs."""
    outs = {label: [fn(e) for e in encs] for label, fn in backends.items()}  # warm
    times: dict[str, list[float]] = {label: [] for label in backends}
    order = list(backends)
    rng = random.Random(0)
    for _ in range(repeats):
        for e in encs:
            rng.shuffle(order)
            for label in order:
                t = time.perf_counter()
                backends[label](e)
                times[label].append((time.perf_counter() - t) * 1000)
    base = np.asarray(times[next(iter(backends))])
    return {
        label: (float(np.percentile(ts, 50)), float(np.percentile(ts, 95)),
                float(np.median(base / np.asarray(ts))), outs[label])
        for label, ts in times.items()
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()
    import torch

    from qa_bot.answering.model_io import load_reader

    torch.set_num_threads(2)
    encs = windows()
    print(f"windows per question: {[len(e) for e in encs]}, tokens: {[e.tokens for e in encs]}")
    model = load_reader()
    qmodel = torch.ao.quantization.quantize_dynamic(load_reader(), {torch.nn.Linear}, dtype=torch.qint8)

    def run_torch(m, bf16=False):
        def f(e):
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                o = m(**{k: torch.from_numpy(v) for k, v in e.tensors().items()})
            return o.start_logits.float().numpy(), o.end_logits.float().numpy()

        return f

    backends = {
        "torch fp32": run_torch(model),
        "torch bf16 (autocast)": run_torch(model, bf16=True),
        "torch int8 (dynamic)": run_torch(qmodel),
    }
    try:
        import onnx  # noqa: F401  (the exporter needs it)
        import onnxruntime as ort

        from qa_bot.answering.model_io import export_reader

        tmp = Path(tempfile.mkdtemp())
        export_reader(None, tmp / "r.onnx")  # as shipped: attention traced in its plain form
        names = ["input_ids", "token_type_ids", "attention_mask"]
        e0 = encs[0]
        torch.onnx.export(  # inputs in the order of the network's forward()
            model, tuple(torch.from_numpy(e0.tensors()[n]) for n in names),
            str(tmp / "sdpa.onnx"), input_names=names,
            output_names=["start_logits", "end_logits"], opset_version=17, dynamo=False,
            dynamic_axes={n: {0: "b", 1: "t"} for n in [*names, "start_logits", "end_logits"]},
        )  # fmt: skip
        from onnxruntime.quantization import QuantType, quantize_dynamic

        from qa_bot.answering.model_io import load_int8_ranges
        from qa_bot.runtime import quantize_int8

        quantize_dynamic(str(tmp / "r.onnx"), str(tmp / "r8.onnx"), weight_type=QuantType.QInt8)
        quantize_int8(tmp / "r.onnx", tmp / "r8mixed.onnx")  # without fitted ranges
        fitted = load_int8_ranges()
        if fitted is not None:  # as qa-bot reads by default
            quantize_int8(tmp / "r.onnx", tmp / "r8smooth.onnx", ranges=fitted.ranges, alpha=fitted.alpha)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 2
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        for label, f in (
            ("onnxruntime fp32 (shipped)", "r.onnx"),
            ("onnxruntime fp32 (SDPA traced)", "sdpa.onnx"),
            *([("onnxruntime int8 smoothed (default)", "r8smooth.onnx")] if fitted is not None else []),
            ("onnxruntime int8 unsmoothed", "r8mixed.onnx"),
            ("onnxruntime int8 (every product)", "r8.onnx"),
        ):
            sess = ort.InferenceSession(str(tmp / f), opts, providers=["CPUExecutionProvider"])
            backends[label] = lambda e, s=sess: tuple(s.run(None, e.tensors()))
    except ImportError as exc:
        print(f"(ONNX Runtime not measured: {exc})")
    results = timed(backends, encs, args.repeats)
    base = results[next(iter(backends))][3]
    print(f"{'backend':34} {'p50 ms':>8} {'p95 ms':>8} {'vs torch fp32':>14} {'max |logit drift|':>18}")
    for label, (p50, p95, ratio, outs) in results.items():
        drift = max(float(np.abs(a[0] - b[0]).max()) for a, b in zip(outs, base, strict=True))
        print(f"{label:34} {p50:8.1f} {p95:8.1f} {ratio:13.2f}x {drift:18.3f}")


if __name__ == "__main__":
    main()
