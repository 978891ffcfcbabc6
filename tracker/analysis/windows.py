"""Calendar windows over many daily series at once, vectorised with numpy.

A *series* is one source, region and metric (or one pair of sources, region and metric); it has a figure
on some days and none on others. Windows here are **calendar** windows ("the preceding 30 days"), and a
day without a figure is a gap inside the window, never a zero.

All series are laid out on one dense calendar array: each series gets a block that starts with `pad`
empty cells and then one cell per calendar day from its first to its last figure. A window of up to
`pad` days therefore never reaches into the previous series, and `sliding_window_view` gives every
window of every series as a view, without a Python loop over rows or series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

EPOCH = np.datetime64("1970-01-01", "D")


def day_numbers(days: pd.Series | np.ndarray) -> np.ndarray:
    """Calendar days as integers (days since 1970-01-01)."""
    values = pd.to_datetime(pd.Series(days)).to_numpy().astype("datetime64[D]")
    return values.astype(np.int64)


def as_days(numbers: np.ndarray) -> np.ndarray:
    """The inverse of `day_numbers`: datetime64[D] values."""
    return EPOCH + np.asarray(numbers, dtype=np.int64).astype("timedelta64[D]")


@dataclass(frozen=True)
class Calendar:
    """Where each row of a set of series sits on one dense calendar array."""

    positions: np.ndarray  # the dense cell of each row
    size: int  # the length of the dense array
    pad: int  # empty cells before each series' first day

    @classmethod
    def layout(cls, codes: np.ndarray, days: np.ndarray, pad: int) -> Calendar:
        """`codes`: the series of each row (0..k-1, as from pandas.factorize); `days`: day numbers.
        A (code, day) pair must occur at most once."""
        codes = np.asarray(codes, dtype=np.int64)
        days = np.asarray(days, dtype=np.int64)
        if len(codes) == 0:
            return cls(np.zeros(0, dtype=np.int64), pad, pad)
        k = int(codes.max()) + 1
        first = np.full(k, np.iinfo(np.int64).max, dtype=np.int64)
        last = np.full(k, np.iinfo(np.int64).min, dtype=np.int64)
        np.minimum.at(first, codes, days)
        np.maximum.at(last, codes, days)
        used = first <= last
        block = np.where(used, pad + last - first + 1, 0)
        offset = np.concatenate(([0], np.cumsum(block)[:-1]))
        positions = offset[codes] + pad + (days - first[codes])
        return cls(positions, int(block.sum()), pad)

    def dense(self, values: np.ndarray) -> np.ndarray:
        """The rows' values on the dense array; NaN on days without a figure."""
        cells = np.full(self.size, np.nan)
        cells[self.positions] = values
        return cells

    def windows(self, values: np.ndarray, length: int, *, include_current: bool) -> np.ndarray:
        """For each row, the `length` calendar days before it (`include_current=False`) or ending on it
        (`include_current=True`): an (n, length) array, NaN where a day has no figure."""
        if length > self.pad:
            raise ValueError(f"a window of {length} days needs pad >= {length}")
        view = sliding_window_view(self.dense(values), length)
        start = self.positions - length + (1 if include_current else 0)
        return view[start]


def row_median(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median of each row ignoring NaN, and how many values it had. NaN where a row has none."""
    ordered = np.sort(windows, axis=1)  # NaN sorts last
    count = np.count_nonzero(~np.isnan(windows), axis=1)
    low = np.clip((count - 1) // 2, 0, None)
    high = np.clip(count // 2, 0, windows.shape[1] - 1)
    rows = np.arange(len(windows))
    with np.errstate(invalid="ignore"):
        median = (ordered[rows, low] + ordered[rows, high]) / 2
    median[count == 0] = np.nan
    return median, count


def row_median_mad(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, MAD (median absolute deviation from that median) and count of each row, ignoring NaN."""
    median, count = row_median(windows)
    mad, _ = row_median(np.abs(windows - median[:, None]))
    return median, mad, count


def row_mean(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean of each row over its non-NaN values (NaN when none), and the count."""
    count = np.count_nonzero(~np.isnan(windows), axis=1)
    total = np.nansum(windows, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return mean, count


def days_with_figure_before(codes: np.ndarray, days: np.ndarray, query_codes: np.ndarray,
                            query_days: np.ndarray, length: int) -> np.ndarray:
    """For each query (series, day): on how many of the `length` calendar days before it the series
    had a figure. Works for days on which the series itself has no figure (a binary search over
    sorted (series, day) keys)."""
    codes = np.asarray(codes, dtype=np.int64)
    days = np.asarray(days, dtype=np.int64)
    query_codes = np.asarray(query_codes, dtype=np.int64)
    query_days = np.asarray(query_days, dtype=np.int64)
    if len(days) == 0 or len(query_days) == 0:
        return np.zeros(len(query_days), dtype=np.int64)
    low = min(days.min(), query_days.min()) - length - 1
    base = np.int64(1) << 32
    keys = np.sort(codes * base + (days - low))
    asked = query_codes * base + (query_days - low)
    return np.searchsorted(keys, asked, side="left") - np.searchsorted(keys, asked - length, side="left")


def highest_since(codes: np.ndarray, days: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the most recent earlier day (a day number) of the same series whose figure is at
    least as high, and whether there is none (the highest on record; the day is then 0). Days without a
    figure are not rows and are skipped.

    Binary lifting over a sparse table of range maxima: O(n log n), about log2(longest series) numpy
    passes, no loop over rows. A +inf sentinel before each series stops the search at its start.
    """
    codes = np.asarray(codes, dtype=np.int64)
    days = np.asarray(days, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    result = np.zeros(n, dtype=np.int64)
    on_record = np.ones(n, dtype=bool)
    if n == 0:
        return result, on_record
    order = np.lexsort((days, codes))
    c = codes[order]
    starts = np.flatnonzero(np.concatenate(([True], c[1:] != c[:-1])))
    # each series is preceded by one sentinel cell
    placed = np.arange(n) + np.searchsorted(starts, np.arange(n), side="right")
    size = n + len(starts)
    cells = np.full(size, np.inf)
    cells[placed] = values[order]
    element = np.full(size, -1, dtype=np.int64)
    element[placed] = np.arange(n)

    longest = int(np.diff(np.concatenate((starts, [n]))).max())
    levels = [cells]  # levels[k][j] = max(cells[j : j + 2**k])
    while (1 << len(levels)) <= longest:
        step = 1 << (len(levels) - 1)
        prev = levels[-1]
        levels.append(np.maximum(prev[:-step], prev[step:]))

    target = cells[placed]
    end = placed - 1  # the search region is cells[..end]; everything after end is below target
    for k in range(len(levels) - 1, -1, -1):
        width = 1 << k
        start = end - width + 1
        ok = start >= 0
        skip = np.zeros(n, dtype=bool)
        skip[ok] = levels[k][start[ok]] < target[ok]
        end = np.where(skip, end - width, end)
    found = element[end]  # -1 on a sentinel: nothing earlier is as high
    sorted_days = days[order]
    result[order] = np.where(found >= 0, sorted_days[np.maximum(found, 0)], 0)
    on_record[order] = found < 0
    return result, on_record
