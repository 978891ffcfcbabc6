"""`tracker export`: every current report in the canonical format, re-importable.

CSV cells of text that a spreadsheet would run as a formula (starting with = + - @ tab CR LF or ') get
one leading ' (CONTRACT §2); the import removes it again, so every text survives a round trip.
"""

from __future__ import annotations

from pathlib import Path

from tracker import vocab
from tracker.db import Store

FORMATS = ("csv", "parquet")
_ESCAPE_PATTERN = "^[=+\\-@\\t\\r\\n'']"  # '' is one quote inside the SQL string


def _escaped_select() -> str:
    columns = []
    for name in vocab.CANONICAL_COLUMNS:
        if name in vocab.TEXT_COLUMNS:
            columns.append(f"if(regexp_matches({name}, '{_ESCAPE_PATTERN}'), '''' || {name}, {name}) as {name}")
        else:
            columns.append(name)
    return "select " + ", ".join(columns) + " from export_reports"


def export_reports(store: Store, out: str, fmt: str = "csv") -> int:
    """Write the current reports to `out`; returns how many were written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format '{fmt}'; use csv or parquet")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        store.copy_to(_escaped_select(), out, "format csv, header true")
    else:
        store.copy_to("select * from export_reports", out, "format parquet")
    return int(store.value("select count(*) from export_reports"))
