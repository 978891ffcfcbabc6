"""The contract suite on both backends (a DuckDB file and a DuckLake on PostgreSQL): import and
duplicates, revisions and edits, the daily series, discrepancies, and the export round trip."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from conftest import DATA, run_tracker

from tracker import analysis, db, demo, export, ingest, series, validate


def _demo(url: str) -> db.Store:
    store = db.open_store(url)
    reports = ingest.import_files(store, demo.demo_files(), recorded_by="test")
    assert [r.inserted for r in reports] == [7, 102]
    return store


def test_import_is_idempotent(store_url: str) -> None:
    store = _demo(store_url)
    again = ingest.import_files(store, demo.demo_files())
    assert [(r.inserted, r.duplicates) for r in again] == [(0, 7), (0, 102)]
    assert store.value("select count(*) from reports") == 109
    store.close()


def test_daily_series_of_the_seed(store_url: str) -> None:
    store = _demo(store_url)
    frame = series.daily(store, sources=["ua_mod"], date_from="2022-02-17", date_to="2022-02-18")
    rows = {pd.Timestamp(row.day).date(): row for row in frame.itertuples()}
    assert rows[date(2022, 2, 18)].violations == 52 and rows[date(2022, 2, 18)].prohibited_weapons == 42
    assert rows[date(2022, 2, 18)].wounded == 2 and round(rows[date(2022, 2, 18)].coverage, 3) == 0.708
    assert rows[date(2022, 2, 17)].violations == 60 and rows[date(2022, 2, 17)].coverage == 1
    store.close()


def test_revision_edit_and_history(store_url: str) -> None:
    store = _demo(store_url)
    head = store.value("select id from current_reports where source = 'ua_mod' and violations = 52")
    corrected = validate.check_record({
        "source": "ua_mod", "period_start": "2022-02-18T00:00", "period_end": "2022-02-18T17:00",
        "reported_at": "2022-02-18T17:00", "accused_party": "separatists", "violations": "54",
        "prohibited_weapons": "42", "notes": "corrected from the ministry's page"}, validate.registered_sources(store))
    saved = ingest.edit_report(store, head, corrected, recorded_by="analyst")
    assert saved.status == "stored"
    frame = series.daily(store, sources=["ua_mod"], date_from="2022-02-18", date_to="2022-02-18")
    assert frame["violations"].tolist() == [54]
    history = store.rows("select version, violations, recorded_by from report_history where root_id = ? "
                         "order by version", [head])
    assert history == [(1, 52, "test"), (2, 54, "analyst")]
    try:
        ingest.edit_report(store, head, corrected)
    except ingest.EditConflict as conflict:
        assert "changed by someone else" in conflict.message
    else:
        raise AssertionError("an edit of a replaced version must be refused")
    store.close()


def test_discrepancies_on_17_february(store_url: str) -> None:
    store = _demo(store_url)
    found = analysis.discrepancy_report(store, date_from="2022-02-17", date_to="2022-02-17")
    row = found[(found["source_a"] == "osce_smm") & (found["source_b"] == "ua_mod")
                & (found["metric"] == "violations") & (found["region"] == "all")]
    assert len(row) == 1
    assert row["value_a"].iloc[0] == 870 and row["value_b"].iloc[0] == 60
    assert round(row["ratio"].iloc[0], 4) == round(60 / 870, 4)
    store.close()


def test_export_round_trip(store_url: str, tmp_path: Path) -> None:
    store = db.open_store(store_url)
    ingest.import_files(store, [*demo.demo_files(), str(DATA / "good" / "every_column.csv")])
    out = tmp_path / "out.csv"
    assert export.export_reports(store, str(out)) == 114
    store.close()
    other = tmp_path / "other.duckdb"
    assert run_tracker("import", out, db_path=other).returncode == 0
    again = tmp_path / "again.csv"
    assert run_tracker("export", again, db_path=other).returncode == 0
    assert out.read_bytes() == again.read_bytes()
    pd.testing.assert_frame_equal(pd.read_csv(out), pd.read_csv(again))
