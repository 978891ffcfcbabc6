"""Trends of each source's own series: rolling mean, week-over-week change, baseline, escalation index,
spike flag and `highest_since` (CONTRACT §7; methods and thresholds in docs/analysis.md).

Everything is computed per series, a series being one source, region and metric, over the days on which
it has a figure. Figures of different sources are never combined here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tracker import vocab
from tracker.analysis import windows

METRICS: tuple[str, ...] = tuple(vocab.METRICS)
SERIES_KEYS: list[str] = ["source", "region", "metric"]

ROLLING_DAYS = 7  # the rolling mean covers the 7 calendar days ending on the day
BASELINE_DAYS = 30  # the baseline covers the 30 calendar days before the day
MIN_BASELINE_DAYS = 7  # fewer baseline days in those 30: no baseline
MAD_TO_SD = 1.4826  # MAD × 1.4826 estimates the standard deviation of normal data
MIN_SCALE_SHARE = 0.10  # the scale is at least 10 % of the median, at least √median (the Poisson spread
MIN_SCALE = 1.0  # of a count) and at least 1
FULL_COVERAGE = 0.75  # a figure whose row covers less of the day is an intraday snapshot: incomplete
SPIKE_INDEX = 3.5  # escalation index at or above this: a spike
RAISED_INDEX = 2.0  # at or above this (below a spike): raised
LOW_INDEX = -2.0  # at or below this: low

# The levels of a figure, in the order they are decided (CONTRACT §7).
LEVELS: tuple[str, ...] = ("estimated", "no_baseline", "incomplete", "spike", "raised", "usual", "low")
RAISED_LEVELS: tuple[str, ...] = ("spike", "raised")  # a claim of an escalation; the monitor corroborates
CALM_LEVELS: tuple[str, ...] = ("usual", "low")  # no escalation; the monitor does not corroborate
JUDGED_LEVELS: tuple[str, ...] = RAISED_LEVELS + CALM_LEVELS  # a level read from the index

TREND_COLUMNS: list[str] = [
    "day", "source", "region", "metric", "value", "estimated", "partial", "coverage", "incomplete", "reports",
    "rolling_mean", "week_change", "baseline_median", "baseline_mad", "baseline_days", "escalation_index",
    "level", "spike", "highest_since", "highest_on_record",
]


def _flags(column: pd.Series | None, metrics: list[str]) -> np.ndarray:
    """A daily `estimated`/`partial` column (space-separated metric names, a list, or blank) as an
    (n rows × metrics) boolean array."""
    if column is None:
        return np.zeros((0, len(metrics)), dtype=bool)
    given = column.dropna()
    if len(given) and isinstance(given.iloc[0], list | tuple):
        column = column.str.join(" ")
    text = column.fillna("").astype(str)
    flags = np.zeros((len(text), len(metrics)), dtype=bool)
    named = (text != "").to_numpy()
    if named.any():  # usually few rows name any metric
        padded = " " + text[named] + " "
        for j, metric in enumerate(metrics):  # a loop over the metric columns, not over rows
            flags[named, j] = padded.str.contains(f" {metric} ", regex=False).to_numpy(dtype=bool)
    return flags


def long_figures(daily: pd.DataFrame, metrics: tuple[str, ...] | list[str] | None = None) -> pd.DataFrame:
    """The daily series (one row per day, source, region; one column per metric) as one row per day,
    source, region and metric that has a figure: `day, source, region, metric, value, estimated, partial,
    coverage, incomplete, reports`. A figure is *estimated* when it includes a share of a long window,
    else *incomplete* when its row covers less than 0.75 of the day or it is a one-region `all`
    (CONTRACT §7). Blank figures are left out: a day without a figure is a gap, never a zero."""
    chosen = [m for m in (metrics or METRICS) if m in daily.columns]
    values = (daily[chosen].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
              if chosen else np.zeros((len(daily), 0)))
    row, col = np.nonzero(~np.isnan(values))
    estimated = _flags(daily.get("estimated"), chosen)
    partial = _flags(daily.get("partial"), chosen)
    days = pd.to_datetime(daily["day"]).dt.normalize().to_numpy(dtype="datetime64[ns]") if len(daily) else \
        np.zeros(0, dtype="datetime64[ns]")
    regions = daily["region"].astype(object).fillna("all").to_numpy(dtype=object) if len(daily) else \
        np.zeros(0, dtype=object)
    coverage = (daily["coverage"].to_numpy(dtype=np.float64) if "coverage" in daily.columns
                else np.ones(len(daily)))
    reports = daily["reports"].to_numpy(dtype=np.int64) if "reports" in daily.columns else np.ones(len(daily), int)
    is_estimated = estimated[row, col] if len(estimated) else np.zeros(len(row), dtype=bool)
    is_partial = partial[row, col] if len(partial) else np.zeros(len(row), dtype=bool)
    return pd.DataFrame({
        "day": days[row],
        "source": daily["source"].to_numpy(dtype=object)[row],
        "region": regions[row],
        "metric": np.asarray(chosen, dtype=object)[col] if chosen else np.zeros(0, dtype=object),
        "value": values[row, col],
        "estimated": is_estimated,
        "partial": is_partial,
        "coverage": coverage[row],
        # a lower bound: an intraday snapshot, or a region-`all` figure of one region of the zone
        "incomplete": ~is_estimated & ((coverage[row] < FULL_COVERAGE) | is_partial),
        "reports": reports[row],
        # the non-exact qualifiers of the reports behind the figure (at_least, about), space-separated
        "qualifiers": (daily["qualifiers"].fillna("").to_numpy(dtype=object)[row] if "qualifiers" in daily.columns
                       else np.full(len(row), "", dtype=object)),
    })


def sort_series(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in series order (source, region, metric in canonical order), then by day."""
    rank = {metric: i for i, metric in enumerate(METRICS)}
    return frame.sort_values(
        SERIES_KEYS + ["day"], kind="stable",
        key=lambda col: col.map(rank) if col.name == "metric" else col,
    ).reset_index(drop=True)


def robust_scale(median: np.ndarray, mad: np.ndarray) -> np.ndarray:
    """max(1.4826 × MAD, √median, 10 % of the median, 1): a flat history still gives a finite index, and a
    flat history of small counts does not make the next small count a rise (√median: Poisson spread)."""
    poisson = np.sqrt(np.abs(median))
    return np.maximum.reduce([MAD_TO_SD * mad, poisson, MIN_SCALE_SHARE * np.abs(median),
                              np.full_like(median, MIN_SCALE)])


def levels(index: np.ndarray, estimated: np.ndarray, incomplete: np.ndarray) -> np.ndarray:
    """The level of each figure, decided in CONTRACT §7's order: estimated; no_baseline; an incomplete
    figure (a lower bound) is spike or raised when its index reaches them, else incomplete (never usual
    or low); then spike, raised, usual, low."""
    known = ~np.isnan(index)
    safe = np.where(known, index, 0.0)
    by_index = np.select([safe >= SPIKE_INDEX, safe >= RAISED_INDEX, safe > LOW_INDEX], ["spike", "raised", "usual"],
                         "low")
    return np.select(
        [estimated, ~known, incomplete & (safe < RAISED_INDEX)],
        ["estimated", "no_baseline", "incomplete"], by_index).astype(object)


def trends(figures: pd.DataFrame) -> pd.DataFrame:
    """Trend columns for every row of `figures` (the output of `long_figures`, any number of series).

    Baselines and `highest_since` look back over every row given, so pass the whole history and filter
    the days to show afterwards.
    """
    frame = sort_series(figures)
    if frame.empty:
        out = frame.reindex(columns=TREND_COLUMNS)
        return out.astype({"spike": bool, "highest_on_record": bool, "highest_since": "datetime64[ns]",
                           "level": object, "incomplete": bool})
    codes = frame.groupby(SERIES_KEYS, sort=False).ngroup().to_numpy()
    days = windows.day_numbers(frame["day"])
    values = frame["value"].to_numpy(dtype=np.float64)
    calendar = windows.Calendar.layout(codes, days, pad=2 * ROLLING_DAYS + BASELINE_DAYS)

    # 7-day rolling mean over the days with a figure, and the same mean one week earlier
    this_week, _ = windows.row_mean(calendar.windows(values, ROLLING_DAYS, include_current=True))
    two_weeks = calendar.windows(values, 2 * ROLLING_DAYS, include_current=True)
    last_week, _ = windows.row_mean(two_weeks[:, :ROLLING_DAYS])
    with np.errstate(divide="ignore", invalid="ignore"):
        week_change = np.where(last_week > 0, this_week / last_week - 1, np.nan)

    # baseline: median and MAD of the full figures on the 30 calendar days before, and of the estimated
    # ones that are otherwise full; incomplete figures (lower bounds) never enter a baseline
    estimated = frame["estimated"].to_numpy(dtype=bool)
    incomplete = frame["incomplete"].to_numpy(dtype=bool)
    otherwise_full = (frame["coverage"].to_numpy(dtype=np.float64) >= FULL_COVERAGE) & \
        ~frame["partial"].to_numpy(dtype=bool)
    in_baseline = np.where(~incomplete & otherwise_full, values, np.nan)
    median, mad, count = windows.row_median_mad(
        calendar.windows(in_baseline, BASELINE_DAYS, include_current=False))
    has_baseline = count >= MIN_BASELINE_DAYS
    median = np.where(has_baseline, median, np.nan)
    mad = np.where(has_baseline, mad, np.nan)
    index = (values - median) / robust_scale(median, mad)
    level = levels(index, estimated, incomplete)

    since, on_record = windows.highest_since(codes, days, values)

    frame["rolling_mean"] = this_week
    frame["week_change"] = week_change
    frame["baseline_median"] = median
    frame["baseline_mad"] = mad
    frame["baseline_days"] = count
    frame["escalation_index"] = index
    frame["level"] = level
    frame["spike"] = level == "spike"
    frame["highest_since"] = pd.to_datetime(np.where(on_record, np.datetime64("NaT"), windows.as_days(since)))
    frame["highest_since"] = frame["highest_since"].astype("datetime64[ns]")
    frame["highest_on_record"] = on_record
    # the non-exact qualifiers behind each figure ride along for the charts' hover ("at least 800")
    return frame[TREND_COLUMNS + (["qualifiers"] if "qualifiers" in frame.columns else [])]
