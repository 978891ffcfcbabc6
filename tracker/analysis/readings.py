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
    sources = rows["source"].to_numpy(dtype=object)
    role = rows["source"].map(registry.roles).fillna("other").to_numpy(dtype=object)
    rows["side"] = rows["source"].map({s: registry.side_of(s) for s in pd.unique(sources)}).to_numpy(dtype=object)
    level = rows["level"].to_numpy(dtype=object)
    accusation_metric = rows["metric"].isin(vocab.ACCUSATION_METRICS).to_numpy()
    party = role == "party"
    monitor = role == "monitor"

    # per day, region and metric: which sides claim an escalation, and what the monitors' figures are
    facts = rows[DAY_KEYS].assign(
        claims=np.where(party & np.isin(level, RAISED_LEVELS), rows["side"], None),
        judged_party=party & np.isin(level, CALM_LEVELS),
        any_party=party,
    )
    per_day = facts.groupby(DAY_KEYS, sort=False).agg(
        sides_claiming=("claims", "nunique"), judged_party=("judged_party", "any"))
    monitor_facts = _monitor_verdicts(rows, monitor, level)
    per_day = per_day.join(monitor_facts, how="left")
    claiming = per_day["sides_claiming"].to_numpy()
    reading = np.select([claiming >= 2, claiming == 1, per_day["judged_party"].to_numpy()],
                        ["both_claim_escalation", "one_side_claims_escalation", "no_escalation_claimed"], "unclear")
    verdict = np.where(claiming >= 1, per_day["verdict"].fillna("silent").to_numpy(dtype=object), "")
    per_day = per_day.assign(reading=reading, monitor=verdict)
    per_day["explanation"] = (_day_sentences(rows, registry, party, accusation_metric, per_day) if explain
                              else "")

    out = rows.join(per_day[["reading", "monitor", "explanation"]], on=DAY_KEYS)
    out["reading"] = np.where(accusation_metric, out["reading"], "")
    out["monitor"] = np.where(accusation_metric, out["monitor"], "")
    out["explanation"] = out["explanation"].fillna("")
    rank = {metric: i for i, metric in enumerate(vocab.METRICS)}
    out = out.sort_values(["day", "region", "metric", "side", "source"], kind="stable",
                          key=lambda c: c.map(rank) if c.name == "metric" else c)
    # the non-exact qualifiers behind each figure ride along for the Compare page's hover ("at least 800");
    # `tracker compare` writes READING_COLUMNS
    extra = ["qualifiers"] if "qualifiers" in out.columns else []
    return out[READING_COLUMNS + extra].reset_index(drop=True)


def _monitor_verdicts(rows: pd.DataFrame, monitor: np.ndarray, level: np.ndarray) -> pd.DataFrame:
    """Per day, region and metric (the monitors' figures of the same metric, so a verdict never depends on
    which other metrics were asked for): corroborates when any monitor figure is at spike or raised (an
    incomplete one included), else does_not_corroborate when one is usual or low, else unclear (only
    estimated, incomplete or no-baseline figures). Days without one: silent (left out)."""
    seen = rows.loc[monitor, DAY_KEYS].assign(
        up=np.isin(level[monitor], RAISED_LEVELS), judged=np.isin(level[monitor], CALM_LEVELS))
    per_key = seen.groupby(DAY_KEYS).agg(up=("up", "any"), judged=("judged", "any"))
    per_key["verdict"] = np.select([per_key["up"], per_key["judged"]], ["corroborates", "does_not_corroborate"],
                                   "unclear") if len(per_key) else pd.Series(dtype=object)
    return per_key[["verdict"]]


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
