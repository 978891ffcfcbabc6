"""`tracker backup OUT` and `tracker restore IN`: the whole store with its history (tracker/backup.py)."""

from __future__ import annotations

import click

from tracker.cli import main
from tracker.cli.options import db_option, open_store


@main.command("backup")
@click.argument("out", type=click.Path(file_okay=False))
@db_option
def backup_(out: str, db_path: str | None) -> None:
    """Back up the whole store to the new directory OUT: every version of every report, every batch
    (who stored what, when) and the sources, as Parquet files with a checksummed manifest.

    The backup is one consistent snapshot. Restore it with `tracker restore OUT --db NEW.duckdb`.
    """
    from tracker import backup

    store = open_store(db_path)
    try:
        summary = backup.backup_store(store, out)
    finally:
        store.close()
    click.echo(f"backed up {summary.describe()} to {summary.path}")


@main.command("restore")
@click.argument("backup_dir", metavar="IN", type=click.Path(exists=True, file_okay=False))
@click.option("--force", is_flag=True,
              help="Replace a store that already holds reports (it is backed up beside itself first).")
@db_option
def restore(backup_dir: str, force: bool, db_path: str | None) -> None:
    """Restore the backup directory IN (written by `tracker backup`) into --db.

    Every file is checked against the manifest first. A store that already holds reports is refused
    unless --force is given. The restore is one transaction: if it fails, the store is unchanged.
    """
    from tracker import backup
    from tracker.db import default_path

    summary = backup.restore_store(backup_dir, db_path or default_path(), replace=force)
    if summary.safety_copy:
        click.echo(f"the store's previous content was backed up to {summary.safety_copy}")
    click.echo(f"restored {summary.describe()} into {summary.path}")
