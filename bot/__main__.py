"""`python -m bot` is the `preprod` command."""

from bot.cli import main

main()
