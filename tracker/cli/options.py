"""Options shared by several commands, with their help text in one place."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console

from tracker import db

db_option = click.option(
    "--db", "db_path", metavar="PATH", envvar="TRACKER_DB", default=None, show_envvar=True,
    help="The tracker database (a DuckDB file). Default: $TRACKER_DB, else data/tracker.duckdb.",
)


def open_store(db_path: str | None, *, read_only: bool = False) -> db.Store:
    return db.open_store(db_path or db.default_path(), read_only=read_only)


def console(*, err: bool = False) -> Console:
    """A rich console; wide and plain when the output is not a terminal, so piped output is not wrapped."""
    stream = sys.stderr if err else sys.stdout
    if stream.isatty():
        return Console(stderr=err)
    return Console(file=stream, width=10_000, no_color=True, highlight=False, soft_wrap=True)


def with_db(fn: Callable[..., Any]) -> Callable[..., Any]:
    return db_option(fn)
