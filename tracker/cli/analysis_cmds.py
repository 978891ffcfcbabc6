"""Commands that analyse the daily series: trends, discrepancies and the day's reading (CONTRACT §4, §7).

Their csv and json are written column by column (`_values`, then pandas' writer); numpy, pandas and the
analysis are imported inside the commands."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from tracker import vocab
from tracker.cli import main
from tracker.cli.options import console, db_option, open_store
from tracker.cli.series_cmds import region_keys

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("table", "csv", "json")
LIST_COLUMNS = ("kind",)
# --region takes the store's regions (tracker regions): `all` and every registered region, by key or alias,
# checked once the store is open (series_cmds.region_keys, tracker.series.region_keys).

_date = click.DateTime(formats=["%Y-%m-%d"])
from_option = click.option("--from", "date_from", type=_date, default=None, metavar="D",
                           help="First day to show (YYYY-MM-DD). Earlier days still feed the baselines.")
to_option = click.option("--to", "date_to", type=_date, default=None, metavar="D",
                         help="Last day to show (YYYY-MM-DD).")
as_of_option = click.option("--as-of", "as_of", default=None, metavar="T",
                            help="Answer as if only what was stored before T existed (date or date-time).")
format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                             help="table for reading, csv or json for other programs (full precision).")


def _values(frame: pd.DataFrame) -> pd.DataFrame:
    """Python values for writing out: dates as YYYY-MM-DD, whole numbers as int (the rest unrounded),
    blanks as None."""
    import numpy as np
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.dt.strftime("%Y-%m-%d").astype(object).where(series.notna(), None)
        elif pd.api.types.is_bool_dtype(series):
            out[column] = series.to_numpy().astype(object)
        elif pd.api.types.is_float_dtype(series):
            values = series.to_numpy(dtype=np.float64)
            whole = np.isfinite(values) & (values == np.round(values)) & (np.abs(values) < 2**53)
            shown = values.astype(object)
            shown[whole] = values[whole].astype(np.int64).astype(object)
            shown[np.isnan(values)] = None
            out[column] = shown
        elif pd.api.types.is_integer_dtype(series):
            out[column] = series.to_numpy().astype(object)
        else:
            out[column] = series.astype(object).where(series.notna(), None)
    return out


def _open(db_path: str | None):  # noqa: ANN202
    """A store to read: the read commands never create one (options.open_existing, when present)."""
    from tracker.cli import options

    opener = getattr(options, "open_existing", None)
    return opener(db_path) if opener else open_store(db_path)


def _emit(frame: pd.DataFrame, fmt: str, table: pd.DataFrame) -> None:
    import numpy as np
    import pandas as pd

    if fmt == "csv":
        out = _values(frame)
        for column in out.columns:
            if pd.api.types.is_bool_dtype(frame[column]):
                out[column] = np.where(frame[column].to_numpy(), "true", "false")
        click.echo(out.to_csv(index=False, lineterminator="\n"), nl=False)
        return
    if fmt == "json":
        out = _values(frame)
        for column in LIST_COLUMNS:
            if column in out.columns:
                out[column] = out[column].str.split()
        click.echo(json.dumps(out.to_dict("records"), ensure_ascii=False, indent=1))
        return
    from rich.table import Table

    out = console()
    if frame.empty:
        out.print("no rows")
        return
    grid = Table(*table.columns, box=None, pad_edge=False, header_style="bold")
    for row in table.astype(str).itertuples(index=False):  # printing only
        grid.add_row(*row)
    out.print(grid)


@main.command("trends")
@click.option("--source", "sources", multiple=True, metavar="S", help="A source key; repeat for several. Default: all.")
@click.option("--region", default="all", show_default=True, metavar="R",
              help="The region of the series: all, or a registered region (tracker regions; key or alias).")
@click.option("--metric", default=None, type=click.Choice(list(vocab.METRICS)), help="One metric. Default: all.")
@from_option
@to_option
@as_of_option
@click.option("--change-points", "show_change_points", is_flag=True,
              help="List the change points of each series (days its level shifts) instead of the daily rows.")
@format_option
@db_option
def trends_cmd(sources: tuple[str, ...], region: str, metric: str | None, date_from: datetime | None,
               date_to: datetime | None, as_of: str | None, show_change_points: bool, fmt: str,
               db_path: str | None) -> None:
    """Each source's series against its own past: 7-day rolling mean, week-over-week change, escalation
    index against the median of the preceding 30 days, its level (estimated, no_baseline, incomplete,
    spike, raised, usual, low), spike flag and highest_since. A party's accusation metrics are its
    accusations of the other side.

    Methods and thresholds: docs/analysis.md.
    """
    import numpy as np
    import pandas as pd

    from tracker import analysis
    from tracker.analysis import text

    store = _open(db_path)
    [region] = region_keys(store, (region,))
    options: dict[str, Any] = dict(sources=list(sources), region=region, metric=metric, date_from=date_from,
                                   date_to=date_to, as_of=as_of)
    if show_change_points:
        found = analysis.change_point_report(store, **options)
        table = pd.DataFrame({
            "day": found["day"].dt.strftime("%Y-%m-%d"), "source": found["source"], "region": found["region"],
            "metric": found["metric"], "before": text.number(found["mean_before"]),
            "after": text.number(found["mean_after"]),
            "change": text.factor(found["change"]) + "×",
        })
        _emit(found, fmt, table)
        return
    found = analysis.trend_report(store, **options)
    found = found[[c for c in found.columns if c != "qualifiers"]]  # the columns of docs/analysis.md
    change = found["week_change"] * 100
    table = pd.DataFrame({
        "day": found["day"].dt.strftime("%Y-%m-%d"), "source": found["source"], "region": found["region"],
        "metric": found["metric"],
        "value": text.number(found["value"]) + np.where(found["estimated"], " est", "")
        + np.where(found["incomplete"], " (lower bound)", ""),
        "coverage": text.number(found["coverage"] * 100) + "%",
        "7-day mean": text.number(found["rolling_mean"]),
        "week": np.where(change.isna(), "", change.round(0).map("{:+.0f}%".format, na_action="ignore")),
        "baseline": text.number(found["baseline_median"]),
        "index": text.number(found["escalation_index"]),
        "level": found["level"],
        "highest_since": np.where(found["highest_on_record"], "highest on record",
                                  found["highest_since"].dt.strftime("%Y-%m-%d").fillna("")),
    })
    _emit(found, fmt, table)


@main.command("discrepancies")
@from_option
@to_option
@click.option("--only-flagged", is_flag=True, help="Leave out the consistent rows.")
@as_of_option
@format_option
@db_option
def discrepancies_cmd(date_from: datetime | None, date_to: datetime | None, only_flagged: bool,
                      as_of: str | None, fmt: str, db_path: str | None) -> None:
    """Days on which two sources disagree, and how: for each pair of sources, region, metric and day,
    both figures with their levels and coverage, their ratio against the pair's typical ratio, the kinds
    (mutual_accusation, direction, magnitude, one_sided, incomplete), a grade (consistent, diverging,
    contradicting) and an explanation that says who accuses whom and what the monitor saw.

    Figures of different sources are only divided, never subtracted. Methods: docs/analysis.md.
    """
    import pandas as pd

    from tracker import analysis
    from tracker.analysis import text

    store = _open(db_path)
    found = analysis.discrepancy_report(store, date_from=date_from, date_to=date_to, only_flagged=only_flagged,
                                        as_of=as_of)
    table = pd.DataFrame({
        "day": found["day"].dt.strftime("%Y-%m-%d"), "region": found["region"], "metric": found["metric"],
        "source_a": found["source_a"], "value_a": text.number(found["value_a"]), "level_a": found["level_a"],
        "source_b": found["source_b"], "value_b": text.number(found["value_b"]), "level_b": found["level_b"],
        "ratio": text.factor(found["ratio"]), "typical": text.factor(found["typical_ratio"]),
        "kind": found["kind"], "grade": found["grade"], "explanation": found["explanation"],
    })
    _emit(found, fmt, table)


@main.command("compare")
@from_option
@to_option
@click.option("--region", "regions", multiple=True, metavar="R",
              help="A region: all or a registered region (tracker regions; key or alias, e.g. donetsk); repeat for "
                   "several. Default: all.")
@click.option("--metric", "metrics", multiple=True, type=click.Choice(list(vocab.METRICS)), metavar="M",
              help="A metric; repeat for several. Default: violations.")
@click.option("--source", "sources", multiple=True, metavar="S",
              help="Read only these sources (repeat); the verdict is then theirs. Default: every source.")
@as_of_option
@format_option
@db_option
def compare_cmd(date_from: datetime | None, date_to: datetime | None, regions: tuple[str, ...],
                metrics: tuple[str, ...], sources: tuple[str, ...], as_of: str | None, fmt: str,
                db_path: str | None) -> None:
    """The day's reading: who claims what against whom, and does the monitor see it. One row per day,
    region, metric and source with a figure: its side, level and coverage, the day's reading
    (both_claim_escalation, one_side_claims_escalation, no_escalation_claimed, unclear) and the monitor's
    verdict (corroborates, does_not_corroborate, unclear, silent). Methods: docs/analysis.md.
    """
    from tracker import analysis
    from tracker.analysis.readings import READING_COLUMNS

    store = _open(db_path)
    known = {row[0] for row in store.rows("select key from sources")}
    unknown = [s for s in sources if s not in known]
    if unknown:
        raise click.BadParameter(f"unknown source '{unknown[0]}'; use one of: {', '.join(sorted(known))}",
                                 param_hint="--source")
    found = analysis.compare_report(store, date_from=date_from, date_to=date_to,
                                    regions=region_keys(store, regions) or None,
                                    metrics=list(metrics) or None, sources=list(sources) or None, as_of=as_of)
    if fmt == "table":
        _print_readings(found)
        return
    found = found[READING_COLUMNS]
    _emit(found, fmt, found)


def _print_readings(found: pd.DataFrame) -> None:
    """The terminal form of `tracker compare`: one block per day, region and metric, the reading first."""
    import numpy as np
    import pandas as pd
    from rich.table import Table

    from tracker.analysis import text

    out = console()
    if found.empty:
        out.print("no figures in this range")
        return
    grid = Table("day", "region", "metric", "reading", "monitor", "side", "source", "value", "level", "index",
                 "coverage", box=None, pad_edge=False, header_style="bold")
    shown = pd.DataFrame({
        "day": found["day"].dt.strftime("%Y-%m-%d"), "region": found["region"], "metric": found["metric"],
        "reading": found["reading"], "monitor": found["monitor"], "side": found["side"],
        "source": found["source"],
        "value": text.number(found["value"]) + np.where(found["estimated"], " est", ""),
        "level": found["level"], "index": text.number(found["index"]),
        "coverage": text.number(found["coverage"] * 100) + "%",
    })
    first = ~found.duplicated(["day", "region", "metric"]).to_numpy()
    for column in ("day", "region", "metric", "reading", "monitor"):
        shown[column] = np.where(first, shown[column], "")
    for row in shown.astype(str).itertuples(index=False):  # printing only
        grid.add_row(*row)
    out.print(grid)
    out.print()
    for sentence in found.drop_duplicates(["day", "region", "metric"]).itertuples():  # printing only
        out.print(f"{sentence.day:%Y-%m-%d} {sentence.region} {sentence.metric}: {sentence.explanation}")
