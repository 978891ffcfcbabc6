"""The Reports page's list of imports, each of which can be undone as a whole: every report the import
stored is withdrawn with one reason (`tracker withdraw --batch N`, the same library call), recorded like
any withdrawal. Kept beside dashboards/pages/reports.py, which places it and shares its ids."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, html

from dashboards import components as c
from tracker import ingest, queries
from tracker.db import DatabaseError, Store

pid = c.id_maker("reports")
COLUMNS = [
    {"field": "batch_seq", "headerName": "batch", "minWidth": 80, "maxWidth": 100},
    {"field": "file_name", "headerName": "file", "flex": 2, "minWidth": 160},
    {"field": "stored_at", "headerName": "stored (UTC)", "minWidth": 150},
    {"field": "inserted", "headerName": "reports", "minWidth": 90},
    {"field": "current", "headerName": "still counting", "minWidth": 110},
    {"field": "recorded_by", "headerName": "by", "minWidth": 90},
]


def import_rows(store: Store) -> list[dict]:
    found = queries.import_batches(store)
    found["stored_at"] = found["stored_at"].dt.strftime("%Y-%m-%d %H:%M")
    return found.astype(object).where(found.notna(), None).to_dict("records")


def panel(store: Store) -> dbc.Card:
    """The latest imports; choose one, say why, and withdraw all its reports."""
    return dbc.Card(dbc.CardBody([
        html.Div("Imports", className="fw-semibold mb-1"),
        html.P("Undo a wrong import as a whole: choose it, say why, and withdraw every report it stored (each "
               "report's history keeps it).", className="small text-muted mb-2"),
        c.grid(pid("imports"), import_rows(store), COLUMNS, height=200,
               dashGridOptions={"rowSelection": {"mode": "singleRow", "checkboxes": False,
                                                 "enableClickSelection": True}}),
        dbc.InputGroup([
            dbc.Input(id=pid("batch-reason"), placeholder="why the whole import is withdrawn (required)",
                      maxlength=500),
            dbc.Button("Withdraw this import", id=pid("withdraw-batch"), color="danger", outline=True, n_clicks=0),
        ], className="mt-2"),
        html.Div(id=pid("batch-result"), className="mt-2"),
    ]), className="mb-3")


@callback(
    Output(pid("batch-result"), "children"),
    Output(pid("changed"), "data", allow_duplicate=True),
    Output(pid("imports"), "rowData"),
    Input(pid("withdraw-batch"), "n_clicks"),
    State(pid("imports"), "selectedRows"),
    State(pid("batch-reason"), "value"),
    State(pid("changed"), "data"),
    prevent_initial_call=True,
    running=[(Output(pid("withdraw-batch"), "disabled"), True, False)],
)
def withdraw_batch(clicks: int, selected: list[dict] | None, reason: str | None, changed: int | None) -> tuple:
    if not clicks:
        return dash.no_update, dash.no_update, dash.no_update
    if not selected:
        return dbc.Alert("Choose an import in the list first.", color="info"), dash.no_update, dash.no_update
    if not (reason or "").strip():  # a user's slip: one line in the log, the message on the page
        c.log.info("withdraw of a batch refused: no reason given")
        return (dbc.Alert("Say why the import is withdrawn.", color="warning", id=pid("batch-reason-missing")),
                dash.no_update, dash.no_update)
    store = c.store()
    batch = int(selected[0]["batch_seq"])
    try:
        count = ingest.withdraw_batch(store, batch, reason or "", recorded_by=c.recorded_by())
    except DatabaseError as error:
        return c.error_alert(error), dash.no_update, dash.no_update
    done: Any = dbc.Alert(f"Withdrew the {count} reports of import {batch}: they count nowhere now.",
                          color="success", id=pid("batch-withdrawn"))
    return done, (changed or 0) + 1, import_rows(store)
