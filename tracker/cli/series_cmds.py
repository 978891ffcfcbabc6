"""Commands that show the daily series and what it could not use: daily, check (CONTRACT §4).

`tracker daily --format csv` is written by DuckDB from the query (tracker.series.daily_csv): pandas is
imported only for the table and the JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from tracker import vocab
from tracker.cli import main
from tracker.cli.options import console, db_option, open_existing

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("table", "csv", "json")

format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
    help="table for reading (estimated shares to one decimal); csv or json for other programs (unrounded).",
)
tz_option = click.option(
    "--tz", default=None, metavar="Z",
    help="IANA time zone of the calendar days. Default: the store's calendar zone (tracker init --calendar-tz; "
         f"{vocab.DEFAULT_TIMEZONE} unless set).",
)


def _known_sources(store, chosen: tuple[str, ...]) -> list[str] | None:  # noqa: ANN001
    if not chosen:
        return None
    from tracker.sources import list_sources

    known = {row[0] for row in list_sources(store)}
    for key in chosen:
        if key not in known:
            raise click.BadParameter(
                f"unknown source '{key}'; use one of: {', '.join(sorted(known))}", param_hint="--source"
            )
    return list(chosen)


def region_keys(store, values: tuple[str, ...], hint: str = "--region") -> list[str]:  # noqa: ANN001
    """The --region values as registered region keys (a key or an alias, any case; `all`; REGION:AREA)."""
    from tracker import series

    try:
        return series.region_keys(store, values)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint=hint) from error


def accused_key(store, value: str | None) -> str | None:  # noqa: ANN001
    """The --accused value as a registered accused party's key (a key or an alias, any case)."""
    if value is None:
        return None
    from tracker import series

    try:
        return series._check_accused(value, store)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--accused") from error


def _cell(value: Any, estimated: bool) -> str:
    if value is None or (isinstance(value, float) and value != value):  # NaN
        return ""
    if estimated:
        return f"{float(value):,.1f}"
    return f"{int(value):,}"


def _print_daily_table(frame: pd.DataFrame) -> None:
    import pandas as pd
    from rich.table import Table

    from tracker import series

    shown = [metric for metric in series.METRICS if frame[metric].notna().any()] or ["violations"]
    table = Table("day", "source", "region", *shown, "coverage", "estimated", "partial", "reports", "qualifiers",
                  box=None, pad_edge=False)
    for column in table.columns[3:3 + len(shown)] + [table.columns[-2]]:
        column.justify = "right"
    for row in frame.to_dict("records"):
        estimated = row["estimated"].split()
        table.add_row(
            pd.Timestamp(row["day"]).date().isoformat(), row["source"], row["region"],
            *(_cell(row[metric], metric in estimated) for metric in shown),
            f"{row['coverage']:.3f}", row["estimated"], row["partial"], str(row["reports"]),
            row.get("qualifiers", "") or "",
        )
    out = console()
    out.print(table)
    if frame.empty:
        out.print("no figures for these options")


@main.command("daily")
@click.option("--source", "sources", multiple=True, metavar="S", help="Keep this source (repeatable). Default: all.")
@click.option("--region", "regions", multiple=True, metavar="R",
              help="all (default), a registered region (tracker regions; a key or an alias, e.g. donetsk), or "
                   "REGION:AREA (repeatable).")
@click.option("--accused", default=None, metavar="P",
              help="Keep the figures that blame this accused party (tracker parties; a key or an alias, e.g. "
                   "separatists). Default: every party (a blank-party total wins).")
@click.option("--areas", is_flag=True, help="Add the area rows of the regions shown, as region REGION:AREA.")
@click.option("--from", "date_from", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="D",
              help="First day to show (YYYY-MM-DD).")
@click.option("--to", "date_to", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="D",
              help="Last day to show (YYYY-MM-DD).")
@tz_option
@click.option("--as-of", "as_of", default=None, metavar="T",
              help="Answer as if only what was stored before T existed (date or date-time).")
@format_option
@db_option
def daily_(sources: tuple[str, ...], regions: tuple[str, ...], accused: str | None, areas: bool,
           date_from, date_to, tz: str | None, as_of: str | None, fmt: str, db_path: str | None) -> None:  # noqa: ANN001
    """The daily series: one row per day, source and region, by the counting rules of docs/counting.md.

    Blank means not reported. `estimated` names the metrics that include a share of a longer window,
    `partial` the metrics of region all summed from one region only; coverage is the share of the day
    the figures represent.
    """
    from tracker import series

    store = open_existing(db_path)
    options: dict[str, Any] = dict(
        sources=_known_sources(store, sources), regions=region_keys(store, regions) or None,
        accused=accused_key(store, accused),
        areas=areas, date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None, tz=tz, as_of=as_of,
    )
    if fmt == "csv":
        click.echo(series.daily_csv(store, **options), nl=False)
        return
    frame = series.daily(store, **options)
    if fmt == "json":
        click.echo(json.dumps(series.records(frame), ensure_ascii=False, indent=1))
    else:
        _print_daily_table(frame)


@main.command("check")
@click.option("--source", "sources", multiple=True, metavar="S", help="Check this source (repeatable). Default: all.")
@tz_option
@format_option
@db_option
def check_(sources: tuple[str, ...], tz: str | None, fmt: str, db_path: str | None) -> None:
    """List the inconsistencies and conflicts the daily series leaves out, with the reports involved:
    conflict, negative-difference, overdrawn, unplaced-remainder, no-hours-left, edit-conflict."""
    import pandas as pd

    from tracker import series

    store = open_existing(db_path)
    frame = series.check(store, sources=_known_sources(store, sources), tz=tz)
    if fmt == "json":
        found = [
            {
                **row,
                "period_start": None if pd.isna(row["period_start"]) else pd.Timestamp(row["period_start"]).isoformat(),
                "period_end": None if pd.isna(row["period_end"]) else pd.Timestamp(row["period_end"]).isoformat(),
                "figure": None if pd.isna(row["figure"]) else int(row["figure"]),
                "inside": None if pd.isna(row["inside"]) else int(row["inside"]),
                "metric": row["metric"] if isinstance(row["metric"], str) else None,
                "accused_party": row["accused_party"] if isinstance(row["accused_party"], str) else None,
            }
            for row in frame.to_dict("records")
        ]
        click.echo(json.dumps(found, ensure_ascii=False, indent=1))
        return
    if fmt == "csv":
        out = frame.copy()
        out["days"] = [" ".join(days) for days in out["days"]]
        out["report_ids"] = [" ".join(ids) for ids in out["report_ids"]]
        for column in ("figure", "inside"):
            out[column] = pd.Series([None if pd.isna(v) else int(v) for v in out[column]], dtype=object)
        click.echo(out.to_csv(index=False, lineterminator="\n"), nl=False)
        return
    if frame.empty:
        click.echo("no inconsistencies or conflicts")
        return
    from rich.table import Table

    table = Table("kind", "what", "reports", box=None, pad_edge=False, show_lines=True)
    for row in frame.to_dict("records"):
        table.add_row(row["kind"], row["message"], " ".join(report_id[:12] for report_id in row["report_ids"]))
    console().print(table)
    click.echo(f"{len(frame)} problem{'s' if len(frame) != 1 else ''}")
