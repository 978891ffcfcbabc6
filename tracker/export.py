"""`tracker export`: every current report in the canonical format, re-importable.

CSV cells of text that a spreadsheet would run as a formula (starting with = + - @ tab CR LF or ') get
one leading ', and so does each of those characters right after a ; inside a text, where a spreadsheet
whose list separator is ; starts a new cell (CONTRACT §2); the import removes them again, so every text
survives a round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tracker import queries, vocab
from tracker.db import Store, sql_text

FORMATS = ("csv", "parquet")
_ESCAPE_PATTERN = "^[=+\\-@\\t\\r\\n'']"  # '' is one quote inside the SQL string
_SEPARATOR_PATTERN = ";([=+\\-@\\t\\r\\n''])"  # a formula character right after a ;


def _escaped_select(relation: str = "export_reports") -> str:
    columns = []
    for name in vocab.CANONICAL_COLUMNS:
        if name in vocab.TEXT_COLUMNS:
            after = f"if(contains({name}, ';'), regexp_replace({name}, '{_SEPARATOR_PATTERN}', ';''\\1', 'g'), {name})"
            columns.append(f"if(regexp_matches({name}, '{_ESCAPE_PATTERN}'), '''' || {after}, {after}) as {name}")
        else:
            columns.append(name)
    return "select " + ", ".join(columns) + " from " + relation


def _filtered_export(where: str, params: Sequence[Any], store: Store) -> str:
    """The export_reports view over the current reports that match `where` (kept in a temp table), as a
    subquery: the view's own SQL, read from `export_scope` instead of `current_reports`."""
    with queries.ids_checked(store):
        store.execute(f"create or replace temp table export_scope as select * from current_reports where {where}",
                      list(params))
    body = sql_text("views/export_reports.sql")
    if body.count("from current_reports") != 1:
        raise RuntimeError("sql/views/export_reports.sql no longer reads `from current_reports` once")
    return "(" + body.replace("from current_reports", "from export_scope") + "\n) as export_reports"


def export_reports(store: Store, out: str, fmt: str = "csv", *, where: str | None = None,
                   params: Sequence[Any] = ()) -> int:
    """Write the current reports to `out`; returns how many were written. `where` (with `params`) keeps
    only the current reports matching that predicate over `current_reports` (the dashboard's filter,
    built by `queries.report_filter_sql`, never from user text)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format '{fmt}'; use csv or parquet")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    relation = "export_reports" if where is None else _filtered_export(where, params, store)
    if fmt == "csv":
        count = store.copy_to(_escaped_select(relation), out, "format csv, header true")
    else:
        count = store.copy_to(f"select * from {relation}", out, "format parquet")
    if where is not None:
        store.execute("drop table if exists export_scope")
    return count
