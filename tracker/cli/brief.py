"""`tracker brief`: one self-contained HTML file of a period, to send (the analyst's-day issue).

The brief draws with plotly, which this package never imports: it is built by dashboards/brief.py, reached
here inside the command, as `tracker serve` reaches the app (the import-linter contract allows this one
door)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from tracker.cli import main
from tracker.cli.options import db_option

_date = click.DateTime(formats=["%Y-%m-%d"])


@main.command("brief")
@click.option("--from", "date_from", type=_date, required=True, metavar="D", help="First day (YYYY-MM-DD).")
@click.option("--to", "date_to", type=_date, required=True, metavar="D", help="Last day (YYYY-MM-DD), inclusive.")
@click.option("--region", default="all", show_default=True, metavar="R",
              help="The region: all (the whole zone), donetsk, luhansk, or another registered region.")
@click.option("--source", "sources", multiple=True, metavar="S",
              help="A source key; repeat for several. Default: every source.")
@click.option("--as-of", "as_of", default=None, metavar="T",
              help="As if only what was stored before T existed (date or date-time).")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@db_option
def brief_cmd(date_from: datetime, date_to: datetime, region: str, sources: tuple[str, ...], as_of: str | None,
              out: Path, db_path: str | None) -> None:
    """Write a self-contained HTML brief of the period to OUT: the day readings, each side's claims against
    the monitor, the flagged days with their explanations, each source's spikes and "highest since", and
    the reports behind it with their links. Its charts' script is embedded: it opens with no network, and
    prints cleanly to PDF. It states the tracker's version, the as-of time, the calendar zone and the
    counting rules."""
    if date_to < date_from:
        raise click.BadParameter(f"--to {date_to:%Y-%m-%d} is before --from {date_from:%Y-%m-%d}", param_hint="--to")
    from dashboards.brief import BriefChoice, write_brief  # plotly: only when a brief is written
    from tracker.cli.options import open_existing

    store = open_existing(db_path)
    try:
        regions = [key for key, in store.rows("select key from regions order by key")] \
            if "regions" in store.table_names() else ["donetsk", "luhansk"]
        if region != "all" and region not in regions:
            raise click.BadParameter(f"unknown region '{region}'; use all or one of: {', '.join(regions)}",
                                     param_hint="--region")
        from tracker import validate

        known = validate.registered_sources(store)
        unknown = [s for s in sources if s not in known]
        if unknown:
            raise click.BadParameter(f"unknown source '{unknown[0]}'; use one of: {', '.join(known)}",
                                     param_hint="--source")
        choice = BriefChoice(date_from.date(), date_to.date(), region, tuple(sources), as_of)
        path = write_brief(store, out, choice)
    finally:
        store.close()
    click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB): brief of {choice.date_from} to {choice.date_to}, "
               f"region {region}")
