"""Figures as pure functions: DataFrame in, plotly Figure out; no database, no Dash. Tested as data.

Conventions of every time-series figure here:
- one trace per source, on one calendar axis; a day without a figure is None, and lines are not drawn
  across it (`connectgaps=False`): a gap stays a gap, never a zero;
- estimated days (a share of a longer window) are drawn dotted with hollow markers, in a trace of their
  own ("<source> (estimated)") in the same colour;
- spikes (escalation index ≥ 3.5) are marked with a star;
- the hover gives the figure, the day's coverage, the number of reports behind it and its flags.

Text that reaches a figure (source names) is escaped: plotly reads a few HTML tags in labels.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

SOURCE_COLOURS: dict[str, str] = {
    "ua_mod": "#1f5fbf", "osce_smm": "#3a3a3a", "dpr": "#c0392b", "lpr": "#e67e22", "ru_mod": "#8e1b1b",
    "ucdp_ged": "#2e8b57", "acled": "#7d3c98",
}
_PALETTE = ("#17becf", "#bcbd22", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#2ca02c", "#d62728")
GRADE_COLOURS = {"contradicting": "#c0392b", "diverging": "#e67e22", "consistent": "#95a5a6"}
SPIKE_INDEX = 3.5
INCOMPLETE_SYMBOL = "circle-open-dot"  # a lower bound: a ring with a dot, "half-filled"
ESTIMATED_SYMBOL = "circle-open"  # a share of a longer window: hollow, on a dotted line

# The look of every figure, set directly: plotly's named templates cost ~20 ms and 6 kB per figure.
_AXIS = {"gridcolor": "#e5ecf6", "zerolinecolor": "#d0d7e2", "linecolor": "#d0d7e2", "automargin": True}
LOOK: dict = {
    "template": {}, "paper_bgcolor": "white", "plot_bgcolor": "white", "hovermode": "closest",
    "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12, "color": "#2a3f5f"},
    "hoverlabel": {"align": "left"}, "xaxis": dict(_AXIS), "yaxis": dict(_AXIS),
}

SERIES_COLUMNS = ("day", "source", "value", "estimated", "partial", "coverage", "reports", "spike")


def colour(source: str, order: int = 0) -> str:
    return SOURCE_COLOURS.get(source, _PALETTE[order % len(_PALETTE)])


def label(text: object) -> str:
    """Text for a trace name, title or hover: HTML special characters escaped."""
    return html.escape("" if text is None else str(text), quote=False)


def calendar(days: Iterable) -> pd.DatetimeIndex:
    """Every calendar day from the first to the last of `days` (empty if none)."""
    values = pd.to_datetime(pd.Series(list(days)), errors="coerce").dropna()
    if values.empty:
        return pd.DatetimeIndex([])
    return pd.date_range(values.min().normalize(), values.max().normalize(), freq="D")


def _none(values: Iterable) -> list:
    """A list with NaN/NA turned into None, which plotly draws as a gap."""
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else v for v in values]


def _on_calendar(frame: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """One row per calendar day (the days without a figure are all-NA rows)."""
    one = frame.assign(day=pd.to_datetime(frame["day"]).dt.normalize())
    one = one.drop_duplicates("day", keep="last").set_index("day")
    return one.reindex(days)


def level_text(level: object, index: object, incomplete: object = False) -> str:
    """A figure's level (CONTRACT §7) as the hover says it, with the escalation index when known."""
    if level is None or (isinstance(level, float) and np.isnan(level)) or level is pd.NA or level == "":
        return ""
    known = index is not None and index is not pd.NA and not (isinstance(index, float) and np.isnan(index))
    shown = f" (index {float(index):.1f})" if known else ""
    if level in ("spike", "raised"):
        return f"{level}{shown}" + (", even as a lower bound" if bool(incomplete) else "")
    if level == "incomplete":
        return f"incomplete: a lower bound, not judged{shown}"
    if level == "no_baseline":
        return "no baseline yet (fewer than 7 full days in the 30 before)"
    if level == "estimated":
        return "estimated: not judged"
    return f"{level}{shown}"


QUALIFIER_WORDS = {"at_least": "at least", "about": "about"}


def qualified(qualifiers: object, value: object) -> str:
    """A hover line for a figure the source qualified: "<br>as reported: at least 800" ('' when exact)."""
    words = [QUALIFIER_WORDS.get(q, q) for q in str(qualifiers or "").split()]
    if not words or value is None or pd.isna(value):
        return ""
    return f"<br>as reported: {' or '.join(words)} {float(value):,.0f}"


def _hover(one: pd.DataFrame, source: str, source_name: str, value_format: str) -> tuple[list, str]:
    """customdata per day: [coverage, reports, flags, source key] and the hover template using them; with
    a `level` column also [4] the level, with an `accuses` column also [5] whom the figure accuses."""
    coverage = pd.to_numeric(one.get("coverage", pd.Series(index=one.index, dtype=float)), errors="coerce")
    reports = pd.to_numeric(one.get("reports", pd.Series(index=one.index, dtype=float)), errors="coerce")
    flags = []
    for est, part in zip(one.get("estimated", pd.Series(False, index=one.index)).fillna(False),
                         one.get("partial", pd.Series(False, index=one.index)).fillna(False), strict=True):
        words = (["estimated (share of a longer window)"] if est else []) + (["one region only"] if part else [])
        flags.append(("<br>" + ", ".join(words)) if words else "")
    if "qualifiers" in one.columns:  # the source's own words for the figure: "at least 800", "about 1,200"
        flags = [flag + qualified(q, v) for flag, q, v in zip(flags, one["qualifiers"], one["value"], strict=True)]
    with_level, with_accuses = "level" in one.columns, "accuses" in one.columns
    width = 6 if with_level or with_accuses else 4
    custom = np.empty((len(one), width), dtype=object)  # an array: plotly checks it at once, not item by item
    custom[:, 0] = [("" if np.isnan(c) else f"{c:.0%}") for c in coverage.to_numpy(dtype=float)]
    custom[:, 1] = [("" if np.isnan(r) else str(int(r))) for r in reports.to_numpy(dtype=float)]
    custom[:, 2] = flags
    custom[:, 3] = source
    accuses = level = ""
    if width == 6:
        index = one.get("escalation_index", pd.Series(np.nan, index=one.index))
        incomplete = one.get("incomplete", pd.Series(False, index=one.index)).fillna(False)
        custom[:, 4] = ([level_text(v, i, inc) for v, i, inc in zip(one["level"], index, incomplete, strict=True)]
                        if with_level else "")
        custom[:, 5] = [label("" if pd.isna(a) else a) for a in one["accuses"]] if with_accuses else ""
        accuses = " · %{customdata[5]}" if with_accuses else ""
        level = "<br>level: %{customdata[4]}" if with_level else ""
    template = (f"<b>{source_name}</b>{accuses}<br>%{{x|%a %d %b %Y}}: %{{y:{value_format}}}{level}"
                "<br>coverage %{customdata[0]} of the day · %{customdata[1]} report(s)%{customdata[2]}"
                "<extra></extra>")
    return custom, template


def source_traces(frame: pd.DataFrame, source: str, days: pd.DatetimeIndex, *, name: str | None = None,
                  order: int = 0, value_format: str = ",.4~g", xaxis: str = "x", yaxis: str = "y",
                  showlegend: bool = True) -> list[go.Scatter]:
    """The traces of one source's series on the calendar `days`: the figures (solid; gaps stay gaps) and
    the estimated days (dotted, hollow markers). `frame`: day, value, estimated, and optionally coverage,
    reports, partial."""
    one = _on_calendar(frame, days)
    values = pd.to_numeric(one["value"], errors="coerce")
    estimated = one.get("estimated", pd.Series(False, index=one.index)).fillna(False).astype(bool).to_numpy()
    has = values.notna().to_numpy()
    firm = np.where(has & ~estimated, values.to_numpy(dtype=float), np.nan)
    # The dotted trace holds the estimated days and the figures next to them, so that it joins the line.
    est_days = has & estimated
    beside = np.zeros(len(one), dtype=bool)
    beside[1:] |= est_days[:-1]
    beside[:-1] |= est_days[1:]
    dotted = np.where(est_days | (beside & has), values.to_numpy(dtype=float), np.nan)
    name = label(name or source)
    colour_ = colour(source, order)
    custom, template = _hover(one, source, name, value_format)
    x = list(days.to_pydatetime())
    # an incomplete figure (a lower bound: an intraday snapshot, one region of the zone) is half-filled
    incomplete = one["incomplete"].fillna(False).astype(bool).to_numpy() if "incomplete" in one else None
    symbol: object = "circle" if incomplete is None else [INCOMPLETE_SYMBOL if i else "circle" for i in incomplete]
    size: object = 6 if incomplete is None else [10 if i else 6 for i in incomplete]
    traces = [go.Scatter(
        x=x, y=_none(firm), name=name, legendgroup=source, mode="lines+markers", connectgaps=False,
        line={"color": colour_, "width": 2},
        marker={"color": colour_, "size": size, "symbol": symbol, "line": {"width": 1.5, "color": colour_}},
        customdata=custom, hovertemplate=template, xaxis=xaxis, yaxis=yaxis, showlegend=showlegend,
        meta={"source": source, "role": "figures"},
    )]
    if est_days.any():
        symbols = [ESTIMATED_SYMBOL if e else INCOMPLETE_SYMBOL if incomplete is not None and i else "circle"
                   for e, i in zip(est_days, incomplete if incomplete is not None else est_days, strict=True)]
        traces.append(go.Scatter(
            x=x, y=_none(dotted), name=f"{name} (estimated)", legendgroup=source, mode="lines+markers",
            connectgaps=False, line={"color": colour_, "width": 2, "dash": "dot"},
            marker={"color": colour_, "size": [9 if e else 6 for e in est_days], "symbol": symbols,
                    "line": {"width": 2, "color": colour_}},
            customdata=custom, hovertemplate=template, xaxis=xaxis, yaxis=yaxis, showlegend=showlegend,
            meta={"source": source, "role": "estimated"},
        ))
    return traces


def _spike_trace(frame: pd.DataFrame, names: Mapping[str, str], y_column: str, xaxis: str = "x",
                 yaxis: str = "y") -> go.Scatter | None:
    spikes = frame[frame.get("spike", pd.Series(False, index=frame.index)).fillna(False).astype(bool)]
    spikes = spikes[pd.to_numeric(spikes[y_column], errors="coerce").notna()]
    if spikes.empty:
        return None
    index = pd.to_numeric(spikes.get("escalation_index", pd.Series(np.nan, index=spikes.index)), errors="coerce")
    return go.Scatter(
        x=list(pd.to_datetime(spikes["day"]).dt.to_pydatetime()), y=_none(spikes[y_column].astype(float)),
        name=f"spike (index ≥ {SPIKE_INDEX})", mode="markers", xaxis=xaxis, yaxis=yaxis,
        marker={"symbol": "star", "size": 16, "color": "rgba(0,0,0,0)",
                "line": {"color": "#d40000", "width": 2}},
        customdata=[[label(names.get(s, s)), "" if np.isnan(i) else f"{i:.1f}", "", s]
                    for s, i in zip(spikes["source"], index.to_numpy(dtype=float), strict=True)],
        hovertemplate="<b>spike</b> · %{customdata[0]}<br>%{x|%d %b %Y}: escalation index %{customdata[1]}"
                      "<extra></extra>",
        meta={"role": "spikes"},
    )


def daily_figure(series: pd.DataFrame, *, metric: str = "violations", mode: str = "raw",
                 names: Mapping[str, str] | None = None, sources: Iterable[str] | None = None,
                 title: str | None = None) -> go.Figure:
    """Daily figures of each source on one time axis. `series`: one row per day and source with
    `day, source, value, estimated, partial, coverage, reports, spike, escalation_index`.
    `mode="index"` draws each source's escalation index instead (sources count in different units)."""
    names = dict(names or {})
    frame = series.copy()
    if mode == "index":
        frame["value"] = pd.to_numeric(frame.get("escalation_index"), errors="coerce")
    days = calendar(frame["day"]) if len(frame) else pd.DatetimeIndex([])
    traces: list[go.Scatter] = []
    order = list(sources) if sources is not None else sorted(frame["source"].unique()) if len(frame) else []
    for i, source in enumerate(order):
        part = frame[frame["source"] == source]
        if part.empty or pd.to_numeric(part["value"], errors="coerce").notna().sum() == 0:
            continue
        traces += source_traces(part, source, days, name=names.get(source, source), order=i,
                                value_format=".1f" if mode == "index" else ",.4~g")
    spikes = _spike_trace(frame, names, "value") if len(frame) else None
    if spikes is not None:
        traces.append(spikes)
    metric_label = metric.replace("_", " ")
    layout = _layout(title or (f"Daily {metric_label}" if mode != "index" else f"Escalation index: {metric_label}"),
                     f"escalation index of {metric_label} (robust z-score)" if mode == "index"
                     else f"{metric_label} per day (each source's own unit)", empty=not traces,
                     note=NO_BASELINE if mode == "index" and _has_values(series) else NO_FIGURES)
    if mode == "index" and traces:
        layout["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": SPIKE_INDEX,
                             "y1": SPIKE_INDEX, "line": {"color": "#d40000", "width": 1, "dash": "dash"}}]
        layout["annotations"] = [*layout.get("annotations", []), {
            "text": "spike threshold", "showarrow": False, "xref": "paper", "x": 0, "xanchor": "left",
            "yref": "y", "y": SPIKE_INDEX, "yanchor": "bottom", "font": {"color": "#d40000", "size": 11}}]
    return go.Figure(data=traces, layout=layout)


def _note(text: str) -> dict:
    return {"text": text, "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
            "font": {"size": 16, "color": "#777"}}


NO_FIGURES = "no figures for this choice"
NO_BASELINE = ("no baseline yet: an escalation index needs<br>7 full days in the 30 before;<br>"
               "choose a later start or show the counts")  # short lines: it fits a narrow screen


def _has_values(series: pd.DataFrame) -> bool:
    return "value" in series and bool(pd.to_numeric(series["value"], errors="coerce").notna().any())


def empty_axes(layout: dict) -> dict:
    """An empty chart draws no axes, grid or threshold line: only its message (a blank frame of made-up
    ranges reads as data)."""
    for axis in [k for k in layout if k.startswith(("xaxis", "yaxis"))] or ["xaxis", "yaxis"]:
        layout[axis] = {**layout.get(axis, {}), "visible": False}
    layout["shapes"] = []
    return layout


def _layout(title: str, y_title: str, *, empty: bool = False, note: str = NO_FIGURES) -> dict:
    layout = {
        **LOOK, "title": {"text": label(title), "x": 0.01, "xanchor": "left"}, "height": 460,
        "margin": {"l": 60, "r": 20, "t": 60, "b": 40},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1, "xanchor": "right"},
        "xaxis": {**_AXIS, "title": {"text": "day (Europe/Kyiv)"}},
        "yaxis": {**_AXIS, "title": {"text": y_title}},
    }
    if empty:
        layout["annotations"] = [_note(note)]
        empty_axes(layout)
    return layout


def pair_figure(series: pd.DataFrame, source_a: str, source_b: str, *, metric: str = "violations",
                names: Mapping[str, str] | None = None) -> go.Figure:
    """The two sources' series one above the other (each in its own unit), on one shared time axis."""
    names = dict(names or {})
    days = calendar(series["day"]) if len(series) else pd.DatetimeIndex([])
    traces: list[go.Scatter] = []
    for row, source in enumerate((source_a, source_b), start=1):
        part = series[series["source"] == source]
        if part.empty:
            continue
        axes = {"xaxis": "x" if row == 1 else "x2", "yaxis": "y" if row == 1 else "y2"}
        traces += source_traces(part, source, days, name=names.get(source, source), order=row - 1, **axes)
        spikes = _spike_trace(part, names, "value", axes["xaxis"], axes["yaxis"])
        if spikes is not None:
            spikes.showlegend = False
            traces.append(spikes)
    titles = [{"text": label(names.get(s, s)), "showarrow": False, "xref": "paper", "x": 0.5, "xanchor": "center",
               "yref": "paper", "y": y, "yanchor": "bottom", "font": {"size": 13}}
              for s, y in ((source_a, 1.0), (source_b, 0.46))]
    layout = {
        **LOOK, "height": 460, "margin": {"l": 60, "r": 20, "t": 50, "b": 40}, "showlegend": True,
        "legend": {"orientation": "h", "y": -0.12},
        "title": {"text": label(f"{metric.replace('_', ' ')} per day, each in its own unit"), "x": 0.01},
        "xaxis": {**_AXIS, "anchor": "y", "matches": "x2", "showticklabels": False},
        "xaxis2": {**_AXIS, "anchor": "y2"},
        "yaxis": {**_AXIS, "domain": [0.54, 1.0], "anchor": "x"},
        "yaxis2": {**_AXIS, "domain": [0.0, 0.46], "anchor": "x2"},
        "annotations": titles + ([] if traces else [_note("no figures for this pair")]),
    }
    return go.Figure(data=traces, layout=layout)


def log_ticks(values: pd.Series) -> dict:
    """Ticks at 1, 2 and 5 of each power of ten that the positive `values` span, written in full (0.005,
    not plotly's bare "5" below 0.01)."""
    positive = pd.to_numeric(values, errors="coerce")
    positive = positive[positive > 0]
    if positive.empty:
        return {}
    low, high = int(np.floor(np.log10(positive.min()))), int(np.ceil(np.log10(positive.max())))
    ticks = [m * 10.0**k for k in range(low, high + 1) for m in (1, 2, 5)]
    ticks = [t for t in ticks if positive.min() / 2 <= t <= positive.max() * 2]
    return {"tickvals": ticks, "ticktext": [f"{t:.12g}" for t in ticks]}


def ratio_figure(rows: pd.DataFrame, *, names: Mapping[str, str] | None = None, band: float = 2.0) -> go.Figure:
    """`value_b / value_a` per day against its typical ratio and the band typical/`band` … typical×`band`
    (outside it: `magnitude`), on a log axis; days graded diverging or contradicting are marked.
    `rows`: the discrepancy rows of one pair, region and metric."""
    names = dict(names or {})
    if rows.empty:
        return go.Figure(layout=_layout("Ratio", "ratio", empty=True))
    a, b = rows["source_a"].iloc[0], rows["source_b"].iloc[0]
    days = calendar(rows["day"])
    one = _on_calendar(rows, days)
    x = list(days.to_pydatetime())
    ratio = pd.to_numeric(one["ratio"], errors="coerce").where(lambda r: r > 0)
    typical = pd.to_numeric(one["typical_ratio"], errors="coerce").where(lambda t: t > 0)
    traces = []
    if typical.notna().any():  # the legend lists only what is drawn
        traces.append(go.Scatter(x=x, y=_none(typical / band), mode="lines", line={"width": 0}, connectgaps=False,
                                 hoverinfo="skip", showlegend=False, meta={"role": "band-low"}))
        traces.append(go.Scatter(x=x, y=_none(typical * band), mode="lines", line={"width": 0}, connectgaps=False,
                                 fill="tonexty", fillcolor="rgba(46,139,87,0.15)", hoverinfo="skip",
                                 name=f"typical band (÷{band:g} … ×{band:g})", meta={"role": "band-high"}))
        traces.append(go.Scatter(x=x, y=_none(typical), mode="lines", connectgaps=False,
                                 line={"color": "#2e8b57", "dash": "dash"}, name="typical ratio (30-day median)",
                                 hovertemplate="%{x|%d %b %Y}: typical %{y:.3~g}<extra></extra>",
                                 meta={"role": "typical"}))
    name = f"{label(names.get(b, b))} ÷ {label(names.get(a, a))}"
    traces.append(go.Scatter(x=x, y=_none(ratio), mode="lines+markers", connectgaps=False, name=name,
                             line={"color": "#1f2d3d"}, marker={"size": 6},
                             customdata=[[label(e)] for e in one["explanation"].fillna("")]
                             if "explanation" in one else None,
                             hovertemplate="%{x|%d %b %Y}: ratio %{y:.3~g}<br>%{customdata[0]}<extra></extra>",
                             meta={"role": "ratio"}))
    positive = pd.to_numeric(rows["ratio"], errors="coerce") > 0
    flagged = rows[rows["grade"].isin(["diverging", "contradicting"]) & positive]
    for grade in ("diverging", "contradicting"):
        part = flagged[flagged["grade"] == grade]
        if part.empty:
            continue
        traces.append(go.Scatter(
            x=list(pd.to_datetime(part["day"]).dt.to_pydatetime()), y=_none(part["ratio"].astype(float)),
            mode="markers", name=grade, marker={"size": 13, "symbol": "diamond-open",
                                                "line": {"width": 2, "color": GRADE_COLOURS[grade]}},
            customdata=[[label(k)] for k in part["kind"]],
            hovertemplate=f"<b>{grade}</b> (%{{customdata[0]}})<br>%{{x|%d %b %Y}}: ratio %{{y:.3~g}}<extra></extra>",
            meta={"role": grade}))
    layout = _layout(f"Ratio {name}", "ratio (log scale)")
    layout["legend"] = {"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0, "xanchor": "left"}
    layout["margin"] = {**layout["margin"], "b": 90}
    layout["yaxis"].update(type="log", **log_ticks(pd.concat([ratio, typical / band, typical * band])))
    if typical.notna().sum() == 0:
        layout["annotations"] = [{**_note("no typical ratio yet: fewer than 5 of the 30 days before have a "
                                          "non-estimated figure from both"), "y": 1.02, "font": {"size": 11,
                                                                                                  "color": "#777"}}]
    return go.Figure(data=traces, layout=layout)


# --- the overview's small multiples ----------------------------------------------------------------

# The level marks drawn over a figure (CONTRACT §7): level -> (role, symbol, size, colour, legend name).
LEVEL_MARKS: dict[str, tuple[str, str, int, str, str]] = {
    "spike": ("spikes", "star", 16, "#d40000", f"spike (index ≥ {SPIKE_INDEX})"),
    "raised": ("raised", "triangle-up", 13, "#e67e22", "raised (index ≥ 2)"),
    "low": ("low", "triangle-down", 12, "#2e86c1", "low (index ≤ −2)"),
}
PANEL_HEIGHT = 170  # px per source panel
_PANEL_GAP = 38  # px between panels: room for the next panel's title


def drawn_figures(series: pd.DataFrame, *, sources: Iterable[str] | None = None, mode: str = "raw",
                  log: bool = False) -> pd.DataFrame:
    """The rows `small_multiples` draws, in its order (source as given, then day): every figure of the
    given sources with a value to draw (with mode="index", the figures with an escalation index; on a log
    scale, the figures above 0: a log axis cannot draw a zero)."""
    if series.empty:
        return series.iloc[0:0].copy()
    order = list(sources) if sources is not None else sorted(series["source"].unique())
    drawn_column = "escalation_index" if mode == "index" else "value"
    y = pd.to_numeric(series.get(drawn_column, pd.Series(np.nan, index=series.index)), errors="coerce")
    rank = {source: i for i, source in enumerate(order)}
    kept = series[series["source"].isin(order) & y.notna() & ((y > 0) if log and mode != "index" else True)].copy()
    kept["_rank"] = kept["source"].map(rank)
    kept = kept.sort_values(["_rank", "day"], kind="stable").drop(columns="_rank")
    return kept.drop_duplicates(["source", "day"], keep="last").reset_index(drop=True)


def _level_marks(frame: pd.DataFrame, names: Mapping[str, str], xaxis: str, yaxis: str,
                 shown: set[str]) -> list[go.Scatter]:
    """A hollow mark over each figure at spike, raised or low (one trace per level; `shown` holds the levels
    already in the legend). customdata: [name, index, 'as a lower bound', source key]."""
    traces = []
    for level, (role, symbol, size, colour_, legend) in LEVEL_MARKS.items():
        part = frame[frame["level"] == level] if "level" in frame else frame.iloc[0:0]
        if part.empty:
            continue
        index = pd.to_numeric(part.get("escalation_index", pd.Series(np.nan, index=part.index)), errors="coerce")
        lower = part.get("incomplete", pd.Series(False, index=part.index)).fillna(False).astype(bool)
        custom = np.empty((len(part), 4), dtype=object)
        custom[:, 0] = [label(names.get(s, s)) for s in part["source"]]
        custom[:, 1] = ["" if np.isnan(i) else f"{i:.1f}" for i in index.to_numpy(dtype=float)]
        custom[:, 2] = [" (even as a lower bound)" if b else "" for b in lower]
        custom[:, 3] = part["source"].to_numpy(dtype=object)
        traces.append(go.Scatter(
            x=list(pd.to_datetime(part["day"]).dt.to_pydatetime()), y=_none(part["value"].astype(float)),
            name=legend, legendgroup=role, showlegend=level not in shown, mode="markers", xaxis=xaxis, yaxis=yaxis,
            marker={"symbol": symbol, "size": size, "color": "rgba(0,0,0,0)", "line": {"color": colour_, "width": 2}},
            customdata=custom, meta={"role": role},
            hovertemplate=f"<b>{level}</b>%{{customdata[2]}} · %{{customdata[0]}}<br>%{{x|%d %b %Y}}: escalation "
                          "index %{customdata[1]}<extra></extra>",
        ))
        shown.add(level)
    return traces


def _keys(frame: pd.DataFrame) -> list[go.Scatter]:
    """Legend entries (no points) for the incomplete and the estimated figures, when there are any."""
    keys = []
    for column, symbol, name, dash in (("incomplete", INCOMPLETE_SYMBOL, "incomplete (a lower bound)", None),
                                       ("estimated", ESTIMATED_SYMBOL, "estimated (share of a longer window)", "dot")):
        if column in frame and frame[column].fillna(False).astype(bool).any():
            keys.append(go.Scatter(
                x=[None], y=[None], name=name, mode="lines+markers" if dash else "markers", hoverinfo="skip",
                xaxis="x", yaxis="y",
                line={"color": "#555", "dash": dash, "width": 2}, meta={"role": "key"},
                marker={"symbol": symbol, "size": 10, "color": "#555", "line": {"width": 1.5, "color": "#555"}}))
    return keys


def small_multiples(series: pd.DataFrame, *, metric: str = "violations", mode: str = "raw",
                    names: Mapping[str, str] | None = None, sources: Iterable[str] | None = None,
                    hints: Mapping[str, str] | None = None, shared: bool = False, log: bool = False,
                    title: str | None = None, calendar_tz: str = "Europe/Kyiv") -> go.Figure:
    """Each source's daily figures in a panel of its own, with its own y axis (sources count in different
    units), on one calendar x axis (its days in `calendar_tz`, the store's); `shared=True` draws them all in
    one panel on one axis instead; `log` makes the y axes logarithmic (counts only: an index can be
    negative). Each panel is titled with the source's name and `hints[source]` (its unit). Incomplete
    figures are half-filled markers, estimated days dotted with hollow markers, spike/raised/low marked
    (star, triangle up, triangle down).
    `series`: `drawn_figures`' input: day, source, value, estimated, partial, coverage, incomplete,
    reports, escalation_index, level, and optionally `accuses` (for the hover)."""
    names, hints = dict(names or {}), dict(hints or {})
    order = list(sources) if sources is not None else sorted(series["source"].unique()) if len(series) else []
    log = log and mode != "index"
    frame = drawn_figures(series, sources=order, mode=mode, log=log)
    if mode == "index":
        frame["value"] = pd.to_numeric(frame["escalation_index"], errors="coerce")
    drawn = [s for s in order if (frame["source"] == s).any()] if len(frame) else []
    with_values = set(drawn_figures(series, sources=order, mode="raw")["source"]) if mode == "index" else set()
    unjudged = [s for s in order if s not in drawn and s in with_values]
    missing = [s for s in order if s not in drawn and s not in with_values]
    metric_label = metric.replace("_", " ")
    what = f"Escalation index: {metric_label}" if mode == "index" else f"Daily {metric_label}"
    how = "all sources on one shared axis" if shared else "each source on its own axis"
    heading = title or f"{what}, {how}" + (" (log scale)" if log else "")
    notes = ([f"no figures for this choice: {', '.join(label(names.get(s, s)) for s in missing)}"] if missing else []) \
        + ([f"no baseline yet: {', '.join(label(names.get(s, s)) for s in unjudged)}"] if unjudged else [])
    if notes:
        heading += f"<br><sup>{'; '.join(notes)}</sup>"
    if not drawn:
        layout = _layout(heading, "", empty=True, note=NO_BASELINE if unjudged else NO_FIGURES)
        layout["title"]["text"] = heading
        return go.Figure(layout=layout)

    days = calendar(frame["day"])
    panels = [drawn] if shared else [[s] for s in drawn]
    count = len(panels)
    height = 460 if count == 1 else 100 + PANEL_HEIGHT * count
    margin = {"l": 70, "r": 20, "t": 90, "b": 40}
    gap = _PANEL_GAP / (height - margin["t"] - margin["b"]) if count > 1 else 0.0
    share = (1 - gap * (count - 1)) / count
    y_title = f"escalation index of {metric_label}" if shared else "escalation index"
    if mode != "index":
        y_title = f"{metric_label} per day (each source's own unit)" if shared else "per day"
    layout: dict = {
        **LOOK, "height": height, "margin": margin, "title": {"text": heading, "x": 0.01, "xanchor": "left"},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0 + 24 / (height - 130), "x": 1,
                   "xanchor": "right"},
        "annotations": [], "shapes": [],
    }
    traces: list[go.Scatter] = []
    in_legend: set[str] = set()
    for k, panel in enumerate(panels):
        xaxis, yaxis = ("x", "y") if k == 0 else (f"x{k + 1}", f"y{k + 1}")
        top = 1 - k * (share + gap)
        bottom = max(0.0, top - share)
        values = frame.loc[frame["source"].isin(panel), "value"]
        layout["xaxis" if k == 0 else f"xaxis{k + 1}"] = {
            **_AXIS, "anchor": yaxis, "showticklabels": k == count - 1,
            **({"matches": "x"} if k else {}),
            **({"title": {"text": f"day ({calendar_tz})"}} if k == count - 1 else {}),
        }
        layout["yaxis" if k == 0 else f"yaxis{k + 1}"] = {
            **_AXIS, "anchor": xaxis, "domain": [bottom, top], "title": {"text": y_title, "font": {"size": 11}},
            **({"type": "log", **log_ticks(values)} if log else {"rangemode": "tozero"} if mode != "index" else {}),
        }
        for source in panel:
            i = order.index(source)
            traces += source_traces(frame[frame["source"] == source], source, days, name=names.get(source, source),
                                    order=i, value_format=".1f" if mode == "index" else ",.4~g", xaxis=xaxis,
                                    yaxis=yaxis, showlegend=shared)
        traces += _level_marks(frame[frame["source"].isin(panel)], names, xaxis, yaxis, in_legend)
        if not shared:
            source = panel[0]
            hint = hints.get(source)
            layout["annotations"].append({
                "text": f"<b>{label(names.get(source, source))}</b>" + (f" · {label(hint)}" if hint else ""),
                "showarrow": False, "xref": "paper", "x": 0, "xanchor": "left", "yref": "paper", "y": top,
                "yanchor": "bottom", "font": {"size": 12}, "name": f"panel {source}"})
        if mode == "index":
            layout["shapes"].append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": yaxis,
                                     "y0": SPIKE_INDEX, "y1": SPIKE_INDEX,
                                     "line": {"color": "#d40000", "width": 1, "dash": "dash"}})
    traces += _keys(frame)
    if not shared:  # the key below the chart: above it, it wraps into the title on a narrow screen
        layout["legend"] = {"orientation": "h", "yanchor": "top", "y": -70 / (height - 130), "x": 0, "xanchor": "left"}
        layout["margin"] = {**margin, "t": 60, "b": 110}
        layout["height"] = height + 40
    if shared:  # the sources' names in the legend, below the chart; the key explains the dotted lines
        for trace in traces:
            if trace.meta.get("role") == "estimated":
                trace.showlegend = False
        layout["legend"] = {"orientation": "h", "yanchor": "top", "y": -0.26, "x": 0, "xanchor": "left"}
        layout["margin"] = {**margin, "t": 70, "b": 120}
    if mode == "index":
        layout["annotations"].append({
            "text": "spike threshold", "showarrow": False, "xref": "paper", "x": 1, "xanchor": "right",
            "yref": "y", "y": SPIKE_INDEX, "yanchor": "bottom", "font": {"color": "#d40000", "size": 11}})
    return go.Figure(data=traces, layout=layout)
