"""Reads for the CLI and the dashboard: DataFrames from the output views, never from the tables."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd

from tracker import vocab
from tracker.db import Store


def count_reports(store: Store) -> int:
    """How many current reports (edits applied, withdrawn left out) the store holds."""
    return int(store.value("select count(*) from current_reports"))


def report_history(store: Store, report_id: str) -> pd.DataFrame:
    """Every version of the report that `report_id` is a version of, oldest first."""
    # The view report_history numbers the versions of every chain at once (seconds at 1M reports); this
    # is the same for one chain, read by its key (a test proves it equal to the view).
    return store.df(
        """
        with versions as (
            select * from reports
            where root_id = (select root_id from reports where id = ? limit 1)
            qualify row_number() over (partition by id order by batch_seq, row_no) = 1
        )
        select versions.*, row_number() over (order by versions.batch_seq, versions.row_no) as version,
               batches.kind as batch_kind, batches.file_name as batch_file
        from versions left join batches using (batch_seq)
        order by version
        """,
        [report_id],
    )


# --- the reports table of the dashboard: paged, filtered and sorted in DuckDB ----------------------

# Columns a caller may filter and sort on, with their kind. Nothing else reaches the SQL text.
REPORT_COLUMNS: dict[str, str] = {
    "id": "text", "source": "text", "channel": "text", "reported_at": "time", "period_start": "time",
    "period_end": "time", "timezone": "text", "region": "text", "area": "text", "accused_party": "text",
    **{metric: "number" for metric in vocab.METRICS},
    "qualifier": "text", "weapons": "text", "location": "text", "source_url": "text", "quote": "text",
    "notes": "text", "stored_at": "time", "recorded_by": "text",
}

_TEXT_OPS = {
    "contains": ("contains(lower({c}), lower(?))", 1),
    "notContains": ("not coalesce(contains(lower({c}), lower(?)), false)", 1),
    "equals": ("{c} = ?", 1),
    "notEqual": ("{c} is distinct from ?", 1),
    "startsWith": ("starts_with(lower({c}), lower(?))", 1),
    "endsWith": ("ends_with(lower({c}), lower(?))", 1),
}
_NUMBER_OPS = {
    "equals": ("{c} = ?", 1), "notEqual": ("{c} is distinct from ?", 1), "lessThan": ("{c} < ?", 1),
    "lessThanOrEqual": ("{c} <= ?", 1), "greaterThan": ("{c} > ?", 1),
    "greaterThanOrEqual": ("{c} >= ?", 1), "inRange": ("{c} between ? and ?", 2),
}
# Time filters take local dates or date-times, read in `filter_tz`; `equals` means that whole day.
_TIME_OPS = {
    "equals": ("({c} >= timezone(?, ?::timestamp) and {c} < timezone(?, ?::timestamp + interval 1 day))", 4),
    "lessThan": ("{c} < timezone(?, ?::timestamp)", 2),
    "greaterThan": ("{c} >= timezone(?, ?::timestamp)", 2),
    "inRange": ("({c} >= timezone(?, ?::timestamp) and {c} < timezone(?, ?::timestamp))", 4),
    "notEqual": ("not ({c} >= timezone(?, ?::timestamp) and {c} < timezone(?, ?::timestamp + interval 1 day))", 4),
}
_BLANK_OPS = {"blank": "{c} is null", "notBlank": "{c} is not null"}


@dataclass(frozen=True)
class ReportFilter:
    """One condition on a column of the reports table (operators as AG Grid names them)."""

    column: str
    op: str
    value: Any = None
    value_to: Any = None


def report_filter_sql(filters: list[ReportFilter] | tuple[ReportFilter, ...] = (),
                      filter_tz: str = vocab.DEFAULT_TIMEZONE) -> tuple[str, list[Any]]:
    """A SQL predicate over `current_reports` and its parameters. Column names come from REPORT_COLUMNS,
    values only ever reach DuckDB as parameters."""
    clauses: list[str] = []
    params: list[Any] = []
    for f in filters:
        kind = REPORT_COLUMNS.get(f.column)
        if kind is None:
            raise ValueError(f"cannot filter on '{f.column}'")
        column = f'"{f.column}"'
        if f.op in _BLANK_OPS:
            blank = _BLANK_OPS[f.op].format(c=column)
            if kind == "text":
                blank = (f"({column} is null or {column} = '')" if f.op == "blank"
                         else f"({column} is not null and {column} <> '')")
            clauses.append(blank)
            continue
        if kind == "text":
            template, _ = _TEXT_OPS.get(f.op, (None, 0))
            if template is None:
                raise ValueError(f"unknown text filter '{f.op}'")
            clauses.append(template.format(c=column))
            params.append(str(f.value))
        elif kind == "number":
            template, count = _NUMBER_OPS.get(f.op, (None, 0))
            if template is None:
                raise ValueError(f"unknown number filter '{f.op}'")
            clauses.append(template.format(c=column))
            params.extend([float(f.value)] if count == 1 else [float(f.value), float(f.value_to)])
        else:
            template, count = _TIME_OPS.get(f.op, (None, 0))
            if template is None:
                raise ValueError(f"unknown date filter '{f.op}'")
            clauses.append(template.format(c=column))
            if f.op in ("equals", "notEqual"):
                params.extend([filter_tz, str(f.value), filter_tz, str(f.value)])
            elif count == 2:
                params.extend([filter_tz, str(f.value)])
            else:
                params.extend([filter_tz, str(f.value), filter_tz, str(f.value_to)])
    return (" and ".join(clauses) or "true"), params


def _local(column: str) -> str:
    return f"strftime(timezone(timezone, {column}), '%Y-%m-%d %H:%M')"


_PAGE_SELECT = ", ".join(
    [_local(c) + f" as {c}" if kind == "time" and c != "stored_at" else f'"{c}"'
     for c, kind in REPORT_COLUMNS.items() if c != "stored_at"]
    + ["strftime(timezone('UTC', stored_at), '%Y-%m-%d %H:%M UTC') as stored_at"]
)

_count_cache: dict[tuple, int] = {}
_duplicates_cache: dict[tuple, bool] = {}


@contextmanager
def ids_checked(store: Store) -> Iterator[None]:
    """The dashboard's reads of `current_reports`: inside this block the view leaves out its search for
    ids stored twice (an aggregate over every row) when none is, as checked once per store version
    (`ids_unique`, sql/views/stg_reports.sql). Only two writers that raced on a shared store store an id
    twice (CONTRACT §6); the view then deduplicates as it does for every reader that sets nothing (the
    series refresh, the CLI)."""
    key = (store.path, _data_version(store))
    duplicates = _duplicates_cache.get(key)
    if duplicates is None:
        duplicates = bool(store.value("select count(*) > count(distinct id) from reports"))
        _duplicates_cache.clear()
        _duplicates_cache[key] = duplicates
    store.set_variable("ids_unique", None if duplicates else True)
    try:
        yield
    finally:
        store.set_variable("ids_unique", None)


def _data_version(store: Store) -> tuple:
    """Changes with every write (each write is a batch): the key of the cached counts."""
    return tuple(store.rows("select count(*), max(batch_seq) from batches")[0])


def reports_page(store: Store, start: int = 0, end: int = 100, *, sort: list[tuple[str, str]] | None = None,
                 filters: list[ReportFilter] | tuple[ReportFilter, ...] = (),
                 filter_tz: str = vocab.DEFAULT_TIMEZONE) -> tuple[pd.DataFrame, int]:
    """Rows `start`..`end` (exclusive) of the current reports matching `filters`, sorted by `sort`
    ([(column, 'asc'|'desc')], default: the latest stored first), and how many match in all. Window
    edges are shown in each report's own time zone, `stored_at` in UTC."""
    where, params = report_filter_sql(filters, filter_tz)
    order = []
    for column, direction in sort or []:
        if column not in REPORT_COLUMNS or direction not in ("asc", "desc"):
            raise ValueError(f"cannot sort on '{column} {direction}'")
        order.append(f'"{column}" {direction} nulls last')
    order += ["batch_seq desc", "row_no desc"]
    limit = max(0, int(end) - int(start))
    key = (store.path, where, tuple(map(str, params)), _data_version(store))
    with ids_checked(store):
        # the rows are chosen first, then formatted: formatting every row before the top-N costs seconds
        page = store.df(
            f"select {_PAGE_SELECT} from (select * from current_reports where {where} "
            f"order by {', '.join(order)} limit ? offset ?) as page order by {', '.join(order)}",
            [*params, limit, max(0, int(start))],
        )
        total = _count_cache.get(key)
        if total is None:
            total = int(store.value(f"select count(*) from current_reports where {where}", params))
            if len(_count_cache) > 256:
                _count_cache.clear()
            _count_cache[key] = total
    return page, total


def current_report(store: Store, report_id: str) -> dict[str, Any] | None:
    """The current version of the report that `report_id` is a version of, as canonical values
    (window edges as local date-times in its time zone), with its `id`; None when withdrawn or unknown."""
    with ids_checked(store):
        found = store.df(
            "select id, " + ", ".join(
                f"strftime(timezone(timezone, {c}), '%Y-%m-%dT%H:%M') || if(second(timezone(timezone, {c})) = 0, '', "
                f"strftime(timezone(timezone, {c}), ':%S')) as {c}" if c in vocab.DATETIME_COLUMNS else c
                for c in vocab.CANONICAL_COLUMNS)
            + " from current_reports where root_id = (select root_id from reports where id = ? limit 1)",
            [report_id],
        )
    if found.empty:
        return None
    row = found.iloc[0].to_dict()
    return {k: (None if _blank(v) else (int(v) if k in vocab.METRICS else v)) for k, v in row.items()}


def _blank(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def reports_behind(store: Store, source: str, region: str, day: str, tz: str | None = None) -> pd.DataFrame:
    """The current reports of `source` whose window overlaps the local calendar `day` (in `tz`, default the
    store's calendar zone) in `region` (`all`: the zone's regions and the whole zone; `REGION:AREA`: that
    area) — the reports a daily figure can come from."""
    if tz is None:
        from tracker.series import calendar_tz

        tz = calendar_tz(store)
    region_sql, params = "(region is null or region in (select key from regions where in_zone))", []
    if region and region != "all":
        name, _, area = region.partition(":")
        region_sql, params = "region = ?", [name]
        if area:
            region_sql += " and area = ?"
            params.append(area)
    with ids_checked(store):
        return store.df(
            "select id, source, channel, region, area, accused_party, "
            f"{_local('period_start')} as period_start, {_local('period_end')} as period_end, timezone, "
            f"{_local('reported_at')} as reported_at, "
            + ", ".join(vocab.METRICS) + ", qualifier, source_url, quote "
            "from current_reports where source = ? and " + region_sql + " "
            "and period_start < timezone(?, ?::timestamp + interval 1 day) and period_end > timezone(?, ?::timestamp) "
            "order by period_start, reported_at nulls first, batch_seq, row_no",
            [source, *params, tz, str(day), tz, str(day)],
        )


def source_days(store: Store) -> tuple[list[str], Any, Any]:
    """The sources that have a daily figure, and the first and last day of the daily series (read from
    the derived daily rows: cheap at any size; the dashboard's date pickers and source lists)."""
    found = store.rows("select source, min(day), max(day) from daily_series where region = 'all' "
                       "group by source order by source")
    if not found:
        return [], None, None
    return [r[0] for r in found], min(r[1] for r in found), max(r[2] for r in found)


# --- revisions of one window (CONTRACT §3, rule 3) ---------------------------------------------------

_WINDOW_KEY = ("source", "region", "area", "accused_party", "period_start", "period_end")


def window_reports(store: Store, *, report_id: str | None = None, window: dict[str, Any] | None = None) -> pd.DataFrame:
    """The current reports of one window: the same source, region, area, accused party and window edges
    (the channel does not matter: rule 3), as the window of the stored report `report_id` or as `window`
    (those six keys; window edges as aware datetimes). Oldest by rule 3 first: reported_at (none is the
    oldest), then the order stored. `reported_at` is shown local to each report's time zone."""
    if report_id is not None:
        target = "select " + ", ".join(f"{k} as target_{k}" for k in _WINDOW_KEY) + " from reports where id = ? limit 1"
        params: list[Any] = [report_id]
    elif window is not None:
        target = "select " + ", ".join(f"?::{'timestamptz' if k.startswith('period') else 'varchar'}"
                                       + f" as target_{k}" for k in _WINDOW_KEY)
        params = [window.get(k) for k in _WINDOW_KEY]
    else:
        raise ValueError("window_reports needs report_id or window")
    same = " and ".join(f"{k} is not distinct from target_{k}" for k in _WINDOW_KEY)
    with ids_checked(store):
        return store.df(
            f"with target as ({target}) "
            "select id, source, channel, timezone, reported_at as reported_at_utc, "
            f"{_local('reported_at')} as reported_at, " + ", ".join(vocab.METRICS) + ", batch_seq, row_no "
            f"from current_reports, target where {same} "
            "order by reported_at_utc asc nulls first, batch_seq, row_no",
            params,
        )


def revision_winners(reports: pd.DataFrame) -> dict[str, str]:
    """Per metric, the id of the report of `window_reports` whose figure counts (rule 3: the latest
    reported_at that gives it; a tie, the later stored). Metrics no report gives are left out."""
    winners: dict[str, str] = {}
    for metric in vocab.METRICS:
        giving = reports[reports[metric].notna()] if metric in reports else reports.iloc[0:0]
        if not giving.empty:
            winners[metric] = str(giving["id"].iloc[-1])  # the frame is in rule-3 order, oldest first
    return winners


def import_batches(store: Store, limit: int = 50) -> pd.DataFrame:
    """The latest imports that stored reports: `batch_seq, file_name, stored_at, inserted, recorded_by,
    current` (how many of their reports still count)."""
    with ids_checked(store):
        return store.df("select * from import_batches limit ?", [limit])



def reports_in_period(store: Store, date_from: Any, date_to: Any, *, region: str = "all",
                      sources: list[str] | None = None, as_of: Any = None,
                      tz: str = vocab.DEFAULT_TIMEZONE) -> pd.DataFrame:
    """The current reports (as stored before `as_of`, when given) whose window overlaps the local calendar
    days `date_from`..`date_to` (inclusive) in `region` (`all`: every region) of `sources` (None: every
    one): the reports behind a period's figures (a brief's list), oldest window first."""
    where = ["period_start < timezone(?, ?::timestamp + interval 1 day)", "period_end > timezone(?, ?::timestamp)"]
    params: list[Any] = [tz, str(date_to)[:10], tz, str(date_from)[:10]]
    if region and region != "all":
        where.append("region = ?")
        params.append(region)
    if sources:
        where.append("list_contains(?, source)")
        params.append(list(sources))
    store.set_variable("as_of", None if as_of is None else str(as_of))
    try:
        with ids_checked(store):
            return store.df(
                "select id, source, channel, region, area, accused_party, "
                f"{_local('period_start')} as period_start, {_local('period_end')} as period_end, timezone, "
                f"{_local('reported_at')} as reported_at, " + ", ".join(vocab.METRICS)
                + f", qualifier, source_url, quote from current_reports where {' and '.join(where)} "
                "order by period_start, source, reported_at nulls first, batch_seq, row_no",
                params,
            )
    finally:
        store.set_variable("as_of", None)
