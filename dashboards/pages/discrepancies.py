"""Discrepancies (/discrepancies): for a pair of sources and a metric, both series (each in its own unit),
their ratio against its typical band, and the days graded diverging or contradicting with the reason;
click a row for the reports behind both figures."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboards import components as c
from dashboards import figures
from dashboards.pages.overview import REGIONS, source_span
from tracker import validate, vocab
from tracker.analysis import discrepancies, long_figures, trends
from tracker.analysis.discrepancies import MAGNITUDE_FACTOR, MONITOR, TYPICAL_DAYS, default_blames
from tracker.analysis.trends import BASELINE_DAYS
from tracker.db import DatabaseError, Store

dash.register_page(__name__, path="/discrepancies", name="Discrepancies", order=1, title="Discrepancies")

pid = c.id_maker("discrepancies")
DEFAULT_DAYS = 60
TABLE_COLUMNS = ["day", "grade", "kind", "value_a", "value_b", "ratio", "typical_ratio", "explanation"]

# Computed pairs by (store, write counter, choice): a write changes the counter (see overview.py).
_pairs = c.Memo(64)
_views = c.Memo(64)


def _as_day(value: object) -> date | None:
    if value in (None, ""):
        return None
    return pd.Timestamp(str(value)[:10]).date()


def pair_data(store: Store, source_a: str, source_b: str, *, metric: str = "violations", region: str = "all",
              date_from: object = None, date_to: object = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(series, rows): the pair's daily figures of `metric` (`day, source, value, estimated, partial,
    coverage, reports, spike, escalation_index`) and its discrepancy rows, both in [date_from, date_to].
    The 30 days before are read for baselines and typical ratios; the monitor (OSCE) is read too, since
    `attribution` asks whether it saw a spike."""
    a, b = sorted((source_a, source_b))
    start, end = _as_day(date_from), _as_day(date_to)
    key = (c.data_version(store), a, b, metric, region, start, end)
    return _pairs.get(key, lambda: _pair_data(store, a, b, metric, region, start, end))


def _pair_data(store: Store, a: str, b: str, metric: str, region: str, start: date | None,
               end: date | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    from tracker import series  # the daily series (CONTRACT §3)

    history = max(BASELINE_DAYS, TYPICAL_DAYS)
    daily = series.daily(store, sources=sorted({a, b, MONITOR}), regions=[region],
                         date_from=start - timedelta(days=history) if start else None, date_to=end)
    found = trends(long_figures(daily))
    rows = discrepancies(found, blames=default_blames(), monitor=MONITOR, date_from=start, date_to=end,
                         names=validate.registered_sources(store))
    rows = rows[(rows["source_a"] == a) & (rows["source_b"] == b) & (rows["metric"] == metric)
                & (rows["region"] == region)].reset_index(drop=True)
    pair = found[found["source"].isin([a, b]) & (found["metric"] == metric)]
    if start is not None:
        pair = pair[pair["day"] >= pd.Timestamp(start)]
    if not daily.empty:
        extra = daily[["day", "source", "region", "coverage", "reports"]].copy()
        extra["day"] = pd.to_datetime(extra["day"]).dt.normalize().astype("datetime64[ns]")
        extra["region"] = extra["region"].fillna("all")
        pair = pair.merge(extra, on=["day", "source", "region"], how="left")
    return pair.reset_index(drop=True), rows


def flagged_rows(rows: pd.DataFrame) -> list[dict]:
    """The days graded diverging or contradicting, most severe and latest first, as table rows."""
    flagged = rows[rows["grade"] != "consistent"].copy()
    if flagged.empty:
        return []
    flagged["severity"] = flagged["grade"].map({"contradicting": 0, "diverging": 1})
    flagged = flagged.sort_values(["severity", "day"], ascending=[True, False])

    def num(value: object, digits: int = 1) -> Any:
        return None if value is None or pd.isna(value) else round(float(value), digits)

    return [{
        "day": pd.Timestamp(r["day"]).strftime("%Y-%m-%d"), "grade": r["grade"], "kind": r["kind"],
        "value_a": num(r["value_a"]), "value_b": num(r["value_b"]), "ratio": num(r["ratio"], 3),
        "typical_ratio": num(r["typical_ratio"], 3), "explanation": r["explanation"],
    } for r in flagged.to_dict("records")]


def _default_pair(with_data: list[str]) -> tuple[str | None, str | None]:
    preferred = [s for s in ("osce_smm", "ua_mod") if s in with_data]
    rest = [s for s in with_data if s not in preferred]
    chosen = (preferred + rest)[:2]
    return (chosen + [None, None])[0], (chosen + [None, None])[1]


def layout(**_kwargs: Any) -> html.Div:
    store = c.store()
    names = validate.registered_sources(store)
    with_data, first, last = source_span(store)
    end = last or date.today()
    start = max(first or end, end - timedelta(days=DEFAULT_DAYS - 1))
    a, b = _default_pair(with_data)
    options = [{"label": names.get(s, s), "value": s} for s in with_data]
    # The first view comes with the page (one round trip less); the callback answers later changes.
    pair_fig, ratio_fig, table, error = update(a, b, "violations", "all", start.isoformat(), end.isoformat())
    if pair_fig is dash.no_update:
        pair_fig, ratio_fig = figures.pair_figure(pd.DataFrame(columns=list(figures.SERIES_COLUMNS)), "", ""), \
            figures.ratio_figure(pd.DataFrame())
    return html.Div([
        dbc.Row([
            dbc.Col([dbc.Label("Source", html_for=pid("a")), dbc.Select(id=pid("a"), options=options, value=a)], md=2),
            dbc.Col([dbc.Label("against", html_for=pid("b")), dbc.Select(id=pid("b"), options=options, value=b)], md=2),
            dbc.Col([dbc.Label("Metric", html_for=pid("metric")),
                     dbc.Select(id=pid("metric"), value="violations",
                                options=[{"label": m.replace("_", " "), "value": m} for m in vocab.METRICS])], md=2),
            dbc.Col([dbc.Label("Region", html_for=pid("region")),
                     dbc.RadioItems(id=pid("region"), value="all", inline=True,
                                    options=[{"label": t, "value": v} for v, t in REGIONS])], md=3),
            dbc.Col([dbc.Label("Days (Europe/Kyiv)", html_for=pid("dates")),
                     dcc.DatePickerRange(id=pid("dates"), start_date=start, end_date=end, min_date_allowed=first,
                                         max_date_allowed=last, display_format="YYYY-MM-DD",
                                         first_day_of_week=1)], md=3),
        ], className="mb-2"),
        html.Div(error, id=pid("error")),
        dcc.Loading([
            dbc.Row([
                dbc.Col(dcc.Graph(id=pid("pair"), config={"displaylogo": False}, figure=pair_fig), lg=6),
                dbc.Col(dcc.Graph(id=pid("ratio"), config={"displaylogo": False}, figure=ratio_fig), lg=6),
            ]),
        ], type="circle", delay_show=300),
        html.P([f"Sources count in different units, so they are compared as a ratio against the pair's typical "
                f"ratio (median of the {TYPICAL_DAYS} days before, non-estimated days only); the band is "
                f"÷{MAGNITUDE_FACTOR:g} … ×{MAGNITUDE_FACTOR:g} of it."], className="small text-muted"),
        html.H5("Days the pair disagrees", className="mt-2"),
        html.Div(table, id=pid("table")),
        html.Div(id=pid("behind"), className="mt-3"),
    ])


@callback(
    Output(pid("pair"), "figure"),
    Output(pid("ratio"), "figure"),
    Output(pid("table"), "children"),
    Output(pid("error"), "children"),
    Input(pid("a"), "value"),
    Input(pid("b"), "value"),
    Input(pid("metric"), "value"),
    Input(pid("region"), "value"),
    Input(pid("dates"), "start_date"),
    Input(pid("dates"), "end_date"),
    prevent_initial_call=True,
)
def update(a: str | None, b: str | None, metric: str, region: str, start: str | None, end: str | None) -> tuple:
    store = c.store()
    names = validate.registered_sources(store)
    metric = metric if metric in vocab.METRICS else "violations"
    region = region if region in dict(REGIONS) else "all"
    empty = pd.DataFrame(columns=list(figures.SERIES_COLUMNS))
    if not a or not b or a == b:
        message = dbc.Alert("Choose two different sources.", color="info")
        return (figures.pair_figure(empty, a or "", b or "", metric=metric),
                figures.ratio_figure(pd.DataFrame()), "", message)
    key = (c.data_version(store), tuple(names.items()), a, b, metric, region, start, end)
    try:
        return _views.get(key, lambda: _view(store, names, a, b, metric, region, start, end))
    except DatabaseError as error:
        return dash.no_update, dash.no_update, "", c.error_alert(error)


def _view(store: Store, names: dict[str, str], a: str, b: str, metric: str, region: str, start: str | None,
          end: str | None) -> tuple:
    pair, rows = pair_data(store, a, b, metric=metric, region=region, date_from=start, date_to=end)
    first, second = sorted((a, b))
    table_rows = flagged_rows(rows)
    if table_rows:
        columns = [{"field": "day", "maxWidth": 120}, {"field": "grade", "maxWidth": 140},
                   {"field": "kind", "maxWidth": 200},
                   {"field": "value_a", "headerName": names.get(first, first), "maxWidth": 150},
                   {"field": "value_b", "headerName": names.get(second, second), "maxWidth": 150},
                   {"field": "ratio", "maxWidth": 110}, {"field": "typical_ratio", "headerName": "typical",
                                                          "maxWidth": 110},
                   {"field": "explanation", "flex": 1, "wrapText": True, "autoHeight": True,
                    "cellStyle": c.WRAPPED}]
        table = c.grid(pid("grid"), table_rows, columns, height=320,
                       dashGridOptions={"rowSelection": {"mode": "singleRow", "checkboxes": False,
                                                         "enableClickSelection": True}})
    else:
        table = html.P("No day of this pair is graded diverging or contradicting in this range.",
                       className="text-muted", id=pid("none"))
    return (figures.pair_figure(pair, first, second, metric=metric, names=names),
            figures.ratio_figure(rows, names=names, band=MAGNITUDE_FACTOR), table, "")


@callback(
    Output(pid("behind"), "children"),
    Input(pid("grid"), "selectedRows"),
    State(pid("a"), "value"),
    State(pid("b"), "value"),
    State(pid("region"), "value"),
    prevent_initial_call=True,
)
def select(selected: list[dict] | None, a: str, b: str, region: str) -> Any:
    if not selected:
        return dash.no_update
    store = c.store()
    names = validate.registered_sources(store)
    day = selected[0]["day"]
    first, second = sorted((a, b))
    return html.Div([
        c.reports_behind(store, first, region or "all", day, names, id=pid("behind-a")),
        c.reports_behind(store, second, region or "all", day, names, id=pid("behind-b")),
    ])
