"""Where `qa-bot train-reader` and `train-polarity` train (`--device cpu|cuda|auto`), and how the reader's
training counts its windows."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from qa_bot.cli import cli
from qa_bot.errors import InvalidInput


def test_cpu_and_auto_resolve_to_a_device_torch_has():
    torch = pytest.importorskip("torch")
    from qa_bot.dev.train import training_device

    assert training_device("cpu") == torch.device("cpu")
    assert training_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_cuda_without_a_gpu_is_a_clear_error(monkeypatch):
    torch = pytest.importorskip("torch")
    from qa_bot.dev.train import training_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(InvalidInput, match="no CUDA device"):
        training_device("cuda")
    assert training_device("auto") == torch.device("cpu")


@pytest.mark.parametrize("command", ["train-reader", "train-polarity"])
def test_the_option_is_offered_and_checked(command):
    runner = CliRunner()
    shown = runner.invoke(cli, [command, "--help"])
    assert shown.exit_code == 0 and "--device [cpu|cuda|auto]" in shown.output
    wrong = runner.invoke(cli, [command, "--device", "tpu"])
    assert wrong.exit_code != 0 and "tpu" in wrong.output


def test_windows_are_counted_by_kind_every_kind_listed():
    from qa_bot.dev.train_data import KINDS, kind_counts

    counts = kind_counts([{"src": "pos"}, {"src": "turn"}, {"src": "pos"}])
    assert list(counts) == list(KINDS) and counts["pos"] == 2 and counts["turn"] == 1
    assert sum(counts.values()) == 3 and kind_counts([]) == dict.fromkeys(KINDS, 0)
