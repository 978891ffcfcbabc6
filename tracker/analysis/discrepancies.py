"""Where sources disagree, and how (CONTRACT §4 `tracker discrepancies`, §7; docs/analysis.md).

One row per pair of sources (source_a sorts before source_b), region, metric and day on which at least
one of the two has a figure. Sources count different things in different units, so their figures are
only ever divided (`ratio` against the pair's own `typical_ratio`) or each compared with the source's
own baseline (the escalation index and its level); never subtracted.

The figures come from `trends()` over the series of `tracker.analysis.figures`, in which a party's
accusation metrics are its accusations of the other side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tracker import vocab
from tracker.analysis import text, windows
from tracker.analysis.trends import JUDGED_LEVELS, METRICS, RAISED_LEVELS
from tracker.sources import Registry

TYPICAL_DAYS = 30  # typical_ratio: the 30 calendar days before the day ...
MIN_TYPICAL_DAYS = 5  # ... on at least 5 of which both have a full figure ...
MIN_TYPICAL_FIGURE = 5  # ... of at least 5 (a ratio of two small counts is noise)
MAGNITUDE_FACTOR = 2.0  # magnitude: ratio more than 2× off typical, either way
DIRECTION_RISE = 3.0  # direction: one index ≥ 3 ...
DIRECTION_FLAT = 1.0  # ... while the other is ≤ 1
REGULAR_DAYS = 24  # one_sided is diverging when the silent source had a full figure on ≥ 24 of 30 days

# The kinds in CONTRACT §7's order, and the grades from least to most severe.
KINDS: tuple[str, ...] = ("mutual_accusation", "direction", "magnitude", "one_sided", "incomplete")
GRADES: tuple[str, ...] = ("consistent", "diverging", "contradicting")

DISCREPANCY_COLUMNS: list[str] = [
    "day", "region", "metric", "source_a", "role_a", "value_a", "level_a", "coverage_a", "source_b", "role_b",
    "value_b", "level_b", "coverage_b", "ratio", "typical_ratio", "kind", "grade", "explanation",
]
_SIDE_COLUMNS = ("value", "level", "escalation_index", "coverage", "estimated", "incomplete", "partial")


def is_full(figures: pd.DataFrame) -> np.ndarray:
    """A full figure: neither estimated nor incomplete (CONTRACT §7)."""
    return ~figures["estimated"].to_numpy(dtype=bool) & ~figures["incomplete"].to_numpy(dtype=bool)


def _pairs(figures: pd.DataFrame, reported: pd.DataFrame | None) -> pd.DataFrame:
    """Every pair of sources that report the same region and metric (in `figures`, or anywhere in the
    store when `reported` lists the store's series), a before b; only regions and metrics read."""
    series = dict.fromkeys(zip(figures["region"].tolist(), figures["metric"].tolist(), figures["source"].tolist(),
                                strict=True))
    if reported is not None:
        asked = {key[:2] for key in series}
        series.update(dict.fromkeys(key for key in zip(reported["region"].tolist(), reported["metric"].tolist(),
                                                       reported["source"].tolist(), strict=True)
                                  if key[:2] in asked))
    by_choice: dict[tuple, list[str]] = {}
    for region, metric, source in series:
        by_choice.setdefault((region, metric), []).append(source)
    found = [(region, metric, a, b) for (region, metric), sources in by_choice.items()
             for a in sources for b in sources if a < b]
    columns = {"region": figures["region"].dtype, "metric": figures["metric"].dtype,
               "source_a": figures["source"].dtype, "source_b": figures["source"].dtype}
    return pd.DataFrame({name: pd.array([pair[i] for pair in found], dtype=dtype)
                         for i, (name, dtype) in enumerate(columns.items())})


@dataclass(frozen=True)
class PairLayout:
    """Where the rows of `_pair_days` come from: per row its pair (0..), day number, and the series
    (region, metric, source; -1 when the source has no figure) of side a and side b; per figure its series."""

    pair: np.ndarray
    days: np.ndarray
    series_a: np.ndarray
    series_b: np.ndarray
    figure_series: np.ndarray


def _pair_days(figures: pd.DataFrame, pairs: pd.DataFrame, days: np.ndarray) -> tuple[pd.DataFrame, PairLayout]:
    """(region, metric, source_a, source_b, day) where at least one of the pair has a figure, with both
    sides' figure columns (`value_a`, `level_a`, `index_a`, ...; blank when silent), in the order of
    region, metric (canonical order), source a, source b and day, and where each row comes from. `days`:
    the figures' day numbers. The pairs are few: a loop over them finds each one's days with numpy."""
    keys = ["region", "metric", "source_a", "source_b"]
    rank = {metric: i for i, metric in enumerate(METRICS)}
    listed = {key: pairs[key].to_numpy(dtype=object) for key in keys}
    order = sorted(range(len(pairs)), key=lambda i: (listed["region"][i], rank.get(listed["metric"][i], len(rank)),
                                                     listed["source_a"][i], listed["source_b"][i]))
    series = figures.groupby(["region", "metric", "source"], sort=False).indices if len(figures) else {}
    figure_series = np.full(len(figures), -1, dtype=np.int64)
    number = {}
    for k, (key, rows) in enumerate(series.items()):
        figure_series[rows] = k
        number[key] = k
    none = np.zeros(0, dtype=np.int64)
    found_a: list[np.ndarray] = []
    found_b: list[np.ndarray] = []
    counts: list[int] = []
    on_days: list[np.ndarray] = []
    series_a: list[int] = []
    series_b: list[int] = []
    for i in order:
        region, metric = listed["region"][i], listed["metric"][i]
        rows_a = series.get((region, metric, listed["source_a"][i]), none)
        rows_b = series.get((region, metric, listed["source_b"][i]), none)
        rows_a = rows_a[np.argsort(days[rows_a], kind="stable")]
        rows_b = rows_b[np.argsort(days[rows_b], kind="stable")]
        union = np.union1d(days[rows_a], days[rows_b])
        found_a.append(_rows_on(days[rows_a], rows_a, union))
        found_b.append(_rows_on(days[rows_b], rows_b, union))
        counts.append(len(union))
        on_days.append(union)
        series_a.append(number.get((region, metric, listed["source_a"][i]), -1))
        series_b.append(number.get((region, metric, listed["source_b"][i]), -1))
    at_a = np.concatenate(found_a) if found_a else none
    at_b = np.concatenate(found_b) if found_b else none
    codes = np.repeat(np.arange(len(order), dtype=np.int64), counts)
    chosen = np.asarray(order, dtype=np.int64)[codes]
    out = {key: pd.array(listed[key][chosen], dtype=pairs[key].dtype) for key in keys}
    day_values = figures["day"].to_numpy(dtype="datetime64[ns]")
    out["day"] = _take(day_values, np.where(at_a >= 0, at_a, at_b), np.datetime64("NaT", "ns"))
    for suffix, at in (("_a", at_a), ("_b", at_b)):
        for name in _SIDE_COLUMNS:
            column = figures[name]
            shown = "index" if name == "escalation_index" else name
            if name in ("estimated", "incomplete", "partial"):
                out[shown + suffix] = _take(column.to_numpy(dtype=bool), at, False)
            elif name == "level":
                out[shown + suffix] = pd.array(_take(column.to_numpy(dtype=object), at, np.nan), dtype=column.dtype)
            else:
                out[shown + suffix] = _take(column.to_numpy(dtype=np.float64), at, np.nan)
    layout = PairLayout(codes, np.concatenate(on_days).astype(np.int64) if on_days else none,
                        np.asarray(series_a, dtype=np.int64)[codes], np.asarray(series_b, dtype=np.int64)[codes],
                        figure_series)
    return pd.DataFrame(out), layout


def _rows_on(sorted_days: np.ndarray, rows: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The row of each wanted day among `rows` (whose days are `sorted_days`, ascending), -1 when none."""
    if len(rows) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    j = np.minimum(np.searchsorted(sorted_days, wanted), len(rows) - 1)
    return np.where(sorted_days[j] == wanted, rows[j], -1)


def _take(values: np.ndarray, at: np.ndarray, missing: Any) -> np.ndarray:
    """values[at], `missing` where at is -1."""
    if len(values) == 0:
        return np.full(len(at), missing, dtype=values.dtype)
    return np.where(at >= 0, values[np.maximum(at, 0)], missing)


def _typical_ratio(rows: pd.DataFrame, layout: PairLayout, full_a: np.ndarray, full_b: np.ndarray) -> np.ndarray:
    """Median ratio of each pair series over the 30 calendar days before, counting only days on which
    both figures are full and at least 5; NaN with fewer than 5 such days."""
    if rows.empty:
        return np.zeros(0)
    big = (rows["value_a"].to_numpy(dtype=float) >= MIN_TYPICAL_FIGURE) & \
        (rows["value_b"].to_numpy(dtype=float) >= MIN_TYPICAL_FIGURE)
    clean = np.where(full_a & full_b & big, rows["ratio"].to_numpy(dtype=np.float64), np.nan)
    calendar = windows.Calendar.layout(layout.pair, layout.days, pad=TYPICAL_DAYS)
    median, found = windows.row_median(calendar.windows(clean, TYPICAL_DAYS, include_current=False))
    return np.where(found >= MIN_TYPICAL_DAYS, median, np.nan)


def _silent_full_days(figures: pd.DataFrame, days: np.ndarray, layout: PairLayout, has_a: np.ndarray) -> np.ndarray:
    """`full_days_before` for the silent side of each row (b when a has a figure, else a), by series number."""
    full = is_full(figures)
    asked = np.where(has_a, layout.series_b, layout.series_a)
    known = asked >= 0
    counts = np.zeros(len(asked), dtype=np.int64)
    counts[known] = windows.days_with_figure_before(layout.figure_series[full], days[full], asked[known],
                                                    layout.days[known], TYPICAL_DAYS)
    return counts


def monitor_figures(figures: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Per day, region and metric: what the monitors saw (`monitor_text`: their figures with levels, or
    blank when none), for the explanations."""
    texts = _monitor_texts(figures, registry, windows.day_numbers(figures["day"]))
    own = figures[figures["source"].isin(registry.monitors)]
    if own.empty:  # typed like the rows it is merged with
        return own[["day", "region", "metric"]].assign(monitor_text=pd.Series(dtype=object))
    keys = list(texts)
    return pd.DataFrame({"day": pd.to_datetime(windows.as_days(np.array([k[0] for k in keys], dtype=np.int64))),
                         "region": [k[1] for k in keys], "metric": [k[2] for k in keys],
                         "monitor_text": list(texts.values())}).astype({"day": figures["day"].dtype})


def _monitor_texts(figures: pd.DataFrame, registry: Registry, days: np.ndarray) -> dict[tuple, str]:
    """What the monitors saw, by (day number, region, metric): their phrases joined by "; " in row order."""
    own = figures["source"].isin(registry.monitors).to_numpy()
    if not own.any():
        return {}
    mine = figures[own]
    phrase = text.claims(mine.rename(columns={"escalation_index": "index"}), names=registry.names,
                         accuses=np.zeros(len(mine), dtype=bool), other_side=np.full(len(mine), "", dtype=object))
    joined: dict[tuple, list[str]] = {}
    for key in zip(days[own].tolist(), mine["region"].tolist(), mine["metric"].tolist(), phrase.tolist(),
                   strict=True):
        joined.setdefault(key[:3], []).append(key[3])
    return {key: "; ".join(found) for key, found in joined.items()}


def _per_key(keys: np.ndarray, of: Callable[[Any], Any]) -> np.ndarray:
    """`of(key)` for each key, computed once per distinct key (NaN keys give `of(None)`)."""
    codes, distinct = pd.factorize(np.asarray(keys, dtype=object))
    shown = np.array([of(key) for key in distinct] + [of(None)], dtype=object)
    return shown[codes]


def accused_side(sources: np.ndarray, registry: Registry) -> np.ndarray:
    """Whom each party source accuses, as a side key (the one other side), for sentences."""
    sides = sorted(set(registry.party_sides.values()))
    other = {own: (rest[0] if len(rest := [s for s in sides if s != own]) == 1 else "the other side")
             for own in sides}
    return _per_key(sources, lambda source: other.get(registry.sides.get(source) or "", ""))


def is_accusation(sources: np.ndarray, metrics: np.ndarray, registry: Registry) -> np.ndarray:
    """Which figures are a party's accusations: a party source's accusation metrics."""
    parties, accusing = set(registry.parties), set(vocab.ACCUSATION_METRICS)
    return (_per_key(sources, lambda source: source in parties).astype(bool)
            & _per_key(metrics, lambda metric: metric in accusing).astype(bool))


def discrepancies(figures: pd.DataFrame, registry: Registry, *, date_from: object = None,
                  date_to: object = None, reported: pd.DataFrame | None = None) -> pd.DataFrame:
    """The discrepancy rows for `figures` (the output of `trends`: every source, region and metric, with
    at least 30 days of history before `date_from` so that typical ratios and baselines are known).
    `reported` (`source, region, metric`: `reported_series`) forms the pairs among every source that
    reports the metric in the region anywhere in the store; without it, among those in `figures`."""
    figures = figures.reset_index(drop=True)
    days = windows.day_numbers(figures["day"])
    rows, layout = _pair_days(figures, _pairs(figures, reported), days)
    value_a = rows["value_a"].to_numpy(dtype=np.float64)
    value_b = rows["value_b"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rows["ratio"] = np.where(value_a != 0, value_b / value_a, np.nan)  # NaN if either is blank
    has_a, has_b = ~np.isnan(value_a), ~np.isnan(value_b)
    full_a = has_a & ~rows["estimated_a"].to_numpy() & ~rows["incomplete_a"].to_numpy()
    full_b = has_b & ~rows["estimated_b"].to_numpy() & ~rows["incomplete_b"].to_numpy()
    rows["typical_ratio"] = _typical_ratio(rows, layout, full_a, full_b)
    silent_days = _silent_full_days(figures, days, layout, has_a)

    keep = np.ones(len(rows), dtype=bool)
    if date_from is not None:
        keep &= layout.days >= windows.day_numbers(pd.Series([pd.Timestamp(date_from)]))[0]
    if date_to is not None:
        keep &= layout.days <= windows.day_numbers(pd.Series([pd.Timestamp(date_to)]))[0]
    rows = rows[keep].reset_index(drop=True)
    has_a, has_b, full_a, full_b = has_a[keep], has_b[keep], full_a[keep], full_b[keep]
    value_a, value_b, silent_days, row_days = value_a[keep], value_b[keep], silent_days[keep], layout.days[keep]
    level_a, level_b = rows["level_a"].to_numpy(dtype=object), rows["level_b"].to_numpy(dtype=object)
    source_a, source_b = rows["source_a"].to_numpy(dtype=object), rows["source_b"].to_numpy(dtype=object)
    metrics = rows["metric"].to_numpy(dtype=object)
    role = pd.Series(registry.roles, dtype=object)
    rows["role_a"] = rows["source_a"].map(role).fillna("other")
    rows["role_b"] = rows["source_b"].map(role).fillna("other")

    side_a = _per_key(source_a, registry.sides.get)
    side_b = _per_key(source_b, registry.sides.get)
    opposite = pd.notna(side_a) & pd.notna(side_b) & (side_a != side_b)
    accusation_metric = _per_key(metrics, lambda metric: metric in vocab.ACCUSATION_METRICS).astype(bool)
    mutual = opposite & accusation_metric & (np.nan_to_num(value_a) > 0) & (np.nan_to_num(value_b) > 0)
    raised = np.isin(level_a, RAISED_LEVELS) | np.isin(level_b, RAISED_LEVELS)

    judged = full_a & full_b & np.isin(level_a, JUDGED_LEVELS) & np.isin(level_b, JUDGED_LEVELS)
    index_a, index_b = rows["index_a"].to_numpy(dtype=float), rows["index_b"].to_numpy(dtype=float)
    a_up = (index_a >= DIRECTION_RISE) & (index_b <= DIRECTION_FLAT)
    b_up = (index_b >= DIRECTION_RISE) & (index_a <= DIRECTION_FLAT)
    direction = judged & (a_up | b_up)

    ratio, typical = rows["ratio"].to_numpy(dtype=float), rows["typical_ratio"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        off = np.where(typical > 0, ratio / typical, np.where(ratio > 0, np.inf, 1.0))
    magnitude = (full_a & full_b & ~np.isnan(ratio) & ~np.isnan(typical)
                 & ((off > MAGNITUDE_FACTOR) | (off < 1 / MAGNITUDE_FACTOR)))

    one_sided = has_a ^ has_b
    silent = np.where(has_a, source_b, source_a)
    regular = one_sided & (silent_days >= REGULAR_DAYS)
    incomplete = has_a & has_b & ~(full_a & full_b)

    flags = {"mutual_accusation": mutual, "direction": direction, "magnitude": magnitude,
             "one_sided": one_sided, "incomplete": incomplete}
    kind = np.full(len(rows), "", dtype=object)
    for name in KINDS:  # five vectorised steps, in the contract's order
        kind = kind + np.where(flags[name], name + " ", "")
    rows["kind"] = pd.Series(kind, dtype=object).str.strip()
    rows["grade"] = np.select([(mutual & raised) | direction, magnitude | regular],
                              ["contradicting", "diverging"], "consistent")
    rows["explanation"] = _explain(rows, figures, registry, flags=flags, off=off, silent=silent,
                                   silent_days=silent_days, days=days, row_days=row_days)
    return rows[DISCREPANCY_COLUMNS]


def _explain(rows: pd.DataFrame, figures: pd.DataFrame, registry: Registry, *, flags: dict[str, np.ndarray],
             off: np.ndarray, silent: np.ndarray, silent_days: np.ndarray, days: np.ndarray,
             row_days: np.ndarray) -> np.ndarray:
    """Who accuses whom with what (each figure with its level and coverage), what the kinds found, and
    what the monitor saw that day. `days`, `row_days`: the day numbers of the figures and of the rows."""
    names = registry.names
    parts = []
    metrics = rows["metric"].to_numpy(dtype=object)
    for suffix in ("_a", "_b"):
        sources = rows["source" + suffix].to_numpy(dtype=object)
        phrase = text.claims(rows, prefix=suffix, names=names, accuses=is_accusation(sources, metrics, registry),
                             other_side=accused_side(sources, registry))
        parts.append(text.pick(rows["value" + suffix].notna().to_numpy(), phrase, ""))
    silent_name = text.names_of(silent, names)
    silent_text = "no figure from " + silent_name + text.pick(
        silent_days >= REGULAR_DAYS, " though it had a full figure on ", " (it had a full figure on ") \
        + np.asarray(silent_days, dtype=np.int64).astype(str).astype(object) \
        + f" of the previous {TYPICAL_DAYS} days" + text.pick(silent_days >= REGULAR_DAYS, "", ")")
    first = text.pick(parts[0] != "", parts[0], parts[1])
    second = text.pick(flags["one_sided"], silent_text, parts[1])
    ratio, typical = text.factor(rows["ratio"]), text.factor(rows["typical_ratio"])
    notes = (text.pick(flags["direction"], "; they move in opposite directions (index "
                       + text.factor(np.round(rows["index_a"], 1)) + " against "
                       + text.factor(np.round(rows["index_b"], 1)) + ")", "")
             + text.pick(flags["magnitude"], "; the ratio " + ratio + " is more than 2× off their usual " + typical, "")
             + text.pick(flags["incomplete"], "; not judged for direction or magnitude (a lower bound or an estimate)",
                         ""))
    texts = _monitor_texts(figures, registry, days)
    monitor = np.array([texts.get(key) for key in zip(row_days.tolist(), rows["region"].tolist(), metrics.tolist(),
                                                      strict=True)], dtype=object)
    is_monitor = ((rows["role_a"].to_numpy(dtype=object) == "monitor")
                  | (rows["role_b"].to_numpy(dtype=object) == "monitor"))
    monitors = ", ".join(names.get(m, m) for m in registry.monitors) or "no monitor"
    seen_any = np.array([found is not None for found in monitor], dtype=bool)
    seen = text.pick(seen_any, "; " + np.where(seen_any, monitor, "").astype(object),
                     f"; {monitors}: no figure that day")
    return first + "; " + second + notes + text.pick(is_monitor | (len(registry.monitors) == 0), "", seen) + "."
