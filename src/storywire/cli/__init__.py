"""The `storywire` command line, assembled: the root `app`, its `--config` option, and every
command registered in the order `storywire --help` lists them. The commands live in modules that
follow the pipeline:

- `sources`: the feeds storywire reads, and reading them in (feeds, fetch, run, import, extract)
- `stories`: grouping articles into stories and writing them (cluster, write, stories)
- `reader`: the web reader, and the demo that runs it (serve, demo, manifest)
- `admin`: looking after an installation (version, config, db)
- `common`: what they share: settings and logging, the consoles, failing on an error
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from storywire.cli.admin import config_app, db_app, version
from storywire.cli.common import console, state
from storywire.cli.reader import demo, manifest, serve
from storywire.cli.sources import (
    backfill_files,
    extract,
    feeds_app,
    fetch,
    import_files,
    run,
    worker,
)
from storywire.cli.stories import cluster, stories_app, write
from storywire.config import CONFIG_FILE_VARIABLE

__all__ = ["app", "console", "state"]

app = typer.Typer(help="storywire: a news story engine.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(feeds_app, name="feeds")
app.add_typer(db_app, name="db")
app.add_typer(stories_app, name="stories")


@app.callback()
def main(
    config: Annotated[
        Path | None,
        typer.Option(envvar=CONFIG_FILE_VARIABLE, help="TOML settings file.", dir_okay=False),
    ] = None,
) -> None:
    state.config_file, state.settings = config, None


# The commands, in the order `storywire --help` lists them (the sub-apps follow).
app.command()(version)
app.command()(demo)
app.command()(serve)
app.command()(fetch)
app.command()(run)
app.command()(worker)
app.command()(cluster)
app.command("import")(import_files)
app.command("backfill")(backfill_files)
app.command()(extract)
app.command()(write)
app.command("manifest")(manifest)
