"""Compare (/compare): the parties' claims against the monitor (CONTRACT §7). At the top the timeline of
the day readings (who claims an escalation, does the monitor see it); below it the parties' claims
mirrored around the axis with the monitor's series; then every pair of sources, graded. Click a day, a
bar or a row for the reports behind every figure of that day. Each chart and table downloads as CSV."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html

from dashboards import components as c
from dashboards import readings_figures as rf
from dashboards.pages.overview import REGIONS, source_span
from tracker import analysis, series, validate, vocab
from tracker.analysis import windows
from tracker.analysis.discrepancies import discrepancies
from tracker.analysis.readings import readings
from tracker.db import DatabaseError, Store

dash.register_page(__name__, path="/compare", name="Compare", order=1, title="Compare the claims")

pid = c.id_maker("compare")
DEFAULT_DAYS = 30
GRADE_ORDER = {"contradicting": 0, "diverging": 1, "consistent": 2}
PAIR_COLUMNS = ["day", "grade", "kind", "source_a", "value_a", "level_a", "source_b", "value_b", "level_b", "ratio",
                "typical_ratio", "explanation"]

# The analysis of a choice, by (store, write counter, choice): a write changes the counter (see overview.py).
_analyses = c.Memo(64)
_registries = c.Memo(4)  # the registry and the sources' names, per store version (a registry change is a write)
_names = c.Memo(4)
_explained = c.Memo(64)


def _as_day(value: object) -> date | None:
    if value in (None, ""):
        return None
    return pd.Timestamp(str(value)[:10]).date()


def analyse(store: Store, *, region: str = "all", metric: str = "violations", date_from: object = None,
            date_to: object = None, explain: bool = False, version: tuple | None = None
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(readings, pairs) of one region and metric over [date_from, date_to]: the rows of `tracker compare`
    and of `tracker discrepancies`, computed once from one read of the series. The day sentences of the
    readings are written only with `explain` (a click, a download), so a new choice does not wait for them.
    `version`: the store's `c.data_version`, when the caller has just read it."""
    start, end = _as_day(date_from), _as_day(date_to)
    version = version or c.data_version(store)
    key = (version, region, metric, start, end)
    found, read, pairs, registry = _analyses.get(key, lambda: _analyse(store, version, region, metric, start,
                                                                       end))
    if not explain:
        return read, pairs
    return _explained.get(key, lambda: readings(found, registry, date_from=start, date_to=end)), pairs


def _analyse(store: Store, version: tuple, region: str, metric: str, start: date | None, end: date | None) -> tuple:
    known = _registries.get(version, lambda: analysis.registry(store))
    found, registry = analysis.analysed(store, regions=[region], metrics=[metric], date_from=start, date_to=end,
                                        known=known)
    return (found, readings(found, registry, date_from=start, date_to=end, explain=False),
            discrepancies(found, registry, date_from=start, date_to=end), registry)


def pair_rows(pairs: pd.DataFrame) -> list[dict]:
    """The pair table: most severe first, then the latest day first. Built column by column with numpy
    (a table of a few thousand rows; pandas' per-cell conversions were most of its time)."""
    if pairs.empty:
        return []
    keys = [pairs["source_b"], pairs["source_a"], pairs["day"], pairs["grade"].map(GRADE_ORDER)]
    order = np.lexsort([_ranks(keys[0]), _ranks(keys[1]), -windows.day_numbers(keys[2]), keys[3].to_numpy()])
    shown = pairs.iloc[order]
    columns = {"day": shown["day"].to_numpy(dtype="datetime64[D]").astype(str).tolist()}
    for column in PAIR_COLUMNS[1:]:
        values = shown[column]
        if column in ("value_a", "value_b", "ratio", "typical_ratio"):
            values = np.round(values.to_numpy(dtype=np.float64), 1 if column.startswith("value") else 3)
        columns[column] = [None if value != value else value for value in values.tolist()]  # NaN → None
    return [dict(zip(PAIR_COLUMNS, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _ranks(values: pd.Series) -> np.ndarray:
    """Each value's place in sorted order (equal values equal), for np.lexsort."""
    return np.unique(values.to_numpy(dtype=object), return_inverse=True)[1]


def _query_day(value: object) -> date | None:
    try:
        return _as_day(value)
    except ValueError:
        return None


def layout(**query: Any) -> html.Div:
    """The page; `?from=D&to=D&region=R&metric=M` in the address opens that choice (a link to share)."""
    store = c.store()
    with_data, first, last = source_span(store)
    end = _query_day(query.get("to")) or last or date.today()
    start = _query_day(query.get("from")) or max(first or end, end - timedelta(days=DEFAULT_DAYS - 1))
    region, metric, _ = _choice(query.get("region"), query.get("metric"), None)
    timeline, mirrored, table, error = update(region, metric, start.isoformat(), end.isoformat(), "raw")
    return html.Div([
        dbc.Row([
            dbc.Col([dbc.Label("Region", html_for=pid("region")),
                     dbc.Select(id=pid("region"), value=region,
                                options=[{"label": t, "value": v} for v, t in REGIONS])],
                    xs=12, sm=6, lg=3),
            dbc.Col([dbc.Label("Metric", html_for=pid("metric")),
                     dbc.Select(id=pid("metric"), value=metric,
                                options=[{"label": m.replace("_", " "), "value": m} for m in vocab.METRICS])],
                    xs=12, sm=6, lg=3),
            dbc.Col([dbc.Label(f"Days ({series.calendar_tz(c.store())})", html_for=pid("dates")),
                     dcc.DatePickerRange(id=pid("dates"), start_date=start, end_date=end, min_date_allowed=first,
                                         max_date_allowed=last, display_format="YYYY-MM-DD", first_day_of_week=1)],
                    xs=12, md=6, lg=4),
            dbc.Col([dbc.Label("Claims as", html_for=pid("mode")),
                     dbc.RadioItems(id=pid("mode"), value="raw", inline=True,
                                    options=[{"label": "counts", "value": "raw"},
                                             {"label": "escalation index", "value": "index"}])], xs=12, md=6, lg=2),
        ], className="mb-2"),
        html.Div(error, id=pid("error")),
        html.Div([
            dbc.Button("Download a brief (HTML)", id=pid("brief"), size="sm", color="primary", outline=True,
                       title="one self-contained HTML file of this choice to send: charts, flagged days, spikes, "
                             "the reports behind them; opens offline, prints to PDF"),
            dcc.Download(id=pid("brief-download")),
            c.csv_download(pid, "timeline", "Download the readings (CSV)")], className="text-end"),
        dcc.Graph(id=pid("timeline"), figure=timeline, config={"displaylogo": False, "responsive": True}),
        html.Div([c.csv_download(pid, "claims", "Download the claims (CSV)")], className="text-end"),
        dcc.Graph(id=pid("claims"), figure=mirrored, config={"displaylogo": False, "responsive": True}),
        html.P(["A side claims an escalation when one of its sources accuses the other side of a figure at a spike "
                "or raised against its own 30-day baseline. Half-transparent bars: incomplete figures (an "
                "intraday snapshot or one region of the zone), read as lower bounds; hatched: estimated shares "
                "of a longer window. Each source counts in its own unit. Click a day for the reports behind it."],
               className="small text-muted"),
        html.Div(id=pid("behind"), className="mb-3"),
        html.Div([html.H5("Every pair of sources", className="d-inline"),
                  c.csv_download(pid, "pairs", "Download the pairs (CSV)")], className="mt-2"),
        html.Div(table, id=pid("table")),
    ])


@callback(
    Output(pid("timeline"), "figure"),
    Output(pid("claims"), "figure"),
    Output(pid("table"), "children"),
    Output(pid("error"), "children"),
    Input(pid("region"), "value"),
    Input(pid("metric"), "value"),
    Input(pid("dates"), "start_date"),
    Input(pid("dates"), "end_date"),
    Input(pid("mode"), "value"),
    prevent_initial_call=True,
)
def update(region: str, metric: str, start: str | None, end: str | None, mode: str) -> tuple:
    store = c.store()
    region, metric, mode = _choice(region, metric, mode)
    version = c.data_version(store)
    names = _names.get(version, lambda: validate.registered_sources(store))
    try:
        found, pairs = analyse(store, region=region, metric=metric, date_from=start, date_to=end, version=version)
    except DatabaseError as error:
        return dash.no_update, dash.no_update, "", c.error_alert(error)
    table = c.grid(pid("grid"), pair_rows(pairs), [
        {"field": "day", "minWidth": 115}, {"field": "grade", "minWidth": 130}, {"field": "kind", "minWidth": 210},
        {"field": "source_a", "headerName": "source a", "minWidth": 115},
        {"field": "value_a", "headerName": "a", "minWidth": 80},
        {"field": "level_a", "headerName": "level a", "minWidth": 125},
        {"field": "source_b", "headerName": "source b", "minWidth": 115},
        {"field": "value_b", "headerName": "b", "minWidth": 80},
        {"field": "level_b", "headerName": "level b", "minWidth": 125},
        {"field": "ratio", "minWidth": 90}, {"field": "typical_ratio", "headerName": "typical", "minWidth": 100},
        {"field": "explanation", "flex": 1, "minWidth": 420, "wrapText": True, "autoHeight": True,
         "cellStyle": c.WRAPPED},
    ], height=420, dashGridOptions={"rowSelection": {"mode": "singleRow", "checkboxes": False,
                                                     "enableClickSelection": True}})
    return (rf.timeline_figure(found, metric), rf.mirrored_figure(found, mode=mode, names=names, metric=metric),
            table, "")


def _choice(region: str | None, metric: str | None, mode: str | None) -> tuple[str, str, str]:
    return (region if region in dict(REGIONS) else "all", metric if metric in vocab.METRICS else "violations",
            mode if mode in ("raw", "index") else "raw")


@callback(
    Output(pid("behind"), "children"),
    Input(pid("timeline"), "clickData"),
    Input(pid("claims"), "clickData"),
    Input(pid("grid"), "selectedRows"),
    Input(pid("region"), "value"),
    Input(pid("metric"), "value"),
    Input(pid("dates"), "start_date"),
    Input(pid("dates"), "end_date"),
    prevent_initial_call=True,
)
def select(timeline_click: dict | None, claims_click: dict | None, selected: list[dict] | None, region: str,
           metric: str, start: str | None, end: str | None) -> Any:
    """The reports behind every figure of the day clicked; a new choice clears the panel (never stale)."""
    trigger = ctx.triggered_id
    if trigger in (pid("region"), pid("metric"), pid("dates")):
        return ""
    day = None
    if trigger == pid("grid"):
        if not selected:
            return ""
        day = selected[0]["day"]
    elif trigger in (pid("timeline"), pid("claims")):
        click = timeline_click if trigger == pid("timeline") else claims_click
        if click and click.get("points"):
            day = str(click["points"][0]["x"])[:10]
    if not day:
        return dash.no_update
    store = c.store()
    region, metric, _ = _choice(region, metric, None)
    found, _ = analyse(store, region=region, metric=metric, date_from=start, date_to=end, explain=True)
    on_day = found[found["day"] == pd.Timestamp(day)]
    names = validate.registered_sources(store)
    if on_day.empty:
        return html.P(f"No figure on {day}.", className="text-muted", id=pid("behind-none"))
    return html.Div([
        html.H5(f"{day}: {rf.READING_LABELS.get(on_day['reading'].iloc[0], 'no reading')}", id=pid("behind-day")),
        html.P(on_day["explanation"].iloc[0], className="small"),
        *[c.reports_behind(store, source, region, day, names, id=pid(f"behind-{i}"))
          for i, source in enumerate(on_day["source"])],
    ])


@callback(Output(pid("timeline-download"), "data"), Input(pid("timeline-csv"), "n_clicks"),
          State(pid("region"), "value"), State(pid("metric"), "value"), State(pid("dates"), "start_date"),
          State(pid("dates"), "end_date"), prevent_initial_call=True)
def download_readings(_clicks: int, region: str, metric: str, start: str | None, end: str | None) -> dict:
    region, metric, _ = _choice(region, metric, None)
    found, _ = analyse(c.store(), region=region, metric=metric, date_from=start, date_to=end, explain=True)
    return c.send_csv(_dated(found), f"compare_{region}_{metric}_{start}_{end}.csv")


@callback(Output(pid("claims-download"), "data"), Input(pid("claims-csv"), "n_clicks"),
          State(pid("region"), "value"), State(pid("metric"), "value"), State(pid("dates"), "start_date"),
          State(pid("dates"), "end_date"), State(pid("mode"), "value"), prevent_initial_call=True)
def download_claims(_clicks: int, region: str, metric: str, start: str | None, end: str | None, mode: str) -> dict:
    region, metric, mode = _choice(region, metric, mode)
    found, _ = analyse(c.store(), region=region, metric=metric, date_from=start, date_to=end)
    drawn = rf.claims_frame(found, mode)[["day", "side", "source", "value", "index", "shown", "level", "coverage",
                                          "estimated", "incomplete"]]
    return c.send_csv(_dated(drawn), f"claims_{region}_{metric}_{mode}_{start}_{end}.csv")


@callback(Output(pid("pairs-download"), "data"), Input(pid("pairs-csv"), "n_clicks"),
          State(pid("region"), "value"), State(pid("metric"), "value"), State(pid("dates"), "start_date"),
          State(pid("dates"), "end_date"), prevent_initial_call=True)
def download_pairs(_clicks: int, region: str, metric: str, start: str | None, end: str | None) -> dict:
    region, metric, _ = _choice(region, metric, None)
    _, pairs = analyse(c.store(), region=region, metric=metric, date_from=start, date_to=end)
    return c.send_csv(pd.DataFrame(pair_rows(pairs), columns=PAIR_COLUMNS),
                      f"pairs_{region}_{metric}_{start}_{end}.csv")


def _dated(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["day"] = pd.to_datetime(out["day"]).dt.strftime("%Y-%m-%d")
    return out


@callback(Output(pid("brief-download"), "data"), Input(pid("brief"), "n_clicks"),
          State(pid("region"), "value"), State(pid("dates"), "start_date"), State(pid("dates"), "end_date"),
          prevent_initial_call=True, running=[(Output(pid("brief"), "disabled"), True, False)])
def download_brief(clicks: int | None, region: str, start: str | None, end: str | None) -> Any:
    """The brief of the page's region and days (dashboards/brief.py), as `tracker brief` writes it."""
    from dashboards import brief

    day_from, day_to = _as_day(start), _as_day(end)
    if not clicks or day_from is None or day_to is None:
        return dash.no_update
    region, _, _ = _choice(region, None, None)
    choice = brief.BriefChoice(day_from, day_to, region)
    return dcc.send_string(brief.build(c.store(), choice), choice.filename())
