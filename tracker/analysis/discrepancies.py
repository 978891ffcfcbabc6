"""Where sources disagree, and how (CONTRACT §4 `tracker discrepancies`, §7; docs/analysis.md).

One row per pair of sources (source_a sorts before source_b), region, metric and day on which at least
one of the two has a figure. Sources count different things in different units, so their figures are
only ever divided (`ratio` against the pair's own `typical_ratio`) or each compared with the source's
own baseline (the escalation index and its level); never subtracted.

The figures come from `trends()` over the series of `tracker.analysis.figures`, in which a party's
accusation metrics are its accusations of the other side.
"""

from __future__ import annotations

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
    present = figures[["region", "metric", "source"]].drop_duplicates()
    if reported is not None:
        asked = present[["region", "metric"]].drop_duplicates()
        present = pd.concat([present, reported.merge(asked, on=["region", "metric"])[["region", "metric", "source"]]],
                            ignore_index=True).drop_duplicates()
    pairs = present.merge(present, on=["region", "metric"], suffixes=("_a", "_b"))
    return pairs[pairs["source_a"] < pairs["source_b"]].reset_index(drop=True)


def _pair_days(figures: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """(region, metric, source_a, source_b, day) where at least one of the pair has a figure, with both
    sides' figure columns (`value_a`, `level_a`, `index_a`, ...; blank when silent)."""
    keys = ["region", "metric", "source_a", "source_b"]
    days = figures[["region", "metric", "source", "day"]]
    of_a = pairs.merge(days.rename(columns={"source": "source_a"}), on=["region", "metric", "source_a"])
    of_b = pairs.merge(days.rename(columns={"source": "source_b"}), on=["region", "metric", "source_b"])
    rows = pd.concat([of_a, of_b], ignore_index=True).drop_duplicates(keys + ["day"])
    side = figures[["region", "metric", "source", "day", *_SIDE_COLUMNS]].rename(
        columns={"escalation_index": "index"})
    for suffix in ("_a", "_b"):
        renamed = side.rename(columns={name: name + suffix for name in side.columns
                                       if name not in ("region", "metric", "day")})
        rows = rows.merge(renamed, on=["region", "metric", "source" + suffix, "day"], how="left")
        for flag in ("estimated", "incomplete", "partial"):
            rows[flag + suffix] = rows[flag + suffix].astype("boolean").fillna(False).astype(bool)
    rank = {metric: i for i, metric in enumerate(METRICS)}
    return rows.sort_values(keys + ["day"], key=lambda c: c.map(rank) if c.name == "metric" else c,
                            kind="stable").reset_index(drop=True)


def _typical_ratio(rows: pd.DataFrame, full_a: np.ndarray, full_b: np.ndarray) -> np.ndarray:
    """Median ratio of each pair series over the 30 calendar days before, counting only days on which
    both figures are full and at least 5; NaN with fewer than 5 such days."""
    if rows.empty:
        return np.zeros(0)
    codes = rows.groupby(["region", "metric", "source_a", "source_b"], sort=False).ngroup().to_numpy()
    days = windows.day_numbers(rows["day"])
    big = (rows["value_a"].to_numpy(dtype=float) >= MIN_TYPICAL_FIGURE) & \
        (rows["value_b"].to_numpy(dtype=float) >= MIN_TYPICAL_FIGURE)
    clean = rows["ratio"].where(full_a & full_b & big).to_numpy(dtype=np.float64)
    calendar = windows.Calendar.layout(codes, days, pad=TYPICAL_DAYS)
    median, found = windows.row_median(calendar.windows(clean, TYPICAL_DAYS, include_current=False))
    return np.where(found >= MIN_TYPICAL_DAYS, median, np.nan)


def full_days_before(figures: pd.DataFrame, sources: np.ndarray, regions: pd.Series, metrics: pd.Series,
                     days: pd.Series) -> np.ndarray:
    """On how many of the 30 days before each asked day the source had a full figure for that region
    and metric (also for days on which it has none)."""
    full = figures[is_full(figures)]
    keys = ["source", "region", "metric"]
    series = pd.MultiIndex.from_frame(full[keys])
    unique = series.unique()
    asked = unique.get_indexer(pd.MultiIndex.from_arrays([np.asarray(sources, dtype=object), regions, metrics]))
    known = asked >= 0
    counts = np.zeros(len(asked), dtype=np.int64)
    counts[known] = windows.days_with_figure_before(
        unique.get_indexer(series), windows.day_numbers(full["day"]), asked[known],
        windows.day_numbers(days)[known], TYPICAL_DAYS)
    return counts


def monitor_figures(figures: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Per day, region and metric: what the monitors saw (`monitor_text`: their figures with levels, or
    blank when none), for the explanations."""
    own = figures[figures["source"].isin(registry.monitors)]
    if own.empty:  # typed like the rows it is merged with
        return own[["day", "region", "metric"]].assign(monitor_text=pd.Series(dtype=object))
    phrase = text.claims(own.rename(columns={"escalation_index": "index"}), names=registry.names,
                         accuses=np.zeros(len(own), dtype=bool), other_side=np.full(len(own), "", dtype=object))
    seen = own[["day", "region", "metric"]].assign(monitor_text=phrase)
    return seen.groupby(["day", "region", "metric"], sort=False, as_index=False)["monitor_text"].agg("; ".join)


def accused_side(sources: np.ndarray, registry: Registry) -> np.ndarray:
    """Whom each party source accuses, as a side key (the one other side), for sentences."""
    sides = sorted(set(registry.party_sides.values()))
    other = {own: (rest[0] if len(rest := [s for s in sides if s != own]) == 1 else "the other side")
             for own in sides}
    return pd.Series(sources, dtype=object).map(registry.sides).map(other).fillna("").to_numpy(dtype=object)


def is_accusation(sources: np.ndarray, metrics: np.ndarray, registry: Registry) -> np.ndarray:
    """Which figures are a party's accusations: a party source's accusation metrics."""
    return (pd.Series(sources, dtype=object).isin(registry.parties).to_numpy()
            & pd.Series(metrics, dtype=object).isin(vocab.ACCUSATION_METRICS).to_numpy())


def discrepancies(figures: pd.DataFrame, registry: Registry, *, date_from: object = None,
                  date_to: object = None, reported: pd.DataFrame | None = None) -> pd.DataFrame:
    """The discrepancy rows for `figures` (the output of `trends`: every source, region and metric, with
    at least 30 days of history before `date_from` so that typical ratios and baselines are known).
    `reported` (`source, region, metric`: `reported_series`) forms the pairs among every source that
    reports the metric in the region anywhere in the store; without it, among those in `figures`."""
    figures = figures.reset_index(drop=True)
    rows = _pair_days(figures, _pairs(figures, reported))
    value_a = rows["value_a"].to_numpy(dtype=np.float64)
    value_b = rows["value_b"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rows["ratio"] = np.where(value_a != 0, value_b / value_a, np.nan)  # NaN if either is blank
    has_a, has_b = ~np.isnan(value_a), ~np.isnan(value_b)
    full_a = has_a & ~rows["estimated_a"].to_numpy() & ~rows["incomplete_a"].to_numpy()
    full_b = has_b & ~rows["estimated_b"].to_numpy() & ~rows["incomplete_b"].to_numpy()
    rows["typical_ratio"] = _typical_ratio(rows, full_a, full_b)

    keep = np.ones(len(rows), dtype=bool)
    if date_from is not None:
        keep &= (rows["day"] >= pd.Timestamp(date_from)).to_numpy()
    if date_to is not None:
        keep &= (rows["day"] <= pd.Timestamp(date_to)).to_numpy()
    rows = rows[keep].reset_index(drop=True)
    has_a, has_b, full_a, full_b = has_a[keep], has_b[keep], full_a[keep], full_b[keep]
    value_a, value_b = value_a[keep], value_b[keep]
    level_a, level_b = rows["level_a"].to_numpy(dtype=object), rows["level_b"].to_numpy(dtype=object)
    role = pd.Series(registry.roles, dtype=object)
    rows["role_a"] = rows["source_a"].map(role).fillna("other")
    rows["role_b"] = rows["source_b"].map(role).fillna("other")

    side_a = rows["source_a"].map(registry.sides).to_numpy(dtype=object)
    side_b = rows["source_b"].map(registry.sides).to_numpy(dtype=object)
    opposite = pd.notna(side_a) & pd.notna(side_b) & (side_a != side_b)
    accusation_metric = rows["metric"].isin(vocab.ACCUSATION_METRICS).to_numpy()
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
    silent = np.where(has_a, rows["source_b"], rows["source_a"])
    silent_days = full_days_before(figures, silent, rows["region"], rows["metric"], rows["day"])
    regular = one_sided & (silent_days >= REGULAR_DAYS)
    incomplete = has_a & has_b & ~(full_a & full_b)

    flags = {"mutual_accusation": mutual, "direction": direction, "magnitude": magnitude,
             "one_sided": one_sided, "incomplete": incomplete}
    kind = pd.Series("", index=rows.index, dtype=object)
    for name in KINDS:  # five vectorised steps, in the contract's order
        kind = kind + np.where(flags[name], name + " ", "")
    rows["kind"] = kind.str.strip()
    rows["grade"] = np.select([(mutual & raised) | direction, magnitude | regular],
                              ["contradicting", "diverging"], "consistent")
    rows["explanation"] = _explain(rows, figures, registry, flags=flags, off=off, silent=silent,
                                   silent_days=silent_days)
    return rows[DISCREPANCY_COLUMNS]


def _explain(rows: pd.DataFrame, figures: pd.DataFrame, registry: Registry, *, flags: dict[str, np.ndarray],
             off: np.ndarray, silent: np.ndarray, silent_days: np.ndarray) -> np.ndarray:
    """Who accuses whom with what (each figure with its level and coverage), what the kinds found, and
    what the monitor saw that day."""
    names = registry.names
    parts = []
    for suffix in ("_a", "_b"):
        sources = rows["source" + suffix].to_numpy(dtype=object)
        metrics = rows["metric"].to_numpy(dtype=object)
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
    monitor = rows[["day", "region", "metric"]].merge(monitor_figures(figures, registry), how="left",
                                                       on=["day", "region", "metric"])["monitor_text"]
    is_monitor = rows["role_a"].eq("monitor").to_numpy() | rows["role_b"].eq("monitor").to_numpy()
    monitors = ", ".join(names.get(m, m) for m in registry.monitors) or "no monitor"
    seen = text.pick(monitor.notna().to_numpy(), "; " + monitor.fillna("").to_numpy(dtype=object),
                     f"; {monitors}: no figure that day")
    return first + "; " + second + notes + text.pick(is_monitor | (len(registry.monitors) == 0), "", seen) + "."
