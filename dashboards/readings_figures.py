"""The Compare page's figures (DataFrame → figure): the timeline of the day readings, and the parties'
claims mirrored around the axis with the monitor's series beside them (CONTRACT §7).

They are plain plotly figure dicts, which dcc.Graph draws as they are: building and validating
plotly.graph_objects was half of the page's answer time (bench/analysis_speed.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from dashboards import figures
from tracker import vocab

# Okabe-Ito colours: told apart with every common colour-vision deficiency
READING_COLOURS: dict[str, str] = {
    "both_claim_escalation": "#D55E00",
    "one_side_claims_escalation": "#E69F00",
    "no_escalation_claimed": "#56B4E9",
    "unclear": "#BBBBBB",
}
READING_LABELS: dict[str, str] = {
    "both_claim_escalation": "both sides claim an escalation",
    "one_side_claims_escalation": "one side claims an escalation",
    "no_escalation_claimed": "no escalation claimed",
    "unclear": "unclear",
}
MONITOR_SYMBOLS: dict[str, tuple[str, str]] = {
    "corroborates": ("diamond", "the monitor corroborates"),
    "does_not_corroborate": ("x-thin-open", "the monitor does not corroborate"),
    "unclear": ("diamond-open", "the monitor's figures cannot tell"),
    "silent": ("line-ew-open", "the monitor is silent"),
}
MONITOR_COLOUR = "#0072B2"


def day_readings(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per day of `tracker compare` rows: day, reading, monitor, explanation."""
    if rows.empty:
        return pd.DataFrame(columns=["day", "reading", "monitor", "explanation"])
    return rows.drop_duplicates("day")[["day", "reading", "monitor", "explanation"]].reset_index(drop=True)


def _days(values: pd.Series) -> list[str]:
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d").tolist()


def timeline_figure(rows: pd.DataFrame, metric: str = "violations") -> dict[str, Any]:
    """A strip of days, each coloured by its reading (a legend entry per reading), the monitor's verdict
    marked above it. Click a day for the reports behind it. Casualty metrics have no reading (a party's
    casualties are its own losses, never an accusation): the strip says so."""
    days = day_readings(rows)
    data: list[dict[str, Any]] = []
    for reading, colour in READING_COLOURS.items():
        part = days[days["reading"] == reading]
        data.append({
            "type": "bar", "x": _days(part["day"]), "y": [1] * len(part), "name": READING_LABELS[reading],
            "marker": {"color": colour}, "width": 86_400_000 * 0.9, "customdata": part["monitor"].tolist(),
            "hovertemplate": "%{x|%Y-%m-%d}: " + READING_LABELS[reading] + "<br>monitor: %{customdata}<extra></extra>",
        })
    for verdict, (symbol, text) in MONITOR_SYMBOLS.items():
        part = days[days["monitor"] == verdict]
        if not part.empty:
            data.append({
                "type": "scatter", "mode": "markers", "x": _days(part["day"]), "y": [1.25] * len(part), "name": text,
                "marker": {"symbol": symbol, "size": 12, "color": "#000000", "line": {"width": 2, "color": "#000000"}},
                "hovertemplate": "%{x|%Y-%m-%d}: " + text + "<extra></extra>",
            })
    layout = figures._layout("The day's reading: who claims an escalation, and does the monitor see it", "",
                             empty=days.empty)
    layout.update({
        "yaxis": {**layout.get("yaxis", {}), "visible": False, "range": [0, 1.45], "fixedrange": True},
        "xaxis": {**layout.get("xaxis", {}), "title": {"text": ""}, "type": "date"},
        "height": 230, "bargap": 0.05, "legend": {"orientation": "h", "y": -0.35, "x": 0},
        "margin": {"t": 40, "b": 10, "l": 10, "r": 10},
    })
    if metric not in vocab.ACCUSATION_METRICS:
        layout["annotations"] = [figures._note("No reading for " + metric.replace("_", " ") + ": a party's "
                                               "casualties are its own losses, never an accusation.")]
    elif days.empty:
        layout["annotations"] = [figures._note("No figure in this range: choose other days or a region.")]
    return {"data": data, "layout": layout}


def side_order(sides: list[str]) -> list[str]:
    """The sides in the order they are drawn: the first above the axis, the next below."""
    known = [s for s in vocab.SIDE_NAMES if s in sides]
    return known + sorted(s for s in sides if s not in known)


def claims_frame(rows: pd.DataFrame, mode: str) -> pd.DataFrame:
    """What the mirrored chart draws: the parties' and monitors' figures of the readings, with the drawn
    value (`shown`: the figure or its escalation index; below the axis for the second side)."""
    if rows.empty:
        return rows.assign(shown=pd.Series(dtype=float))
    drawn = rows[rows["side"] != "dataset"].copy()
    parties = sorted(set(drawn["side"]) - {"monitor", "other", "dataset"})
    below = set(side_order(parties)[1:])
    value = drawn["index"] if mode == "index" else drawn["value"]
    drawn["shown"] = value.where(~drawn["side"].isin(below), -value)
    return drawn.reset_index(drop=True)


def _hover(name: str, unit: str) -> str:
    return (figures.label(name) + " %{x|%Y-%m-%d}: %{customdata[0]:,.1f} " + unit
            + " (%{customdata[1]}, %{customdata[2]} % of the day)%{customdata[4]}<extra></extra>")


def _custom(one: pd.DataFrame) -> list[list[Any]]:
    qualified = [figures.qualified(q, v) for q, v in zip(one.get("qualifiers", pd.Series("", index=one.index)),
                                                          one["value"], strict=True)]  # "as reported: at least 800"
    return [list(row) for row in zip(one["value"].round(1), one["level"], (one["coverage"] * 100).round(0),
                                     one["source"], qualified, strict=True)]


def mirrored_figure(rows: pd.DataFrame, *, mode: str = "raw", names: Mapping[str, str] | None = None,
                    metric: str = "violations") -> dict[str, Any]:
    """The parties' claims mirrored around the axis (one side above, the other below; each source in its
    own unit, or as its escalation index; bars side by side, never stacked: figures of two sources are
    never added), and the monitor's series in a panel beside them. Incomplete
    figures are half-transparent, estimated ones hatched; the level is in the hover."""
    names = names or {}
    frame = claims_frame(rows, mode).sort_values("day", kind="stable")
    unit = metric.replace("_", " ")
    parties = frame[~frame["side"].isin(["monitor", "other", "dataset"])]
    sides = side_order(sorted(set(parties["side"])))
    first_side = parties.groupby("source")["side"].first().map(sides.index) if not parties.empty else pd.Series()
    data: list[dict[str, Any]] = []
    for order, source in enumerate(sorted(first_side.index, key=lambda s: (first_side[s], s))):
        one = parties[parties["source"] == source]
        name = names.get(source, source)
        data.append({
            "type": "bar", "x": _days(one["day"]), "y": one["shown"].tolist(), "name": figures.label(name),
            "xaxis": "x", "yaxis": "y", "customdata": _custom(one), "hovertemplate": _hover(name, unit),
            "marker": {"color": figures.colour(source, order),
                       "opacity": [0.45 if inc else 1.0 for inc in one["incomplete"]],
                       "pattern": {"shape": ["/" if est else "" for est in one["estimated"]]}},
        })
    watchers = frame[frame["side"].isin(["monitor", "other"])]
    for order, source in enumerate(sorted(set(watchers["source"]))):
        one = watchers[watchers["source"] == source]
        name = names.get(source, source)
        data.append({
            "type": "scatter", "mode": "lines+markers", "x": _days(one["day"]), "name": figures.label(name),
            "y": (one["index"] if mode == "index" else one["value"]).tolist(), "xaxis": "x", "yaxis": "y2",
            "line": {"color": MONITOR_COLOUR if order == 0 else figures.colour(source, order)},
            "marker": {"size": 8, "symbol": ["circle-open" if inc or est else "circle"
                                             for inc, est in zip(one["incomplete"], one["estimated"], strict=True)]},
            "customdata": _custom(one), "hovertemplate": _hover(name, unit),
        })
    title = "The parties' claims" + (" (escalation index)" if mode == "index" else "")
    annotations = [
        {"text": title, "xref": "paper", "yref": "paper", "x": 0.5, "y": 1.0, "showarrow": False,
         "xanchor": "center", "yanchor": "bottom", "font": {"size": 14}},
        {"text": "The monitor" + (" and other sources" if (watchers["side"] == "other").any() else ""),
         "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.36, "showarrow": False,
         "xanchor": "center", "yanchor": "bottom", "font": {"size": 14}},
    ]
    for side, y, arrow in zip(sides[:2], (1, 0.42), ("↑", "↓"), strict=False):
        annotations.append({"text": f"{arrow} {vocab.SIDE_NAMES.get(side, side)} accuses", "xref": "paper",
                            "yref": "paper", "x": 0, "y": y, "showarrow": False, "xanchor": "left",
                            "yanchor": "top" if arrow == "↑" else "bottom", "font": {"size": 11, "color": "#555"}})
    if frame.empty:  # only the message: no panel titles, no axes of made-up ranges
        annotations = [figures._note("No claims in this range.")]
    layout = {
        **figures.LOOK, "barmode": "group", "height": 520, "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.12}, "margin": {"t": 40, "b": 10, "l": 10, "r": 10},
        "xaxis": {**figures._AXIS, "type": "date", "anchor": "y2"},
        "yaxis": {**figures._AXIS, "domain": [0.42, 1.0]},
        "yaxis2": {**figures._AXIS, "domain": [0.0, 0.34]},
        "annotations": annotations,
    }
    return {"data": data, "layout": figures.empty_axes(layout) if frame.empty else layout}
