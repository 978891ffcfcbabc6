"""Add a report (/entry): every canonical field, checked by the same rules as an import (CountReport),
problems shown at their field; what the user typed stays on an error."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from dashboards import components as c
from tracker import ingest, queries, validate, vocab
from tracker.db import DatabaseError, Store
from tracker.problems import Problem
from tracker.schema import CountReport

dash.register_page(__name__, path="/entry", name="Add a report", order=2, title="Add a report")

pid = c.id_maker("entry")

# Submissions already answered, by the form's nonce: a second click of the same form (sent before the
# first answer came back) finds its report stored by the first and is answered like the first.
_answered: OrderedDict[str, str] = OrderedDict()
_answered_lock = threading.Lock()
_saving: dict[str, threading.Event] = {}  # the nonces of the forms being saved now


def layout(**_kwargs: Any) -> html.Div:
    store = c.store()
    sources = validate.registered_sources(store)
    return html.Div([
        html.H3("Add a report"),
        html.P(["One party's published count over one reporting window. Fields marked * are required; "
                "give at least one figure. Date-times are local to the time zone shown beside them."],
               className="text-muted"),
        dcc.Store(id=pid("nonce"), data=secrets.token_urlsafe(12)),
        dbc.Form(c.report_form(pid, sources), id=pid("form")),
        html.Div(id=pid("revision-notice")),
        dbc.Button("Save report", id=pid("submit"), color="primary", n_clicks=0, className="me-2"),
        html.Div(id=pid("result"), className="mt-3"),
    ])


@dataclass(frozen=True)
class Outcome:
    """What a submission did: problems (nothing stored), or the saved report."""

    problems: list[Problem]
    saved: ingest.Saved | None = None
    report: CountReport | None = None


def save_entry(store: Store, record: dict[str, Any], nonce: str | None = None) -> Outcome:
    """Check `record` as a CountReport and store it; a report already stored is not stored again."""
    result = validate.check_record(record, validate.registered_sources(store))
    if isinstance(result, list):
        return Outcome(result)
    with _answered_lock:  # a second click of one form waits for the first's answer (entries are grouped)
        earlier = _saving.get(nonce) if nonce else None
        mine = threading.Event() if nonce and earlier is None else None
        if mine is not None:
            _saving[nonce] = mine  # type: ignore[index]
    if earlier is not None:
        earlier.wait(120)
    try:
        saved = ingest.add_report(store, result, recorded_by=c.recorded_by(), kind="form")
    finally:
        if mine is not None:
            with _answered_lock:
                del _saving[nonce]  # type: ignore[arg-type]
            mine.set()
    with _answered_lock:
        if saved.status == "stored" and nonce:
            _answered[nonce] = saved.id
            while len(_answered) > 1000:
                _answered.popitem(last=False)
        elif saved.status == "duplicate" and nonce and _answered.get(nonce) == saved.id:
            saved = ingest.Saved("stored", saved.id, None)
    return Outcome([], saved, result)


WINDOW_FIELDS = ("source", "reported_at", "period_start", "period_end", "timezone", "region", "area",
                 "accused_party")


def _window_values(record: dict[str, Any], store: Store) -> tuple[CountReport | None, Any]:
    """The window of what the form holds, read by the same rules as the form (None while it is incomplete
    or not valid: the checks say why when it is saved)."""
    probe = {**record, **{m: 0 for m in vocab.METRICS if m not in record}}  # a figure, so a window alone checks
    probe = {k: v for k, v in probe.items() if k in (*WINDOW_FIELDS, *vocab.METRICS)}
    result = validate.check_record(probe, validate.registered_sources(store))
    return (None, result) if isinstance(result, list) else (result, None)


def _key(value: Any) -> str | None:
    """A controlled value as its stored key (an enum member or a registry's key)."""
    return None if value is None else str(getattr(value, "value", value))


def revision_notice(store: Store, record: dict[str, Any]) -> Any:
    """Before storing: the reports of this source already stored for this window (CONTRACT §3, rule 3), and
    whether the new one would make a revision that wins."""
    report, _ = _window_values(record, store)
    if report is None:
        return ""
    window = {"source": report.source, "region": _key(report.region), "area": report.area,
              "accused_party": _key(report.accused_party), "period_start": report.period_start,
              "period_end": report.period_end}
    found = queries.window_reports(store, window=window)
    if found.empty:
        return ""
    names = validate.registered_sources(store)
    name = names.get(report.source, report.source)
    said = []
    for rec in found.astype(object).where(found.notna(), None).to_dict("records"):
        figures = ", ".join(f"{int(rec[m])} {m.replace('_', ' ')}" for m in vocab.METRICS if rec.get(m) is not None)
        at = rec.get("reported_at")
        said.append(f"{figures} at {at}" if at else f"{figures} (reported at an unknown time)")
    latest = found["reported_at_utc"].dropna()
    new_at = report.reported_at
    wins = new_at is not None and (latest.empty or new_at >= latest.max().to_pydatetime())
    outcome = ("storing makes a revision that wins by rule 3 (the latest reported_at that gives a figure counts)"
               if wins else "storing makes a revision; by rule 3 the stored figures still count, since "
               + ("this one has no reported_at" if new_at is None else "they were reported later")
               + " (give a later reported_at if this one supersedes them)")
    return dbc.Alert([html.Strong("This window already has reports. "),
                      f"{name} reported {'; '.join(said)} for this window; {outcome}."],
                     color="warning", id=pid("revision"), className="text-break")


def saved_summary(outcome: Outcome) -> Any:
    """The answer shown under the form."""
    saved, report = outcome.saved, outcome.report
    assert saved is not None and report is not None
    link = dcc.Link("see it on the reports page", href=f"/reports?id={saved.id}", id=pid("saved-link"))
    if saved.status == "duplicate":
        return c.info_alert(html.Strong("Already stored: "),
                            f"report {saved.id} has exactly these values; nothing was added (",
                            link, ").", color="warning", id=pid("duplicate"))
    rows = []
    for field in vocab.CANONICAL_COLUMNS:
        value = getattr(report, field)
        if value is None:
            continue
        text = value.isoformat(sep=" ") if hasattr(value, "isoformat") else str(value)
        rows.append(html.Tr([html.Th(c.LABELS[field], className="fw-normal text-muted text-nowrap"),
                             html.Td(text, className="text-break", style={"whiteSpace": "pre-wrap"})]))
    return c.info_alert(
        html.Strong("Stored "), f"report {saved.id} (", link, ").",
        dbc.Table(html.Tbody(rows), size="sm", borderless=True, className="mt-2 mb-0 text-break",
                  style={"tableLayout": "fixed", "width": "100%"}),
        color="success", id=pid("saved"),
    )


@callback(
    [Output(pid(f"{f}-tz"), "children") for f in c.DATETIME_FIELDS],
    Input(pid("timezone"), "value"),
)
def show_timezone(timezone: str | None) -> list[str]:
    return [c.value_tz_label(timezone)] * len(c.DATETIME_FIELDS)


@callback(
    Output(pid("revision-notice"), "children"),
    [Input(pid(f), "value") for f in WINDOW_FIELDS],
    Input(pid("result"), "children"),
    prevent_initial_call=True,
)
def notice(*values: Any) -> Any:
    record = c.form_record([dict(zip(WINDOW_FIELDS, values[:-1], strict=True)).get(f) for f in c.FORM_FIELDS])
    try:
        return revision_notice(c.store(), record)
    except DatabaseError as error:
        return c.error_alert(error)


@callback(
    [Output(pid(f), "invalid") for f in c.FORM_FIELDS],
    [Output(pid(f"{f}-feedback"), "children") for f in c.FORM_FIELDS],
    Output(pid("result"), "children"),
    Output(pid("nonce"), "data"),
    Input(pid("submit"), "n_clicks"),
    [State(pid(f), "value") for f in c.FORM_FIELDS],
    State(pid("nonce"), "data"),
    prevent_initial_call=True,
    running=[(Output(pid("submit"), "disabled"), True, False)],
)
def submit(_clicks: int, *values_and_nonce: Any) -> list[Any]:
    *values, nonce = values_and_nonce
    record = c.form_record(values)
    try:
        outcome = save_entry(c.store(), record, nonce)
    except DatabaseError as error:
        n = len(c.FORM_FIELDS)
        return [False] * n + [""] * n + [c.error_alert(error), dash.no_update]
    invalid, messages, other = c.field_feedback(outcome.problems)
    if outcome.problems:
        summary = c.info_alert(
            html.Strong("Nothing was stored. "),
            f"Fix the {len(outcome.problems)} problem{'s' if len(outcome.problems) > 1 else ''} marked "
            "below" + (":" if other else "."),
            *[html.Div(p.message) for p in other],
            color="danger", id=pid("problems"))
        return [*invalid, *messages, summary, dash.no_update]
    return [*invalid, *messages, saved_summary(outcome), secrets.token_urlsafe(12)]
