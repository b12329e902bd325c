"""`qa-bot train-reader`, `fit-int8`, `fit-answer-kind` and `calibrate-reader` end to end on a tiny slice, so the
training code cannot rot: draw windows from the real training data, train a few steps, checkpoint, resume, export,
load, read, calibrate."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from qa_bot.cli import cli

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.fixture(scope="module")
def train_dir(shared_data):
    path = shared_data / "train"
    if not (path / "squad_v1.1_train.json.gz").exists():
        pytest.skip(f"training data not found in {path}")
    return path


def test_windows_hold_their_answers_and_negatives_do_not(blank_nlp):
    from qa_bot.dev.train_data import build_windows
    from qa_bot.ingest import split_sentences

    article = {
        "title": "t",
        "paragraphs": [
            {"context": "Ada Lovelace wrote the first program. She worked with Charles Babbage. The engine was "
                        "never built.",
             "qas": [{"question": "Who wrote the first program?", "answers": [{"text": "Ada Lovelace",
                      "answer_start": 0}]}]},
            {"context": "Babbage designed the Analytical Engine in 1837. It used punched cards.",
             "qas": [{"question": "What did the engine use?", "is_impossible": True, "answers": []}]},
        ],
    }  # fmt: skip
    split = lambda texts: [split_sentences(t, blank_nlp) for t in texts]  # noqa: E731
    windows = build_windows([article], split, random.Random(0), negative_rate=1.0)
    kinds = {w.source for w in windows}
    assert kinds == {"pos", "neg", "unans"}
    for w in windows:
        if w.source == "pos":
            assert w.text[w.answer[0] : w.answer[1]] == "Ada Lovelace"
        else:
            assert w.answer is None
            if w.source == "neg":
                assert "ada lovelace" not in w.text.lower()


def test_train_resume_export_load_and_calibrate(train_dir, shared_data, tmp_path):
    out, work = tmp_path / "model", tmp_path / "work"
    args = ["train-reader", "--data", str(train_dir), "--out", str(out), "--work", str(work),
            "--windows", "48", "--stage2-windows", "40", "--stage2-swap-rates", "0,0.5", "--batch-size", "16",
            "--eval-every", "2", "--eval-questions", "6",
            "--conv-stories", "2", "--conv-squad-windows", "16", "--conv-dev-turns", "4",
            "--dev", str(shared_data / "squad2_dev_2articles.json")]  # fmt: skip
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    curve = [json.loads(line) for line in (work / "curve.jsonl").read_text().splitlines()]
    stages = [(p["stage"], p.get("step")) for p in curve]
    assert stages[:7] == [
        ("1", 2), ("1", 3), ("2a (swap 0)", 2), ("2a (swap 0)", 3), ("2b (swap 0.5)", 2), ("2b (swap 0.5)", 3),
        ("average of stage 2", None),
    ]  # fmt: skip
    conv = curve[7:]  # stage 3: the conversation turns, every point also scored on held-out CoQA turns
    rounds = list(dict.fromkeys(p["stage"] for p in conv[:-1]))  # two rounds by default, each on a fresh draw
    assert rounds == ["3 (conversation)", "3 (conversation, round 2)"]
    assert conv[-1]["stage"] == "average of stage 3 rounds"  # the mean of the rounds' end weights ships
    assert (work / "features3.pt").exists() and (work / "features3-r2.pt").exists()
    assert all(0 <= p["dev_conv_f1"] <= 100 and 0 <= p["dev_yes_no"] <= 100 for p in conv)
    assert all(p["loss"] > 0 for p in curve if "loss" in p)
    assert all(0 <= p["dev_hasans_f1"] <= 100 for p in curve)
    meta = json.loads((out / "reader.json").read_text())
    assert meta["kinds"]["turn"] > 0 and meta["kinds"]["pos"] > 0 and meta["curve"] == curve
    weights = (out / "reader.safetensors").stat().st_size
    assert 15e6 < weights < 50e6  # only the layers that differ from the base, in fp16

    again = CliRunner().invoke(cli, args)  # the checkpoint is complete: resumes at the end, trains nothing
    assert again.exit_code == 0 and "stage 1: resumed at step 3/3" in again.output
    assert "stage 2b (swap 0.5): resumed at step 3/3" in again.output
    for label in rounds:
        last = [p for p in conv if p["stage"] == label][-1]["step"]
        assert f"stage {label}: resumed at step {last}/{last}" in again.output
    resumed = [json.loads(line) for line in (work / "curve.jsonl").read_text().splitlines()]
    assert [p["stage"] for p in resumed] == [p["stage"] for p in curve]  # the average point keeps its place
    fewer = CliRunner().invoke(cli, [*args[:4], str(tmp_path / "model1"), *args[5:], "--conv-rounds", "1"])
    assert fewer.exit_code == 0, fewer.output  # round 1's end ships, recorded without round 2 or the average
    kept = json.loads((tmp_path / "model1" / "reader.json").read_text())["curve"]
    dropped = {"3 (conversation, round 2)", "average of stage 3 rounds"}
    assert [p["stage"] for p in kept] == [p["stage"] for p in curve if p["stage"] not in dropped]
    assert [p["stage"] for p in kept][-1] == "3 (conversation)"

    from qa_bot.answering.reader import TrainedReader

    history = [("Who wrote the first program?", "Ada Lovelace")]
    read = TrainedReader(out).read("Did she?", ["Ada Lovelace wrote the first program."], history)
    assert read.windows == 1 and read.spans and len(read.kinds) == 1  # the answer-kind head ships
    assert sum(read.kinds[0]) == pytest.approx(1.0, abs=1e-3)
    for s in read.spans:
        assert 0 <= s.start < s.end <= len("Ada Lovelace wrote the first program.")

    # one more round of stage 3 from a saved reader (how the shipped weights go on from the ones before them)
    out3 = tmp_path / "model3"
    only3 = CliRunner().invoke(cli, ["train-reader", "--data", str(train_dir), "--out", str(out3), "--work",
                                     str(tmp_path / "work3"), "--init", str(out), "--batch-size", "16",
                                     "--conv-rounds", "3", "--conv-stories", "1", "--conv-squad-windows", "0",
                                     "--conv-dev-turns", "0", "--eval-questions", "0", "--eval-every", "1",
                                     "--bf16", "--device", "auto"])  # fmt: skip
    assert only3.exit_code == 0, only3.output
    assert f"stages 1 and 2 and 2 round(s) of stage 3: taken from the reader in {out}" in only3.output
    assert "stage 3 (round 3): drawing windows" in only3.output and "(round 2)" not in only3.output
    meta3 = json.loads((out3 / "reader.json").read_text())
    meta = json.loads((out / "reader.json").read_text())  # as the resumed run saved it
    assert meta3["config"]["init_dir"] == str(out) and meta3["train_minutes"] >= meta["train_minutes"]
    assert meta3["init"]["rounds_done"] == 2 and meta3["curve"][: len(curve)] == curve  # its record goes on
    added = meta3["curve"][len(curve) :]
    assert [p["stage"] for p in added][-1] == "average of stage 3 rounds"
    assert all(p["stage"] == "3 (conversation, round 3)" and p["precision"] == "bf16" for p in added[:-1])
    card = (out3 / "MODEL_CARD.md").read_text()
    assert "3 (conversation, round 3) under bf16 autocast" in card and "ran stage 3 round 3" in card

    # stage 3 once per seed from the same start, the seeds' mean shipped (and a second run resumes every seed)
    seeds_args = ["train-reader", "--data", str(train_dir), "--out", str(tmp_path / "model-seeds"), "--work",
                  str(tmp_path / "work-seeds"), "--init", str(out), "--batch-size", "16", "--conv-rounds", "3",
                  "--conv-stories", "1", "--conv-squad-windows", "0", "--conv-dev-turns", "2", "--eval-questions", "2",
                  "--eval-every", "50", "--conv-seeds", "13,14"]  # fmt: skip
    seeded = CliRunner().invoke(cli, seeds_args)
    assert seeded.exit_code == 0, seeded.output
    stages = [p["stage"] for p in json.loads((tmp_path / "model-seeds" / "reader.json").read_text())["curve"]]
    assert stages[len(curve) :] == ["3 (conversation, seed 13, round 3)", "average of stage 3 rounds (seed 13)",
                                    "3 (conversation, seed 14, round 3)", "average of stage 3 rounds (seed 14)",
                                    "average of the stage 3 seeds"]  # fmt: skip
    assert all((tmp_path / "work-seeds" / f"seed-{s}" / "features3-r3.pt").exists() for s in (13, 14))
    assert "once per seed 13, 14" in (tmp_path / "model-seeds" / "MODEL_CARD.md").read_text()
    again = CliRunner().invoke(cli, seeds_args)
    assert again.exit_code == 0 and again.output.count("resumed at step") == 2, again.output

    tiny = tmp_path / "tiny.json"
    tiny.write_text(json.dumps({"data": [{"title": "Ada", "paragraphs": [{
        "context": "Ada Lovelace wrote the first program. She worked with Charles Babbage.",
        "qas": [{"id": "q1", "question": "Who wrote the first program?", "is_impossible": False,
                 "answers": [{"text": "Ada Lovelace", "answer_start": 0}]},
                {"id": "q2", "question": "When was Babbage born?", "is_impossible": True, "answers": []}]}]}]}))  # fmt: skip
    cal = CliRunner().invoke(cli, ["calibrate-reader", str(tiny), "--model", str(out)])
    assert cal.exit_code == 0, cal.output
    fitted = json.loads((out / "calibration.json").read_text())
    assert fitted["questions_by_set"] == {"tiny.json": 2} and fitted["null"] in {"min", "own"}
    assert fitted["fitted_on"] == ["tiny.json"]


def test_fit_answer_kind_on_a_slice_of_coqa(train_dir, tmp_path):
    """`qa-bot fit-answer-kind` end to end on four training stories, with the shipped reader."""
    from qa_bot.answering.kind import KIND_FEATURES, POLARITY_FEATURES, AnswerKind

    result = CliRunner().invoke(
        cli, ["fit-answer-kind", "--data", str(train_dir), "--stories", "4", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "answer_kind.json").read_text())
    assert record["kind_features"] == list(KIND_FEATURES) and record["polarity_features"] == list(
        POLARITY_FEATURES
    )
    assert record["kind_fit"]["samples"] > record["polarity_fit"]["samples"] > 5
    assert "4 CoQA training stories" in record["fitted_on"]
    assert 0.5 < record["form_share"] <= 1.0 and "plain yes/no questions answered yes or no" in result.output
    decider = AnswerKind.load(tmp_path)
    assert decider.form_share == record["form_share"]
    kind, p = decider.decide("Did she return?", "she did not return", (0.2, 0.4, 0.4))
    assert kind in {"span", "yes", "no"} and 0.0 <= p <= 1.0
    missing = CliRunner().invoke(cli, ["fit-answer-kind", "--data", str(tmp_path), "--out", str(tmp_path)])
    assert missing.exit_code == 2 and "CoQA data not found" in missing.output


def test_fit_int8_on_a_few_training_paragraphs(train_dir, tmp_path):
    """`qa-bot fit-int8` end to end on a few SQuAD paragraphs, with the shipped reader: a range for every activation
    the int8 graph smooths, alpha chosen by the closeness it reports, and the file the reader then reads."""
    import onnx

    from qa_bot.answering.model_io import load_int8_ranges
    from qa_bot.answering.reader import TrainedReader
    from qa_bot.dev.int8 import ALPHAS
    from qa_bot.runtime import INT8_KEEP, _weight_products

    args = [
        "fit-int8",
        "--data",
        str(train_dir),
        "--calibration",
        "3",
        "--held-out",
        "4",
        "--out",
        str(tmp_path),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "int8_ranges.json").read_text()
    record = json.loads(text)
    assert len(text.splitlines()) < 50 + len(record["ranges"])  # an activation's ranges on one line
    assert set(record["agreement"]) == {"unsmoothed", *map(str, ALPHAS)}
    assert record["alpha"] == min(ALPHAS, key=lambda a: record["agreement"][str(a)]["mean_kl"])
    assert all(a["windows"] == 4 and 0 <= a["same_top_span"] <= 4 for a in record["agreement"].values())
    graph = onnx.load(str(TrainedReader(precision="fp32").warm_up().onnx_path)).graph
    assert set(record["ranges"]) == {n.input[0] for n in _weight_products(graph, INT8_KEEP)}
    assert all(len(v) in (384, 1536) and min(v) >= 0 for v in record["ranges"].values())
    assert load_int8_ranges(tmp_path).alpha == record["alpha"]
    missing = CliRunner().invoke(cli, ["fit-int8", "--data", str(tmp_path), "--out", str(tmp_path)])
    assert missing.exit_code == 2 and "SQuAD training data not found" in missing.output


def test_train_polarity_on_a_slice_of_coqa_resumes_and_loads(train_dir, tmp_path):
    """`qa-bot train-polarity` end to end on three training stories, from the shipped reader: it trains, records
    its curve and card, resumes from its checkpoint, and the polarity reader it writes answers."""
    from qa_bot.answering.polarity import PolarityReader

    out, work = tmp_path / "polarity", tmp_path / "work"
    args = ["train-polarity", "--data", str(train_dir), "--out", str(out), "--work-dir", str(work),
            "--stories", "3", "--copies", "1", "--judge-turns", "4", "--epochs", "1"]  # fmt: skip
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    record = json.loads((out / "polarity.json").read_text())
    assert record["turns"] > 3 and record["judged_turns"] == {"coqa_cnn_dev": 4, "measured_only": 4}
    assert [c["epoch"] for c in record["curve"]] == [1] and 0.0 <= record["after"]["measured_only"] <= 1.0
    assert "fine-tuned" in (out / "MODEL_CARD.md").read_text()
    # a second epoch resumes after the first: the first is not trained again
    again = CliRunner().invoke(cli, [*args[:-1], "2"])
    assert again.exit_code == 0, again.output
    assert (
        "resumed after epoch 1" not in again.output
    )  # another config: a fresh run, not the other's checkpoint
    resumed = CliRunner().invoke(cli, [*args[:-1], "2"])
    assert "resumed after epoch 2" in resumed.output, resumed.output
    assert [c["epoch"] for c in json.loads((out / "polarity.json").read_text())["curve"]] == [1, 2]
    p = PolarityReader(out, runtime="torch", precision="fp32").yes_probability(
        "Did she return?", "She did not return to the harbour.", 4, 20
    )
    assert 0.0 <= p <= 1.0
    missing = CliRunner().invoke(cli, ["train-polarity", "--data", str(tmp_path), "--out", str(out)])
    assert missing.exit_code == 2 and "CoQA data not found" in missing.output
    race = CliRunner().invoke(cli, [*args, "--sources", "cnn,race"])  # exam stories: never in shipped weights
    assert race.exit_code == 2 and "Not a source the shipped weights may learn from: race" in race.output
    # the bot that the setting points at it asks it for a yes / no, and still quotes the words it rests on
    from qa_bot import QABot

    bot = QABot(index_dir=tmp_path / "index", polarity_dir=str(out), runtime="torch")
    assert bot.answerer.polarity is bot.polarity and bot.polarity.model_dir == out
    doc = "Storm on the lake\n\nAna Ruiz sailed out of Port Elm on Sunday. Her boat did not return before the storm."
    bot.ingest_text(doc, title="Storm on the lake")
    a = bot.ask("Did her boat return before the storm?")
    assert bot.polarity.network._model is not None  # it was asked (and loaded then)
    assert a.kind in {"yes", "no", "span"} and not a.abstained
    assert bot.document(a.doc_id).text[a.answer_start : a.answer_end] == a.quote
