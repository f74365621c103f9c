"""``python -m turnout_cli``."""

from turnout_cli.main import main

main()
