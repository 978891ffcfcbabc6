"""Reports (/reports): every current report in an AG Grid paged, sorted and filtered in DuckDB (infinite
row model), a report's history, an edit (a new version, refused if someone saved one meanwhile),
withdrawal with a reason, the export of the current filter as CSV or Parquet, and a backup of the whole
store (with its history) as a zip download."""

from __future__ import annotations

import re
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
from dashboards import imports_panel, scratch
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
    "maxNumConditions": 1, "buttons": ["reset"],
    # a text box read as YYYY-MM-DD, not the browser's picker (which shows and takes the browser's locale)
    "browserDatePicker": False}}


# The grid in reading order: who, when, where, against whom, the figures, then the evidence; the id and
# the storage columns last, hidden until chosen (the "Columns" chooser). `window` is the two edges in the
# report's own time zone; it sorts and filters as period_start.
READING_ORDER = ("source", "window", "region", "accused_party", *vocab.METRICS, "qualifier", "area", "reported_at",
                 "channel", "source_url", "quote", "notes", "weapons", "location")
HIDDEN = ("id", "period_start", "period_end", "timezone", "stored_at", "recorded_by")
HEADERS = {"window": "Window (local)", "accused_party": "Accused", "prohibited_weapons": "Prohibited weapons",
           "settlements_shelled": "Settlements shelled", "civilians_killed": "Civilians killed",
           "civilians_wounded": "Civilians wounded", "stored_at": "Stored at (UTC)", "recorded_by": "Recorded by",
           "id": "Id", "period_start": "Window start", "period_end": "Window end", "timezone": "Time zone"}
_ALIASES = {"window": "period_start"}  # a column shown that sorts and filters as a stored one


def column_defs() -> list[dict]:
    defs: list[dict] = []
    for column in (*READING_ORDER, *HIDDEN):
        kind = queries.REPORT_COLUMNS[_ALIASES.get(column, column)]
        spec = {"text": _TEXT_FILTER, "number": _NUMBER_FILTER, "time": _DATE_FILTER}[kind]
        col = {"field": column, "headerName": HEADERS.get(column, c.LABELS.get(column, column.replace("_", " "))),
               **spec, "hide": column in HIDDEN}
        if kind == "number":
            col["width"] = 112
        if column == "window":  # two lines: start, then end and zone
            col.update(width=270, tooltipField="window", wrapText=True,
                       cellStyle={"lineHeight": "1.3", "paddingTop": "5px", "whiteSpace": "pre-line"})
        if column in ("source", "region", "accused_party", "qualifier"):
            col["width"] = 120
        if column in ("quote", "notes", "source_url"):
            col.update(width=260, tooltipField=column)
        defs.append(col)
    return defs


def column_choices() -> list[dict]:
    return [{"label": HEADERS.get(col, c.LABELS.get(col, col.replace("_", " "))), "value": col}
            for col in (*READING_ORDER, *HIDDEN)]


def filters_from_model(model: dict | None) -> list[ReportFilter]:
    """AG Grid's filterModel as filters for `queries.reports_page` (unknown columns are refused there)."""
    found: list[ReportFilter] = []
    for column, spec in (model or {}).items():
        column = _ALIASES.get(column, column)
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
    found = [(_ALIASES.get(s.get("colId"), s.get("colId")), s.get("sort")) for s in model or []]
    return [(column, order) for column, order in found if column in queries.REPORT_COLUMNS]


def rows_response(store: Store, request: dict) -> dict:
    """The infinite row model's answer: one block of rows and how many match in all."""
    start = int(request.get("startRow") or 0)
    end = int(request.get("endRow") or start + PAGE_SIZE)
    page, total = queries.reports_page(store, start, end, sort=sort_from_model(request.get("sortModel")),
                                       filters=filters_from_model(request.get("filterModel")))
    rows = page.astype(object).where(page.notna(), None).to_dict("records")
    for row in rows:
        row["window"] = window_text(row.get("period_start"), row.get("period_end"), row.get("timezone"))
    return {"rowData": rows, "rowCount": total}


def window_text(start: object, end: object, timezone: object) -> str:
    """A window as one reads it, on two lines: `2022-02-18 00:00 →` and `17:00 Europe/Kyiv` (the end's date
    only when it differs)."""
    start, end = c.plain(start), c.plain(end)
    if start[:10] == end[:10]:
        end = end[11:]
    return f"{start} →\n{end} {c.plain(timezone)}".strip()


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
                           className="me-2",
                           title="the whole store with its history, as a zip; restore it with `tracker restore`"),
                # a plain button, so that it can say whether the chooser is open (aria-expanded)
                html.Button("Columns", id=pid("columns-toggle"), className="btn btn-outline-secondary", n_clicks=0,
                            title="choose the columns shown (the id and the storage columns are hidden at first)",
                            **{"aria-expanded": "false", "aria-controls": pid("columns-panel")}),
            ], md=6, className="text-md-end d-flex flex-wrap gap-1 justify-content-md-end"),
        ], className="mb-2"),
        html.Div(dbc.Card(dbc.CardBody([
            html.Div("Columns shown", className="fw-semibold small mb-1"),
            dbc.Checklist(id=pid("columns"), options=column_choices(), inline=True, className="small",
                          value=[col for col in (*READING_ORDER, *HIDDEN) if col not in HIDDEN]),
        ])), id=pid("columns-panel"), hidden=True, className="mb-2"),
        dcc.Store(id=pid("columns-shown")),
        html.Div(id=pid("export-result")),
        html.Div(id=pid("backup-result")),
        dcc.Store(id=pid("download-url")),
        dcc.Store(id=pid("filter"), data=initial_filter),
        dcc.Store(id=pid("changed"), data=0),
        dcc.Store(id=pid("saved-reason")),  # the reason of the edit just saved, and its version
        dcc.Store(id=pid("refreshed")),
        dcc.Store(id=pid("downloaded")),
        dag.AgGrid(
            id=pid("grid"),
            rowModelType="infinite",
            columnDefs=column_defs(),
            defaultColDef={"sortable": True, "resizable": True, "floatingFilter": True, "minWidth": 90,
                           "wrapHeaderText": True, "autoHeaderHeight": True},
            filterModel=initial_filter,
            getRowId="params.data.id",
            dashGridOptions={
                **c.TEXT_GRID_OPTIONS,
                "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
                "cacheBlockSize": PAGE_SIZE, "maxBlocksInCache": 20, "infiniteInitialRowCount": PAGE_SIZE,
                "tooltipShowDelay": 300, "suppressColumnVirtualisation": True, "rowHeight": 52,
            },
            style={"height": "460px", "width": "100%"},
        ),
        dcc.Store(id=pid("editing"), data=head["id"] if head else None),
        html.Div(detail(store, sources, head), id=pid("detail"), className="mt-4"),
        html.Div(imports_panel.panel(store), className="mt-4"),
    ])


def _shown(column: str, value: object) -> str:
    """A stored value as the history shows it: date-times in UTC to the minute, long texts cut."""
    if value is None or (not isinstance(value, str) and c.plain(value) == ""):
        return "blank"
    if hasattr(value, "strftime") and column in vocab.DATETIME_COLUMNS:
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")  # type: ignore[union-attr]
    text = c.plain(value)
    return repr(text[:60] + "…") if len(text) > 60 else repr(text) if isinstance(value, str) else text


def changes(before: dict | None, after: dict) -> str:
    """Every canonical field that differs between two versions, `field: old → new`; a first version is
    `first version`; a withdrawal that changes nothing else is `withdrawn`."""
    if before is None:
        return "first version"
    found = []
    for column in vocab.CANONICAL_COLUMNS:
        old, new = before.get(column), after.get(column)
        if c.plain(old) != c.plain(new):
            found.append(f"{c.LABELS.get(column, column)}: {_shown(column, old)} → {_shown(column, new)}")
    if after.get("withdrawn"):
        found.insert(0, "withdrawn")
    return "; ".join(found) or "no field changed"


def history_rows(store: Store, report_id: str) -> list[dict]:
    """Every version of the report, oldest first: what changed from the version before and why."""
    history = queries.report_history(store, report_id)
    rows = []
    by_id: dict[str, dict] = {}
    for rec in history.astype(object).where(history.notna(), None).to_dict("records"):
        by_id[rec["id"]] = rec
        reason = rec.get("withdraw_reason") if rec.get("withdrawn") else rec.get("edit_reason")
        rows.append({
            "version": int(rec["version"]), "id": rec["id"], "kind": rec.get("batch_kind") or "",
            "stored_at": c.plain(rec.get("stored_at"))[:19], "recorded_by": c.plain(rec.get("recorded_by")),
            "changes": changes(by_id.get(rec.get("replaces") or ""), rec), "reason": c.plain(reason),
            "file": c.plain(rec.get("batch_file")),
        })
    return rows


HISTORY_COLUMNS = [
    {"field": "version", "minWidth": 105, "maxWidth": 115}, {"field": "kind", "minWidth": 100, "maxWidth": 120},
    {"field": "changes", "flex": 2, "minWidth": 320, "wrapText": True, "autoHeight": True, "cellStyle": c.WRAPPED},
    {"field": "reason", "flex": 1, "minWidth": 200, "wrapText": True, "autoHeight": True, "cellStyle": c.WRAPPED},
    {"field": "stored_at", "headerName": "stored at (UTC)", "minWidth": 160},
    {"field": "recorded_by", "headerName": "recorded by", "minWidth": 120},
    {"field": "file", "minWidth": 120}, {"field": "id", "minWidth": 120},
]


def revisions(store: Store, report_id: str, names: dict[str, str]) -> html.Div:
    """The current reports of this report's window (its revisions, CONTRACT §3 rule 3) and which figure of
    which report counts."""
    found = queries.window_reports(store, report_id=report_id)
    winners = queries.revision_winners(found)
    mine = sorted(m for m, winner in winners.items() if winner == report_id)
    ordered = [m for m in vocab.METRICS if m in mine]
    words = ", ".join(m.replace("_", " ") for m in ordered)
    n = len(found)
    if n <= 1:
        text = "The only report of this window."
    else:
        counts = f"this one counts for {words}" if ordered else "another counts for every figure it gives"
        text = f"{n} reports of this window; {counts} (rule 3: the latest reported_at that gives a figure wins)."
    items = []
    if n > 1:
        for rec in found.astype(object).where(found.notna(), None).to_dict("records"):
            figures = ", ".join(f"{m.replace('_', ' ')} {int(rec[m])}" for m in vocab.METRICS if rec.get(m) is not None)
            wins = [m.replace("_", " ") for m in vocab.METRICS if winners.get(m) == rec["id"]]
            label = "this report" if rec["id"] == report_id else rec["id"][:12]
            items.append(html.Li([
                dcc.Link(label, href=f"/reports?id={rec['id']}") if rec["id"] != report_id else html.Strong(label),
                f" · {names.get(rec['source'], rec['source'])}"
                + (f" ({rec['channel']})" if rec.get("channel") else "")
                + f", reported {rec.get('reported_at') or 'at an unknown time'}: {figures}"
                + (f" — counts for {', '.join(wins)}" if wins else " — superseded"),
            ]))
    return html.Div([html.P(text, className="mb-1", id=pid("revisions-text")),
                     html.Ul(items, className="small text-break")], id=pid("revisions"))


def detail(store: Store, sources: dict[str, str], head: dict | None) -> Any:
    """The selected report: its history, its revisions, the edit form filled with its values, and withdrawal."""
    if head is None:
        return html.P("Select a report in the table to see its history, edit or withdraw it.",
                      className="text-muted", id=pid("hint"))
    values = {k: v for k, v in head.items() if k != "id"}
    history = history_rows(store, head["id"])
    return html.Div([
        html.H5(["Report ", html.Code(head["id"], id=pid("heading"), className="text-break")]),
        c.safe_link(head.get("source_url"), "open the source"),
        html.H6("Revisions of this window", className="mt-3"),
        revisions(store, head["id"], sources),
        html.H6("History", className="mt-3"),
        c.grid(pid("history"), history, HISTORY_COLUMNS, height=min(480, 110 + 70 * len(history))),
        html.H6("Edit (stored as a new version; the old one stays in the history)", className="mt-3"),
        c.report_form(pid, sources, values),
        dbc.Row(dbc.Col([
            dbc.Label("Reason for the edit *", html_for=pid("edit-reason"), className="mb-0 fw-semibold"),
            dbc.Input(id=pid("edit-reason"), value="", maxLength=500,
                      placeholder="what was wrong, and where the correct value comes from"),
            dbc.FormFeedback(id=pid("edit-reason-feedback"), type="invalid", className="d-block"),
            dbc.FormText("Required: kept in the history beside the change."),
        ], md=8), className="mb-3"),
        dbc.Button("Save as new version", id=pid("save"), color="primary", n_clicks=0, className="me-2"),
        html.Div(id=pid("save-result"), className="mt-2"),
        html.H6("Withdraw", className="mt-4"),
        dbc.InputGroup([
            dbc.Input(id=pid("reason"), placeholder="why is this report withdrawn? (required)", value="",
                      maxLength=500),
            dbc.Button("Withdraw", id=pid("withdraw"), color="danger", outline=True, n_clicks=0),
            dbc.FormFeedback(id=pid("reason-feedback"), type="invalid"),
        ], className="has-validation"),
        html.Div(id=pid("withdraw-result"), className="mt-2"),
    ])


REASON_REQUIRED = "say why: the reason is kept in the history beside the change"


def save_edit(store: Store, editing: str, record: dict[str, Any],
              reason: str | None = None) -> tuple[list[Problem], ingest.Saved | None]:
    """Check `record` and store it as a new version of `editing` with its `reason`; EditConflict propagates.
    A blank reason is a problem of the field `edit_reason`, like a bad value (nothing is stored)."""
    result = validate.check_record(record, validate.registered_sources(store))
    problems = result if isinstance(result, list) else []
    if not (reason or "").strip():
        problems = [*problems, Problem(None, "edit_reason", "missing-value", REASON_REQUIRED)]
    if problems or isinstance(result, list):
        return problems, None
    return [], ingest.edit_report(store, editing, result, recorded_by=c.recorded_by(), reason=reason)


_exports_lock = threading.Lock()


def export_filtered(store: Store, model: dict | None, fmt: str) -> tuple[str, str, int]:
    """Write the current reports matching the grid's filter to a kept file: (token, name, count)."""
    filters = filters_from_model(model)
    where, params = queries.report_filter_sql(filters)
    token, path = scratch.reserve(export_name(filters, fmt))
    name = path.name
    with _exports_lock:  # the temp table of a filtered export is per connection, the lock keeps it simple
        count = export.export_reports(store, str(path), fmt, where=where, params=params)
    return token, name, count


def export_name(filters: list[ReportFilter], fmt: str) -> str:
    """The export's file name after its filter: `reports_source-equals-ua_mod_region-equals-donetsk.csv`;
    `reports_all.csv` without one."""
    parts = []
    for f in filters:
        value = "" if f.value is None else f"-{f.value}" + ("" if f.value_to is None else f"-{f.value_to}")
        parts.append(f"{f.column}-{f.op}{value}")
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", "_".join(parts) or "all").strip("-.")[:120] or "all"
    return f"reports_{stem}.{'csv' if fmt == 'csv' else 'parquet'}"


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
    Output(pid("edit-reason"), "invalid"),
    Output(pid("edit-reason-feedback"), "children"),
    Output(pid("save-result"), "children"),
    Output(pid("editing"), "data", allow_duplicate=True),
    Output(pid("changed"), "data"),
    Output(pid("history"), "rowData"),
    Output(pid("heading"), "children"),
    # A saved edit's reason is not the next edit's: the field empties once the save is answered, in the
    # browser, if it still holds the reason saved (see clear_saved_reason). Emptied by a server callback run
    # when the version changed, it wiped what an analyst typed into a newly chosen row's reason before that
    # round trip came back, or while the save was answered.
    Output(pid("saved-reason"), "data"),
    Input(pid("save"), "n_clicks"),
    [State(pid(f), "value") for f in c.FORM_FIELDS],
    State(pid("edit-reason"), "value"),
    State(pid("editing"), "data"),
    State(pid("changed"), "data"),
    prevent_initial_call=True,
    running=[(Output(pid("save"), "disabled"), True, False)],
)
def save(clicks: int, *args: Any) -> list[Any]:
    *values, reason, editing, changed = args
    n = len(c.FORM_FIELDS)
    keep = [dash.no_update] * 5
    if not clicks or not editing:
        return [dash.no_update] * (2 * n + 3) + keep
    store = c.store()
    try:
        problems, saved = save_edit(store, editing, c.form_record(values), reason)
    except DatabaseError as error:  # EditConflict included: someone saved a newer version
        return [False] * n + [""] * n + [False, "", c.error_alert(error, id=pid("conflict"))] + keep
    invalid, messages, other = c.field_feedback(problems)
    reason_problems = [p.message for p in other if p.column == "edit_reason"]
    other = [p for p in other if p.column != "edit_reason"]
    reason_out = [bool(reason_problems), "; ".join(reason_problems)]
    if problems:
        alert = dbc.Alert(["Nothing was stored; fix the problems marked above.",
                           *[html.Div(p.message) for p in other]], color="danger", id=pid("problems"))
        return [*invalid, *messages, *reason_out, alert] + keep
    assert saved is not None
    if saved.status == "unchanged":
        return [*invalid, *messages, *reason_out,
                dbc.Alert("Nothing changed: the values are those of the current version.",
                          color="info", id=pid("unchanged"))] + keep
    alert = dbc.Alert([html.Strong("Saved: "), f"new version {saved.id}; the previous one stays in the history."],
                      color="success", id=pid("saved"))
    return [*invalid, *messages, *reason_out, alert, saved.id, (changed or 0) + 1, history_rows(store, saved.id),
            saved.id, {"reason": reason, "version": saved.id}]


@callback(
    Output(pid("withdraw-result"), "children"),
    Output(pid("changed"), "data", allow_duplicate=True),
    Output(pid("reason"), "invalid"),
    Output(pid("reason-feedback"), "children"),
    Input(pid("withdraw"), "n_clicks"),
    State(pid("reason"), "value"),
    State(pid("editing"), "data"),
    State(pid("changed"), "data"),
    prevent_initial_call=True,
    running=[(Output(pid("withdraw"), "disabled"), True, False)],
)
def withdraw(clicks: int, reason: str | None, editing: str | None, changed: int | None) -> tuple:
    if not clicks or not editing:
        return dash.no_update, dash.no_update, dash.no_update, dash.no_update
    if not (reason or "").strip():  # a user's slip, not a fault: one line in the log, the message at the field
        c.log.info("withdraw of %s refused: no reason given", editing[:12])
        return "", dash.no_update, True, "reason required: " + REASON_REQUIRED
    try:
        saved = ingest.withdraw_report(c.store(), editing, reason or "", recorded_by=c.recorded_by())
    except DatabaseError as error:
        return c.error_alert(error), dash.no_update, False, ""
    return (dbc.Alert(f"Withdrawn (version {saved.id}): it no longer counts anywhere; the history keeps it.",
                      color="success", id=pid("withdrawn")), (changed or 0) + 1, False, "")


@callback(
    [Output(pid(f"{f}-tz"), "children") for f in c.DATETIME_FIELDS],
    Input(pid("timezone"), "value"),
)
def show_timezone(timezone: str | None) -> list[str]:
    return [c.value_tz_label(timezone)] * len(c.DATETIME_FIELDS)


# The reason of an edit just saved empties from its field, unless the analyst typed another meanwhile.
clientside_callback(
    """function(saved, typed) {
        return saved && typed === saved.reason ? "" : window.dash_clientside.no_update;
    }""",
    Output(pid("edit-reason"), "value"),
    Input(pid("saved-reason"), "data"),
    State(pid("edit-reason"), "value"),
    prevent_initial_call=True,
)


# The column chooser opens and closes in the browser, at once: with a round trip to the server and a sliding
# panel, a click on a choice made as the panel opened was lost now and then on a loaded machine (1 in 48).
clientside_callback(
    "function(clicks, hidden) { const shown = clicks ? hidden : !hidden; return [!shown, String(shown)]; }",
    Output(pid("columns-panel"), "hidden"),
    Output(pid("columns-toggle"), "aria-expanded"),
    Input(pid("columns-toggle"), "n_clicks"),
    State(pid("columns-panel"), "hidden"),
    prevent_initial_call=True,
)


# The column chooser shows and hides columns in the browser (no round trip, the rows stay).
clientside_callback(
    """
    function(shown) {
        const api = dash_ag_grid.getApi('reports-grid');
        if (api && Array.isArray(shown)) {
            const all = api.getColumns().map(col => col.getColId());
            api.setColumnsVisible(all.filter(id => shown.includes(id)), true);
            api.setColumnsVisible(all.filter(id => !shown.includes(id)), false);
        }
        return window.dash_clientside.no_update;
    }
    """,
    Output(pid("columns-shown"), "data"),
    Input(pid("columns"), "value"),
    prevent_initial_call=True,
)


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
