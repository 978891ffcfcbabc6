"""Where sources disagree, and how (CONTRACT §4 `tracker discrepancies`, §7; docs/analysis.md).

One row per pair of sources (source_a sorts before source_b), region, metric and day on which at least
one of the two has a figure. Sources count different things in different units, so their figures are
only ever divided (`ratio` against the pair's own `typical_ratio`) or each compared with the source's
own baseline (the escalation index); never subtracted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tracker import vocab
from tracker.analysis import text, windows
from tracker.analysis.trends import METRICS

TYPICAL_DAYS = 30  # typical_ratio: the 30 calendar days before the day ...
MIN_TYPICAL_DAYS = 5  # ... on at least 5 of which both have a non-estimated figure
MAGNITUDE_FACTOR = 2.0  # magnitude: ratio more than 2× off typical, either way
DIRECTION_RISE = 3.0  # direction: one index ≥ 3 ...
DIRECTION_FLAT = 1.0  # ... while the other is ≤ 1 (falls, or stays within ±1)
REGULAR_SHARE = 0.8  # one_sided is diverging when the silent source reported on ≥ 80 % of 30 days
MONITOR = "osce_smm"  # the neutral monitor of `attribution`

# Severity order of the kinds, most severe first, and the grade each gives.
KINDS: tuple[str, ...] = ("attribution", "direction", "magnitude", "one_sided")
GRADES: tuple[str, ...] = ("consistent", "diverging", "contradicting")

# The side of the conflict a source speaks for (the parties; the monitor and event datasets have none).
# A source's blamed sides come from the `accused_party` of its reports (see `accusations`).
SIDE_OF_SOURCE: dict[str, str] = {"ua_mod": "ukraine", "dpr": "russia_backed", "lpr": "russia_backed",
                                  "ru_mod": "russia_backed"}
SIDE_OF_PARTY: dict[str, str] = {"ukraine": "ukraine", "separatists": "russia_backed", "russia": "russia_backed"}

DISCREPANCY_COLUMNS: list[str] = [
    "day", "region", "metric", "source_a", "value_a", "source_b", "value_b", "ratio", "typical_ratio",
    "kind", "grade", "index_a", "index_b", "estimated_a", "estimated_b", "explanation",
]


def default_blames() -> dict[str, set[str]]:
    """Each party's source blames the other side (used when the reports do not say)."""
    return {source: {"ukraine", "russia_backed"} - {side} for source, side in SIDE_OF_SOURCE.items()}


def _pairs(figures: pd.DataFrame) -> pd.DataFrame:
    """Every pair of sources that report the same region and metric, a before b."""
    present = figures[["region", "metric", "source"]].drop_duplicates()
    pairs = present.merge(present, on=["region", "metric"], suffixes=("_a", "_b"))
    return pairs[pairs["source_a"] < pairs["source_b"]].reset_index(drop=True)


def _pair_days(figures: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """(region, metric, source_a, source_b, day) where at least one of the pair has a figure, with both
    sides' value, estimated flag, escalation index and spike flag (NaN/False when silent)."""
    keys = ["region", "metric", "source_a", "source_b"]
    days = figures[["region", "metric", "source", "day"]]
    of_a = pairs.merge(days.rename(columns={"source": "source_a"}), on=["region", "metric", "source_a"])
    of_b = pairs.merge(days.rename(columns={"source": "source_b"}), on=["region", "metric", "source_b"])
    rows = pd.concat([of_a, of_b], ignore_index=True).drop_duplicates(keys + ["day"])
    side = figures[["region", "metric", "source", "day", "value", "estimated", "escalation_index", "spike"]]
    for suffix in ("_a", "_b"):
        renamed = side.rename(columns={"source": "source" + suffix, "value": "value" + suffix,
                                       "estimated": "estimated" + suffix, "escalation_index": "index" + suffix,
                                       "spike": "spike" + suffix})
        rows = rows.merge(renamed, on=["region", "metric", "source" + suffix, "day"], how="left")
    for suffix in ("_a", "_b"):
        rows["estimated" + suffix] = rows["estimated" + suffix].fillna(False).astype(bool)
        rows["spike" + suffix] = rows["spike" + suffix].fillna(False).astype(bool)
    rank = {metric: i for i, metric in enumerate(METRICS)}
    return rows.sort_values(keys + ["day"], key=lambda c: c.map(rank) if c.name == "metric" else c,
                            kind="stable").reset_index(drop=True)


def _typical_ratio(rows: pd.DataFrame) -> np.ndarray:
    """Median ratio of each pair series over the 30 calendar days before, counting only days on which
    both figures are non-estimated and the ratio is defined; NaN with fewer than 5 such days."""
    if rows.empty:
        return np.zeros(0)
    codes = rows.groupby(["region", "metric", "source_a", "source_b"], sort=False).ngroup().to_numpy()
    days = windows.day_numbers(rows["day"])
    clean = rows["ratio"].where(~rows["estimated_a"] & ~rows["estimated_b"]).to_numpy(dtype=np.float64)
    calendar = windows.Calendar.layout(codes, days, pad=TYPICAL_DAYS)
    median, count = windows.row_median(calendar.windows(clean, TYPICAL_DAYS, include_current=False))
    return np.where(count >= MIN_TYPICAL_DAYS, median, np.nan)


def _reported_days_before(figures: pd.DataFrame, rows: pd.DataFrame, silent: np.ndarray) -> np.ndarray:
    """On how many of the 30 days before each row the silent source (`silent`: its key per row) had a
    figure for that region and metric."""
    keys = ["source", "region", "metric"]
    series = pd.MultiIndex.from_frame(figures[keys])
    unique = series.unique()
    codes = unique.get_indexer(series)
    asked = unique.get_indexer(pd.MultiIndex.from_arrays([silent, rows["region"], rows["metric"]]))
    known = asked >= 0
    counts = np.zeros(len(rows), dtype=np.int64)
    counts[known] = windows.days_with_figure_before(
        codes, windows.day_numbers(figures["day"]), asked[known],
        windows.day_numbers(rows["day"])[known], TYPICAL_DAYS)
    return counts


def _monitor_spike(figures: pd.DataFrame, rows: pd.DataFrame, monitor: str) -> tuple[np.ndarray, np.ndarray]:
    """Per row: does the monitor flag a spike (any metric) that day and region; has it any figure."""
    own = figures[figures["source"] == monitor]
    spiking = own.loc[own["spike"], ["day", "region"]].drop_duplicates().assign(_spike=True)
    reporting = own[["day", "region"]].drop_duplicates().assign(_seen=True)
    found = rows[["day", "region"]].merge(spiking, how="left", on=["day", "region"]).merge(
        reporting, how="left", on=["day", "region"])
    return found["_spike"].notna().to_numpy(), found["_seen"].notna().to_numpy()


def _attribution(rows: pd.DataFrame, blames: dict[str, set[str]], monitor_spike: np.ndarray) -> np.ndarray:
    """Both sources of the pair are parties on opposite sides that blame each other, both spike, and the
    monitor does not."""
    pairs = rows[["source_a", "source_b"]].drop_duplicates()
    mutual = [  # a loop over the pairs of sources, not over rows
        (a, b) for a, b in zip(pairs["source_a"], pairs["source_b"])
        if SIDE_OF_SOURCE.get(a) and SIDE_OF_SOURCE.get(b) and SIDE_OF_SOURCE[a] != SIDE_OF_SOURCE[b]
        and SIDE_OF_SOURCE[b] in blames.get(a, set()) and SIDE_OF_SOURCE[a] in blames.get(b, set())
    ]
    if not mutual:
        return np.zeros(len(rows), dtype=bool)
    accusing = pd.MultiIndex.from_frame(rows[["source_a", "source_b"]]).isin(mutual)
    return accusing & rows["spike_a"].to_numpy() & rows["spike_b"].to_numpy() & ~monitor_spike


def discrepancies(figures: pd.DataFrame, *, blames: dict[str, set[str]] | None = None,
                  monitor: str = MONITOR, names: dict[str, str] | None = None,
                  date_from: object = None, date_to: object = None) -> pd.DataFrame:
    """The discrepancy rows for `figures` (the output of `trends`: every source, region and metric, with
    at least 30 days of history before `date_from` so that typical ratios and baselines are known).
    `blames`: source -> the sides it accuses (`accusations`); `names`: source -> display name."""
    blames = default_blames() if blames is None else blames
    figures = figures.reset_index(drop=True)
    rows = _pair_days(figures, _pairs(figures))
    value_a = rows["value_a"].to_numpy(dtype=np.float64)
    value_b = rows["value_b"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rows["ratio"] = np.where(value_a != 0, value_b / value_a, np.nan)  # NaN if either is blank
    rows["typical_ratio"] = _typical_ratio(rows)

    keep = np.ones(len(rows), dtype=bool)
    if date_from is not None:
        keep &= (rows["day"] >= pd.Timestamp(date_from)).to_numpy()
    if date_to is not None:
        keep &= (rows["day"] <= pd.Timestamp(date_to)).to_numpy()
    rows = rows[keep].reset_index(drop=True)
    value_a, value_b = rows["value_a"].to_numpy(dtype=float), rows["value_b"].to_numpy(dtype=float)

    has_a, has_b = ~np.isnan(value_a), ~np.isnan(value_b)
    one_sided = has_a ^ has_b
    silent = np.where(has_a, rows["source_b"], rows["source_a"])
    silent_days = _reported_days_before(figures, rows, silent)
    regular = silent_days >= REGULAR_SHARE * TYPICAL_DAYS

    # magnitude and direction are judged on measured figures only: an even share of a long window
    # (estimated) says nothing about that day's ratio or direction
    measured = ~rows["estimated_a"].to_numpy() & ~rows["estimated_b"].to_numpy()
    ratio, typical = rows["ratio"].to_numpy(dtype=float), rows["typical_ratio"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        off = np.where(typical > 0, ratio / typical, np.where(ratio > 0, np.inf, 1.0))
    magnitude = (measured & ~np.isnan(ratio) & ~np.isnan(typical)
                 & ((off > MAGNITUDE_FACTOR) | (off < 1 / MAGNITUDE_FACTOR)))

    index_a, index_b = rows["index_a"].to_numpy(dtype=float), rows["index_b"].to_numpy(dtype=float)
    a_up = (index_a >= DIRECTION_RISE) & (index_b <= DIRECTION_FLAT)
    b_up = (index_b >= DIRECTION_RISE) & (index_a <= DIRECTION_FLAT)
    direction = measured & (a_up | b_up)  # NaN compares False: both need a baseline

    monitor_spike, monitor_seen = _monitor_spike(figures, rows, monitor)
    attribution = _attribution(rows, blames, monitor_spike)

    flags = {"attribution": attribution, "direction": direction, "magnitude": magnitude, "one_sided": one_sided}
    kind = pd.Series("", index=rows.index, dtype=object)
    for name in KINDS:  # four vectorised steps, most severe first
        kind = kind + np.where(flags[name], name + " ", "")
    rows["kind"] = kind.str.strip()
    rows["grade"] = np.select(
        [attribution | direction, magnitude | (one_sided & regular)], ["contradicting", "diverging"], "consistent")
    rows["explanation"] = text.explain(
        rows, names=names or {k: v[0] for k, v in vocab.BUILTIN_SOURCES.items()}, flags=flags, off=off,
        a_up=a_up, silent=silent, silent_days=silent_days, regular=regular, monitor_seen=monitor_seen, monitor=monitor,
        window=TYPICAL_DAYS)
    return rows[DISCREPANCY_COLUMNS]
