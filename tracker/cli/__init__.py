"""The `tracker` command line: argument parsing and printing only; the work is done by the library.

Each group of commands lives in its own module and registers itself on `main`. The modules import the
library (duckdb, pandas, pydantic, the importer) inside the commands, so that `tracker --help` starts in
a tenth of a second (issue 17: a budget of 0.2 s) and each command loads only what it uses.
"""

from __future__ import annotations

import sys

import click


class _Main(click.Group):
    """Turns the library's errors into a message on stderr and exit code 1 (usage errors stay 2)."""

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        from tracker.db import DatabaseError  # a command is about to run: it needs duckdb anyway
        from tracker.problems import InputError

        try:
            return super().invoke(ctx)
        except DatabaseError as error:
            click.echo(f"error: {error.title}: {error.message}", err=True)
            sys.exit(1)
        except InputError as error:
            for problem in error.problems:
                click.echo(f"error: {problem.describe(error.file)}", err=True)
            sys.exit(1)
        except (FileNotFoundError, ValueError) as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="ceasefire-tracker", prog_name="tracker", message="%(prog)s %(version)s",
                      help="Show the tracker's version and exit.")
def main() -> None:
    """Ceasefire-violation tracker: store each party's published counts, see them as a daily series.

    The database is --db PATH, else $TRACKER_DB, else data/tracker.duckdb.
    """


# The command modules register themselves on `main` when imported.
from tracker.cli import (  # noqa: E402, F401
    analysis_cmds,
    backup_cmds,
    brief,
    registry_cmds,
    series_cmds,
    serve,
    store_cmds,
)
