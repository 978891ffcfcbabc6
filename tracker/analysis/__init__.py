"""Time-series analysis of the daily series (CONTRACT §7): levels against each source's own baseline,
pairs of sources, and the day's reading of the parties' claims against the monitor.

The computations are pure functions over DataFrames (`trends.py`, `changepoints.py`,
`discrepancies.py`, `readings.py`); the functions here read the series from a store and hand them on.
`figures()` is the one reader: it takes each party's accusation metrics from its accusations of the
other side (CONTRACT §7), every other figure from the ordinary daily series. Methods: docs/analysis.md.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd

from tracker import vocab
from tracker.analysis.changepoints import change_points
from tracker.analysis.discrepancies import TYPICAL_DAYS, discrepancies
from tracker.analysis.readings import readings
from tracker.analysis.trends import BASELINE_DAYS, long_figures, trends
from tracker.db import Store
from tracker.sources import Registry, registry

__all__ = [
    "analysed", "change_point_report", "change_points", "compare_report", "discrepancies", "discrepancy_report",
    "figures", "long_figures", "readings", "registry", "reported_series", "trend_report", "trends",
]

HISTORY_DAYS = max(BASELINE_DAYS, TYPICAL_DAYS)


def _day(value: object) -> date | None:
    return None if value in (None, "") else pd.Timestamp(value).date()


def _between(frame: pd.DataFrame, date_from: object, date_to: object) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    if date_from is not None:
        keep &= frame["day"] >= pd.Timestamp(date_from)
    if date_to is not None:
        keep &= frame["day"] <= pd.Timestamp(date_to)
    return frame[keep].reset_index(drop=True)


def figures(store: Store, found: Registry, *, sources: list[str] | None = None, regions: list[str] | None = None,
            metrics: list[str] | None = None, date_from: object = None, date_to: object = None,
            as_of: object = None) -> pd.DataFrame:
    """The long figures (`long_figures` columns) of the chosen sources, regions and metrics from date_from
    to date_to, a party's accusation metrics being its accusations of the other side."""
    from tracker import series  # built beside this package; imported when first needed

    options: dict[str, Any] = dict(sources=sources or None, regions=regions or ["all"],
                                   date_from=_day(date_from), date_to=_day(date_to), as_of=as_of)
    parties = [s for s in found.parties if not sources or s in sources]
    if not parties:
        return long_figures(series.daily(store, **options), metrics)
    daily, accused = series.daily_and_accusations(store, **options)
    every = long_figures(daily, metrics)
    accusations = long_figures(accused, metrics)
    accusations = accusations[accusations["metric"].isin(vocab.ACCUSATION_METRICS)
                              & accusations["source"].isin(parties)]
    replaced = every["source"].isin(parties).to_numpy() & every["metric"].isin(vocab.ACCUSATION_METRICS).to_numpy()
    return pd.concat([every[~replaced], accusations], ignore_index=True)


def reported_series(store: Store, as_of: object = None) -> pd.DataFrame:
    """`source, region, metric` of every series with a figure anywhere in the store (before `as_of`):
    the pairs of `tracker discrepancies` are formed among them (CONTRACT §7)."""
    store.set_variable("as_of", None if as_of is None else str(as_of))
    try:
        return store.df("select source, region, metric from reported_series")
    finally:
        store.set_variable("as_of", None)


def analysed(store: Store, *, sources: list[str] | None = None, regions: list[str] | None = None,
             metrics: list[str] | None = None, date_from: object = None, date_to: object = None,
             as_of: object = None, known: Registry | None = None) -> tuple[pd.DataFrame, Registry]:
    """(trends of every figure, the registry): the history before date_from is read for baselines and
    typical ratios; rows before date_from are kept (the callers filter). `known`: the registry, when the
    caller has read it already (the dashboard keeps it per store version)."""
    found = known or registry(store)
    start = _day(date_from)
    frame = figures(store, found, sources=sources, regions=regions, metrics=metrics,
                    date_from=start - timedelta(days=HISTORY_DAYS) if start else None, date_to=date_to,
                    as_of=as_of)
    return trends(frame), found


def trend_report(store: Store, *, sources: list[str] | None = None, region: str = "all",
                 metric: str | None = None, date_from: object = None, date_to: object = None,
                 as_of: object = None) -> pd.DataFrame:
    """`tracker trends`: one row per source, metric and day with a figure in [date_from, date_to]. The
    whole history before date_from is read, so that baselines and `highest_since` see it."""
    found = registry(store)
    frame = figures(store, found, sources=sources, regions=[region], metrics=[metric] if metric else None,
                    date_to=date_to, as_of=as_of)
    return _between(trends(frame), date_from, date_to)


def change_point_report(store: Store, *, sources: list[str] | None = None, region: str = "all",
                        metric: str | None = None, date_from: object = None, date_to: object = None,
                        as_of: object = None) -> pd.DataFrame:
    """`tracker trends --change-points`: the change points of each series found in [date_from, date_to]."""
    found = registry(store)
    return change_points(figures(store, found, sources=sources, regions=[region],
                                 metrics=[metric] if metric else None, date_from=date_from, date_to=date_to,
                                 as_of=as_of))


def discrepancy_report(store: Store, *, date_from: object = None, date_to: object = None,
                       only_flagged: bool = False, as_of: object = None,
                       regions: list[str] | None = None) -> pd.DataFrame:
    """`tracker discrepancies`: every pair of sources, region, metric and day in [date_from, date_to]."""
    from tracker import series

    found_trends, found = analysed(store, regions=regions or list(series.regions(store)), date_from=date_from,
                                   date_to=date_to, as_of=as_of)
    found_rows = discrepancies(found_trends, found, date_from=date_from, date_to=date_to,
                               reported=reported_series(store, as_of))
    if only_flagged:
        found_rows = found_rows[found_rows["grade"] != "consistent"].reset_index(drop=True)
    return found_rows


def compare_report(store: Store, *, date_from: object = None, date_to: object = None,
                   regions: list[str] | None = None, metrics: list[str] | None = None,
                   sources: list[str] | None = None, as_of: object = None) -> pd.DataFrame:
    """`tracker compare`: the day's reading per day, region and metric (default: region all, violations).
    With `sources`, only those sources are read, and the verdict is theirs."""
    found_trends, found = analysed(store, sources=sources, regions=regions or ["all"],
                                   metrics=metrics or ["violations"], date_from=date_from, date_to=date_to,
                                   as_of=as_of)
    return readings(found_trends, found, date_from=date_from, date_to=date_to, sources=sources)


