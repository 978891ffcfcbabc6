"""Reports (/reports): every current report in an AG Grid paged, sorted and filtered in DuckDB (infinite
row model), a report's history, an edit (a new version, refused if someone saved one meanwhile),
withdrawal with a reason, the export of the current filter as CSV or Parquet, and a backup of the whole
store (with its history) as a zip download."""

from __future__ import annotations

import tempfile
import threading
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from dashboards import components as c
from dashboards import scratch
from tracker import backup, export, ingest, queries, validate, vocab
from tracker.db import DatabaseError, Store
from tracker.problems import Problem
from tracker.queries import ReportFilter

dash.register_page(__name__, path="/reports", name="Reports", order=4, title="Reports")

pid = c.id_maker("reports")
PAGE_SIZE = 100

_TEXT_FILTER = {"filter": "agTextColumnFilter", "filterParams": {
    "filterOptions": ["contains", "notContains", "equals", "notEqual", "startsWith", "endsWith", "blank",
                      "notBlank"], "maxNumConditions": 1, "buttons": ["reset"], "debounceMs": 400}}
_NUMBER_FILTER = {"filter": "agNumberColumnFilter", "filterParams": {
    "filterOptions": ["equals", "notEqual", "lessThan", "lessThanOrEqual", "greaterThan",
                      "greaterThanOrEqual", "inRange", "blank", "notBlank"], "maxNumConditions": 1,
    "buttons": ["reset"], "debounceMs": 400}}
_DATE_FILTER = {"filter": "agDateColumnFilter", "filterParams": {
    "filterOptions": ["equals", "notEqual", "lessThan", "greaterThan", "inRange", "blank", "notBlank"],
    "maxNumConditions": 1, "buttons": ["reset"]}}


def column_defs() -> list[dict]:
    defs: list[dict] = []
    for column, kind in queries.REPORT_COLUMNS.items():
        spec = {"text": _TEXT_FILTER, "number": _NUMBER_FILTER, "time": _DATE_FILTER}[kind]
        col = {"field": column, "headerName": c.LABELS.get(column, column.replace("_", " ")), **spec}
        if kind == "number":
            col["width"] = 120
        if column == "id":
            col.update(width=130, pinned="left")
        if column in ("quote", "notes", "source_url"):
            col["width"] = 260
        defs.append(col)
    return defs


def filters_from_model(model: dict | None) -> list[ReportFilter]:
    """AG Grid's filterModel as filters for `queries.reports_page` (unknown columns are refused there)."""
    found: list[ReportFilter] = []
    for column, spec in (model or {}).items():
        conditions = spec.get("conditions") or [spec]
        for cond in conditions[:1]:
            op = cond.get("type")
            if not op:
                continue
            if cond.get("filterType") == "date":
                value, value_to = cond.get("dateFrom"), cond.get("dateTo")
            else:
                value, value_to = cond.get("filter"), cond.get("filterTo")
            if op not in ("blank", "notBlank") and (value is None or value == ""):
                continue
            found.append(ReportFilter(column, op, value, value_to))
    return found


def sort_from_model(model: list | None) -> list[tuple[str, str]]:
    return [(s["colId"], s["sort"]) for s in model or [] if s.get("colId") in queries.REPORT_COLUMNS]


def rows_response(store: Store, request: dict) -> dict:
    """The infinite row model's answer: one block of rows and how many match in all."""
    start = int(request.get("startRow") or 0)
    end = int(request.get("endRow") or start + PAGE_SIZE)
    page, total = queries.reports_page(store, start, end, sort=sort_from_model(request.get("sortModel")),
                                       filters=filters_from_model(request.get("filterModel")))
    rows = page.astype(object).where(page.notna(), None).to_dict("records")
    return {"rowData": rows, "rowCount": total}


def layout(id: str | None = None, **_kwargs: Any) -> html.Div:  # noqa: A002
    store = c.store()
    sources = validate.registered_sources(store)
    head = queries.current_report(store, id) if id else None
    initial_filter = {"id": {"filterType": "text", "type": "equals", "filter": head["id"]}} if head else {}
    notice = []
    if id and head is None:
        notice = [dbc.Alert(f"No current report has id {id}: it was withdrawn or never stored.", color="warning")]
    return html.Div([
        html.H3("Reports"),
        *notice,
        dbc.Row([
            dbc.Col(html.Div(id=pid("count"), className="text-muted pt-2"), md=6),
            dbc.Col([
                dbc.Button("Export CSV", id=pid("export-csv"), color="secondary", outline=True, className="me-2"),
                dbc.Button("Export Parquet", id=pid("export-parquet"), color="secondary", outline=True,
                           className="me-2"),
                dbc.Button("Download a backup", id=pid("backup"), color="secondary", outline=True,
                           title="the whole store with its history, as a zip; restore it with `tracker restore`"),
            ], md=6, className="text-end"),
        ], className="mb-2"),
        html.Div(id=pid("export-result")),
        html.Div(id=pid("backup-result")),
        dcc.Store(id=pid("download-url")),
        dcc.Store(id=pid("filter"), data=initial_filter),
        dcc.Store(id=pid("changed"), data=0),
        dcc.Store(id=pid("refreshed")),
        dcc.Store(id=pid("downloaded")),
        dag.AgGrid(
            id=pid("grid"),
            rowModelType="infinite",
            columnDefs=column_defs(),
            defaultColDef={"sortable": True, "resizable": True, "floatingFilter": True, "minWidth": 90},
            filterModel=initial_filter,
            getRowId="params.data.id",
            dashGridOptions={
                **c.TEXT_GRID_OPTIONS,
                "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
                "cacheBlockSize": PAGE_SIZE, "maxBlocksInCache": 20, "infiniteInitialRowCount": PAGE_SIZE,
                "tooltipShowDelay": 300, "suppressColumnVirtualisation": True,
            },
            style={"height": "460px", "width": "100%"},
        ),
        dcc.Store(id=pid("editing"), data=head["id"] if head else None),
        html.Div(detail(store, sources, head), id=pid("detail"), className="mt-4"),
    ])


def history_rows(store: Store, report_id: str) -> list[dict]:
    history = queries.report_history(store, report_id)
    rows = []
    for rec in history.to_dict("records"):
        figures = ", ".join(f"{m} {int(rec[m])}" for m in vocab.METRICS if rec.get(m) is not None
                            and rec.get(m) == rec.get(m))
        rows.append({
            "version": int(rec["version"]), "id": rec["id"], "kind": rec.get("batch_kind") or "",
            "stored_at": c.plain(rec.get("stored_at"))[:19], "recorded_by": c.plain(rec.get("recorded_by")),
            "figures": figures, "withdrawn": "withdrawn: " + c.plain(rec.get("withdraw_reason"))
            if rec.get("withdrawn") else "", "file": c.plain(rec.get("batch_file")),
        })
    return rows


def detail(store: Store, sources: dict[str, str], head: dict | None) -> Any:
    """The selected report: its history, the edit form filled with its values, and withdrawal."""
    if head is None:
        return html.P("Select a report in the table to see its history, edit or withdraw it.",
                      className="text-muted", id=pid("hint"))
    values = {k: v for k, v in head.items() if k != "id"}
    return html.Div([
        html.H5(["Report ", html.Code(head["id"], id=pid("heading"))]),
        c.safe_link(head.get("source_url"), "open the source"),
        html.H6("History", className="mt-3"),
        c.grid(pid("history"), history_rows(store, head["id"]),
               ["version", "kind", "stored_at", "recorded_by", "figures", "withdrawn", "file", "id"], height=180),
        html.H6("Edit (stored as a new version; the old one stays in the history)", className="mt-3"),
        c.report_form(pid, sources, values),
        dbc.Button("Save as new version", id=pid("save"), color="primary", n_clicks=0, className="me-2"),
        html.Div(id=pid("save-result"), className="mt-2"),
        html.H6("Withdraw", className="mt-4"),
        dbc.InputGroup([
            dbc.Input(id=pid("reason"), placeholder="why is this report withdrawn?", value=""),
            dbc.Button("Withdraw", id=pid("withdraw"), color="danger", outline=True, n_clicks=0),
        ]),
        html.Div(id=pid("withdraw-result"), className="mt-2"),
    ])


def save_edit(store: Store, editing: str, record: dict[str, Any]) -> tuple[list[Problem], ingest.Saved | None]:
    """Check `record` and store it as a new version of `editing`; EditConflict propagates."""
    result = validate.check_record(record, validate.registered_sources(store))
    if isinstance(result, list):
        return result, None
    return [], ingest.edit_report(store, editing, result, recorded_by=c.recorded_by())


_exports_lock = threading.Lock()


def export_filtered(store: Store, model: dict | None, fmt: str) -> tuple[str, str, int]:
    """Write the current reports matching the grid's filter to a kept file: (token, name, count)."""
    where, params = queries.report_filter_sql(filters_from_model(model))
    name = f"reports.{'csv' if fmt == 'csv' else 'parquet'}"
    token, path = scratch.reserve(name)
    with _exports_lock:  # the temp table of a filtered export is per connection, the lock keeps it simple
        count = export.export_reports(store, str(path), fmt, where=where, params=params)
    return token, name, count


def backup_download(store: Store) -> tuple[str, str, backup.BackupSummary]:
    """Back up the whole store (one snapshot, no write lock: `backup.backup_store`) and keep it zipped for
    download: (token, name, summary). The zip holds one folder, named like the file, to give to
    `tracker restore`."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    folder_name = f"tracker-backup-{stamp}"
    name = f"{folder_name}.zip"
    with tempfile.TemporaryDirectory(prefix="tracker-backup-") as work:
        summary = backup.backup_store(store, Path(work) / folder_name)
        token, path = scratch.reserve(name)
        try:
            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:  # Parquet is zstd already
                for file in sorted(Path(summary.path).iterdir()):
                    archive.write(file, f"{folder_name}/{file.name}")
        except BaseException:
            scratch.drop(token)
            raise
    return token, name, summary


# --- callbacks --------------------------------------------------------------------------------------

@callback(
    Output(pid("grid"), "getRowsResponse"),
    Output(pid("count"), "children"),
    Output(pid("filter"), "data"),
    Input(pid("grid"), "getRowsRequest"),
    prevent_initial_call=True,
)
def get_rows(request: dict | None) -> tuple:
    if not request:
        return dash.no_update, dash.no_update, dash.no_update
    try:
        response = rows_response(c.store(), request)
    except (DatabaseError, ValueError) as error:
        return {"rowData": [], "rowCount": 0}, c.error_alert(error), dash.no_update
    total = response["rowCount"]
    filtered = bool(filters_from_model(request.get("filterModel")))
    text = f"{total:,} {'matching ' if filtered else 'current '}report{'s' if total != 1 else ''}"
    return response, text, request.get("filterModel") or {}


@callback(
    Output(pid("detail"), "children"),
    Output(pid("editing"), "data"),
    Input(pid("grid"), "selectedRows"),
    prevent_initial_call=True,
)
def select_row(selected: list[dict] | None) -> tuple:
    if not selected:
        return dash.no_update, dash.no_update
    store = c.store()
    head = queries.current_report(store, selected[0]["id"])
    return detail(store, validate.registered_sources(store), head), (head or {}).get("id")


@callback(
    [Output(pid(f), "invalid") for f in c.FORM_FIELDS],
    [Output(pid(f"{f}-feedback"), "children") for f in c.FORM_FIELDS],
    Output(pid("save-result"), "children"),
    Output(pid("editing"), "data", allow_duplicate=True),
    Output(pid("changed"), "data"),
    Output(pid("history"), "rowData"),
    Output(pid("heading"), "children"),
    Input(pid("save"), "n_clicks"),
    [State(pid(f), "value") for f in c.FORM_FIELDS],
    State(pid("editing"), "data"),
    State(pid("changed"), "data"),
    prevent_initial_call=True,
    running=[(Output(pid("save"), "disabled"), True, False)],
)
def save(clicks: int, *args: Any) -> list[Any]:
    *values, editing, changed = args
    n = len(c.FORM_FIELDS)
    keep = [dash.no_update] * 4
    if not clicks or not editing:
        return [dash.no_update] * (2 * n + 1) + keep
    store = c.store()
    try:
        problems, saved = save_edit(store, editing, c.form_record(values))
    except DatabaseError as error:  # EditConflict included: someone saved a newer version
        return [False] * n + [""] * n + [c.error_alert(error, id=pid("conflict"))] + keep
    invalid, messages, other = c.field_feedback(problems)
    if problems:
        alert = dbc.Alert(["Nothing was stored; fix the problems marked above.",
                           *[html.Div(p.message) for p in other]], color="danger", id=pid("problems"))
        return [*invalid, *messages, alert] + keep
    assert saved is not None
    if saved.status == "unchanged":
        return [*invalid, *messages, dbc.Alert("Nothing changed: the values are those of the current version.",
                                               color="info", id=pid("unchanged"))] + keep
    alert = dbc.Alert([html.Strong("Saved: "), f"new version {saved.id}; the previous one stays in the history."],
                      color="success", id=pid("saved"))
    return [*invalid, *messages, alert, saved.id, (changed or 0) + 1, history_rows(store, saved.id), saved.id]


@callback(
    Output(pid("withdraw-result"), "children"),
    Output(pid("changed"), "data", allow_duplicate=True),
    Input(pid("withdraw"), "n_clicks"),
    State(pid("reason"), "value"),
    State(pid("editing"), "data"),
    State(pid("changed"), "data"),
    prevent_initial_call=True,
    running=[(Output(pid("withdraw"), "disabled"), True, False)],
)
def withdraw(clicks: int, reason: str | None, editing: str | None, changed: int | None) -> tuple:
    if not clicks or not editing:
        return dash.no_update, dash.no_update
    try:
        saved = ingest.withdraw_report(c.store(), editing, reason or "", recorded_by=c.recorded_by())
    except DatabaseError as error:
        return c.error_alert(error), dash.no_update
    return (dbc.Alert(f"Withdrawn (version {saved.id}): it no longer counts anywhere; the history keeps it.",
                      color="success", id=pid("withdrawn")), (changed or 0) + 1)


@callback(
    [Output(pid(f"{f}-tz"), "children") for f in c.DATETIME_FIELDS],
    Input(pid("timezone"), "value"),
)
def show_timezone(timezone: str | None) -> list[str]:
    return [c.value_tz_label(timezone)] * len(c.DATETIME_FIELDS)


# After a write, the grid fetches its rows again.
clientside_callback(
    """
    function(changed) {
        if (changed) {
            const api = dash_ag_grid.getApi('reports-grid');
            if (api) { api.refreshInfiniteCache(); }
        }
        return window.dash_clientside.no_update;
    }
    """,
    Output(pid("refreshed"), "data"),
    Input(pid("changed"), "data"),
    prevent_initial_call=True,
)


@callback(
    Output(pid("export-result"), "children"),
    Output(pid("download-url"), "data"),
    Input(pid("export-csv"), "n_clicks"),
    Input(pid("export-parquet"), "n_clicks"),
    State(pid("filter"), "data"),
    prevent_initial_call=True,
    running=[(Output(pid("export-csv"), "disabled"), True, False),
             (Output(pid("export-parquet"), "disabled"), True, False)],
)
def export_current(_csv: int, _parquet: int, model: dict | None) -> tuple:
    fmt = "parquet" if dash.ctx.triggered_id == pid("export-parquet") else "csv"
    try:
        token, name, count = export_filtered(c.store(), model, fmt)
    except (DatabaseError, ValueError) as error:
        return c.error_alert(error), dash.no_update
    url = f"/download/{token}/{name}"
    scope = "matching the filter" if filters_from_model(model) else "current"
    return (dbc.Alert([f"Exported {count:,} {scope} reports as {fmt.upper()}. ",
                       html.A("Download again", href=url, download=name, id=pid("download-link"))],
                      color="success", className="py-2"), url)


@callback(
    Output(pid("backup-result"), "children"),
    Output(pid("download-url"), "data", allow_duplicate=True),
    Input(pid("backup"), "n_clicks"),
    prevent_initial_call=True,
    running=[(Output(pid("backup"), "disabled"), True, False)],
)
def download_backup(clicks: int | None) -> tuple:
    if not clicks:
        return dash.no_update, dash.no_update
    try:
        token, name, summary = backup_download(c.store())
    except (DatabaseError, OSError) as error:
        return c.error_alert(error, id=pid("backup-error")), dash.no_update
    url = f"/download/{token}/{name}"
    return (dbc.Alert([f"Backed up {summary.describe()}. Unzip it and restore the folder with "
                       "`tracker restore FOLDER --db NEW.duckdb`. ",
                       html.A("Download again", href=url, download=name, id=pid("backup-link"))],
                      color="success", className="py-2", id=pid("backed-up")), url)


# Start the download as soon as the file is written.
clientside_callback(
    """
    function(url) {
        if (url) {
            const link = document.createElement('a');
            link.href = url; link.download = '';
            document.body.appendChild(link); link.click(); link.remove();
        }
        return window.dash_clientside.no_update;
    }
    """,
    Output(pid("downloaded"), "data"),
    Input(pid("download-url"), "data"),
    prevent_initial_call=True,
)
