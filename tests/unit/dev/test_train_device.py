"""Where `qa-bot train-reader` trains: `--device cpu|cuda|auto`."""

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
