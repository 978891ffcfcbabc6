"""The `explanation` sentence of a discrepancy row, and figures as text, built column-wise on numpy
arrays (no loop over rows)."""

from __future__ import annotations

import numpy as np
import pandas as pd

METRIC_WORDS: dict[str, str] = {
    "violations": "violations",
    "prohibited_weapons": "violations with prohibited weapons",
    "explosions": "explosions",
    "killed": "military killed",
    "wounded": "military wounded",
    "civilians_killed": "civilians killed",
    "civilians_wounded": "civilians wounded",
    "settlements_shelled": "settlements shelled",
}

_TEXT = np.dtypes.StringDType()


def _shortest(rounded: np.ndarray, finite: np.ndarray) -> np.ndarray:
    """Rounded floats as their shortest text: whole numbers without '.0'; '' where not finite."""
    whole = rounded == np.round(rounded)
    as_int = np.where(whole & (np.abs(rounded) < 2**62), rounded, 0).astype(np.int64).astype(_TEXT)
    text = np.where(whole, as_int, rounded.astype(_TEXT))
    return np.where(finite, text, "").astype(object)


def number(values: np.ndarray | pd.Series) -> np.ndarray:
    """Figures as text with at most one decimal (60, 2.3); '' when blank."""
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    return _shortest(np.round(np.where(finite, v, 0.0), 1), finite)


def factor(values: np.ndarray | pd.Series) -> np.ndarray:
    """Ratios and indices as text with three significant digits (0.069, 14.5, 251, 1566); '' when blank."""
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    safe = np.where(finite, v, 0.0)
    with np.errstate(divide="ignore"):
        magnitude = np.floor(np.log10(np.abs(np.where(safe == 0, 1.0, safe))))
    scale = 10.0 ** np.clip(2 - magnitude, 0, 15)
    return _shortest(np.round(safe * scale) / scale, finite)


def _pick(condition: np.ndarray, when_true: object, when_false: object) -> np.ndarray:
    return np.where(condition, when_true, when_false).astype(object)


def _names(keys: np.ndarray, names: dict[str, str]) -> np.ndarray:
    keys = pd.Series(keys, dtype=object)
    return keys.map(names).fillna(keys).to_numpy(dtype=object)


def explain(rows: pd.DataFrame, *, names: dict[str, str], flags: dict[str, np.ndarray], off: np.ndarray,
            a_up: np.ndarray, silent: np.ndarray, silent_days: np.ndarray, regular: np.ndarray,
            monitor_seen: np.ndarray, monitor: str, window: int) -> np.ndarray:
    """One sentence per row, about the most severe kind (and the ratio when `magnitude` also applies)."""
    name_a = _names(rows["source_a"].to_numpy(dtype=object), names)
    name_b = _names(rows["source_b"].to_numpy(dtype=object), names)
    metric = _names(rows["metric"].to_numpy(dtype=object), METRIC_WORDS)
    value_a = number(rows["value_a"]) + _pick(rows["estimated_a"].to_numpy(), " estimated", "")
    value_b = number(rows["value_b"]) + _pick(rows["estimated_b"].to_numpy(), " estimated", "")
    raw_a, raw_b = rows["index_a"].to_numpy(dtype=float), rows["index_b"].to_numpy(dtype=float)
    index_a, index_b = factor(np.round(raw_a, 1)), factor(np.round(raw_b, 1))
    ratio, typical = factor(rows["ratio"]), factor(rows["typical_ratio"])
    with np.errstate(divide="ignore", invalid="ignore"):
        times_off = factor(np.where(off >= 1, off, 1 / off))
    above = _pick(off > 1, "above", "below")
    monitor_name = names.get(monitor, monitor)

    attribution = (name_a + " (" + value_a + ", index " + index_a + ") and " + name_b + " (" + value_b
                   + ", index " + index_b + ") both report a spike in " + metric
                   + " and blame each other, while " + monitor_name
                   + _pick(monitor_seen, " flags no spike that day.", " has no figure that day."))
    up_name, up_value = _pick(a_up, name_a, name_b), _pick(a_up, value_a, value_b)
    other_name, other_value = _pick(a_up, name_b, name_a), _pick(a_up, value_b, value_a)
    up_index, other_index = _pick(a_up, index_a, index_b), _pick(a_up, index_b, index_a)
    direction = (up_name + " reports a sharp rise in " + metric + " (" + up_value + ", index " + up_index
                 + " against its own baseline) while " + other_name + " reports "
                 + _pick(np.where(a_up, raw_b, raw_a) < -1, "a fall", "no change") + " (" + other_value
                 + ", index " + other_index + ").")
    magnitude = (name_b + " reports " + ratio + "× what " + name_a + " reports for " + metric + " (" + value_b
                 + " against " + value_a + "), " + times_off + "× " + above + " their usual ratio of "
                 + typical + ".")
    has_a = rows["value_a"].notna().to_numpy()
    one_sided = ("Only " + _pick(has_a, name_a, name_b) + " reports " + metric + " ("
                 + _pick(has_a, value_a, value_b) + "); " + _names(np.asarray(silent, dtype=object), names)
                 + " has no figure" + _pick(regular, ", though it reported on ", " (it reported on ")
                 + np.asarray(silent_days, dtype=np.int64).astype(_TEXT).astype(object)
                 + f" of the previous {window} days" + _pick(regular, ".", ", so its silence is not unusual)."))
    both = name_a + " " + value_a + " and " + name_b + " " + value_b + " " + metric
    consistent = _pick(
        rows["value_a"].eq(0).to_numpy(), both + ": " + name_a + " reports 0, so no ratio can be taken.",
        _pick(rows["typical_ratio"].isna().to_numpy(),
              both + ": ratio " + ratio + f"; too few common days (fewer than 5 of the previous {window}) "
              "to know their usual ratio.",
              both + ": ratio " + ratio + ", within 2× of their usual " + typical + "."))
    sentence = np.select(
        [flags["attribution"], flags["direction"], flags["magnitude"], flags["one_sided"]],
        [attribution, direction, magnitude, one_sided], consistent).astype(object)
    also_magnitude = flags["magnitude"] & (flags["attribution"] | flags["direction"])
    extra = " The ratio " + ratio + " is " + times_off + "× " + above + " their usual " + typical + "."
    return sentence + _pick(also_magnitude, extra, "")
