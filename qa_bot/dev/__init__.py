"""Development tools: evaluation (``qa-bot eval``), benchmarks (``qa-bot bench``), the reader's training
(``qa-bot train-reader``, its data, CoQA conversations) and calibration (``qa-bot calibrate-reader``).

They import the runtime; the runtime never imports them (an import-linter contract in ``make test`` keeps it so).
Only the CLI registers them (:mod:`qa_bot.dev.cli`).
"""
