"""`qa-bot eval`: metric code against hand-computed cases, the predictions shape, the article-level protocol."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from qa_bot.cli import cli
from qa_bot.dev.evaluate import EvalQuestion, Prediction, QABotSystem, load_dataset, run_eval
from qa_bot.dev.metrics import compute_exact, compute_f1, loss_kind, normalize_answer, score, supports
from qa_bot.errors import InvalidInput
from qa_bot.text import question_type


# -- metrics ---------------------------------------------------------------------------------------------
def test_normalize_answer_follows_the_official_recipe():
    assert normalize_answer("The  Wall Street Journal!") == "wall street journal"
    assert normalize_answer("An apple, a pear") == "apple pear"
    assert normalize_answer("") == ""


def test_exact_and_f1_hand_computed():
    # gold tokens [quick, brown, fox], predicted [quick, fox, jumps]: 2 shared -> P = R = 2/3 -> F1 = 2/3
    assert compute_f1(["the quick brown fox"], "quick fox jumps") == pytest.approx(2 / 3)
    # P = 1/1, R = 1/3 -> F1 = 2 * 1 * (1/3) / (4/3) = 0.5
    assert compute_f1(["quick brown fox"], "fox") == pytest.approx(0.5)
    assert compute_f1(["x y", "quick brown fox"], "the quick brown fox") == 1.0  # best gold counts
    assert compute_exact(["Beirut"], "beirut.") == 1
    assert compute_exact(["Beirut"], "in Beirut") == 0
    # unanswerable: gold is "", only an empty prediction scores
    assert compute_exact([], "") == 1 and compute_f1([], "") == 1.0
    assert compute_exact([], "Beirut") == 0 and compute_f1([], "Beirut") == 0.0
    assert compute_f1(["Beirut"], "") == 0.0


def test_supports_ignores_punctuation_but_needs_whole_words():
    assert supports("calling them “baseless.”", ["baseless"])
    assert supports("(AP Photo/Yousef Masoud)", ["Yousef Masoud"])
    assert supports("The Wall Street Journal reported", ["Wall Street Journal"])
    assert not supports("a baselessness claim", ["baseless"])
    assert not supports("anything", [""])


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who denied the allegations?", "who"),
        ("To whom was it sent?", "who"),
        ("How many hostages were taken?", "how many"),
        ("How much did it cost?", "how many"),
        ("How did Netanyahu describe it?", "how"),
        ("In which city was it approved?", "which"),
        ("When did it happen?", "when"),
        ("Why did he go?", "why"),
        ("Name the leader.", "other"),
    ],
)
def test_question_type(question, kind):
    assert question_type(question) == kind


def test_score_hand_computed():
    qs = [
        EvalQuestion("a", "Who won?", ("Ann Lee",), False),
        EvalQuestion("b", "When?", ("1999",), False, (("Who won?", "Ann Lee"),)),  # a follow-up
        EvalQuestion("c", "Where?", (), True),
        EvalQuestion("d", "What?", (), True),
    ]
    cite = {"doc_id": "x", "title": "t", "start": 0, "end": 10}
    preds = {
        "a": Prediction("Ann", ({**cite, "text": "Ann Lee won."},), 10.0),  # F1 2/3, supported
        "b": Prediction("", (), 20.0),  # declined an answerable one
        "c": Prediction("", (), 30.0),  # declined correctly
        "d": Prediction("Paris", ({**cite, "text": "Paris"},), 40.0),  # answered an unanswerable one
    }
    m = score(qs, preds)
    assert m["total"] == 4 and m["HasAns_total"] == 2 and m["NoAns_total"] == 2
    assert m["exact"] == 25.0  # only "c"
    assert m["f1"] == pytest.approx(100 * (2 / 3 + 0 + 1 + 0) / 4, abs=0.01)
    assert m["HasAns_f1"] == pytest.approx(100 * (2 / 3) / 2, abs=0.01)
    assert m["HasAns_exact"] == 0.0
    assert m["NoAns_f1"] == 50.0
    assert m["abstention_precision"] == 50.0  # declined b (answerable) and c (unanswerable)
    assert m["abstention_recall"] == 50.0  # of c, d only c
    assert m["supported_at_1"] == 100.0  # of the answered answerable ones (a)
    assert m["supported_at_1_all"] == 50.0  # of all answerable ones (a, b)
    assert m["latency_ms_p50"] == 25.0
    assert m["latency_ms_p95"] == pytest.approx(38.5)
    assert m["by_type"]["who"] == {"n": 1, "f1": pytest.approx(66.67, abs=0.01)}
    assert (m["followup_total"], m["followup_f1"]) == (1, 0.0)  # b
    assert m["standalone_total"] == 3 and m["standalone_f1"] == pytest.approx(100 * (2 / 3 + 1) / 3, abs=0.01)


def test_where_the_f1_goes_sums_to_what_is_lost():
    qs = [
        EvalQuestion("a", "Who won?", ("Ann Lee",), False),
        EvalQuestion("b", "Who came second?", ("Bo", "Bo Li"), False),
        EvalQuestion("c", "Where?", ("in Oslo",), False),
        EvalQuestion("d", "Did she win?", ("yes",), False),
        EvalQuestion("e", "When?", ("1999",), False),
        EvalQuestion("f", "Why?", (), True),
        EvalQuestion("g", "How?", (), True),
    ]
    answers = {
        "a": "Ann Lee",  # right
        "b": "Bo Li of Oslo",  # nearest gold "Bo Li": P 2/4, R 1 -> F1 2/3, longer
        "c": "Oslo",  # P 1, R 1/2 -> F1 2/3, shorter
        "d": "No",  # wrong
        "e": "",  # declined an answerable one
        "f": "",  # declined rightly
        "g": "Paris",  # answered an unanswerable one
    }
    m = score(qs, {k: Prediction(v) for k, v in answers.items()})
    assert {k: v["n"] for k, v in m["losses"].items()} == {
        "right": 2, "longer than gold": 1, "shorter than gold": 1, "wrong answer": 1,
        "declined, answerable": 1, "answered, unanswerable": 1,
    }  # fmt: skip
    assert m["losses"]["longer than gold"]["points"] == pytest.approx(100 * (1 / 3) / 7, abs=0.01)
    assert m["losses"]["right"]["points"] == 0.0 and m["losses"]["wrong answer"]["points"] == pytest.approx(
        14.29
    )
    assert sum(v["points"] for v in m["losses"].values()) == pytest.approx(100 - m["f1"], abs=0.05)
    assert loss_kind(qs[1], "Li", compute_f1(qs[1].answers, "Li")) == "shorter than gold"


def test_prediction_dict_has_exactly_the_documented_shape():
    p = Prediction(
        "Ann",
        ({"doc_id": "x", "title": "t", "start": 1, "end": 4, "text": "Ann", "score": 0.9},),
        1.23456,
        0.9,
    )
    assert p.to_dict() == {
        "answer": "Ann",
        "citations": [{"doc_id": "x", "title": "t", "start": 1, "end": 4, "text": "Ann"}],
        "latency_ms": 1.235,
    }


# -- the conversation a turn is asked after --------------------------------------------------------------------
class _EchoBot:
    """Answers every question with its own words reversed, and records the history it was given."""

    def __init__(self, index_dir=None):
        self.seen = []
        self.scopes = {}

    def warm_up(self):
        return self

    def ingest_text(self, text, title=None, source=""):
        from qa_bot.types import IngestReport

        return IngestReport(added_documents=1, doc_ids=(f"id-{title}",), titles=(title,))

    def ask(self, question, history=None, doc_ids=None):
        from qa_bot.types import Answer

        self.seen.append((question, list(history or ())))
        self.scopes[question] = doc_ids
        return Answer(question=question, text=question[::-1], abstained=False)


def _conversation(article):
    gold = [("Who opened the pier?", "Clara Jones"), ("When?", "Monday"), ("Why?", "to welcome ships")]
    return [
        EvalQuestion(f"{article}{i}", q, (a,), False, tuple(gold[:i]), article)
        for i, (q, a) in enumerate(gold)
    ]


@pytest.mark.parametrize("own", [False, True])
def test_a_turn_is_asked_after_the_gold_or_the_bots_own_earlier_answers(own):
    system = QABotSystem(own_history=own)
    bot = _EchoBot()
    system.prepare(bot)
    first, second = _conversation("A"), _conversation("B")
    for q in [first[0], second[0], first[1], second[1], first[2]]:  # two conversations interleaved
        system.predict(q)
    asked = dict(bot.seen)
    if own:  # each earlier turn carries what the bot said to it in that conversation
        assert asked["Why?"] == [("Who opened the pier?", "?reip eht denepo ohW"), ("When?", "?nehW")]
    else:
        assert asked["Why?"] == [("Who opened the pier?", "Clara Jones"), ("When?", "Monday")]
    # a turn the bot was never asked keeps its gold answer
    late = EvalQuestion("C2", "Where?", ("the harbour",), False, (("Who sailed?", "Ann"),), "C")
    system.predict(late)
    assert bot.seen[-1] == ("Where?", [("Who sailed?", "Ann")])


@pytest.mark.parametrize("per_article", [False, True])
def test_per_article_asks_each_question_about_its_own_article_only(tmp_path, per_article):
    bots = []

    def factory(index_dir):
        bots.append(_EchoBot(index_dir))
        return bots[-1]

    run_eval(_dataset(tmp_path, TINY), ["qa-bot"], bot_factory=factory, per_article=per_article)
    scopes = bots[0].scopes
    if per_article:  # the doc ids its own article's ingest reported
        assert scopes["How long did it take to build?"] == ("id-Harbour news",)
        assert scopes["Where was the beetle found?"] == ("id-Science desk",)
    else:
        assert set(scopes.values()) == {None}


# -- dataset loading ------------------------------------------------------------------------------------------
def _dataset(tmp_path, articles):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps({"version": "v2.0", "data": articles}), "utf-8")
    return path


TINY = [
    {
        "title": "Harbour news",
        "paragraphs": [
            {
                "context": "The harbour master, Clara Jones, opened the new pier on Monday.",
                "qas": [
                    {
                        "id": "h1",
                        "question": "Who opened the new pier?",
                        "answers": [{"text": "Clara Jones", "answer_start": 20}],
                        "is_impossible": False,
                    },
                ],
            },
            {
                "context": "The pier cost 4 million euros and took two years to build.",
                "qas": [
                    {
                        "id": "h2",
                        "question": "How much did the pier cost?",
                        "answers": [{"text": "4 million euros", "answer_start": 14}],
                        "is_impossible": False,
                    },
                    {
                        "id": "h3",
                        "question": "How long did it take to build?",
                        "answers": [{"text": "two years", "answer_start": 40}],
                        "is_impossible": False,
                        "history": [["How much did the pier cost?", "4 million euros"]],
                    },
                ],
            },
        ],
    },
    {
        "title": "Science desk",
        "paragraphs": [
            {
                "context": "Researchers at Lund University found a new species of beetle in Sweden.",
                "qas": [
                    {
                        "id": "s1",
                        "question": "Where was the beetle found?",
                        "answers": [{"text": "Sweden", "answer_start": 65}],
                        "is_impossible": False,
                    },
                    {
                        "id": "s2",
                        "question": "Who won the 2022 World Cup?",
                        "answers": [],
                        "is_impossible": True,
                    },
                ],
            }
        ],
    },
]


def test_load_dataset_joins_paragraphs_and_keeps_history(tmp_path):
    arts = load_dataset(_dataset(tmp_path, TINY))
    assert [a.title for a in arts] == ["Harbour news", "Science desk"]
    assert arts[0].text == TINY[0]["paragraphs"][0]["context"] + "\n\n" + TINY[0]["paragraphs"][1]["context"]
    h3 = arts[0].questions[2]
    assert h3.history == (("How much did the pier cost?", "4 million euros"),)
    assert arts[1].questions[1].is_impossible and arts[1].questions[1].answers == ()


def test_articles_of_one_title_keep_their_own_scope(tmp_path):
    # three articles named alike: each gets a title of its own, so that its questions are scoped to it alone
    same = [dict(TINY[1], title="Desk"), dict(TINY[0], title="Desk"), dict(TINY[1], title="Desk")]
    assert [a.title for a in load_dataset(_dataset(tmp_path, same))] == ["Desk", "Desk (2)", "Desk (3)"]
    bots = []

    def factory(index_dir):
        bots.append(_EchoBot(index_dir))
        return bots[-1]

    run_eval(_dataset(tmp_path, same[:2]), ["qa-bot"], bot_factory=factory, per_article=True)
    assert bots[0].scopes["Where was the beetle found?"] == ("id-Desk",)
    assert bots[0].scopes["How long did it take to build?"] == ("id-Desk (2)",)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "not found"),
        ("{not json", "Cannot read"),
        ('{"data": 3}', "no top-level 'data' list"),
        ('{"data": [{"title": "x"}]}', "malformed"),
        ('{"data": []}', "no questions"),
    ],
)
def test_bad_datasets_are_clear_errors(tmp_path, content, message):
    path = tmp_path / "d.json"
    if content is not None:
        path.write_text(content, "utf-8")
    with pytest.raises(InvalidInput, match=message):
        load_dataset(path)


def test_unknown_system_and_bad_limit(tmp_path):
    path = _dataset(tmp_path, TINY)
    with pytest.raises(InvalidInput, match="Unknown system"):
        run_eval(path, ["gpt-9"])
    with pytest.raises(InvalidInput, match="positive"):
        run_eval(path, ["abstain"], limit=0)


# -- the protocol, with the real models ---------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.integration
def test_article_level_protocol_on_a_tiny_two_article_dataset(tmp_path):
    from qa_bot import QABot

    path = _dataset(tmp_path, TINY)
    made: list = []
    asked: list = []
    ingested: list = []

    class Recording(QABot):
        def ingest_text(self, text, title=None, source=""):
            ingested.append((title, text))
            return super().ingest_text(text, title=title, source=source)

        def ask(self, question, history=None, **kw):
            asked.append((question, tuple(map(tuple, history or ())), len(self.documents())))
            return super().ask(question, history, **kw)

    def factory(index_dir):
        bot = Recording(index_dir=index_dir)
        made.append(bot)
        return bot

    run = run_eval(path, ["qa-bot", "abstain", "top-chunk", "bm25-sentence"], bot_factory=factory)
    # one fresh index, each article ingested as one titled document of its paragraphs joined by a blank line
    texts = {a.title: a.text for a in load_dataset(path)}
    assert len(made) == 1
    assert ingested == list(texts.items())
    assert not made[0].store.index_dir.exists()  # the temporary index is cleaned up
    preds = run.predictions_json("qa-bot")
    assert set(preds) == {"h1", "h2", "h3", "s1", "s2"}
    for p in preds.values():
        assert set(p) == {"answer", "citations", "latency_ms"}
        assert isinstance(p["answer"], str) and isinstance(p["latency_ms"], float)
        for c in p["citations"]:
            assert set(c) == {"doc_id", "title", "start", "end", "text"}
            assert texts[c["title"]][c["start"] : c["end"]] == c["text"]  # offsets into the whole article
    # questions are asked with their history, against the whole index
    assert (
        "How long did it take to build?",
        (("How much did the pier cost?", "4 million euros"),),
        2,
    ) in asked
    assert {n for _, _, n in asked} == {2}
    assert preds["h1"]["answer"] == "Clara Jones"
    assert preds["s2"]["answer"] == ""
    assert run.metrics["abstain"]["f1"] == 20.0  # 1 of 5 unanswerable
    assert run.metrics["qa-bot"]["f1"] > run.metrics["abstain"]["f1"]
    top = run.predictions_json("top-chunk")["h1"]
    assert top["answer"] == top["citations"][0]["text"]


@pytest.mark.slow
@pytest.mark.integration
def test_eval_command_prints_the_table_and_writes_predictions_and_report(tmp_path):
    path = _dataset(tmp_path, TINY)
    out, report = tmp_path / "preds.json", tmp_path / "report"
    result = CliRunner().invoke(
        cli,
        ["eval", str(path), "--system", "qa-bot", "abstain", "--out", str(out),
         "--report", str(report), "--limit", "4"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for header in ("EM", "F1", "HasAns F1", "NoAns", "Abst. P", "supp@1", "p95 ms", "ingest s"):
        assert header in result.output
    assert "qa-bot" in result.output and "abstain" in result.output
    preds = json.loads(out.read_text("utf-8"))
    assert list(preds) == ["h1", "h2", "h3", "s1"]  # --limit 4, in file order
    metrics = json.loads((report / "metrics.json").read_text("utf-8"))
    assert set(metrics["systems"]) == {"qa-bot", "abstain"}
    assert metrics["systems"]["abstain"]["HasAns_f1"] == 0.0
    for png in ("f1_by_type.png", "confidence.png", "latency.png"):
        assert (report / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_command_bad_dataset_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["eval", str(tmp_path / "missing.json")])
    assert result.exit_code == 2
    assert result.output.strip().startswith("Error: Dataset not found")


def test_eval_command_needs_exactly_one_dataset(tmp_path):
    result = CliRunner().invoke(cli, ["eval", "a.json", "b.json"])
    assert result.exit_code == 2 and "exactly one DATASET" in result.output
    result = CliRunner().invoke(cli, ["eval", "a.json", "abstain"])
    assert result.exit_code == 2 and "after --system" in result.output


def test_eval_command_splits_the_yes_no_turns_by_what_they_got(tmp_path):
    article = {"title": "Harbour news", "paragraphs": [{
        "context": "The harbour master, Clara Jones, opened the new pier on Monday.",
        "qas": [{"id": "y1", "question": "Did she open it?", "answers": [{"text": "yes", "answer_start": -1}],
                 "is_impossible": False, "history": [["Who opened the pier?", "Clara Jones"]]}]}]}  # fmt: skip
    result = CliRunner().invoke(cli, ["eval", str(_dataset(tmp_path, [article])), "--system", "abstain"])
    assert result.exit_code == 0, result.output
    assert "yes / no: what the yes/no turns got" in result.output
    assert "verdict right" in result.output and "declined" in result.output
    # without a yes/no turn (or a verdict given) there is no such table
    plain = CliRunner().invoke(cli, ["eval", str(_dataset(tmp_path, TINY)), "--system", "abstain"])
    assert plain.exit_code == 0 and "yes / no:" not in plain.output


@pytest.mark.parametrize("command", ["fit-answer-types", "fit-int8"])
def test_a_fit_command_without_its_training_data_says_so_in_one_line(tmp_path, command):
    result = CliRunner().invoke(cli, [command, "--data", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert (
        result.output.strip()
        == f"Error: SQuAD training data not found: {tmp_path / 'squad_v1.1_train.json.gz'}"
    )
    assert not (tmp_path / "out").exists()
