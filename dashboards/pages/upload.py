"""Import (/import): upload a canonical CSV, see a dry run (counts and every problem, with the text the file
has there), then import it all or nothing; or, on request, import the valid rows and download the rejected
ones exactly as they were, to fix and upload again. A template to start from downloads here too. The upload
size is limited on the server (Flask MAX_CONTENT_LENGTH) and, with the same message, in the browser before
sending."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import threading
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html
from flask import current_app

from dashboards import components as c
from dashboards import scratch
from tracker import ingest, rejects, vocab
from tracker.db import DatabaseError, Store
from tracker.problems import ImportReport

dash.register_page(__name__, path="/import", name="Import", order=3, title="Import a CSV file")

pid = c.id_maker("import")
MAX_PROBLEMS_SHOWN = 5000
# The choices are vocab.ENCODINGS, the list `tracker import --encoding` accepts (CONTRACT §4); these are
# only their labels. A value from outside the list (a forged request) is refused with a message.
ENCODING_LABELS = {"utf-8": "UTF-8 (default; a BOM is accepted)", "utf-8-sig": "UTF-8 with a BOM",
                   "utf-16": "UTF-16 (with a BOM)", "cp1251": "cp1251 (Windows Cyrillic)",
                   "windows-1251": "Windows-1251 (= cp1251)", "koi8-r": "KOI8-R (Russian)",
                   "koi8-u": "KOI8-U (Ukrainian)", "cp866": "cp866 (DOS Cyrillic)",
                   "cp1252": "cp1252 (Windows Western)", "windows-1252": "Windows-1252 (= cp1252)"}
DELIMITERS = [(",", "comma ,"), (";", "semicolon ;"), ("\t", "tab")]

_imported = c.Memo(200)  # token -> the answer already given: a second click gets the same answer
_imported_lock = threading.Lock()


def _limit_bytes() -> int:
    try:
        return int(current_app.config.get("TRACKER_UPLOAD_LIMIT", 50 * 1024 * 1024))
    except RuntimeError:  # outside a request (tests)
        return 50 * 1024 * 1024


def layout(**_kwargs: Any) -> html.Div:
    limit = _limit_bytes()
    return html.Div([
        html.H3("Import a CSV file"),
        html.P(["A file in the canonical format (the same as ", html.Code("tracker import"), " and ",
                html.Code("tracker export"), "). It is checked first and nothing is written until you "
                "confirm; then every row is stored, or none (or, if you ask, the valid rows: the rejected ones "
                f"come back as a file to fix). Largest file: {limit // (1024 * 1024)} MB."],
               className="text-muted"),
        html.Div([dbc.Button("Download a template", id=pid("template"), size="sm", color="secondary",
                             outline=True),
                  dcc.Download(id=pid("template-download")),
                  html.Span(" the header and example rows with this store's sources and regions",
                            className="small text-muted")], className="mb-3"),
        dbc.Row([
            dbc.Col([dbc.Label("Encoding", html_for=pid("encoding")),
                     dbc.Select(id=pid("encoding"), value="utf-8",
                                options=[{"label": ENCODING_LABELS.get(v, v), "value": v}
                                         for v in vocab.ENCODINGS])], md=4),
            dbc.Col([dbc.Label("Delimiter", html_for=pid("delimiter")),
                     dbc.Select(id=pid("delimiter"), value=",",
                                options=[{"label": t, "value": v} for v, t in DELIMITERS])], md=3),
        ], className="mb-3"),
        dcc.Upload(
            id=pid("file"), accept=".csv,.txt,.tsv,text/csv,text/plain", multiple=False,
            children=html.Div(["Drop a CSV file here, or ", html.A("choose one", href="#")]),
            className="rounded p-4 text-center bg-light",
            style={"border": "2px dashed #adb5bd", "cursor": "pointer"},
        ),
        dcc.Store(id=pid("limit"), data=limit),
        dcc.Store(id=pid("payload")),
        dcc.Store(id=pid("token")),
        dcc.Loading(html.Div(id=pid("preview"), className="mt-3"), type="dot"),
        dbc.Button("Import", id=pid("confirm"), color="primary", n_clicks=0, className="mt-2",
                   style={"display": "none"}),
        dcc.Loading(html.Div(id=pid("result"), className="mt-3"), type="dot"),
    ])


# The size check in the browser: an oversized file is never sent; the server checks again (413).
clientside_callback(
    """
    function(contents, filename, limit) {
        if (!contents) { return [window.dash_clientside.no_update, window.dash_clientside.no_update]; }
        var comma = contents.indexOf(',');
        var size = Math.floor((contents.length - comma - 1) * 3 / 4);
        if (size > limit) {
            var mb = Math.round(limit / 1048576);
            var text = filename + ' is ' + (size / 1048576).toFixed(1) + ' MB, and the upload limit is ' +
                mb + ' MB. Split it into smaller files.';
            return [null, {namespace: 'dash_bootstrap_components', type: 'Alert',
                           props: {color: 'danger', id: 'import-too-large',
                                   children: [{namespace: 'dash_html_components', type: 'Strong',
                                               props: {children: 'File too large: '}}, text]}}];
        }
        return [{contents: contents, filename: filename}, ''];
    }
    """,
    Output(pid("payload"), "data"),
    Output(pid("result"), "children", allow_duplicate=True),
    Input(pid("file"), "contents"),
    State(pid("file"), "filename"),
    State(pid("limit"), "data"),
    prevent_initial_call=True,
)


def decode_upload(contents: str) -> bytes:
    """The bytes of a dcc.Upload `contents` data URL."""
    _, _, data = contents.partition(",")
    try:
        return base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError) as error:
        raise DatabaseError("unreadable upload", "the browser sent a file that could not be decoded; "
                            "upload it again") from error


def _codec(encoding: str | None) -> str | None:
    """None (UTF-8, a BOM accepted: the import's default) or the encoding chosen, one of vocab.ENCODINGS;
    anything else (the page offers nothing else: a forged request) is refused."""
    if encoding in (None, "", "utf-8"):
        return None
    if not isinstance(encoding, str) or encoding not in vocab.ENCODINGS:
        raise DatabaseError("unknown encoding", f"{str(encoding)[:40]!r} is not one of the text encodings the "
                            f"tracker reads; choose one of: {', '.join(vocab.ENCODINGS)}")
    return encoding


def _delimiter(delimiter: str | None) -> str:
    """The delimiter chosen, one of DELIMITERS."""
    if delimiter in (None, ""):
        return ","
    if not isinstance(delimiter, str) or delimiter not in {value for value, _ in DELIMITERS}:
        raise DatabaseError("unknown delimiter", f"{str(delimiter)[:40]!r} is not a delimiter of this page; "
                            "choose comma, semicolon or tab")
    return delimiter


def dry_run(store: Store, token: str, encoding: str | None, delimiter: str) -> ImportReport:
    """What importing the kept file would do; writes nothing."""
    path = scratch.path(token)
    if path is None:
        raise DatabaseError("upload expired", "the uploaded file is no longer kept; upload it again")
    report = ingest.import_files(store, [str(path)], dry_run=True, encoding=_codec(encoding),
                                 delimiter=_delimiter(delimiter), valid_rows_only=True)[0]
    return dataclasses.replace(report, file=path.name)


def import_valid_rows(store: Store, token: str, encoding: str | None, delimiter: str) -> ImportReport:
    """Import the valid rows of the kept file; its rejects and problems are written beside it."""
    path = scratch.path(token)
    if path is None:
        raise DatabaseError("upload expired", "the uploaded file is no longer kept; upload it again")
    report = ingest.import_files(store, [str(path)], encoding=_codec(encoding), delimiter=_delimiter(delimiter),
                                 recorded_by=c.recorded_by(), valid_rows_only=True)[0]
    return dataclasses.replace(report, file=path.name)


def import_kept(store: Store, token: str, encoding: str | None, delimiter: str) -> ImportReport:
    """Import the kept file, all or nothing."""
    path = scratch.path(token)
    if path is None:
        raise DatabaseError("upload expired", "the uploaded file is no longer kept; upload it again")
    report = ingest.import_files(store, [str(path)], encoding=_codec(encoding), delimiter=_delimiter(delimiter),
                                 recorded_by=c.recorded_by())[0]
    return dataclasses.replace(report, file=path.name)


def counts(report: ImportReport, *, done: bool) -> html.Div:
    def badge(label: str, value: int, color: str, key: str) -> Any:
        return html.Span([html.Span(label + " "), html.Strong(str(value), id=pid(f"count-{key}"))],
                         className=f"badge text-bg-{color} fs-6 me-2")

    new_label = "imported" if done else "would import"
    return html.Div([
        badge("rows", report.rows, "secondary", "rows"),
        badge(new_label, report.inserted, "primary", "new"),
        badge("already stored", report.duplicates, "info", "duplicates"),
        badge("rejected rows", report.rejected, "danger" if report.rejected else "light", "rejected"),
        badge("problems", len(report.problems), "danger" if report.problems else "light", "problems"),
    ], className="mb-2")


PROBLEM_COLUMNS = [
    {"field": "row", "minWidth": 70, "maxWidth": 90},
    {"field": "column", "minWidth": 130, "maxWidth": 180},
    {"field": "code", "minWidth": 150, "maxWidth": 200},
    {"field": "value", "headerName": "what the file has", "minWidth": 140, "maxWidth": 220, "wrapText": True,
     "autoHeight": True, "cellStyle": c.WRAPPED},
    {"field": "message", "flex": 2, "minWidth": 260, "wrapText": True, "autoHeight": True, "cellStyle": c.WRAPPED},
    {"field": "row_values", "headerName": "the row", "flex": 1, "minWidth": 220, "wrapText": True,
     "autoHeight": True, "cellStyle": c.WRAPPED},
]


def problem_rows(report: ImportReport) -> list[dict]:
    """Every problem with the text the file has in that cell and the row's other values."""
    by_row: dict[int, list[str]] = {}
    for (line, column), value in report.problem_values.items():
        by_row.setdefault(line, []).append(f"{column}={value}")
    return [{**row, "value": report.problem_values.get((p.row or 0, p.column or ""), ""),
             "row_values": "; ".join(by_row.get(p.row or 0, []))}
            for row, p in zip(c.problem_rows(report.problems), report.problems, strict=True)]


def preview_view(report: ImportReport, valid_token: str | None = None) -> tuple[Any, bool]:
    """The dry run shown to the user, and whether the Import button is offered. A file whose problems are
    all in rows offers, with `valid_token`, to import the valid rows instead."""
    parts: list[Any] = [counts(report, done=False)]
    if report.problems:
        rows = problem_rows(report)
        shown = rows[:MAX_PROBLEMS_SHOWN]
        forgivable = valid_token is not None and not any(p.row is None for p in report.problems)
        parts.append(dbc.Alert([html.Strong("Nothing can be imported as it is. "),
                                f"{report.file}: {report.rejected} of {report.rows} rows rejected, "
                                f"{len(report.problems)} problems. Fix them and upload the file again"
                                + (f"; or import the {report.rows - report.rejected} valid rows now "
                                   f"({report.inserted} new reports) and download the rejected ones to fix."
                                   if forgivable else ".")],
                               color="danger", id=pid("problems-summary")))
        if len(rows) > len(shown):
            parts.append(html.P(f"The first {len(shown)} problems are shown; the download has them all.",
                                className="text-muted"))
        parts.append(html.Div(c.csv_download(pid, "problems", "Download the problems (CSV)"), className="text-end"))
        parts.append(dcc.Store(id=pid("problem-rows"), data=rows))
        parts.append(c.grid(pid("problems"), shown, PROBLEM_COLUMNS, height=360))
        if forgivable:
            parts.append(dcc.Store(id=pid("valid-token"), data=valid_token))
            parts.append(dbc.Button(f"Import the {report.rows - report.rejected} valid rows", id=pid("valid"),
                                    color="warning", n_clicks=0, className="mt-2"))
        return html.Div(parts), False
    if report.inserted == 0:
        parts.append(dbc.Alert(f"{report.file}: nothing new; all {report.duplicates} rows are already stored.",
                               color="info", id=pid("nothing-new")))
        return html.Div(parts), False
    parts.append(dbc.Alert([html.Strong("Ready. "), f"{report.file}: {report.inserted} new reports"
                            + (f", {report.duplicates} already stored" if report.duplicates else "")
                            + ". Nothing is written until you press Import."],
                           color="secondary", id=pid("ready")))
    parts += [html.P(line, className="small", id=pid("revisions")) for line in report.details()]
    return html.Div(parts), True


@callback(
    Output(pid("preview"), "children"),
    Output(pid("token"), "data"),
    Output(pid("confirm"), "style"),
    Output(pid("result"), "children", allow_duplicate=True),
    Input(pid("payload"), "data"),
    State(pid("encoding"), "value"),
    State(pid("delimiter"), "value"),
    prevent_initial_call=True,
)
def preview(payload: dict | None, encoding: str | None, delimiter: str | None) -> tuple:
    hidden = {"display": "none"}
    if not isinstance(payload, dict) or not isinstance(payload.get("contents"), str):
        return dash.no_update, dash.no_update, hidden, dash.no_update
    try:
        _codec(encoding), _delimiter(delimiter)  # before the file is kept
        name = payload.get("filename") if isinstance(payload.get("filename"), str) else None
        token = scratch.put(name or "upload.csv", decode_upload(payload["contents"]))
        report = dry_run(c.store(), token, encoding, delimiter)
    except DatabaseError as error:
        return c.error_alert(error), None, hidden, ""
    forgivable = bool(report.problems) and report.rejected < report.rows
    view, offer = preview_view(report, token if forgivable else None)
    if not offer and not forgivable:
        scratch.drop(token)
    return view, token if offer else None, ({"display": "inline-block"} if offer else hidden), ""


@callback(
    Output(pid("result"), "children"),
    Output(pid("confirm"), "style", allow_duplicate=True),
    Output(pid("preview"), "children", allow_duplicate=True),
    Input(pid("confirm"), "n_clicks"),
    State(pid("token"), "data"),
    State(pid("encoding"), "value"),
    State(pid("delimiter"), "value"),
    prevent_initial_call=True,
    running=[(Output(pid("confirm"), "disabled"), True, False)],
)
def confirm(clicks: int, token: str | None, encoding: str | None, delimiter: str | None) -> tuple:
    hidden = {"display": "none"}
    if not clicks or not isinstance(token, str) or not token:
        return dash.no_update, dash.no_update, dash.no_update
    def run() -> Any:
        report = import_kept(c.store(), token, encoding, delimiter)
        scratch.drop(token)
        if report.problems:  # the store changed since the preview
            view, _ = preview_view(report)
            return html.Div([dbc.Alert(report.summary(), color="danger"), view])
        return html.Div([counts(report, done=True), dbc.Alert(report.summary(), color="success", id=pid("imported"))])

    with _imported_lock:  # one import per upload, however often the button is pressed
        try:
            answer = _imported.get(token, run)
        except DatabaseError as error:
            return c.error_alert(error), hidden, dash.no_update
    return answer, hidden, ""


@callback(
    Output(pid("result"), "children", allow_duplicate=True),
    Output(pid("preview"), "children", allow_duplicate=True),
    Input(pid("valid"), "n_clicks"),
    State(pid("valid-token"), "data"),
    State(pid("encoding"), "value"),
    State(pid("delimiter"), "value"),
    prevent_initial_call=True,
)
def confirm_valid_rows(clicks: int, token: str | None, encoding: str | None, delimiter: str | None) -> tuple:
    """Import the valid rows; offer the rejected rows (as they were) and their problems as downloads."""
    if not clicks or not isinstance(token, str) or not token:
        return dash.no_update, dash.no_update

    def run() -> Any:
        report = import_valid_rows(c.store(), token, encoding, delimiter)
        kept = scratch.path(token)
        files = []
        if report.rejects_file and kept is not None:
            for suffix, label in (("rejects", "the rejected rows"), ("problems", "their problems")):
                written = rejects.beside(str(kept), suffix)
                with open(written, "rb") as handle:
                    file_token = scratch.put(f"{kept.name}.{suffix}.csv", handle.read())
                files.append((label, file_token, scratch.path(file_token).name))
        scratch.drop(token)
        links = [html.A(f"Download {label} ({name})", href=f"/download/{kept_token}/{name}", download=name,
                        id=pid(f"{('rejects', 'problems')[i]}-file"), className="me-3")
                 for i, (label, kept_token, name) in enumerate(files)]
        return html.Div([counts(report, done=True),
                         dbc.Alert(report.summary().replace(str(kept or ""), report.file), color="warning",
                                   id=pid("imported-valid")),
                         html.Div(links),
                         *[html.P(line, className="small") for line in report.details()]])

    with _imported_lock:  # one import per upload, however often the button is pressed
        try:
            answer = _imported.get(("valid", token), run)
        except DatabaseError as error:
            return c.error_alert(error), dash.no_update
    return answer, ""


@callback(Output(pid("problems-download"), "data"), Input(pid("problems-csv"), "n_clicks"),
          State(pid("problem-rows"), "data"), prevent_initial_call=True)
def download_problems(_clicks: int, rows: list[dict] | None) -> dict:
    import pandas as pd

    frame = pd.DataFrame(rows or [], columns=["row", "column", "code", "message", "value", "row_values"])
    return c.send_csv(frame, "problems.csv")


@callback(Output(pid("template-download"), "data"), Input(pid("template"), "n_clicks"), prevent_initial_call=True)
def download_template(_clicks: int) -> dict:
    from tracker.template import template_csv

    return dcc.send_string(template_csv(c.store()), "template.csv")

