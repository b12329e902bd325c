"""A first question in a fresh process loads only what answering needs: no torch, transformers,
sentence-transformers, scikit-learn or spaCy (the ONNX light path), nor langchain-core (whose Runnables and tracing
only ``bot.chain`` and a LangChain ``config`` need), and answers what the full path answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.integration]

HEAVY = ("torch", "transformers", "sentence_transformers", "sklearn", "spacy", "langchain_core", "langsmith")
SCRIPT = """
import json, sys
{setup}
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
{follow_up}
print(json.dumps({{"answer": first.text, "citation": first.citations[0].text if first.citations else "",
                  "heavy": heavy, "after_follow_up": sorted(m for m in {heavy!r} if m in sys.modules)}}))
"""
SETUPS = {
    "QABot.ask": "from qa_bot import QABot\nbot = QABot(index_dir=sys.argv[1])\nfirst = bot.ask(sys.argv[2])",
    "answer()": "from qa_bot import answer\nfirst = answer(sys.argv[2])",
}
FOLLOW_UP = {
    "QABot.ask": "bot.ask('What did he call them?', [(sys.argv[2], first.text)])",
    "answer()": "answer('What did he call them?', [(sys.argv[2], first.text)])",
}


@pytest.mark.parametrize("entry", sorted(SETUPS))
def test_a_first_question_imports_no_torch_spacy_sklearn_or_langchain(seed_bot, entry):
    question = "Who denied the allegations?"
    expected = seed_bot.ask(question)  # the same question in this process (models already loaded)
    script = SCRIPT.format(setup=SETUPS[entry], heavy=HEAVY, follow_up=FOLLOW_UP[entry])
    env = {**os.environ, "QA_BOT_INDEX_DIR": str(seed_bot.settings.index_dir), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script, str(seed_bot.settings.index_dir), question], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["heavy"] == []
    assert out["answer"] == expected.text and out["citation"] == expected.citations[0].text
    # a follow-up's parse loads spaCy (whose thinc imports torch when it is installed), still no transformers
    assert out["after_follow_up"] == ["spacy", "torch"]
