"""The Compare page's figures (DataFrame → Figure): the timeline of the day readings, and the parties'
claims mirrored around the axis with the monitor's series beside them (CONTRACT §7)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

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


def timeline_figure(rows: pd.DataFrame) -> go.Figure:
    """A strip of days, each coloured by its reading (a legend entry per reading), the monitor's verdict
    marked above it. Click a day for the reports behind it."""
    days = day_readings(rows)
    fig = go.Figure()
    for reading, colour in READING_COLOURS.items():
        part = days[days["reading"] == reading]
        fig.add_trace(go.Bar(
            x=part["day"], y=[1] * len(part), name=READING_LABELS[reading], marker={"color": colour},
            customdata=list(zip(part["reading"], part["monitor"])), width=86_400_000 * 0.9,
            hovertemplate="%{x|%Y-%m-%d}: " + READING_LABELS[reading] + "<br>monitor: %{customdata[1]}<extra></extra>",
            showlegend=True))
    for verdict, (symbol, text) in MONITOR_SYMBOLS.items():
        part = days[days["monitor"] == verdict]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["day"], y=[1.25] * len(part), mode="markers", name=text,
            marker={"symbol": symbol, "size": 12, "color": "#000000", "line": {"width": 2, "color": "#000000"}},
            hovertemplate="%{x|%Y-%m-%d}: " + text + "<extra></extra>"))
    layout = figures._layout("The day's reading: who claims an escalation, and does the monitor see it", "",
                             empty=days.empty)
    layout["yaxis"] = {**layout.get("yaxis", {}), "visible": False, "range": [0, 1.45], "fixedrange": True}
    layout["xaxis"] = {**layout.get("xaxis", {}), "title": {"text": ""}}
    layout["height"] = 230
    layout["bargap"] = 0.05
    layout["legend"] = {"orientation": "h", "y": -0.35, "x": 0}
    layout["margin"] = {"t": 40, "b": 10, "l": 10, "r": 10}
    if days.empty:
        layout["annotations"] = [figures._note("No figure in this range: choose other days or a region.")]
    fig.update_layout(layout)
    return fig


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


def mirrored_figure(rows: pd.DataFrame, *, mode: str = "raw", names: Mapping[str, str] | None = None,
                    metric: str = "violations") -> go.Figure:
    """The parties' claims mirrored around the axis (one side above, the other below; each source in its
    own unit, or as its escalation index), and the monitor's series in a panel beside them. Incomplete
    figures are half-transparent, estimated ones hatched; the level is in the hover."""
    names = names or {}
    frame = claims_frame(rows, mode)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.62, 0.38],
                        subplot_titles=("The parties' claims" + (" (escalation index)" if mode == "index" else ""),
                                        "The monitor"))
    parties = frame[~frame["side"].isin(["monitor", "other", "dataset"])]
    sides = side_order(sorted(set(parties["side"])))
    for order, source in enumerate(sorted(set(parties["source"]), key=lambda s: (sides.index(
            parties.loc[parties["source"] == s, "side"].iloc[0]), s))):
        one = parties[parties["source"] == source]
        fig.add_trace(go.Bar(
            x=one["day"], y=one["shown"], name=figures.label(names.get(source, source)),
            marker={"color": figures.colour(source, order),
                    "opacity": [0.45 if inc else 1.0 for inc in one["incomplete"]],
                    "pattern": {"shape": ["/" if est else "" for est in one["estimated"]]}},
            customdata=list(zip(one["value"], one["level"], (one["coverage"] * 100).round(0), one["source"])),
            hovertemplate=(figures.label(names.get(source, source)) + " %{x|%Y-%m-%d}: %{customdata[0]:,.1f} "
                           + metric.replace("_", " ") + " (%{customdata[1]}, %{customdata[2]} % of the day)"
                           "<extra></extra>")), row=1, col=1)
    watchers = frame[frame["side"].isin(["monitor", "other"])]
    for order, source in enumerate(sorted(set(watchers["source"]))):
        one = watchers.sort_values("day")[watchers.sort_values("day")["source"] == source]
        fig.add_trace(go.Scatter(
            x=one["day"], y=one["index"] if mode == "index" else one["value"], mode="lines+markers",
            name=figures.label(names.get(source, source)), line={"color": MONITOR_COLOUR if order == 0 else None},
            marker={"symbol": ["circle-open" if inc or est else "circle" for inc, est in
                               zip(one["incomplete"], one["estimated"])], "size": 8},
            customdata=list(zip(one["value"], one["level"], (one["coverage"] * 100).round(0), one["source"])),
            hovertemplate=(figures.label(names.get(source, source)) + " %{x|%Y-%m-%d}: %{customdata[0]:,.0f} "
                           "(%{customdata[1]}, %{customdata[2]} % of the day)<extra></extra>")), row=2, col=1)
    fig.update_layout(barmode="relative", height=520, legend={"orientation": "h", "y": -0.12},
                      margin={"t": 40, "b": 10, "l": 10, "r": 10}, plot_bgcolor="#ffffff", hovermode="closest")
    for axis in ("xaxis", "xaxis2", "yaxis", "yaxis2"):
        fig.update_layout({axis: figures._AXIS})
    if len(sides) >= 2:
        fig.add_annotation(text=f"↑ {vocab.SIDE_NAMES.get(sides[0], sides[0])} accuses", xref="paper", yref="y domain",
                           x=0, y=1, showarrow=False, xanchor="left", font={"size": 11, "color": "#555"})
        fig.add_annotation(text=f"↓ {vocab.SIDE_NAMES.get(sides[1], sides[1])} accuses", xref="paper", yref="y domain",
                           x=0, y=0, showarrow=False, xanchor="left", font={"size": 11, "color": "#555"})
    if frame.empty:
        fig.add_annotation(figures._note("No claims in this range."))
    return fig
