"""The day's reading (`tracker compare`, CONTRACT §7): each side's claims against the monitor.

One row per day, region, metric and source with a figure. For accusation metrics every row of a day
carries the same verdict: does a side claim an escalation (one of its sources' accusations at `spike` or
`raised`), and does a monitor see it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tracker import vocab
from tracker.analysis import text
from tracker.analysis.discrepancies import accused_side, is_accusation
from tracker.analysis.trends import CALM_LEVELS, RAISED_LEVELS
from tracker.sources import Registry

READING_COLUMNS: list[str] = [
    "day", "region", "metric", "side", "source", "value", "level", "index", "coverage", "estimated", "incomplete",
    "reading", "monitor", "explanation",
]
READINGS: tuple[str, ...] = ("both_claim_escalation", "one_side_claims_escalation", "no_escalation_claimed",
                             "unclear")
MONITOR_VERDICTS: tuple[str, ...] = ("corroborates", "does_not_corroborate", "unclear", "silent")
DAY_KEYS = ["day", "region", "metric"]


def readings(figures: pd.DataFrame, registry: Registry, *, date_from: object = None,
             date_to: object = None, sources: list[str] | None = None, explain: bool = True) -> pd.DataFrame:
    """The reading rows for `figures` (the output of `trends`, with the history before `date_from`).
    `sources`: the sources read (default every one); the sentences name only their sides and monitors.
    `explain=False` leaves `explanation` blank (the dashboard writes the sentences when they are read)."""
    if sources:
        registry = registry.only(sources)
    rows = figures
    if date_from is not None:
        rows = rows[rows["day"] >= pd.Timestamp(date_from)]
    if date_to is not None:
        rows = rows[rows["day"] <= pd.Timestamp(date_to)]
    rows = rows.rename(columns={"escalation_index": "index"}).reset_index(drop=True)
    source = rows["source"].to_numpy(dtype=object)
    distinct = pd.unique(source)
    role = pd.Series(source, dtype=object).map({s: registry.roles.get(s, "other") for s in distinct}).to_numpy()
    rows["side"] = pd.Series(source, dtype=object).map({s: registry.side_of(s) for s in distinct}).to_numpy(
        dtype=object)
    level = rows["level"].to_numpy(dtype=object)
    accusation_metric = rows["metric"].isin(vocab.ACCUSATION_METRICS).to_numpy()
    party, monitor = role == "party", role == "monitor"
    raised, calm = np.isin(level, RAISED_LEVELS), np.isin(level, CALM_LEVELS)

    # per day, region and metric (group `day_of` of each row): which sides claim an escalation, and what the
    # monitors' figures say (CONTRACT §7), counted with numpy over the groups
    day_of, first = _day_groups(rows)
    days = len(first)
    side_code = pd.factorize(rows["side"].to_numpy(dtype=object))[0]
    claims = party & raised
    claimed = np.unique(np.stack([day_of[claims], side_code[claims]]), axis=1)[0] if claims.any() else day_of[:0]
    sides_claiming = np.bincount(claimed, minlength=days)
    judged_party = np.bincount(day_of, weights=party & calm, minlength=days) > 0
    seen = np.bincount(day_of, weights=monitor, minlength=days) > 0
    seen_up = np.bincount(day_of, weights=monitor & raised, minlength=days) > 0
    seen_calm = np.bincount(day_of, weights=monitor & calm, minlength=days) > 0
    # a monitor figure at spike or raised corroborates; else one usual or low does not; else (only estimated,
    # incomplete or no-baseline figures) unclear; no monitor figure that day: silent
    verdict = np.select([seen_up, seen_calm, seen], ["corroborates", "does_not_corroborate", "unclear"], "silent")
    reading = np.select([sides_claiming >= 2, sides_claiming == 1, judged_party],
                        ["both_claim_escalation", "one_side_claims_escalation", "no_escalation_claimed"], "unclear")
    verdict = np.where(sides_claiming >= 1, verdict, "").astype(object)
    reading = reading.astype(object)
    if explain:
        per_day = pd.DataFrame({"reading": reading, "monitor": verdict},
                               index=pd.MultiIndex.from_frame(rows[DAY_KEYS].iloc[first]))
        explanation = _day_sentences(rows, registry, party, accusation_metric, per_day).to_numpy(dtype=object)
    else:
        explanation = np.full(days, "", dtype=object)

    rows["reading"] = np.where(accusation_metric, reading[day_of], "")
    rows["monitor"] = np.where(accusation_metric, verdict[day_of], "")
    rows["explanation"] = explanation[day_of]
    rank = {metric: i for i, metric in enumerate(vocab.METRICS)}
    order = np.lexsort([_sort_codes(rows["source"]), _sort_codes(rows["side"]),
                        rows["metric"].map(rank).to_numpy(dtype=float), _sort_codes(rows["region"]),
                        rows["day"].to_numpy(dtype="datetime64[ns]")])
    # the non-exact qualifiers behind each figure ride along for the Compare page's hover ("at least 800");
    # `tracker compare` writes READING_COLUMNS
    extra = ["qualifiers"] if "qualifiers" in rows.columns else []
    return rows[READING_COLUMNS + extra].iloc[order].reset_index(drop=True)


def _day_groups(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The group of each row by (day, region, metric), and the first row of each group."""
    if rows.empty:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    keys = np.stack([rows["day"].to_numpy(dtype="datetime64[ns]").astype(np.int64),
                     pd.factorize(rows["region"].to_numpy(dtype=object))[0],
                     pd.factorize(rows["metric"].to_numpy(dtype=object))[0]], axis=1)
    _, first, day_of = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return day_of.reshape(-1), first


def _sort_codes(column: pd.Series) -> np.ndarray:
    """Codes that sort as the column's texts do (pandas' order: blanks last)."""
    codes, _ = pd.factorize(column.to_numpy(dtype=object), sort=True)
    return np.where(codes < 0, codes.max(initial=0) + 1, codes)


def _day_sentences(rows: pd.DataFrame, registry: Registry, party: np.ndarray, accusation_metric: np.ndarray,
                   per_day: pd.DataFrame) -> pd.Series:
    """One sentence per day, region and metric: each party's figure (who accuses whom), the sides that
    gave none, and what the monitors recorded, with the verdict."""
    sources = rows["source"].to_numpy(dtype=object)
    phrase = text.claims(rows, names=registry.names, accuses=is_accusation(sources, rows["metric"].to_numpy(),
                                                                            registry),
                         other_side=accused_side(sources, registry))
    monitor = rows["source"].isin(registry.monitors).to_numpy()
    grouped = rows[DAY_KEYS].assign(phrase=phrase)
    said = grouped[party].groupby(DAY_KEYS, sort=False)["phrase"].agg("; ".join)
    seen = grouped[monitor].groupby(DAY_KEYS, sort=False)["phrase"].agg("; ".join)
    others = grouped[~party & ~monitor].groupby(DAY_KEYS, sort=False)["phrase"].agg("; ".join)
    all_sides = sorted(set(registry.sides.values()), key=lambda side: (side not in vocab.SIDE_NAMES, side))
    if party.any():
        present = pd.crosstab([rows.loc[party, key] for key in DAY_KEYS], rows.loc[party, "side"]) > 0
        present = present.reindex(index=per_day.index, columns=all_sides, fill_value=False).fillna(False)
    else:
        present = pd.DataFrame(False, index=per_day.index, columns=all_sides)
    silent = pd.Series("", index=per_day.index, dtype=object)
    for side in all_sides:  # a loop over the sides of the registry, not over rows
        name = vocab.SIDE_NAMES.get(side, side)
        gap = ~present[side].to_numpy(dtype=bool)
        silent = silent.where(~gap, silent + np.where(silent != "", " or ", "") + name)
    monitors = ", ".join(registry.names.get(m, m) for m in registry.monitors) or "no monitor"
    verdict_words = {"corroborates": ": the monitor corroborates", "does_not_corroborate":
                     ": the monitor does not corroborate", "unclear": ": the monitor's figures cannot tell",
                     "silent": "", "": ""}
    parts = pd.DataFrame({
        "said": said.reindex(per_day.index).fillna(""),
        "silent": silent.fillna(""),
        "seen": seen.reindex(per_day.index).fillna(f"{monitors}: no figure that day")
        + per_day["monitor"].map(verdict_words).fillna(""),
        "others": others.reindex(per_day.index).fillna(""),
    }, index=per_day.index)
    reading = per_day["reading"].str.replace("_", " ").str.capitalize() + ". "
    silent_text = np.where(parts["silent"] != "", "no figure from " + parts["silent"], "")
    said_text = np.where(parts["said"] != "", parts["said"] + np.where(silent_text != "", "; " + silent_text, ""),
                         np.where(silent_text != "", silent_text, "no party figure"))
    body = said_text + "; " + parts["seen"] + np.where(parts["others"] != "", "; " + parts["others"], "") + "."
    return pd.Series(np.where(per_day.index.get_level_values("metric").isin(vocab.ACCUSATION_METRICS),
                              reading + body, body), index=per_day.index)
