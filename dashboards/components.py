"""Pieces every page uses: component ids, the store, alerts, safe links, tables of problems and the
report form (the entry page and the edit form of the reports page show the same fields).

User text is rendered as text only: no Markdown, no raw HTML, links only when they are http(s).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from tracker import queries, vocab
from tracker.db import DatabaseError, Store
from tracker.problems import Problem
from tracker.schema import field_help

log = logging.getLogger("dashboards")

# --- ids ------------------------------------------------------------------------------------------


def id_maker(page: str) -> Callable[[str], str]:
    """The id helper of one page: `pid = id_maker("entry"); pid("submit") == "entry-submit"`."""
    if not re.fullmatch(r"[a-z]+", page):
        raise ValueError(f"bad page name {page!r}")

    def make(name: str) -> str:
        return f"{page}-{name}"

    return make


# --- the store ------------------------------------------------------------------------------------

_app_store: Store | None = None
_local = threading.local()


def set_store(store: Store | None) -> None:
    """The app's one store (opened by create_app); every thread gets its own cursor of it."""
    global _app_store
    _app_store = store
    _local.__dict__.clear()


def store() -> Store:
    """This thread's connection to the app's store (a cursor sharing the write lock)."""
    if _app_store is None:
        raise DatabaseError("no database", "the dashboard has no store; start it with `tracker serve`")
    cursor = getattr(_local, "cursor", None)
    if cursor is None or getattr(_local, "of", None) is not _app_store:
        cursor = _app_store.cursor()
        _local.cursor, _local.of = cursor, _app_store
    return cursor


class Memo:
    """A small LRU cache of computed answers. Keys must hold the store's write counter
    (`queries._data_version`), so that a write makes every older answer unreachable."""

    def __init__(self, size: int = 64):
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def data_version(store: Store) -> tuple:
    """What changes with every write to the store: the part of every cache key that keeps answers fresh."""
    return (store.path, *queries._data_version(store))  # noqa: SLF001


def recorded_by() -> str:
    """Who is writing: the HTTP Basic login when there is one, else "dashboard"."""
    try:
        from flask import g, has_request_context

        if has_request_context() and getattr(g, "user", None):
            return f"dashboard:{g.user}"
    except ImportError:  # pragma: no cover
        pass
    return "dashboard"


# --- alerts and text ------------------------------------------------------------------------------


# Refusals that are the user's to fix (an edit of a version someone changed meanwhile, a withdrawal
# without a reason): logged as one line at INFO, not as a fault.
EXPECTED_REFUSALS = frozenset({"edit conflict", "reason required", "no such report"})


def error_alert(error: DatabaseError | Exception, *, id: str | None = None) -> dbc.Alert:
    """An error as an alert: its title in bold, then what to do. The server's log gets the traceback."""
    if isinstance(error, DatabaseError) and error.title in EXPECTED_REFUSALS:
        log.info("%s: %s", error.title, error.message)  # the user's to fix; no traceback
    else:
        log.warning("%s", error, exc_info=error)
    if isinstance(error, DatabaseError):
        title, message = error.title, error.message
    else:
        title, message = type(error).__name__, str(error)
    return dbc.Alert([html.Strong(title + ": "), html.Span(message)], color="danger",
                     **({"id": id} if id else {}))


def info_alert(*children: Any, color: str = "success", id: str | None = None) -> dbc.Alert:
    return dbc.Alert(list(children), color=color, **({"id": id} if id else {}))


_HTTP = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


def is_http_url(value: object) -> bool:
    return isinstance(value, str) and bool(_HTTP.fullmatch(value.strip()))


def safe_link(url: object, text: str | None = None) -> Any:
    """A link only for an http(s) address; anything else is shown as plain text (no javascript: links)."""
    if is_http_url(url):
        return html.A(text or str(url), href=str(url).strip(), target="_blank", rel="noopener noreferrer")
    return html.Span("" if url is None else str(url))


def plain(value: object) -> str:
    """A value as the text a person reads: blank for missing, no trailing `.0` on whole numbers."""
    if value is None:
        return ""
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- tables ---------------------------------------------------------------------------------------

TEXT_GRID_OPTIONS = {"enableCellTextSelection": True, "ensureDomOrder": True, "animateRows": False}


def grid(id: str, rows: list[dict], columns: Iterable[str | dict], *, height: int = 300, **options: Any) -> dag.AgGrid:
    """A client-side AG Grid of plain-text cells (no HTML renderers, no code from props)."""
    column_defs = [c if isinstance(c, dict) else {"field": c, "headerName": c.replace("_", " ")} for c in columns]
    return dag.AgGrid(
        id=id,
        rowData=rows,
        columnDefs=column_defs,
        defaultColDef={"sortable": True, "resizable": True, "filter": True, "wrapText": False,
                       "wrapHeaderText": True, "autoHeaderHeight": True},
        dashGridOptions={**TEXT_GRID_OPTIONS, **options.pop("dashGridOptions", {})},
        columnSize="responsiveSizeToFit",
        style={"height": f"{height}px", "width": "100%"},
        **options,
    )


def csv_download(make: Callable[[str], str], name: str, label: str = "Download CSV") -> html.Span:
    """A button and its download: the page's callback on `<page>-<name>-csv` answers with `send_csv` of
    exactly the rows its chart or table shows."""
    return html.Span([
        dbc.Button(label, id=make(f"{name}-csv"), size="sm", color="secondary", outline=True, className="ms-2"),
        dcc.Download(id=make(f"{name}-download")),
    ])


def send_csv(frame: Any, filename: str) -> dict:
    """A DataFrame as a CSV download (UTF-8, header row, blank for not reported)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", filename)
    return dcc.send_string(frame.to_csv(index=False, lineterminator="\n"), safe)


WRAPPED = {"lineHeight": "1.45", "paddingTop": "6px", "paddingBottom": "6px", "wordBreak": "normal"}

PROBLEM_COLUMNS = [
    {"field": "row", "maxWidth": 90},
    {"field": "column", "maxWidth": 180},
    {"field": "code", "maxWidth": 200},
    {"field": "message", "flex": 1, "wrapText": True, "autoHeight": True, "cellStyle": WRAPPED},
]


def problem_rows(problems: Iterable[Problem]) -> list[dict]:
    return [{"row": p.row, "column": p.column or "", "code": p.code, "message": p.message} for p in problems]


def reports_behind(store: Store, source: str, region: str, day: str, names: dict[str, str], *, id: str) -> html.Div:
    """The current reports of `source` whose window overlaps `day`: a table of text with safe links."""
    found = queries.reports_behind(store, source, region, day)
    head = [html.H6(f"Reports of {names.get(source, source)} whose window overlaps {day} ({region})")]
    if found.empty:
        return html.Div(head + [html.P("none", className="text-muted")], id=id)
    shown = ["period_start", "period_end", "region", "reported_at", *vocab.METRICS, "qualifier"]
    shown = [col for col in shown if col in found and (col not in vocab.METRICS or found[col].notna().any())]
    header = html.Thead(html.Tr([html.Th(col.replace("_", " ")) for col in shown] + [html.Th("source"), html.Th("")]))
    body = [
        html.Tr([html.Td(plain(rec.get(col))) for col in shown] + [
            html.Td(safe_link(rec.get("source_url"), "link")),
            html.Td(dcc.Link("open", href=f"/reports?id={rec['id']}")),
        ])
        for rec in found.to_dict("records")
    ]
    return html.Div(head + [dbc.Table([header, html.Tbody(body)], size="sm", striped=True, responsive=True,
                                      className="text-break")], id=id)


# --- the report form ------------------------------------------------------------------------------

NUMBER_FIELDS = tuple(vocab.METRICS)
DATETIME_FIELDS = vocab.DATETIME_COLUMNS
LONG_TEXT_FIELDS = ("quote", "notes")
CHOICE_FIELDS = ("source", "timezone", "region", "accused_party", "qualifier")
FORM_FIELDS = vocab.CANONICAL_COLUMNS

LABELS = {
    "source": "Source",
    "channel": "Channel",
    "reported_at": "Reported at",
    "period_start": "Window start",
    "period_end": "Window end",
    "timezone": "Time zone",
    "region": "Region",
    "area": "Area",
    "accused_party": "Accused party",
    "violations": "Violations",
    "prohibited_weapons": "Prohibited weapons",
    "explosions": "Explosions",
    "killed": "Killed",
    "wounded": "Wounded",
    "civilians_killed": "Civilians killed",
    "civilians_wounded": "Civilians wounded",
    "settlements_shelled": "Settlements shelled",
    "qualifier": "Qualifier",
    "weapons": "Weapons",
    "location": "Location",
    "source_url": "Source URL",
    "quote": "Quote",
    "notes": "Notes",
}

# Common zones first; any IANA zone can still be typed into the dropdown's search.
COMMON_TIMEZONES = ("Europe/Kyiv", "Europe/Moscow", "UTC", "Europe/Vienna", "Europe/Berlin")
# The value of a select's blank choice ("" would be taken for dbc.Select's hidden placeholder).
BLANK = "_blank"


def choices(field: str, sources: dict[str, str] | None = None) -> list[dict]:
    """The options of a choice field; "" is the blank choice where blank means something."""
    if field == "source":
        return [{"label": f"{key} — {name}", "value": key} for key, name in (sources or {}).items()]
    if field == "region":  # the store's registered regions (tracker regions), when `sources` carries them
        regions = getattr(sources, "regions", None) or {r.value: r.label for r in vocab.Region}
        return [{"label": "whole conflict zone (blank)", "value": BLANK}] + [
            {"label": name, "value": key} for key, name in regions.items()]
    if field == "accused_party":  # the store's accused parties (tracker parties)
        parties = getattr(sources, "parties", None) or {p.value: p.value for p in vocab.AccusedParty}
        return [{"label": "not stated (blank)", "value": BLANK}] + [
            {"label": key, "value": key} for key in parties]
    if field == "qualifier":
        return [{"label": q.value, "value": q.value} for q in vocab.Qualifier]
    if field == "timezone":
        rest = sorted(vocab.TIMEZONES - set(COMMON_TIMEZONES))
        return [{"label": z, "value": z} for z in (*COMMON_TIMEZONES, *rest)]
    raise ValueError(field)


def _input(make: Callable[[str], str], field: str, value: Any, sources: dict[str, str] | None) -> Any:
    fid = make(field)
    if field in CHOICE_FIELDS:
        blank = BLANK if field in ("region", "accused_party") else ""
        return dbc.Select(id=fid, options=choices(field, sources), value=value if value is not None else blank,
                          placeholder="choose a source" if field == "source" else None)
    if field in NUMBER_FIELDS:
        # Text, not type="number": a number input sends what it cannot parse (-1 against min=0, 2.5
        # against step=1, "abc") as blank, and the figure would vanish. The raw text reaches the checks.
        return dbc.Input(id=fid, type="text", inputMode="numeric", autoComplete="off", value=plain(value))
    if field in DATETIME_FIELDS:
        # Text in the ISO form, not type="datetime-local": that picker shows and takes the browser's locale
        # (`02/19/2022, 05:00 PM`), and sends what it cannot parse as blank. The typed text reaches the
        # checks, which refuse any other form with a field error that gives the ISO form.
        return dbc.InputGroup([
            dbc.Input(id=fid, type="text", value=iso_text(value), placeholder="YYYY-MM-DD HH:MM",
                      autoComplete="off", inputMode="numeric", maxLength=40),
            dbc.InputGroupText(value_tz_label(None), id=make(f"{field}-tz")),
        ], className="has-validation flex-nowrap")
    if field in LONG_TEXT_FIELDS:
        return dbc.Textarea(id=fid, value=value or "", rows=2)
    return dbc.Input(id=fid, type="url" if field == "source_url" else "text", value=value or "")


def iso_text(value: object) -> str:
    """A stored date-time as the form shows it: `2022-02-18 17:00` (24-hour, ISO order, local)."""
    text = plain(value)
    return text.replace("T", " ", 1) if re.match(r"^\d{4}-\d{2}-\d{2}T", text) else text


def value_tz_label(timezone: str | None) -> str:
    return timezone or vocab.DEFAULT_TIMEZONE


def report_form(make: Callable[[str], str], sources: dict[str, str], values: dict[str, Any] | None = None) -> html.Div:
    """Every canonical field with its label, help text (the schema's description) and a feedback line."""
    values = values or {}
    helps = field_help()
    defaults = {"timezone": vocab.DEFAULT_TIMEZONE, "qualifier": "exact"}

    def cell(field: str, width: int) -> dbc.Col:
        value = values.get(field, defaults.get(field))
        required = " *" if field in vocab.REQUIRED_COLUMNS else ""
        return dbc.Col([
            dbc.Label(LABELS[field] + required, html_for=make(field), className="mb-0 fw-semibold"),
            _input(make, field, value, sources),
            dbc.FormFeedback(id=make(f"{field}-feedback"), type="invalid", className="d-block"),
            dbc.FormText(helps.get(field, "")),
        ], xs=12, md=max(width, 6) if width < 12 else 12, lg=width, className="mb-3 text-break")

    rows = [
        dbc.Row([cell("source", 4), cell("channel", 4), cell("reported_at", 4)]),
        dbc.Row([cell("period_start", 4), cell("period_end", 4), cell("timezone", 4)]),
        dbc.Row([cell("region", 4), cell("area", 4), cell("accused_party", 4)]),
        html.H6("Figures (blank = not reported, 0 = a real zero)", className="mt-2"),
        dbc.Row([cell(m, 3) for m in NUMBER_FIELDS[:4]]),
        dbc.Row([cell(m, 3) for m in NUMBER_FIELDS[4:]]),
        dbc.Row([cell("qualifier", 4), cell("weapons", 4), cell("location", 4)]),
        dbc.Row([cell("source_url", 12)]),
        dbc.Row([cell("quote", 6), cell("notes", 6)]),
    ]
    return html.Div(rows)


def form_record(values: Iterable[Any]) -> dict[str, Any]:
    """The values of the form's inputs, in FORM_FIELDS order, as a record for `check_record`."""
    record: dict[str, Any] = {}
    for field, value in zip(FORM_FIELDS, values, strict=True):
        if value is None or value == BLANK or (isinstance(value, str) and not value.strip()):
            continue
        record[field] = value
    return record


def field_feedback(problems: list[Problem]) -> tuple[list[bool], list[str], list[Problem]]:
    """Per form field: invalid?, the message; and the problems that belong to no field."""
    by_field: dict[str, list[str]] = {}
    other: list[Problem] = []
    for problem in problems:
        if problem.column in FORM_FIELDS:
            by_field.setdefault(problem.column, []).append(problem.message)
        else:
            other.append(problem)
    invalid = [field in by_field for field in FORM_FIELDS]
    messages = ["; ".join(by_field.get(field, [])) for field in FORM_FIELDS]
    return invalid, messages, other
