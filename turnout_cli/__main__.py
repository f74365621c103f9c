"""``python -m turnout_cli``."""

from turnout_cli.main import app

app(prog_name="turnout")
