"""The floor plan holds: stages are layered (import-linter contracts in pyproject.toml), modules stay readable in one
sitting, and the public face is what the README documents."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import qa_bot
from tests.conftest import ROOT

PUBLIC = [
    "ABSTAIN_TEXT", "AccessDenied", "Answer", "ArticleFilter", "Citation", "DateMention", "Document",
    "DocumentSummary", "Final", "IndexUnavailable", "IngestError", "IngestReport", "InvalidInput", "LLMUnavailable",
    "ModelUnavailable", "QABot", "QABotError", "Retrieval", "Settings", "Statement", "StreamEvent", "TextSpan", "Token",
    "__version__",
    "answer",
]  # fmt: skip


def test_imports_follow_the_stage_layers():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    done = subprocess.run(
        [lint, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "qa_bot").rglob("*.py")
            if (n := len(p.read_text("utf-8").splitlines())) > 400}  # fmt: skip
    assert long == {}


def test_the_public_face_is_pinned_and_documented():
    assert sorted(qa_bot.__all__) == sorted(PUBLIC)
    readme = (ROOT / "README.md").read_text("utf-8")
    undocumented = [
        n for n in PUBLIC if not n.startswith("_") and not re.search(rf"\b{re.escape(n)}\b", readme)
    ]
    assert undocumented == []


def test_the_import_graph_has_no_circles():
    import grimp

    graph = grimp.build_graph("qa_bot", exclude_type_checking_imports=True)
    circles = sorted(
        {tuple(sorted((m, n))) for m in graph.modules for n in graph.find_modules_directly_imported_by(m)
         if graph.chain_exists(importer=n, imported=m)}
    )  # fmt: skip
    assert circles == []


def test_the_code_passes_ruff():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    for args in (["check", "."], ["format", "--check", "."]):
        done = subprocess.run([ruff, *args], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]
