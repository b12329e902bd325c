"""Where `qa-bot train-reader` trains (`--device cpu|cuda|auto`), and how it counts its windows."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from qa_bot.cli import cli
from qa_bot.errors import InvalidInput


def test_cpu_and_auto_resolve_to_a_device_torch_has():
    torch = pytest.importorskip("torch")
    from qa_bot.dev.train import _device

    assert _device("cpu") == torch.device("cpu")
    assert _device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_cuda_without_a_gpu_is_a_clear_error(monkeypatch):
    torch = pytest.importorskip("torch")
    from qa_bot.dev.train import _device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(InvalidInput, match="no CUDA device"):
        _device("cuda")
    assert _device("auto") == torch.device("cpu")


def test_the_option_is_offered_and_checked():
    runner = CliRunner()
    shown = runner.invoke(cli, ["train-reader", "--help"])
    assert shown.exit_code == 0 and "--device [cpu|cuda|auto]" in shown.output
    wrong = runner.invoke(cli, ["train-reader", "--device", "tpu"])
    assert wrong.exit_code != 0 and "tpu" in wrong.output


def test_windows_are_counted_by_kind_every_kind_listed():
    from qa_bot.dev.train_data import KINDS, kind_counts

    counts = kind_counts([{"src": "pos"}, {"src": "turn"}, {"src": "pos"}])
    assert list(counts) == list(KINDS) and counts["pos"] == 2 and counts["turn"] == 1
    assert sum(counts.values()) == 3 and kind_counts([]) == dict.fromkeys(KINDS, 0)
