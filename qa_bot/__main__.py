"""``python -m qa_bot`` is the ``qa-bot`` command."""

from qa_bot.cli import main

main()
