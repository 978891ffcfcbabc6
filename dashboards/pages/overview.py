"""Overview (/): each source's daily figures on one time axis, or each source's escalation index (units
differ between sources); region, date range, sources and metric to choose; the latest day against the
7 days before it; click a point for the reports behind it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboards import components as c
from dashboards import figures
from tracker import queries, validate, vocab
from tracker.analysis import long_figures, trends
from tracker.analysis.trends import BASELINE_DAYS, ROLLING_DAYS
from tracker.db import DatabaseError, Store

dash.register_page(__name__, path="/", name="Overview", order=0, title="Ceasefire tracker: overview")

pid = c.id_maker("overview")
REGIONS = [("all", "All (whole zone)"), ("donetsk", "Donetsk"), ("luhansk", "Luhansk")]
DEFAULT_DAYS = 60
BEFORE_DAYS = 7

# Computed series and views by (store, write counter, choice): a write changes the counter, so nothing
# stale is shown; toggling back to a choice already seen costs a lookup.
_series = c.Memo(64)
_views = c.Memo(64)


def _as_day(value: object) -> date | None:
    if value in (None, ""):
        return None
    return pd.Timestamp(str(value)[:10]).date()


def series_frame(store: Store, *, region: str = "all", sources: list[str] | None = None,
                 metric: str = "violations", date_from: object = None, date_to: object = None) -> pd.DataFrame:
    """One row per day and source with a figure of `metric` in [date_from, date_to]: `day, source, value,
    estimated, partial, coverage, reports, spike, escalation_index, rolling_mean`. The 30 days before
    `date_from` are read too, for the baselines of the escalation index."""
    start, end = _as_day(date_from), _as_day(date_to)
    key = (c.data_version(store), region, tuple(sources or ()), metric, start, end)
    return _series.get(key, lambda: _series_frame(store, region, sources, metric, start, end))


def _series_frame(store: Store, region: str, sources: list[str] | None, metric: str, start: date | None,
                  end: date | None) -> pd.DataFrame:
    from tracker import series  # the daily series (CONTRACT §3)

    history = timedelta(days=BASELINE_DAYS + ROLLING_DAYS)
    daily = series.daily(store, sources=sources or None, regions=[region],
                         date_from=start - history if start else None, date_to=end)
    found = trends(long_figures(daily, [metric]))
    if not daily.empty:
        extra = daily[["day", "source", "region", "coverage", "reports"]].copy()
        extra["day"] = pd.to_datetime(extra["day"]).dt.normalize().astype("datetime64[ns]")
        extra["region"] = extra["region"].fillna("all")
        found = found.merge(extra, on=["day", "source", "region"], how="left")
    else:
        found = found.assign(coverage=pd.Series(dtype=float), reports=pd.Series(dtype=float))
    if start is not None:
        found = found[found["day"] >= pd.Timestamp(start)]
    if sources:
        found = found[found["source"].isin(sources)]
    return found.reset_index(drop=True)


def latest_vs_before(frame: pd.DataFrame, names: dict[str, str] | None = None) -> list[dict]:
    """Per source: its latest day with a figure, that figure, the mean of its figures on the 7 calendar
    days before, and the change; the escalation index and spike flag of that day."""
    names = names or {}
    if frame.empty:
        return []
    days = pd.to_datetime(frame["day"])
    last_day = days.groupby(frame["source"]).transform("max")
    before = (days >= last_day - timedelta(days=BEFORE_DAYS)) & (days < last_day)
    means = frame["value"][before].groupby(frame["source"][before]).agg(["mean", "count"])
    last = frame[days == last_day].drop_duplicates("source", keep="last").set_index("source").sort_index()
    rows = []
    for source, rec in last.iterrows():
        mean = means["mean"].get(source)
        value = float(rec["value"])
        change = (value / mean - 1) if mean else None
        index = rec.get("escalation_index")
        rows.append({
            "source": names.get(source, source),
            "day": pd.Timestamp(rec["day"]).strftime("%Y-%m-%d"),
            "figure": round(value, 1),
            "mean of 7 days before": None if mean is None or pd.isna(mean) else round(float(mean), 1),
            "days with a figure": int(means["count"].get(source, 0)),
            "change": "" if change is None or pd.isna(change) else f"{change:+.0%}",
            "escalation index": "" if index is None or pd.isna(index) else f"{float(index):.1f}",
            "spike": "yes" if bool(rec.get("spike")) else "",
            "estimated": "yes" if bool(rec.get("estimated")) else "",
        })
    return rows


def source_span(store: Store) -> tuple[list[str], date | None, date | None]:
    """The sources that have daily figures, and the first and last day of the series."""
    return queries.source_days(store)


def layout(**_kwargs: Any) -> html.Div:
    store = c.store()
    names = validate.registered_sources(store)
    with_data, first, last = source_span(store)
    end = last or date.today()
    start = max(first or end, end - timedelta(days=DEFAULT_DAYS - 1))
    # The first view comes with the page (one round trip less); the callback answers later changes.
    fig, latest, error = update("all", start.isoformat(), end.isoformat(), with_data, "violations", "raw")
    if fig is dash.no_update:
        fig = figures.daily_figure(pd.DataFrame(columns=list(figures.SERIES_COLUMNS)))
    return html.Div([
        dbc.Row([
            dbc.Col([dbc.Label("Region", html_for=pid("region")),
                     dbc.RadioItems(id=pid("region"), value="all", inline=True,
                                    options=[{"label": t, "value": v} for v, t in REGIONS])], md=4),
            dbc.Col([dbc.Label("Days (Europe/Kyiv)", html_for=pid("dates")),
                     dcc.DatePickerRange(id=pid("dates"), start_date=start, end_date=end, min_date_allowed=first,
                                         max_date_allowed=last, display_format="YYYY-MM-DD",
                                         first_day_of_week=1)], md=4),
            dbc.Col([dbc.Label("Metric", html_for=pid("metric")),
                     dbc.Select(id=pid("metric"), value="violations",
                                options=[{"label": m.replace("_", " "), "value": m} for m in vocab.METRICS])], md=2),
            dbc.Col([dbc.Label("Show", html_for=pid("mode")),
                     dbc.RadioItems(id=pid("mode"), value="raw", inline=True,
                                    options=[{"label": "counts", "value": "raw"},
                                             {"label": "escalation index", "value": "index"}])], md=2),
        ], className="mb-2"),
        dbc.Row(dbc.Col([
            dbc.Label("Sources", className="me-2"),
            dbc.Checklist(id=pid("sources"), value=with_data, inline=True,
                          options=[{"label": f"{names.get(s, s)}", "value": s} for s in with_data]),
        ])),
        html.Div(error, id=pid("error")),
        dcc.Loading(dcc.Graph(id=pid("chart"), config={"displaylogo": False, "responsive": True}, figure=fig),
                    type="circle", delay_show=300),
        html.P(["Dotted lines with hollow markers: estimated days (a share of a longer window). A gap is a day "
                "without a figure, never a zero. Stars: spikes (escalation index ≥ 3.5 against the source's "
                "own 30-day baseline). Click a point for the reports behind it."], className="small text-muted"),
        html.Div(id=pid("behind")),
        html.H5("Latest day against the 7 days before", className="mt-3"),
        html.Div(latest, id=pid("latest")),
    ])


@callback(
    Output(pid("chart"), "figure"),
    Output(pid("latest"), "children"),
    Output(pid("error"), "children"),
    Input(pid("region"), "value"),
    Input(pid("dates"), "start_date"),
    Input(pid("dates"), "end_date"),
    Input(pid("sources"), "value"),
    Input(pid("metric"), "value"),
    Input(pid("mode"), "value"),
    prevent_initial_call=True,
)
def update(region: str, start: str | None, end: str | None, sources: list[str] | None, metric: str,
           mode: str) -> tuple:
    store = c.store()
    names = validate.registered_sources(store)
    metric = metric if metric in vocab.METRICS else "violations"
    region = region if region in dict(REGIONS) else "all"
    if not sources:
        empty = pd.DataFrame(columns=list(figures.SERIES_COLUMNS))
        return figures.daily_figure(empty, metric=metric, mode=mode), "", ""
    key = (c.data_version(store), tuple(names.items()), region, start, end, tuple(sources), metric, mode)
    try:
        fig, table = _views.get(key, lambda: _view(store, names, region, start, end, sources, metric, mode))
    except DatabaseError as error:
        return dash.no_update, "", c.error_alert(error)
    return fig, table, ""


def _view(store: Store, names: dict[str, str], region: str, start: str | None, end: str | None,
          sources: list[str], metric: str, mode: str) -> tuple:
    frame = series_frame(store, region=region, sources=sources, metric=metric, date_from=start, date_to=end)
    fig = figures.daily_figure(frame, metric=metric, mode=mode, names=names, sources=sources)
    table = c.grid(pid("latest-grid"), latest_vs_before(frame, names),
                   ["source", "day", "figure", "mean of 7 days before", "days with a figure", "change",
                    "escalation index", "spike", "estimated"], height=min(80 + 42 * max(len(sources), 1), 360))
    return fig, table


@callback(
    Output(pid("behind"), "children"),
    Input(pid("chart"), "clickData"),
    State(pid("region"), "value"),
    prevent_initial_call=True,
)
def click(click_data: dict | None, region: str) -> Any:
    if not click_data or not click_data.get("points"):
        return dash.no_update
    point = click_data["points"][0]
    custom = point.get("customdata") or []
    source = custom[3] if len(custom) > 3 else None
    if not source:
        return dash.no_update
    store = c.store()
    return c.reports_behind(store, source, region or "all", str(point["x"])[:10],
                            validate.registered_sources(store), id=pid("behind-table"))
