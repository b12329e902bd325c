from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa_bot.cli import cli
from tests.conftest import SEED


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory):
    index = tmp_path_factory.mktemp("cli") / "ix"
    result = CliRunner().invoke(cli, ["ingest", str(SEED.parent), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 document(s)" in result.output
    return index


@pytest.mark.slow
def test_ingest_twice_reports_nothing_new(cli_index):
    result = CliRunner().invoke(cli, ["ingest", str(SEED), "--index", str(cli_index)])
    assert result.exit_code == 0
    assert "Nothing new" in result.output


@pytest.mark.slow
def test_ask_prints_answer_and_quoted_citation_with_offsets(cli_index):
    result = CliRunner().invoke(cli, ["ask", "who denied the allegations?", "--index", str(cli_index)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Iravani" in lines[0]
    assert any("categorically denied" in line for line in lines)
    assert any("characters" in line and "–" in line for line in lines)


@pytest.mark.slow
def test_ask_json(cli_index):
    result = CliRunner().invoke(
        cli, ["ask", "Who won the 2022 World Cup?", "--index", str(cli_index), "--json"]
    )
    assert result.exit_code == 0
    payload = json.loads(result.output)
    assert payload["abstained"] is True and payload["citations"] == []
    assert payload["related"]


@pytest.mark.slow
def test_ask_answers_each_question_of_a_message(cli_index):
    message = "Who denied the allegations and what did he call them?"
    result = CliRunner().invoke(cli, ["ask", message, "--index", str(cli_index)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    first, second = lines.index("(Who denied the allegations?)"), lines.index("(What did he call them?)")
    assert first == 0 and "Iravani" in lines[1] and lines[second + 1] == "baseless"
    assert any("understood as: What did Amir Saeid Iravani call" in line for line in lines[second:])
    payload = json.loads(
        CliRunner().invoke(cli, ["ask", message, "--index", str(cli_index), "--json"]).output
    )
    assert payload["text"] == "Amir Saeid Iravani"  # the first answer's fields, then every answer's
    assert [p["text"] for p in payload["parts"]] == ["Amir Saeid Iravani", "baseless"]
    assert payload["parts"][1]["rewritten_question"] == "What did Amir Saeid Iravani call the allegations?"


@pytest.mark.slow
def test_documents_lists_the_seed(cli_index):
    result = CliRunner().invoke(cli, ["documents", "--index", str(cli_index), "--json"])
    rows = json.loads(result.output)
    assert len(rows) == 1 and rows[0]["n_chunks"] > 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "   "], "type a question"),
        (["ask", "x" * 2001], "limit"),
        (["ingest", "/definitely/missing.txt"], "No such file"),
        (["ask", "who?", "--llm", "gpt4"], "must look like 'openai:MODEL'"),
        (["ask", "who?", "--llm", "bogus:x"], "Unknown LLM provider"),
    ],
)
def test_bad_input_exits_2_with_one_line(cli_index, args, message):
    result = CliRunner().invoke(cli, [*args, "--index", str(cli_index)])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_not_an_index_and_empty_index(tmp_path):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "file.bin").write_bytes(b"\x00")
    result = CliRunner().invoke(cli, ["ask", "who?", "--index", str(tmp_path / "junk")])
    assert result.exit_code == 2 and "not a qa-bot index" in result.output
    result = CliRunner().invoke(cli, ["ask", "who?", "--index", str(tmp_path / "new")])
    assert result.exit_code == 2 and "no articles yet" in result.output


@pytest.mark.slow
def test_binary_and_empty_files_exit_2(tmp_path, cli_index):
    (tmp_path / "a.txt").write_bytes(b"\x00\xff")
    (tmp_path / "b.txt").write_text("")
    for name in ("a.txt", "b.txt"):
        result = CliRunner().invoke(cli, ["ingest", str(tmp_path / name), "--index", str(cli_index)])
        assert result.exit_code == 2 and "Error:" in result.output


def test_python_dash_m_entry_point():
    out = subprocess.run([sys.executable, "-m", "qa_bot", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for command in ("ingest", "ask", "serve", "documents"):
        assert command in out.stdout


@pytest.mark.slow
def test_title_option_names_one_file_and_refuses_unsupported_types(tmp_path):
    index = tmp_path / "ix"
    article = tmp_path / "story.txt"
    article.write_text("Cisco agreed to buy Acacia. The deal is worth $4.5 billion.")
    result = CliRunner().invoke(
        cli, ["ingest", str(article), "--title", "Cisco buys Acacia", "--index", str(index)]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(CliRunner().invoke(cli, ["documents", "--index", str(index), "--json"]).output)
    assert [r["title"] for r in rows] == ["Cisco buys Acacia"]
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    result = CliRunner().invoke(cli, ["ingest", str(pdf), "--title", "T", "--index", str(index)])
    assert result.exit_code == 2 and "unsupported" in result.output
    second = tmp_path / "other.txt"
    second.write_text("Another story entirely.")
    result = CliRunner().invoke(
        cli, ["ingest", str(article), str(second), "--title", "T", "--index", str(index)]
    )
    assert result.exit_code == 2 and "one article" in result.output


@pytest.mark.slow
def test_chat_repl_follows_up(cli_index):
    session = "hi\nwho denied the allegations?\nwhat did he call them?\n/reset\nand who made them?\n/quit\n"
    result = CliRunner().invoke(cli, ["chat", "--index", str(cli_index)], input=session)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Hello!" in out and "Amir Saeid Iravani" in out and "baseless" in out
    assert "(understood as: What did Amir Saeid Iravani call the allegations?)" in out
    assert "(conversation cleared)" in out
    assert out.count("understood as") == 1  # after /reset "and who made them?" has nothing to refer to


@pytest.mark.slow
def test_chat_repl_answers_two_questions_in_one_line_one_after_the_other(cli_index):
    session = "who denied the allegations and what did he call them?\n/quit\n"
    out = CliRunner().invoke(cli, ["chat", "--index", str(cli_index)], input=session).output
    first, second = (
        out.index("bot> (Who denied the allegations?) "),
        out.index("bot> (What did he call them?) "),
    )
    assert first < out.index("Amir Saeid Iravani") < second and out[second:].startswith(
        "bot> (What did he call them?) baseless"
    )
    assert "(understood as: What did Amir Saeid Iravani call the allegations?)" in out  # read as a follow-up


@pytest.mark.slow
def test_ask_with_a_dead_llm_falls_back_with_a_note(cli_index):
    result = CliRunner().invoke(
        cli,
        ["ask", "who denied the allegations?", "--index", str(cli_index), "--llm", "openai:none",
         "--llm-base-url", "http://127.0.0.1:9/v1", "--llm-timeout", "3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Amir Saeid Iravani") and "cannot connect" in result.output


def test_developer_commands_load_only_when_run():
    """`qa-bot ask` does not pay for the training and evaluation code; `qa-bot --help` still lists it."""
    from qa_bot.cli import DEV_COMMANDS

    probe = "import sys, qa_bot.cli; print(sorted(m for m in sys.modules if m.startswith('qa_bot.dev')))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    listed = CliRunner().invoke(cli, ["--help"]).output
    assert all(name in listed for name in DEV_COMMANDS)
    from qa_bot.dev.cli import COMMANDS

    assert sorted(c.name for c in COMMANDS) == sorted(DEV_COMMANDS)
    assert CliRunner().invoke(cli, ["eval", "--help"]).exit_code == 0


@pytest.mark.slow
def test_prepare_exports_both_networks_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_BOT_MODEL_CACHE_DIR", str(tmp_path / "cache"))
    result = CliRunner().invoke(cli, ["prepare"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.output.strip().splitlines())
    assert sorted(lines) == ["embedder", "reader"]
    assert all(Path(p).is_file() and Path(p).parent == tmp_path / "cache" for p in lines.values())
    assert Path(lines["reader"]).name.startswith(
        "reader_int8-"
    )  # the graph answering reads: int8, from the fp32 one
    again = CliRunner().invoke(cli, ["prepare"])  # exported once: the same files, nothing new
    assert again.output == result.output
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "cache").iterdir()) == [
        "embedder",
        "reader",
        "reader_int8",
    ]


def test_a_held_back_yes_or_no_is_printed_as_the_words_with_a_note(capsys):
    from qa_bot.console import print_answer
    from qa_bot.types import Answer, Citation

    c = Citation(
        doc_id="d", title="T", start=0, end=40, text="He denied them, calling them baseless.", score=1
    )
    kw = {"question": "Did he accept them?", "abstained": False, "citations": (c,), "quote": "baseless"}
    print_answer(Answer(text="baseless", meta={"withheld": "yes"}, **kw))
    held = capsys.readouterr().out
    assert held.splitlines()[0] == "baseless" and "no clear yes or no" in held
    print_answer(Answer(text="Yes", kind="yes", meta={"kind_probability": 0.8}, **kw))
    given = capsys.readouterr().out
    assert given.startswith("Yes — “baseless”") and "no clear yes or no" not in given
    print_answer(Answer(text="baseless", meta={"lead": True}, **kw))
    lead = capsys.readouterr().out
    assert lead.splitlines()[0] == "baseless" and "first sentence" in lead and "first sentence" not in held
    print_answer(Answer(text="Yousef Masoud", meta={"credit": True}, **kw))
    credit = capsys.readouterr().out
    assert credit.splitlines()[0] == "Yousef Masoud" and "photo's credit" in credit and "photo" not in held
    print_answer(Answer(text="Apr 22, 2023", meta={"dateline": True}, **kw))
    assert "the article's dateline" in capsys.readouterr().out
