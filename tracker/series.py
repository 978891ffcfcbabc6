"""The daily series: stored count reports → one row per day, source and region (CONTRACT §3 and §4).

The arithmetic is SQL (sql/views/int_series_*.sql → daily_series.sql, daily_checks.sql; docs/counting.md
explains each rule with the demo data). This module sets the views' parameters, keeps the derived table
`daily_rows` current, and returns DataFrames:

- `daily()`  the series, with exactly the columns of `tracker daily --format csv` (`COLUMNS`);
- `check()`  the inconsistencies and conflicts that `tracker check` lists, with the reports involved;
- `refresh_daily()`  brings `daily_rows` up to date; ingest calls it inside every write's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tracker import vocab
from tracker.db import DatabaseError, Store, WriteConflict, is_lake, sql_text

if TYPE_CHECKING:
    import pandas as pd  # imported where a DataFrame is made (`tracker daily --format csv` makes none)

DEFAULT_TZ = vocab.DEFAULT_TIMEZONE  # the calendar zone of a new store (`tracker init --calendar-tz`)
METRICS: tuple[str, ...] = tuple(vocab.METRICS)
COLUMNS: tuple[str, ...] = (
    "day", "source", "region", *METRICS, "coverage", "estimated", "partial", "reports", "qualifiers",
)
CHECK_COLUMNS: tuple[str, ...] = (
    "kind", "source", "region", "accused_party", "metric", "period_start", "period_end", "figure", "inside",
    "days", "report_ids", "message",
)
# The regions of a new store; a store's own are `regions(store)` (the registry, tracker/regions.py).
REGIONS: tuple[str, ...] = ("all", *(region.value for region in vocab.Region))
# The accused filter of a party's accusations of the other side (CONTRACT §7; sql/views/int_series_rows.sql)
ACCUSATIONS = "*accusations"


# --- the store's calendar and registries -------------------------------------------------------------

def calendar_tz(store: Store) -> str:
    """The store's calendar zone: the days of its derived daily rows and of every read without --tz."""
    try:
        found = store.value("select value from store_settings where name = 'calendar_tz'")
    except DatabaseError:  # a read-only store made before migration 005
        found = None
    return found or DEFAULT_TZ


def regions(store: Store) -> tuple[str, ...]:
    """`all` and every registered region, those of the zone first (the analysis' and dashboard's choices)."""
    try:
        keys = [row[0] for row in store.rows("select key from regions order by not in_zone, key")]
    except DatabaseError:  # a read-only store made before migration 005
        keys = [region.value for region in vocab.Region]
    return ("all", *keys)


def set_calendar_tz(store: Store, tz: str, *, recorded_by: str = "cli") -> bool:
    """Set the calendar zone of a store that holds no report yet (`tracker init --calendar-tz`); True when it
    changed. A store with reports keeps its zone: its days, and every reading of them, were made in it."""
    if tz not in vocab.TIMEZONES:
        raise ValueError(f"--calendar-tz: unknown time zone '{tz}'; use the IANA name of a place, such as "
                         "Europe/Kyiv, Asia/Jerusalem or America/Bogota, or UTC")
    from tracker.sources import record_change

    with store.transaction():
        current = calendar_tz(store)
        if tz == current:
            return False
        if store.value("select count(*) from reports"):
            raise DatabaseError("calendar zone is set", f"{store.path} already holds reports counted in calendar "
                                f"days of {current}; the calendar zone is chosen when a store is created: "
                                f"use a new --db for --calendar-tz {tz} (or read with --tz {tz})")
        store.execute("update store_settings set value = ?, changed_at = now() where name = 'calendar_tz'", [tz])
        record_change(store, "settings", "calendar_tz", tz, f"calendar zone {tz} (was {current})", recorded_by)
        store.execute("delete from daily_state")
        refresh_daily(store)
    return True


def region_keys(store: Store, texts: Iterable[str]) -> list[str]:
    """The regions asked for on the command line (`all`, a key or alias of a registered region, any case, or
    REGION:AREA) as keys; ValueError naming the choices for one that is none of them."""
    from tracker.sources import lexicon

    known = lexicon(store)
    chosen = []
    for text in texts:
        name, colon, area = str(text).partition(":")
        key = "all" if name.strip().lower() == "all" else known.key("region", name)
        if key is None:
            raise ValueError(f"unknown region '{text}'; use one of {', '.join(regions(store))} (a key or an alias), "
                             "or REGION:AREA for an area row")
        chosen.append(key + colon + area if colon else key)
    return chosen


def zone_changed(store: Store) -> None:
    """The zone changed (inside the caller's transaction): region `all` must be read anew, so every
    derived daily row is recomputed now (a shared store: by the first reader)."""
    store.execute("delete from daily_state")
    refresh_daily(store)


# --- parameters --------------------------------------------------------------------------------------

def _check_tz(tz: str | None, store: Store | None = None) -> str:
    tz = tz or (calendar_tz(store) if store is not None else DEFAULT_TZ)
    if tz not in vocab.TIMEZONES:
        raise ValueError(f"unknown time zone '{tz}'; use an IANA name such as Europe/Kyiv or Europe/Moscow")
    return tz


def _check_accused(accused: str | None, store: Store | None = None) -> str | None:
    if accused is None or accused == "":
        return None
    if store is not None:
        from tracker.sources import lexicon

        known = lexicon(store)
        key = known.key("accused_party", accused)
        if key is None:
            raise ValueError(f"unknown accused party '{accused}'; use one of: {', '.join(known.keys('accused_party'))}")
        return key
    if accused not in {party.value for party in vocab.AccusedParty}:
        allowed = ", ".join(party.value for party in vocab.AccusedParty)
        raise ValueError(f"unknown accused party '{accused}'; use one of: {allowed}")
    return accused


def _check_regions(chosen_regions: Iterable[str] | None, store: Store | None = None) -> list[str]:
    chosen = list(chosen_regions) if chosen_regions else ["all"]
    known = regions(store) if store is not None else REGIONS
    for region in chosen:
        if region not in known and ":" not in region:
            raise ValueError(
                f"unknown region '{region}'; use one of {', '.join(known)}, or REGION:AREA for an area row"
            )
    return chosen


@contextmanager
def _variables(store: Store, **values: Any) -> Iterator[None]:
    """Set the views' variables for one query, and put back what the connection had before. A query that fails
    inside a transaction ends it (DuckDB would allow nothing in it but a rollback), so the caller's
    transaction must not go on after catching the error: every caller lets it propagate."""
    previous = {name: store.value("select getvariable(?)", [name]) for name in values}
    failed = False
    try:
        for name, value in values.items():
            store.set_variable(name, value)
        yield
    except BaseException:
        failed = True
        raise
    finally:
        for name, value in previous.items():
            try:
                store.set_variable(name, value)
            except DatabaseError as error:
                if not failed:
                    raise
                # The query's own error is the one to report. When it failed inside a transaction, DuckDB
                # refuses every statement but a rollback: end it (the caller's own rollback then finds it
                # ended, and nothing of it is committed), so that the connection's variables are put back.
                if "transaction is aborted" in error.message.lower():
                    try:
                        store.execute("rollback")
                        store.set_variable(name, value)
                    except DatabaseError:
                        pass


# --- the derived table -------------------------------------------------------------------------------

def _fingerprint(store: Store) -> tuple[int, int, str | None]:
    """What the daily rows depend on: the stored reports (append-only: their number and last batch) and
    the SQL of the views they were computed with."""
    count, last = store.rows("select count(*), coalesce(max(batch_seq), 0) from reports")[0]
    views = store.value("select sha256 from schema_migrations where name = 'views'")
    return int(count), int(last), views


def _state(store: Store) -> tuple[int, int, str | None] | None:
    found = store.rows("select reports, last_batch, views_sha256 from daily_state")
    if len(found) != 1:
        return None
    count, last, views = found[0]
    return int(count), int(last), views


def is_fresh(store: Store) -> bool:
    """Whether `daily_rows` holds the series of every report stored."""
    return _state(store) == _fingerprint(store)


def refresh_daily(store: Store) -> None:
    """Bring the derived table `daily_rows` up to date with the stored reports, for the default calendar.

    Call it inside the write's transaction, after the reports are inserted (ingest does), so the rows and
    the reports are committed together. Only the sources whose reports changed since the last refresh
    are recomputed (an edit also recomputes the source of the version it replaces); everything is
    recomputed when the views' SQL changed or the state is unknown.

    On a shared store (DuckLake) a write leaves the rows alone: its writers run at once, and two
    transactions that both rewrite the rows would fail each other's commit. There the first reader that
    finds the rows behind refreshes them (`daily`), or computes from the reports if another reader is
    doing so at the same moment.
    """
    if is_lake(store.path):
        return
    _refresh(store)


# The versions of one source that one refresh statement reads at most: a larger span is recomputed in
# parts of whole days, so that a bulk import's refresh stays within the store's memory limit (the window
# algebra's lists and windows cannot spill: 250,000 versions needed more than 1 GiB; 100,000 fit in it).
# Smaller parts cost less per version at 1M (a 1M import: 38.7 s with 50,000 against 46.7 s, through the
# window algebra), but each part also plans anew and computes its reach over the whole store, which grows
# with it: a 10M import took 298 s with 50,000, against 242 s with 100,000.
REFRESH_PART_VERSIONS = 100_000


@dataclass(frozen=True)
class _Reach:
    """The span of time [lo, hi] of one source that must be read together (sql/refresh/reach.sql)."""

    lo: datetime
    hi: datetime
    versions: int


def _reach(store: Store, source: str, lo: datetime, hi: datetime) -> _Reach:
    """Widen [lo, hi] until every stored window of `source` that could change a day it touches, or be
    changed by one, lies inside it (sql/refresh/reach.sql)."""
    query = sql_text("refresh/reach.sql")
    span: tuple[Any, ...] = (lo, hi, None, None)  # lo, hi, and the span of the long windows in it
    while True:
        *found, versions = store.rows(query, dict(zip(("source", "lo", "hi", "long_lo", "long_hi"),
                                                      (source, *span), strict=True)))[0]
        if tuple(found) == span:
            return _Reach(span[0], span[1], int(versions))
        span = tuple(found)


def _days(store: Store, tz: str, lo: datetime, hi: datetime) -> tuple[date, date]:
    """The calendar days in `tz` that the instants lo and hi fall on."""
    first, last = store.rows("select cast(timezone($tz, $lo::timestamptz) as date), "
                             "cast(timezone($tz, $hi::timestamptz) as date)", {"tz": tz, "lo": lo, "hi": hi})[0]
    return first, last


def _day_span(store: Store, tz: str, first: date, last: date) -> tuple[datetime, datetime]:
    """The instants at which day `first` begins and day `last` ends in `tz`."""
    start, end = store.rows("select timezone($tz, $first::date::timestamp), "
                            "timezone($tz, ($last::date + 1)::timestamp)",
                            {"tz": tz, "first": first, "last": last})[0]
    return start, end


def _changed(store: Store, since_batch: int | None) -> list[tuple[str, datetime, datetime]]:
    """(source, first start, last end) of the versions stored after batch `since_batch` and of the
    versions they replace (an edit may move a report to another source or window); every source's
    whole span when `since_batch` is None."""
    if since_batch is None:
        return store.rows("select source, min(period_start), max(period_end) from reports group by source")
    return store.rows(
        "select source, min(period_start), max(period_end) from ("
        "select source, period_start, period_end from reports where batch_seq > $since "
        "union all select replaced.source, replaced.period_start, replaced.period_end from reports as edit "
        "join reports as replaced on replaced.id = edit.replaces where edit.batch_seq > $since"
        ") group by source", {"since": since_batch})


def _refresh(store: Store) -> None:
    """Recompute the daily rows that the reports stored since the last refresh can change: for each
    source they touch, the days of the span they reach (`_reach`), read from the windows of that span
    alone, so that one form entry costs the same in a store of a million reports as in one of a hundred.
    Everything is recomputed when the views' SQL changed or the state is unknown."""
    now = _fingerprint(store)
    state = _state(store)
    if state == now:
        return
    since: int | None = None
    if state is not None and state[2] == now[2] and state[0] <= now[0] and state[1] <= now[1]:
        # Reports are only ever added. When every report added since the last refresh has a later batch
        # than it saw, they (and, for an edit, the version it replaces) are all that changed. Otherwise a
        # writer that raced on a shared store committed an earlier batch number after that refresh:
        # recompute everything.
        newer = store.value("select count(*) from reports where batch_seq > ?", [state[1]])
        if newer == now[0] - state[0]:
            since = state[1]
    if since is None:
        store.execute("delete from daily_rows")
    calendar = calendar_tz(store)
    for source, lo, hi in _changed(store, since):
        reach = _reach(store, source, lo, hi)
        first, last = _days(store, calendar, reach.lo, reach.hi)
        for part_first, part_last in _day_parts(first, last, reach.versions):
            _recompute(store, source, part_first, part_last, calendar)
    store.execute("delete from daily_state")
    store.execute("insert into daily_state values (?, ?, ?, now())", list(now))


def _recompute(store: Store, source: str, first: date, last: date, calendar: str) -> None:
    """Replace the daily rows of `source` from day `first` to day `last` (the store's calendar).

    When the windows within 24 hours of those days are all simple (sql/refresh/simple_span.sql) the rows are
    computed from them, one wide row per window (int_simple_rows, 2-3 times faster): a window placed on one
    of the days overlaps them, and lasts at most 24 hours, so any window that could nest in it or cross it
    is among them too. Otherwise they are computed through the window algebra (int_series_rows) from the
    windows those days reach (`_reach`)."""
    start, end = _day_span(store, calendar, first, last)
    scope = {"tz": calendar, "calendar_tz": calendar, "as_of": None, "accused": None, "daily_live": None,
             "daily_sources": [source]}
    view, span = "int_simple_rows", (start - timedelta(hours=24), end + timedelta(hours=24))
    with _variables(store, **scope, daily_from=span[0], daily_to=span[1]):
        simple = store.value(sql_text("refresh/simple_span.sql"))
    if not simple:
        reach = _reach(store, source, start, end)  # the windows those days are computed from
        view, span = "int_series_rows", (reach.lo, reach.hi)
    with _variables(store, **scope, daily_from=span[0], daily_to=span[1]):
        store.execute("delete from daily_rows where source = $source and day between $first and $last",
                      {"source": source, "first": first, "last": last})
        store.execute(f"insert into daily_rows by name select * from {view} "
                      "where day between $first and $last", {"first": first, "last": last})


def _live_span(store: Store, sources: list[str] | None, date_from: date | str | None,
               date_to: date | str | None, tz: str) -> dict[str, Any]:
    """The views' variables that limit a live read (another zone, `as_of`) to what its days are computed
    from: the sources asked for and, when the days are bounded, the span those days reach (`_reach`),
    so that the window algebra runs on those windows alone."""
    chosen = sources or [row[0] for row in store.rows("select distinct source from reports")]
    if date_from is None or date_to is None or not chosen:  # (no report at all: nothing to limit)
        return {"daily_sources": sources, "daily_from": None, "daily_to": None}
    start, end = _day_span(store, tz, date.fromisoformat(str(date_from)), date.fromisoformat(str(date_to)))
    reaches = [_reach(store, source, start, end) for source in chosen]
    return {"daily_sources": chosen, "daily_from": min((r.lo for r in reaches), default=start),
            "daily_to": max((r.hi for r in reaches), default=end)}


def _live_parts(store: Store, sources: list[str] | None, date_from: date | str | None, date_to: date | str | None,
                tz: str) -> list[tuple[date, date]]:
    """The consecutive day ranges a live read is computed in, so that its memory stays bounded however large
    the store (as the refresh's parts, at most about `REFRESH_PART_VERSIONS` versions each): the days asked
    for, within the days of the sources' first and last windows (no day outside them has a row). Empty when
    no day asked for has a report."""
    chosen = sources or None
    first_start, last_end = store.rows(
        "select min(period_start), max(period_end) from reports "
        "where ($sources::varchar[] is null or list_contains($sources::varchar[], source))",
        {"sources": chosen})[0]
    if first_start is None:
        return []
    first, last = _days(store, tz, first_start, last_end)
    if date_from is not None:
        first = max(first, date.fromisoformat(str(date_from)))
    if date_to is not None:
        last = min(last, date.fromisoformat(str(date_to)))
    if last < first:
        return []
    start, end = _day_span(store, tz, first, last)
    versions = store.value(
        "select count(*) from reports where ($sources::varchar[] is null or list_contains($sources::varchar[], "
        "source)) and period_end > $start::timestamptz and period_start < $end::timestamptz",
        {"sources": chosen, "start": start, "end": end})
    return _day_parts(first, last, int(versions))


def _day_parts(first: date, last: date, versions: int) -> list[tuple[date, date]]:
    """Days `first` to `last` in consecutive parts of whole days, about the same number in each, one part for
    every `REFRESH_PART_VERSIONS` versions they read (at least one)."""
    parts = max(1, -(-versions // REFRESH_PART_VERSIONS))
    length = (last - first).days + 1
    ranges = []
    for part in range(parts):
        part_first = first + timedelta(days=length * part // parts)
        part_last = first + timedelta(days=length * (part + 1) // parts - 1)
        if part_last >= part_first:
            ranges.append((part_first, part_last))
    return ranges


def _refresh_for_reading(store: Store) -> bool:
    """Refresh the rows in a transaction of their own; False when that cannot be done now (a read-only
    store, or another process refreshing a shared store at the same moment)."""
    if store.read_only:
        return False
    try:
        with store.transaction():
            _refresh(store)
    except WriteConflict:
        return False
    return True


# --- reading -----------------------------------------------------------------------------------------

def daily(store: Store, sources: Iterable[str] | None = None, regions: Iterable[str] | None = None,
          accused: str | None = None, areas: bool = False, date_from: date | str | None = None,
          date_to: date | str | None = None, tz: str | None = None,
          as_of: datetime | str | None = None, accusations: bool = False) -> pd.DataFrame:
    """The daily series: one row per (day, source, region) that has a figure, columns `COLUMNS`.

    `regions` default to `all`; `areas` adds the area rows (region `REGION:AREA`) of the regions asked
    for (every area for `all`). `accused` keeps one accused party. Days are calendar days in `tz`
    (default: the store's calendar zone, `tracker init --calendar-tz`). `as_of` answers from what was
    stored before that time. Metrics are floats, NaN = not reported; `estimated` and `partial` are
    space-separated metric names or ''.
    `accusations` gives instead each party source's accusations of the other side (CONTRACT §7): its
    blank-party totals, else its figures against parties of another side; other sources have no rows.
    """
    accused = ACCUSATIONS if accusations else _check_accused(accused, store)
    frame = _read(store, [accused or ""], sources=sources, regions=regions, areas=areas, date_from=date_from,
                  date_to=date_to, tz=tz, as_of=as_of)
    return frame.drop(columns="accused_filter")


def daily_and_accusations(store: Store, **options: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(`daily(**options)`, `daily(**options, accusations=True)`), read in one query when the derived
    rows answer (the analysis reads both: tracker.analysis.figures)."""
    frame = _read(store, ["", ACCUSATIONS], **options)
    every = frame["accused_filter"].to_numpy() == ""
    return (frame[every].drop(columns="accused_filter").reset_index(drop=True),
            frame[~every].drop(columns="accused_filter").reset_index(drop=True))


def _read(store: Store, filters: list[str], **options: Any) -> pd.DataFrame:
    """The rows of `filters` (accused filters: '' every party, a party key, ACCUSATIONS), with their
    `accused_filter`: from the stored rows when they answer, else computed by the views."""
    import pandas as pd

    parts = [store.df(query, params) for query, params in _queries(store, filters, **options)]
    parts = [part for part in parts if len(part)] or parts[:1]  # an empty part's text columns are untyped
    frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    frame["reports"] = frame["reports"].astype("int64")
    frame["qualifiers"] = frame["qualifiers"].fillna("")
    return frame


def _queries(store: Store, filters: list[str], *, sources: Iterable[str] | None = None,
             regions: Iterable[str] | None = None, areas: bool = False, date_from: date | str | None = None,
             date_to: date | str | None = None, tz: str | None = None,
             as_of: datetime | str | None = None) -> Iterator[tuple[str, list[Any]]]:
    """The queries (SQL, parameters) that `_read` runs, one per part, each to be run when it is yielded
    (the views' variables are set meanwhile); `daily_csv` runs them under its formatting."""
    calendar = calendar_tz(store)
    tz = _check_tz(tz or calendar)
    chosen_regions = _check_regions(regions, store)
    chosen_sources = list(sources) if sources else None
    live = tz != calendar or as_of is not None
    if not live and not is_fresh(store):
        live = not _refresh_for_reading(store)

    def where(first: date | str | None, last: date | str | None) -> tuple[str, list[Any]]:
        conditions = ["(list_contains(?, region)"]
        params: list[Any] = [chosen_regions]
        if areas:
            conditions[0] += (" or (contains(region, ':') and (list_contains(?, 'all') "
                              "or list_contains(?, split_part(region, ':', 1))))")
            params += [chosen_regions, chosen_regions]
        conditions[0] += ")"
        if chosen_sources is not None:
            conditions.append("list_contains(?, source)")
            params.append(chosen_sources)
        if first is not None:
            conditions.append("day >= ?::date")
            params.append(str(first))
        if last is not None:
            conditions.append("day <= ?::date")
            params.append(str(last))
        return " and ".join(conditions), params

    columns = ", ".join(COLUMNS)
    if not live:
        condition, params = where(date_from, date_to)
        yield (f"select accused_filter, {columns} from daily_stored where list_contains(?, accused_filter) "
               f"and {condition} order by accused_filter, day, source, region", [filters, *params])
        return
    # computed: one accused filter at a time, in consecutive parts of days (in the order of the rows: accused
    # filter, then day), each from the windows its days reach
    parts = [(first, last, *_live_part(store, chosen_sources, first, last, tz, as_of))
             for first, last in _live_parts(store, chosen_sources, date_from, date_to, tz)]
    if not parts:  # no report on any day asked for
        yield f"select accused_filter, {columns} from daily_stored where false", []
    for accused in filters:
        for first, last, view, span in parts:
            condition, params = where(first, last)
            with _variables(store, tz=tz, calendar_tz=calendar, as_of=as_of, accused=accused or None,
                            daily_live=True, **span):
                if view == "int_simple_rows":  # every accused filter: keep the one asked for
                    yield (f"select accused_filter, {columns} from int_simple_rows where accused_filter = ? "
                           f"and {condition} order by day, source, region", [accused, *params])
                else:
                    yield (f"select ? as accused_filter, {columns} from daily_series "
                           f"where {condition} order by day, source, region", [accused, *params])


def _live_part(store: Store, sources: list[str] | None, first: date, last: date, tz: str,
               as_of: datetime | str | None) -> tuple[str, dict[str, Any]]:
    """The view that computes the days `first` to `last` of a live read, and the variables that limit it to
    the windows those days are computed from: int_simple_rows and the windows within 24 hours of the days
    when those are all simple (as `_recompute`), else daily_series and the span the days reach."""
    start, end = _day_span(store, tz, first, last)
    chosen = sources or [row[0] for row in store.rows("select distinct source from reports")]
    near = {"daily_sources": chosen, "daily_from": start - timedelta(hours=24), "daily_to": end + timedelta(hours=24)}
    with _variables(store, as_of=as_of, **near):
        if store.value(sql_text("refresh/simple_span.sql")):
            return "int_simple_rows", near
    return "daily_series", _live_span(store, sources, first, last, tz)


def check(store: Store, sources: Iterable[str] | None = None, tz: str | None = None) -> pd.DataFrame:
    """The inconsistencies and conflicts of the daily series (`tracker check`), columns `CHECK_COLUMNS`:
    `days` are the days left blank, `report_ids` the reports involved, `message` says what to look at."""
    calendar = calendar_tz(store)
    tz = _check_tz(tz or calendar)
    chosen_sources = list(sources) if sources else None
    with _variables(store, tz=tz, calendar_tz=calendar, as_of=None, daily_sources=chosen_sources):
        frame = store.df(
            f"select {', '.join(CHECK_COLUMNS)} from daily_checks "
            "order by source, region, metric nulls first, period_start, kind"
        )
    import pandas as pd

    frame["days"] = [[pd.Timestamp(day).date().isoformat() for day in days] for days in frame["days"]]
    frame["report_ids"] = [list(ids) for ids in frame["report_ids"]]
    return frame


# --- presenting: the CSV and JSON of `tracker daily` (the dashboard's download uses the same) ----------
#
# CONTRACT §4: blank means not reported; whole numbers are written as integers (a whole share too: `12`,
# never `12.0` beside `12`, issue 15); estimated shares unrounded, in their shortest form (DuckDB's text
# of a double is Python's repr of it); coverage rounded to 3 places without trailing zeros (Python's
# `f"{round(c, 3):g}"`: printf's %.3f rounds correctly, as round() does, and coverage is at most 1).
# The CSV is written by DuckDB, one text line per row, from the daily query itself (`daily_csv`, no
# DataFrame) or from a DataFrame of `daily()` (`to_csv`); the JSON records are built column by column.

def _sql_metric(column: str) -> str:
    return (f"case when {column} is null or isnan({column}) then '' "
            f"when {column} = trunc({column}) and abs({column}) < 1e38 then cast({column} as hugeint)::varchar "
            f"else {column}::varchar end")


def _sql_text(column: str) -> str:
    """A text cell quoted when it holds a comma, a quote, a CR or an LF (RFC 4180; the csv module the CLI
    wrote with before left a bare CR unquoted, which only an area's name could hold)."""
    return (f"if(regexp_matches({column}, '[,\"\\n\\r]'), '\"' || replace({column}, '\"', '\"\"') || '\"', "
            f"coalesce({column}, ''))")


_CSV_LINE = " || ',' || ".join(f"({cell})" for cell in (
    "strftime(day::date, '%Y-%m-%d')",
    _sql_text("source"),
    _sql_text("region"),
    *(_sql_metric(metric) for metric in METRICS),
    "coalesce(rtrim(rtrim(printf('%.3f', coverage), '0'), '.'), '')",
    "coalesce(estimated, '')",
    "coalesce(partial, '')",
    "reports::varchar",
    "coalesce(qualifiers, '')",
))


def _csv(lines: list[tuple[str]]) -> str:
    return ",".join(COLUMNS) + "\n" + "".join(line + "\n" for line, in lines)


def daily_csv(store: Store, *, accused: str | None = None, **options: Any) -> str:
    """`to_csv(daily(store, accused=..., **options))`, written by DuckDB straight from the daily query
    (`tracker daily --format csv`): no DataFrame is made. (DuckDB 1.5.5's Python client still imports
    pandas, to bind the query's parameters.)"""
    accused = _check_accused(accused, store)
    rows: list[tuple[str]] = []
    for query, params in _queries(store, [accused or ""], **options):
        rows += store.rows(f"select {_CSV_LINE} from ({query}) as daily "
                           "order by accused_filter, day, source, region", params)
    return _csv(rows)


def to_csv(frame: pd.DataFrame) -> str:
    """The rows of `daily()` in the CSV of `tracker daily --format csv` (CONTRACT §4), in their order."""
    if "qualifiers" not in frame.columns:
        frame = frame.assign(qualifiers="")
    with Store(":memory:") as scratch:
        scratch.register("daily_frame", frame[list(COLUMNS)])
        return _csv(scratch.rows(f"select {_CSV_LINE} from daily_frame"))


def _numbers(values: pd.Series) -> list[Any]:
    """Metrics as written out: None when not reported, whole numbers as int, the rest as float."""
    import numpy as np
    import pandas as pd

    v = pd.to_numeric(values).to_numpy(dtype=np.float64, na_value=np.nan)
    out = v.astype(object)
    whole = np.isfinite(v) & (v == np.trunc(v))
    small = whole & (np.abs(v) < 2.0**63)
    out[small] = v[small].astype(np.int64).astype(object)
    for i in np.flatnonzero(whole & ~small):
        out[i] = int(v[i])
    out[np.isnan(v)] = None
    return out.tolist()


def _name_lists(frame: pd.DataFrame, column: str) -> list[list[str]]:
    if column not in frame.columns:
        return [[] for _ in range(len(frame))]
    return frame[column].fillna("").astype(str).str.split().tolist()


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of `daily()` as JSON-ready records: `estimated` and `partial` as lists of metric names,
    `qualifiers` as a list (at_least, about), `coverage` rounded to 3 places, blank metrics as None."""
    import pandas as pd

    columns: dict[str, list[Any]] = {
        "day": pd.to_datetime(frame["day"]).dt.strftime("%Y-%m-%d").tolist(),
        "source": frame["source"].tolist(),
        "region": frame["region"].tolist(),
    }
    for metric in METRICS:
        columns[metric] = _numbers(frame[metric])
    columns["coverage"] = [round(c, 3) for c in frame["coverage"].astype(float).tolist()]  # round() is exact
    columns["estimated"] = _name_lists(frame, "estimated")
    columns["partial"] = _name_lists(frame, "partial")
    columns["reports"] = frame["reports"].astype("int64").tolist()
    columns["qualifiers"] = _name_lists(frame, "qualifiers")
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]
