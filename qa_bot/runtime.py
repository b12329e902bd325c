"""ONNX Runtime for the networks on the question path: the query embedder and the reader.

Each network is exported once from its PyTorch weights (:func:`cached_export`: at ``make install`` through
``qa-bot prepare``, or on first use) into the model cache, keyed by the files it was made from, so a changed model
is exported again and an unchanged one never. Answering then loads the ``.onnx`` file with ``onnxruntime`` and
tokenizes with ``tokenizers`` (:mod:`qa_bot.tokenizer`): no torch, transformers, sentence-transformers or
scikit-learn import, which is most of a cold start. The exported graph computes what the PyTorch model computes, in
fp32 (``tests/unit/foundation/test_runtime.py`` compares the two).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qa_bot.errors import ModelUnavailable

__all__ = [
    "EXPORT_VERSION",
    "INT8_KEEP",
    "activation_ranges",
    "cache_dir",
    "cached_export",
    "cached_path",
    "export_module",
    "open_session",
    "quantize_int8",
    "smooth",
]

log = logging.getLogger(__name__)

#: Bumped when the exported graphs change, so that every cache exports again.
EXPORT_VERSION = "2"  # 2: attention exported in its plain (eager) form
OPSET = 17
_lock = threading.Lock()


def cache_dir(setting: str | Path = "") -> Path:
    """Where exported models live: ``setting`` (``model_cache_dir``), else ``$XDG_CACHE_HOME/qa-bot``, else
    ``~/.cache/qa-bot``."""
    if str(setting):
        return Path(setting).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "qa-bot"


def _place(name: str, sources: Sequence[Path]) -> str:
    """A short digest of where the export's sources are: two checkouts (or virtual environments) keep one export
    each, instead of each evicting the other's and exporting again at its next start."""
    where = "|".join(str(Path(src).resolve()) for src in sources)
    return hashlib.sha256(f"{name}|{where}".encode()).hexdigest()[:8]


def _key(name: str, sources: Sequence[Path]) -> str:
    """A short digest of what the export is made from: each source file's path, size and modification time."""
    h = hashlib.sha256(f"{name}|{EXPORT_VERSION}|{OPSET}".encode())
    for src in sources:
        st = Path(src).stat()
        h.update(f"|{Path(src).resolve()}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def _file(name: str, sources: Sequence[Path], directory: str | Path) -> Path:
    return cache_dir(directory) / f"{name}-{_place(name, sources)}-{_key(name, sources)}.onnx"


def cached_path(name: str, sources: Sequence[Path], directory: str | Path = "") -> Path | None:
    """The cached ONNX file of network ``name`` made from ``sources``, or ``None`` when it is not exported yet."""
    path = _file(name, sources, directory)
    return path if path.exists() else None


def cached_export(
    name: str, sources: Sequence[Path], export: Callable[[Path], None], directory: str | Path = ""
) -> Path:
    """The ONNX file of network ``name`` made from ``sources``: the cached one, or ``export(path)`` run now (written
    to a temporary name, then moved into place, so a reader never sees half a file)."""
    path = _file(name, sources, directory)
    folder = path.parent
    if path.exists():
        return path
    with _lock:
        if path.exists():
            return path
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ModelUnavailable(f"Cannot write the model cache {folder}: {exc}") from exc
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        log.warning("Preparing the %s for ONNX Runtime (once; cached in %s).", name, folder)
        try:
            export(tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        # exports of earlier weights in the same place are never used again (nor those named before exports
        # had a place); another checkout's stay
        place = _place(name, sources)
        for old in folder.glob(f"{name}-*.onnx"):
            parts = old.stem.split("-")
            if old != path and (len(parts) == 2 or parts[1] == place):
                old.unlink(missing_ok=True)
    return path


def export_module(
    module: Any, inputs: dict[str, Any], outputs: dict[str, dict[int, str]], path: Path
) -> None:
    """Export a torch ``module`` called as ``module(**inputs)`` to ``path``; ``outputs`` names each output and its
    dynamic axes (inputs are dynamic in batch and sequence)."""
    import warnings

    import torch

    names = list(inputs)
    axes: dict[str, dict[int, str]] = {n: {0: "batch", 1: "tokens"} for n in names} | outputs
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad(), _eager_attention(module):
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices, not ours to act on
        torch.onnx.export(
            module.eval(), tuple(inputs[n] for n in names), str(path), input_names=names,
            output_names=list(outputs), dynamic_axes=axes, opset_version=OPSET, dynamo=False,
        )  # fmt: skip


@contextmanager
def _eager_attention(module: Any) -> Iterator[None]:
    """Every transformers model inside ``module`` computes attention in its plain (eager) form while inside, then
    as before. Traced, PyTorch's fused attention (SDPA) becomes a longer chain of ONNX ops than the plain matmul -
    softmax - matmul, which ONNX Runtime runs about 8 % slower on the CPU here (same outputs within 1e-5)."""
    models = [m for m in module.modules() if hasattr(m, "set_attn_implementation")]
    before = [m.config._attn_implementation for m in models]
    for m in models:
        m.set_attn_implementation("eager")
    try:
        yield
    finally:
        for m, impl in zip(models, before, strict=True):
            m.set_attn_implementation(impl)


#: Weight products int8 leaves in fp32 (by node name): a BERT's feed-forward down-projections, whose inputs carry
#: the few very large activations int8 cannot hold, and the heads.
INT8_KEEP = r"/layer\.\d+/output/dense/|_outputs/"


def _weight_products(graph: Any, keep: str) -> list[Any]:
    """The graph's products of an activation by a stored weight matrix (``MatMul`` whose second input is an
    initializer), except those whose node name matches ``keep``."""
    weights = {i.name for i in graph.initializer}
    return [
        n for n in graph.node
        if n.op_type == "MatMul" and n.input[1] in weights and not re.search(keep, n.name)
    ]  # fmt: skip


def activation_ranges(
    source: Path, feeds: Iterable[dict[str, Any]], keep: str = INT8_KEEP
) -> dict[str, list[float]]:
    """Per channel, the largest magnitude of each activation that a weight product of the fp32 graph ``source``
    (but those matching ``keep``) multiplies, over the real tokens (``attention_mask``) of the model inputs
    ``feeds``: what :func:`quantize_int8` smooths by. Keyed by the activation's name in the graph."""
    import numpy as np
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(source))
    names = sorted({n.input[0] for n in _weight_products(model.graph, keep)})
    for name in names:
        model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    wanted = [o.name for o in session.get_outputs()][-len(names) :]
    top: dict[str, Any] = {}
    for feed in feeds:
        real = np.asarray(feed["attention_mask"]).astype(bool)
        for name, value in zip(wanted, session.run(wanted, feed), strict=True):
            m = np.abs(value[real]).max(axis=0)
            top[name] = m if name not in top else np.maximum(top[name], m)
    return {name: [float(v) for v in top[name]] for name in names}


def smooth(model: Any, ranges: Mapping[str, Sequence[float]], alpha: float, keep: str = INT8_KEEP) -> int:
    """SmoothQuant (Xiao et al., 2023) on the ONNX ``model``, in place: each activation ``x`` that weight products
    multiply is divided per channel by ``s`` (one ``Mul``) and the rows of their weights multiplied by it, the same
    products in exact arithmetic, with ``s_j = max|x_j| ** alpha / max|W_j| ** (1 - alpha)`` (``ranges``: the
    ``max|x_j|`` of :func:`activation_ranges`). Int8 holds an activation with one scale for all its channels but a
    weight with one per output channel, so the few channels of very large values move from where they cost every
    other channel its precision into the weights. Returns how many activations were smoothed; an activation of
    the graph with no range is an error (ranges fitted on another graph)."""
    import numpy as np
    from onnx import helper, numpy_helper

    graph = model.graph
    products = _weight_products(graph, keep)
    missing = sorted({n.input[0] for n in products} - set(ranges))
    if missing:
        raise ModelUnavailable(
            f"No int8 range for {len(missing)} activations of this graph ({missing[0]}, ...): ranges fitted on"
            " another reader (run `qa-bot fit-int8`)"
        )
    weights = {i.name: i for i in graph.initializer}
    position = {out: k for k, n in enumerate(graph.node) for out in n.output}
    inserts: list[tuple[int, Any]] = []
    for name in sorted({n.input[0] for n in products}):
        users = [n for n in products if n.input[0] == name]
        w_top = np.max(
            [np.abs(numpy_helper.to_array(weights[n.input[1]])).max(axis=1) for n in users], axis=0
        )
        x_top = np.maximum(np.asarray(ranges[name], dtype=np.float64), 1e-5)
        s = x_top**alpha / np.maximum(w_top, 1e-5) ** (1.0 - alpha)
        inverse = numpy_helper.from_array((1.0 / s).astype(np.float32), f"{name}/smooth_scale")
        graph.initializer.append(inverse)
        inserts.append((position.get(name, -1), helper.make_node("Mul", [name, inverse.name], [f"{name}/smoothed"],
                                                                 name=f"{name}/smooth")))  # fmt: skip
        for n in users:
            w = weights[n.input[1]]
            w.CopyFrom(
                numpy_helper.from_array((numpy_helper.to_array(w) * s[:, None]).astype(np.float32), w.name)
            )
            n.input[0] = f"{name}/smoothed"
    for at, node in sorted(inserts, key=lambda x: -x[0]):  # from the last, so earlier positions hold
        graph.node.insert(at + 1, node)
    return len(inserts)


def quantize_int8(
    source: Path,
    path: Path,
    keep: str = INT8_KEEP,
    ranges: Mapping[str, Sequence[float]] | None = None,
    alpha: float = 0.5,
) -> None:
    """``source`` (an fp32 graph) with its weight matrix products in int8 (ONNX Runtime's dynamic quantisation, one
    scale per output channel) written to ``path``, except the products whose node name matches ``keep``
    (:data:`INT8_KEEP`), which stay fp32. Given the activations' ``ranges``, the graph is smoothed first
    (:func:`smooth`, with ``alpha``): for the reader, fitted by ``qa-bot fit-int8``, fp32's top span kept on 969 of
    1,000 held-out training paragraphs against 939 unsmoothed (README, "Fast answers"; MODEL_CARD.md)."""
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise ModelUnavailable(f"onnx is missing: run `make install` ({exc}).") from exc
    model = onnx.load(str(source))
    if ranges:
        smooth(model, ranges, alpha, keep)
    fp32 = [n.name for n in model.graph.node if n.op_type in ("MatMul", "Gemm") and re.search(keep, n.name)]
    root = logging.getLogger()
    root.addFilter(_no_preprocessing_notice)  # ONNX Runtime's advice for image models, on the root logger
    try:
        quantize_dynamic(
            model, str(path), weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=fp32
        )
    finally:
        root.removeFilter(_no_preprocessing_notice)


def _no_preprocessing_notice(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("Please consider to run pre-processing")


def open_session(path: Path, threads: int = 0, *, spin: bool = False) -> Any:
    """An ONNX Runtime CPU session over ``path`` (``threads`` 0: one per core). Unless ``spin``, its threads sleep
    when done instead of spinning: each session has its own threads, and the query embedder's, spinning on after
    embedding the question, took the cores from the reader that runs next (on 2 cores its forward pass went from
    108 to 183 ms). The reader, the last network of a question, spins (``spin=True``): its threads then wait for
    the next of its ~400 operators awake instead of being woken for each, and a follow-up turn took 0.84-0.93x
    the time (paired, 2 cores); nothing of qa-bot's runs beside it to lose the cores to."""
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise ModelUnavailable("onnxruntime is missing: run `make install`.") from exc
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
