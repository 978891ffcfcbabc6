"""The views are created in the order of what they read (tracker/db.py `_view_files`), not by name."""

from __future__ import annotations

import re

from tracker import db


def test_each_view_is_created_after_every_view_it_reads() -> None:
    order = [path.stem for path in db._view_files()]
    assert len(order) == len(set(order)) and "current_reports" in order
    for position, path in enumerate(db._view_files()):
        code = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
        reads = {name for name in re.findall(r"\b(?:from|join)\s+([a-z_]+)", code)
                 if name in order and name != path.stem}
        assert all(order.index(name) < position for name in reads), (path.stem, reads)
    # the daily series reads the one definition of the current reports
    assert order.index("current_reports") < order.index("int_series_figures")
    assert "from current_reports" in (db.SQL_DIR / "views" / "int_series_figures.sql").read_text()


def test_a_new_store_creates_every_view(tmp_path) -> None:
    store = db.open_store(str(tmp_path / "t.duckdb"))
    try:
        created = {row[0] for row in store.rows("select view_name from duckdb_views() where not internal")}
        assert {path.stem for path in db._view_files()} <= created
        assert store.value("select count(*) from int_series_rows") == 0
    finally:
        store.close()
