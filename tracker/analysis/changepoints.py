"""Change points of each source's own series: the days on which its level shifts.

Method (docs/analysis.md, "Change points"): the figures of one series (days with a figure, in order;
gaps are skipped, not zeros) go through the Anscombe transform 2·√(x + 3/8), which makes count noise
about equally wide at every level, and a running median of 3, which removes one-day spikes (those are
the escalation index's business, not a change of level). PELT penalised segmentation with a
least-squares cost (ruptures `KernelCPD` with the linear kernel, its C implementation) then finds the
segments, with a penalty of 3·σ²·ln(n) per change (BIC for a shift in the mean is 2·σ²·ln(n); stricter
here because the smoothed noise is autocorrelated; σ from the MAD of the unsmoothed first differences,
so the level shifts themselves do not inflate it) and segments of at least 2 days with a figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from tracker.analysis.trends import SERIES_KEYS, sort_series

MIN_SEGMENT = 2  # days with a figure in the shortest segment
SMOOTHING = 3  # running median over this many days with a figure: one-day spikes are not level shifts
PENALTY_FACTOR = 3.0  # × σ² × ln(n): BIC's 2, raised because the smoothed noise is autocorrelated
MIN_SIGMA = 0.5  # on the Anscombe scale (Poisson noise is 1 there)

CHANGE_COLUMNS: list[str] = ["source", "region", "metric", "day", "mean_before", "mean_after", "change",
                             "days_before", "days_after"]


def _breaks(values: np.ndarray) -> np.ndarray:
    """Indices at which a new segment starts (none when the series is too short or flat)."""
    import ruptures

    if len(values) < max(2 * MIN_SEGMENT, SMOOTHING):
        return np.zeros(0, dtype=np.int64)
    stable = 2.0 * np.sqrt(np.clip(values, 0, None) + 3.0 / 8.0)
    steps = np.diff(stable)
    sigma = max(1.4826 * float(np.median(np.abs(steps - np.median(steps)))) / np.sqrt(2.0), MIN_SIGMA)
    penalty = PENALTY_FACTOR * sigma**2 * np.log(len(values))
    half = SMOOTHING // 2
    padded = np.concatenate((np.repeat(stable[0], half), stable, np.repeat(stable[-1], half)))
    smooth = np.median(sliding_window_view(padded, SMOOTHING), axis=1)
    found = ruptures.KernelCPD(kernel="linear", min_size=MIN_SEGMENT).fit(smooth).predict(pen=penalty)
    return np.asarray(found[:-1], dtype=np.int64)  # the last "break" is the end of the series


def change_points(figures: pd.DataFrame) -> pd.DataFrame:
    """One row per change point of each series in `figures` (the output of `long_figures`):
    the first day of the new level, the mean figure of the segment before and after it, their ratio
    (`change` = mean_after / mean_before) and how many days with a figure each segment has."""
    frame = sort_series(figures)
    found: list[pd.DataFrame] = []
    for _, series in frame.groupby(SERIES_KEYS, sort=False):  # one ruptures call per series
        values = series["value"].to_numpy(dtype=np.float64)
        starts = _breaks(values)
        if not len(starts):
            continue
        edges = np.concatenate(([0], starts, [len(values)]))
        sums = np.add.reduceat(values, edges[:-1])
        sizes = np.diff(edges)
        means = sums / sizes
        first = series.iloc[starts]
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.where(means[:-1] > 0, means[1:] / means[:-1], np.nan)
        found.append(pd.DataFrame({
            "source": first["source"].to_numpy(), "region": first["region"].to_numpy(),
            "metric": first["metric"].to_numpy(), "day": first["day"].to_numpy(),
            "mean_before": means[:-1], "mean_after": means[1:], "change": change,
            "days_before": sizes[:-1], "days_after": sizes[1:],
        }))
    if not found:
        empty = pd.DataFrame({column: pd.Series(dtype=object) for column in CHANGE_COLUMNS})
        return empty.astype({"day": "datetime64[ns]", "mean_before": float, "mean_after": float,
                             "change": float, "days_before": "int64", "days_after": "int64"})
    return pd.concat(found, ignore_index=True)[CHANGE_COLUMNS]
