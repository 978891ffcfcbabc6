"""Overview (/): each source's daily figures in a small panel of its own, with its own y axis (sources count
in different units), or all on one shared axis, linear or log; or each source's escalation index. Region,
date range, sources, metric and accused party to choose; incomplete and estimated figures and each
figure's level drawn as marks; the latest day against the 7 days before it; click a point for the
reports behind it. The chart and the table download as CSV, exactly the rows shown."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NamedTuple

import dash
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboards import components as c
from dashboards import figures
from tracker import analysis, queries, series, validate, vocab
from tracker.analysis import long_figures, trends
from tracker.analysis.discrepancies import accused_side
from tracker.db import DatabaseError, Store
from tracker.sources import Registry

dash.register_page(__name__, path="/", name="Overview", order=0, title="Ceasefire tracker: overview")

pid = c.id_maker("overview")
class _Regions:
    """The region choices, (value, label): `all` and the store's registered regions (tracker regions), the
    zone's first, read at each use (the Compare page imports this name too)."""

    def __iter__(self):  # noqa: ANN204
        try:
            found = c.store().rows("select key, name, in_zone from regions order by not in_zone, not builtin, key")
        except DatabaseError:  # no store (the module imported outside the app)
            found = [(r.value, r.label, True) for r in vocab.Region]
        return iter([("all", "All (whole zone)"),
                     *((key, name if in_zone else f"{name} (outside the zone)") for key, name, in_zone in found)])


REGIONS = _Regions()
DEFAULT_DAYS = 60
BEFORE_DAYS = 7
ALL_PARTIES = "all"
# What a source's violations count, where the docs say so (docs/counting.md, rule 10).
UNITS = {"osce_smm": "each burst or explosion counted", "ua_mod": "counted as incidents"}

LATEST_COLUMNS = ["source", "accuses", "day", "figure", "level", "coverage", "mean of 7 days before",
                  "days with a figure", "change", "escalation index"]
_WIDTHS = (180, 210, 115, 100, 120, 125, 165, 150, 105, 140)  # px: every column readable at 1400 px
LATEST_GRID = [{"field": name, "headerName": name, "minWidth": width}
               for name, width in zip(LATEST_COLUMNS, _WIDTHS, strict=True)]
ROLE_ORDER = {"monitor": 0, "party": 1, "dataset": 2, "other": 3}
CHART_COLUMNS = ["day", "source", "source_name", "region", "metric", "accused_party", "accuses", "value",
                 "escalation_index", "level", "coverage", "estimated", "incomplete", "partial", "reports"]

# Computed series and views by (store, write counter, choice): a write changes the counter, so nothing
# stale is shown; toggling back to a choice already seen costs a lookup.
_series = c.Memo(64)
_views = c.Memo(64)


def _as_day(value: object) -> date | None:
    if value in (None, ""):
        return None
    return pd.Timestamp(str(value)[:10]).date()


def accused_parties(store: Store) -> dict[str, str]:
    """The registered accused parties, key -> name."""
    return dict(store.rows("select key, name from accused_parties order by key"))


def accusation_text(frame: pd.DataFrame, found: Registry, metric: str, accused: str,
                    party_names: dict[str, str]) -> np.ndarray:
    """Per figure, whom it accuses: a party's accusation figures accuse the other side (or, with one
    accused party chosen, that party); a monitor's and a dataset's figures are recorded."""
    sources = frame["source"].to_numpy(dtype=object)
    roles = pd.Series(sources, dtype=object).map(found.roles).fillna("other").to_numpy(dtype=object)
    party = roles == "party"
    if accused != ALL_PARTIES:
        whom = party_names.get(accused, accused)
        claimed = np.full(len(frame), f"accuses {whom}" if metric in vocab.ACCUSATION_METRICS
                          else f"its own losses (accused party {whom})", dtype=object)
        other = np.full(len(frame), f"recorded against {whom}", dtype=object)
    elif metric in vocab.ACCUSATION_METRICS:
        sides = accused_side(sources, found)
        claimed = np.array(["accuses " + vocab.SIDE_NAMES.get(s, s or "the other side") for s in sides], dtype=object)
        other = np.full(len(frame), "recorded", dtype=object)
    else:
        claimed = np.full(len(frame), "its own losses", dtype=object)
        other = np.full(len(frame), "recorded", dtype=object)
    return np.where(party, claimed, np.where(roles == "other", "reported", other))


def panel_hints(found: Registry, sources: list[str], metric: str, mode: str, accused: str,
                party_names: dict[str, str]) -> dict[str, str]:
    """Each panel's subtitle: the source's role and what its figures count, in its own unit."""
    metric_label = metric.replace("_", " ")
    texts = accusation_text(pd.DataFrame({"source": sources}), found, metric, accused, party_names)
    hints = {}
    for source, text in zip(sources, texts, strict=True):
        role = found.roles.get(source, "other")
        unit = UNITS.get(source, "in its own unit") if metric == "violations" else "in its own unit"
        if mode == "index":
            hints[source] = f"{role}: escalation index of the {metric_label} it {_verb(text)}"
        elif text.startswith("accuses "):
            hints[source] = f"{role}: {metric_label} of which it {text}, {unit}"
        else:
            hints[source] = f"{role}: {metric_label} {text}, {unit}"
    return hints


def _verb(text: str) -> str:
    return "claims" if text.startswith("accuses") else "reports" if text.startswith(("its own", "reported")) \
        else "recorded"


def series_frame(store: Store, *, region: str = "all", sources: list[str] | None = None,
                 metric: str = "violations", date_from: object = None, date_to: object = None,
                 accused: str = ALL_PARTIES) -> pd.DataFrame:
    """One row per day and source with a figure of `metric` in [date_from, date_to]: the trend columns of
    `tracker.analysis.trends` (value, estimated, partial, coverage, incomplete, reports, escalation_index,
    level, spike, ...) and `accuses`. With accused "all" these are the analysis figures (a party's
    accusation metrics being its accusations of the other side); else the daily series of the figures
    against that accused party. The 30 days before `date_from` are read too, for the baselines."""
    start, end = _as_day(date_from), _as_day(date_to)
    key = (c.data_version(store), region, tuple(sources or ()), metric, start, end, accused)
    return _series.get(key, lambda: _series_frame(store, region, sources, metric, start, end, accused))


def _series_frame(store: Store, region: str, sources: list[str] | None, metric: str, start: date | None,
                  end: date | None, accused: str) -> pd.DataFrame:
    if accused == ALL_PARTIES:
        found_trends, found = analysis.analysed(store, sources=sources, regions=[region], metrics=[metric],
                                                date_from=start, date_to=end)
    else:
        from tracker import series  # the daily series (CONTRACT §3)

        found = analysis.registry(store)
        history = timedelta(days=analysis.HISTORY_DAYS)
        daily = series.daily(store, sources=sources or None, regions=[region], accused=accused,
                             date_from=start - history if start else None, date_to=end)
        found_trends = trends(long_figures(daily, [metric]))
    if start is not None:
        found_trends = found_trends[found_trends["day"] >= pd.Timestamp(start)]
    if sources:
        found_trends = found_trends[found_trends["source"].isin(sources)]
    found_trends = found_trends.reset_index(drop=True)
    found_trends["accuses"] = accusation_text(found_trends, found, metric, accused, accused_parties(store))
    return found_trends


def latest_vs_before(frame: pd.DataFrame, names: dict[str, str] | None = None) -> list[dict]:
    """Per source: its latest day with a figure, that figure with its level and coverage, the mean of its
    figures on the 7 calendar days before, and the change; the escalation index of that day."""
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
        coverage = rec.get("coverage")
        rows.append({
            "source": names.get(source, source),
            "accuses": rec.get("accuses") or "",
            "day": pd.Timestamp(rec["day"]).strftime("%Y-%m-%d"),
            "figure": round(value, 1),
            "level": rec.get("level") or "",
            "coverage": "" if coverage is None or pd.isna(coverage) else f"{float(coverage):.0%}",
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


NOTE = ("Each panel is one source on its own y axis, in its own unit (\"one shared axis\" draws them together). "
        "Filled circles: full figures. Rings with a dot: incomplete figures, a lower bound (an intraday snapshot "
        "covering less than 75 % of the day, or one region's figure shown for the whole zone). Dotted lines with "
        "hollow circles: estimated days (a share of a longer window). Marks against the source's own 30-day "
        "baseline: star = spike (escalation index ≥ 3.5), triangle up = raised (≥ 2), triangle down = low "
        "(≤ −2); an incomplete figure with a star or triangle is one even as a lower bound. A gap is a day "
        "without a figure, never a zero; a log scale cannot draw a zero, so it leaves those days out. The "
        "hover names whom a figure accuses. Click a point for the reports behind it.")


def _query_day(value: object) -> date | None:
    try:
        return _as_day(value)
    except ValueError:
        return None


def layout(**query: Any) -> html.Div:
    """The page; `?from=D&to=D` in the address opens those days (a link to share)."""
    store = c.store()
    names = validate.registered_sources(store)
    parties = accused_parties(store)
    with_data, first, last = source_span(store)
    roles = analysis.registry(store).roles  # the monitors' panels first, then the parties', ...
    with_data = sorted(with_data, key=lambda s: ROLE_ORDER.get(roles.get(s, "other"), 3))
    end = _query_day(query.get("to")) or last or date.today()
    start = _query_day(query.get("from")) or max(first or end, end - timedelta(days=DEFAULT_DAYS - 1))
    # The first view comes with the page (one round trip less); the callback answers later changes.
    fig, latest, error = update("all", start.isoformat(), end.isoformat(), with_data, "violations", "raw")
    if fig is dash.no_update:
        fig = figures.small_multiples(pd.DataFrame(columns=list(figures.SERIES_COLUMNS)))
    radio = {"inline": True, "className": "small"}
    return html.Div([
        dbc.Row([
            dbc.Col([dbc.Label("Region", html_for=pid("region")),
                     dbc.RadioItems(id=pid("region"), value="all", options=[{"label": t, "value": v}
                                                                             for v, t in REGIONS], **radio)],
                    xs=12, md=6, lg=3),
            dbc.Col([dbc.Label(f"Days ({series.calendar_tz(store)})", html_for=pid("dates")),
                     dcc.DatePickerRange(id=pid("dates"), start_date=start, end_date=end, min_date_allowed=first,
                                         max_date_allowed=last, display_format="YYYY-MM-DD",
                                         first_day_of_week=1)], xs=12, md=6, lg=3),
            dbc.Col([dbc.Label("Metric", html_for=pid("metric")),
                     dbc.Select(id=pid("metric"), value="violations",
                                options=[{"label": m.replace("_", " "), "value": m} for m in vocab.METRICS])],
                    xs=12, sm=6, md=4, lg=2),
            dbc.Col([dbc.Label("Accused party", html_for=pid("accused")),
                     dbc.Select(id=pid("accused"), value=ALL_PARTIES,
                                options=[{"label": "all", "value": ALL_PARTIES}]
                                + [{"label": name, "value": key} for key, name in parties.items()]),
                     dbc.FormText("all: each party's accusations of the other side")], xs=12, sm=6, md=4, lg=2),
            dbc.Col([dbc.Label("Show", html_for=pid("mode")),
                     dbc.RadioItems(id=pid("mode"), value="raw", options=[
                         {"label": "counts", "value": "raw"},
                         {"label": "escalation index", "value": "index"}], **radio)], xs=12, md=4, lg=2),
        ], className="mb-2"),
        dbc.Row([
            dbc.Col([dbc.Label("Sources", className="me-2"),
                     dbc.Checklist(id=pid("sources"), value=with_data, inline=True,
                                   options=[{"label": f"{names.get(s, s)}", "value": s} for s in with_data])],
                    xs=12, lg=6),
            dbc.Col([dbc.Label("Axes", className="me-2"),
                     dbc.RadioItems(id=pid("axes"), value="own", options=[
                         {"label": "a panel per source, own axis", "value": "own"},
                         {"label": "one shared axis", "value": "shared"}], **radio)], xs=12, md=8, lg=4),
            dbc.Col([dbc.Label("Scale", className="me-2"),
                     dbc.RadioItems(id=pid("scale"), value="linear", options=[
                         {"label": "linear", "value": "linear"}, {"label": "log", "value": "log"}], **radio)],
                    xs=12, md=4, lg=2),
        ]),
        html.Div(error, id=pid("error")),
        html.Div(c.csv_download(pid, "chart", "Download the chart's figures (CSV)"), className="text-end"),
        dcc.Loading(dcc.Graph(id=pid("chart"), config={"displaylogo": False, "responsive": True}, figure=fig),
                    type="circle", delay_show=300),
        html.P(NOTE, id=pid("note"), className="small text-muted"),
        html.Div(id=pid("behind")),
        html.Div([html.H5("Latest day against the 7 days before", className="mt-3 d-inline-block"),
                  c.csv_download(pid, "latest", "Download the table (CSV)")]),
        html.Div(latest, id=pid("latest")),
    ])


class Choice(NamedTuple):
    """The page's inputs, coerced: what the chart, the table and both downloads are of."""

    region: str
    start: str | None
    end: str | None
    sources: tuple[str, ...]
    metric: str
    mode: str
    accused: str

    @classmethod
    def of(cls, store: Store, region: object, start: object, end: object, sources: object, metric: object,
           mode: object, accused: object) -> Choice:
        accused = accused if accused == ALL_PARTIES or accused in accused_parties(store) else ALL_PARTIES
        return cls(region if region in dict(REGIONS) else "all", str(start)[:10] if start else None,
                   str(end)[:10] if end else None, tuple(s for s in (sources or []) if isinstance(s, str)),
                   metric if metric in vocab.METRICS else "violations", "index" if mode == "index" else "raw",
                   str(accused))

    def filename(self, what: str) -> str:
        parts = ["overview", what, self.region, self.metric]
        parts += [f"accused-{self.accused}"] if self.accused != ALL_PARTIES else []
        parts += ["index"] if self.mode == "index" else []
        parts += [self.start or "first", self.end or "last"]
        return "_".join(p for p in parts if p) + ".csv"


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
    Input(pid("accused"), "value"),
    Input(pid("axes"), "value"),
    Input(pid("scale"), "value"),
    prevent_initial_call=True,
)
def update(region: str, start: str | None, end: str | None, sources: list[str] | None, metric: str,
           mode: str, accused: str = ALL_PARTIES, axes: str = "own", scale: str = "linear") -> tuple:
    store = c.store()
    choice = Choice.of(store, region, start, end, sources, metric, mode, accused)
    shared, log = axes == "shared", scale == "log"
    if not choice.sources:
        empty = pd.DataFrame(columns=list(figures.SERIES_COLUMNS))
        return figures.small_multiples(empty, metric=choice.metric, mode=choice.mode), "", ""
    names = validate.registered_sources(store)
    try:
        view = _views.get((c.data_version(store), tuple(names.items()), choice),
                          lambda: _view(store, names, choice))
    except DatabaseError as error:
        return dash.no_update, "", c.error_alert(error)
    frame, hints, rows = view
    fig = figures.small_multiples(frame, metric=choice.metric, mode=choice.mode, names=names,
                                  calendar_tz=series.calendar_tz(store),
                                  sources=choice.sources, hints=hints, shared=shared, log=log)
    table = c.grid(pid("latest-grid"), rows, LATEST_GRID, height=min(80 + 42 * max(len(choice.sources), 1), 360))
    return fig, table, ""


def _view(store: Store, names: dict[str, str], choice: Choice) -> tuple[pd.DataFrame, dict[str, str], list[dict]]:
    sources = list(choice.sources)
    frame = series_frame(store, region=choice.region, sources=sources, metric=choice.metric,
                         date_from=choice.start, date_to=choice.end, accused=choice.accused)
    hints = panel_hints(analysis.registry(store), sources, choice.metric, choice.mode, choice.accused,
                        accused_parties(store))
    return frame, hints, latest_vs_before(frame, names)


def chart_rows(store: Store, choice: Choice, *, log: bool = False) -> pd.DataFrame:
    """Exactly the figures the chart draws for `choice`, one row per source and day, in its order (on a
    log scale, without the zeros it cannot draw)."""
    names = validate.registered_sources(store)
    if not choice.sources:
        return pd.DataFrame(columns=CHART_COLUMNS)
    frame, _, _ = _views.get((c.data_version(store), tuple(names.items()), choice), lambda: _view(store, names, choice))
    drawn = figures.drawn_figures(frame, sources=choice.sources, mode=choice.mode, log=log)
    out = drawn.assign(day=pd.to_datetime(drawn["day"]).dt.strftime("%Y-%m-%d"),
                       source_name=drawn["source"].map(lambda s: names.get(s, s)),
                       metric=choice.metric, accused_party=choice.accused)
    return out.reindex(columns=CHART_COLUMNS)


@callback(
    Output(pid("chart-download"), "data"),
    Input(pid("chart-csv"), "n_clicks"),
    State(pid("region"), "value"), State(pid("dates"), "start_date"), State(pid("dates"), "end_date"),
    State(pid("sources"), "value"), State(pid("metric"), "value"), State(pid("mode"), "value"),
    State(pid("accused"), "value"), State(pid("scale"), "value"),
    prevent_initial_call=True,
)
def download_chart(n_clicks: int | None, region: str, start: str | None, end: str | None,
                   sources: list[str] | None, metric: str, mode: str, accused: str, scale: str = "linear") -> Any:
    if not n_clicks:
        return dash.no_update
    store = c.store()
    choice = Choice.of(store, region, start, end, sources, metric, mode, accused)
    log = scale == "log" and choice.mode != "index"
    return c.send_csv(chart_rows(store, choice, log=log), choice.filename("chart" + ("_log" if log else "")))


@callback(
    Output(pid("latest-download"), "data"),
    Input(pid("latest-csv"), "n_clicks"),
    State(pid("region"), "value"), State(pid("dates"), "start_date"), State(pid("dates"), "end_date"),
    State(pid("sources"), "value"), State(pid("metric"), "value"), State(pid("mode"), "value"),
    State(pid("accused"), "value"),
    prevent_initial_call=True,
)
def download_latest(n_clicks: int | None, region: str, start: str | None, end: str | None,
                    sources: list[str] | None, metric: str, mode: str, accused: str) -> Any:
    if not n_clicks:
        return dash.no_update
    store = c.store()
    choice = Choice.of(store, region, start, end, sources, metric, mode, accused)
    names = validate.registered_sources(store)
    rows = [] if not choice.sources else _views.get((c.data_version(store), tuple(names.items()), choice),
                                                     lambda: _view(store, names, choice))[2]
    return c.send_csv(pd.DataFrame(rows, columns=LATEST_COLUMNS), choice.filename("latest"))


def _trigger() -> str | None:
    """The id of the input that fired this callback (None when called outside one, as a test does)."""
    try:
        return dash.ctx.triggered_id
    except dash.exceptions.MissingCallbackContextException:
        return None


CHOICE_INPUTS = ("region", "dates", "sources", "metric", "mode", "accused", "axes", "scale")


@callback(
    Output(pid("behind"), "children"),
    Input(pid("chart"), "clickData"),
    Input(pid("region"), "value"),
    Input(pid("dates"), "start_date"),
    Input(pid("dates"), "end_date"),
    *[Input(pid(name), "value") for name in CHOICE_INPUTS[2:]],
    prevent_initial_call=True,
)
def click(click_data: dict | None, region: str, *_choice: Any) -> Any:
    """The reports behind the point clicked; a new choice clears the panel (never stale)."""
    if _trigger() in {pid(name) for name in CHOICE_INPUTS}:
        return ""
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
