"""Options shared by several commands, with their help text in one place."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

    from tracker import db

_db = click.option(
    "--db", "db_path", metavar="PATH", envvar="TRACKER_DB", default=None, show_envvar=True,
    help="The tracker database: a DuckDB file, or a shared store "
         "'ducklake:postgres:dbname=D host=H port=P user=U'. Default: $TRACKER_DB, else data/tracker.duckdb.",
)


def _remember_data_path(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        os.environ["TRACKER_DATA_PATH"] = value


_data_path = click.option(
    "--data-path", metavar="DIR", envvar="TRACKER_DATA_PATH", expose_value=False, callback=_remember_data_path,
    help="For a shared (ducklake:) store: where its Parquet data files live; needed when the store is created.",
)


def db_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--db and --data-path, on every command."""
    return _db(_data_path(fn))


def open_store(db_path: str | None, *, read_only: bool = False) -> db.Store:
    from tracker import db

    return db.open_store(db_path or db.default_path(), read_only=read_only)


def open_existing(db_path: str | None) -> db.Store:
    """The store of a read command (daily, trends, compare, discrepancies, export, check): one that does not
    exist is not created (an empty new file would answer "no figures"); exit 1 with what to do."""
    from tracker import db

    path = db_path or db.default_path()
    if not db.is_lake(path) and not os.path.exists(path):
        raise FileNotFoundError(f"no database at {path}; create one with `tracker init`, or use "
                                "`--db data/demo.duckdb` for the demo")  # the CLI prints it, exit 1
    return db.open_store(path)


def check_encoding(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """--encoding: one of the text encodings of vocab.ENCODINGS (a usage error otherwise, never a traceback)."""
    if value is None:
        return None
    from tracker.rows import encoding_key  # imported here: the CLI starts without pandas

    try:
        encoding_key(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    return value


def console(*, err: bool = False) -> Console:
    """A rich console; wide and plain when the output is not a terminal, so piped output is not wrapped."""
    from rich.console import Console

    stream = sys.stderr if err else sys.stdout
    if stream.isatty():
        return Console(stderr=err)
    return Console(file=stream, width=10_000, no_color=True, highlight=False, soft_wrap=True)

