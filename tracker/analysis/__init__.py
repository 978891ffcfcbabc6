"""Time-series analysis of the daily series: trends, spikes, change points and discrepancies (CONTRACT §7).

The computations are pure functions over DataFrames (`trends.py`, `changepoints.py`,
`discrepancies.py`); the functions here read the daily series from a store (`tracker.series.daily`)
and hand it to them. Methods and thresholds: docs/analysis.md.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from tracker.analysis.changepoints import change_points
from tracker.analysis.discrepancies import (
    MONITOR,
    SIDE_OF_PARTY,
    TYPICAL_DAYS,
    default_blames,
    discrepancies,
)
from tracker.analysis.trends import BASELINE_DAYS, long_figures, trends
from tracker.db import Store

__all__ = [
    "accusations", "change_point_report", "change_points", "discrepancies", "discrepancy_report",
    "long_figures", "trend_report", "trends",
]

REGIONS: tuple[str, ...] = ("all", "donetsk", "luhansk")


def _day(value: object) -> date | None:
    return None if value is None else pd.Timestamp(value).date()


def _daily(store: Store, **options: object) -> pd.DataFrame:
    from tracker import series  # built beside this package; imported when first needed

    return series.daily(store, **options)


def _between(frame: pd.DataFrame, date_from: object, date_to: object) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    if date_from is not None:
        keep &= frame["day"] >= pd.Timestamp(date_from)
    if date_to is not None:
        keep &= frame["day"] <= pd.Timestamp(date_to)
    return frame[keep].reset_index(drop=True)


def trend_report(store: Store, *, sources: list[str] | None = None, region: str = "all",
                 metric: str | None = None, date_from: object = None, date_to: object = None,
                 as_of: object = None) -> pd.DataFrame:
    """`tracker trends`: one row per source, metric and day with a figure in [date_from, date_to].
    The whole history before date_from is read, so that baselines and `highest_since` see it."""
    daily = _daily(store, sources=sources or None, regions=[region], date_to=_day(date_to), as_of=as_of)
    figures = long_figures(daily, [metric] if metric else None)
    return _between(trends(figures), date_from, date_to)


def change_point_report(store: Store, *, sources: list[str] | None = None, region: str = "all",
                        metric: str | None = None, date_from: object = None, date_to: object = None,
                        as_of: object = None) -> pd.DataFrame:
    """`tracker trends --change-points`: the change points of each series found in [date_from, date_to]."""
    daily = _daily(store, sources=sources or None, regions=[region], date_from=_day(date_from),
                   date_to=_day(date_to), as_of=as_of)
    return change_points(long_figures(daily, [metric] if metric else None))


_accusations_cache: dict[tuple, dict[str, set[str]]] = {}


def accusations(store: Store, as_of: object = None) -> dict[str, set[str]]:
    """Source -> the sides of the conflict its current reports accuse (their `accused_party`); a party
    source whose reports never name one blames the other side (`default_blames`).

    This reads every current report (about 0.4 s per 100,000 reports), so it is cached per store and
    write; `discrepancy_report` uses `default_blames()`, which says the same for the built-in parties.
    """
    version = tuple(store.rows("select count(*), max(batch_seq) from batches")[0])
    key = (store.path, version, None if as_of is None else str(as_of))
    if key in _accusations_cache:
        return _accusations_cache[key]
    store.set_variable("as_of", None if as_of is None else str(as_of))
    try:
        found = store.rows("select distinct source, accused_party from current_reports "
                           "where accused_party is not null")
    finally:
        store.set_variable("as_of", None)
    blames = default_blames()
    named: dict[str, set[str]] = {}
    for source, party in found:  # a handful of (source, party) pairs
        if party in SIDE_OF_PARTY:
            named.setdefault(source, set()).add(SIDE_OF_PARTY[party])
    blames.update(named)
    if len(_accusations_cache) > 32:
        _accusations_cache.clear()
    _accusations_cache[key] = blames
    return blames


def discrepancy_report(store: Store, *, date_from: object = None, date_to: object = None,
                       only_flagged: bool = False, as_of: object = None,
                       blames: dict[str, set[str]] | None = None) -> pd.DataFrame:
    """`tracker discrepancies`: every pair of sources, region, metric and day in [date_from, date_to].
    The 30 days before date_from are read too, for baselines, typical ratios and one_sided.
    `blames` (source -> sides it accuses) defaults to `default_blames()`; `accusations(store)` reads it
    from the reports instead."""
    start = _day(date_from)
    history = max(BASELINE_DAYS, TYPICAL_DAYS)
    daily = _daily(store, regions=list(REGIONS), date_from=start - timedelta(days=history) if start else None,
                   date_to=_day(date_to), as_of=as_of)
    found = discrepancies(trends(long_figures(daily)), blames=blames or default_blames(), monitor=MONITOR,
                          date_from=date_from, date_to=date_to)
    if only_flagged:
        found = found[found["grade"] != "consistent"].reset_index(drop=True)
    return found
