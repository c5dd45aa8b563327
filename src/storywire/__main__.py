"""`python -m storywire`: the command line, as the `storywire` script runs it."""

from storywire.cli import app

app()
