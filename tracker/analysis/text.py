"""The sentences of the analysis (explanations of pairs and of day readings), and figures as text, built
column-wise on numpy arrays (no loop over rows)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from tracker import vocab

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
_FIRST_GROUP = re.compile(r"^(-?\d+)(\d{3})")
_NEXT_GROUP = re.compile(r"^(-?\d+)(\d{3}),")


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


def count(values: np.ndarray | pd.Series) -> np.ndarray:
    """Figures for sentences: thousands separated, at most one decimal (1,566; 2.3); '' when blank."""
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    shown = number(v)
    codes, distinct = pd.factorize(shown)  # figures repeat: each distinct text is grouped once
    grouped = np.array([_thousands(str(one)) for one in distinct] + [""], dtype=object)
    return np.where(finite, grouped[codes], "").astype(object)


def _thousands(shown: str) -> str:
    """1566 → 1,566; 1234567.5 → 1,234,567.5."""
    grouped = _FIRST_GROUP.sub(r"\1,\2", shown)  # up to 6 digits: 1,566; 12,345
    while True:  # a pass for millions and more (each pass adds one separator)
        more = _NEXT_GROUP.sub(r"\1,\2,", grouped)
        if more == grouped:
            return grouped
        grouped = more


def factor(values: np.ndarray | pd.Series) -> np.ndarray:
    """Ratios and indices as text with three significant digits (0.069, 14.5, 251, 1566); '' when blank."""
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    safe = np.where(finite, v, 0.0)
    with np.errstate(divide="ignore"):
        magnitude = np.floor(np.log10(np.abs(np.where(safe == 0, 1.0, safe))))
    scale = 10.0 ** np.clip(2 - magnitude, 0, 15)
    return _shortest(np.round(safe * scale) / scale, finite)


def pick(condition: np.ndarray, when_true: Any, when_false: Any) -> np.ndarray:
    return np.where(condition, when_true, when_false).astype(object)


def names_of(keys: np.ndarray | pd.Series, names: dict[str, str]) -> np.ndarray:
    """Each key's display name (the key itself when it has none): a lookup per distinct key, not per row."""
    keys = np.asarray(keys, dtype=object)
    codes, distinct = pd.factorize(keys)
    shown = np.array([names.get(key, key) for key in distinct] + [""], dtype=object)
    return np.where(codes >= 0, shown[codes], keys).astype(object)


def level_words(level: np.ndarray, index: np.ndarray, incomplete: np.ndarray) -> np.ndarray:
    """What a figure's level says: "a spike: index 33.0", "a spike even as a lower bound: index 33.0",
    "usual: index 0.4", "a lower bound, not judged", "an estimated share of a longer window", "no baseline"."""
    level = np.asarray(level, dtype=object)
    index = np.asarray(index, dtype=np.float64)
    lower = np.asarray(incomplete, dtype=bool)
    shown = ": index " + np.where(np.isfinite(index), np.char.mod("%.1f", np.nan_to_num(index)), "").astype(object)
    bound = pick(lower, " even as a lower bound", "")
    return np.select(
        [level == "spike", level == "raised", level == "usual", level == "low", level == "incomplete",
         level == "estimated"],
        ["a spike" + bound + shown, "raised" + bound + shown, "usual" + shown, "low" + shown,
         "a lower bound, not judged", "an estimated share of a longer window"],
        "no baseline").astype(object)


def coverage_words(coverage: np.ndarray, partial: np.ndarray) -> np.ndarray:
    """"; 71 % of the day" for an intraday figure, "; one region only" for a one-region `all`, else ''."""
    coverage = np.asarray(coverage, dtype=np.float64)
    percent = np.char.mod("%d", np.round(np.nan_to_num(coverage, nan=1.0) * 100).astype(np.int64)).astype(object)
    part = pick(np.nan_to_num(coverage, nan=1.0) < 0.995, "; " + percent + " % of the day", "")
    return part + pick(np.asarray(partial, dtype=bool), "; one region only", "")


def claims(frame: pd.DataFrame, *, prefix: str = "", names: dict[str, str], accuses: np.ndarray,
           other_side: np.ndarray) -> np.ndarray:
    """One phrase per figure: "LPR accuses Ukraine of 29 violations (no baseline)" for a party's
    accusation, "OSCE SMM recorded 870 violations (raised: index 3.1)" otherwise. `prefix` picks the
    columns of one side of a pair (`_a`, `_b`) or none; `accuses` says which figures are accusations,
    `other_side` names whom they accuse."""
    col = lambda name: frame[name + prefix].to_numpy()  # noqa: E731
    who = names_of(col("source"), names)
    metric = names_of(frame["metric"], METRIC_WORDS)
    figure = count(col("value")) + " " + metric
    detail = " (" + level_words(col("level"), col("index"), col("incomplete")) \
        + coverage_words(col("coverage"), col("partial")) + ")"
    accusation = who + " accuses " + names_of(other_side, vocab.SIDE_NAMES) + " of " + figure
    return pick(accuses, accusation, who + " recorded " + figure) + detail
