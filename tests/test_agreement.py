"""One set of rules, two implementations: the SQL checks of an import and the pydantic CountReport must
agree on every file of the catalogue whose rows can be read (files refused as a whole — encoding, header,
shape — never reach the row rules), and on the values they produce from every good file."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from conftest import DATA

from tracker import db, demo, ingest, rows, validate, vocab
from tracker.schema import CountReport

CATALOGUE = sorted((DATA / "bad").glob("*.csv")) + sorted((DATA / "good").glob("*.csv")) + \
    [Path(p) for p in demo.demo_files()]


def _row_level(path: Path, store: db.Store) -> bool:
    staged = rows.stage_file(store, str(path))
    return staged.staged and not any(p.column is None for p in staged.problems)


@pytest.mark.parametrize("path", CATALOGUE, ids=lambda p: p.name)
def test_sql_checks_and_model_agree(path: Path, store: db.Store) -> None:
    sources = list(validate.registered_sources(store))
    if not _row_level(path, store):
        report = ingest.import_csv(store, str(path))
        assert report.problems and all(p.row in (None, 1) or p.column is None for p in report.problems)
        return
    sql = [(p.row, p.column, p.code) for p in ingest.import_csv(store, str(path), dry_run=True).problems
           if p.row not in (None, 1)]
    model = [(p.row, p.column, p.code) for p in validate.check_file_with_model(str(path), sources)]
    assert sql == model


@pytest.mark.parametrize("path", [p for p in CATALOGUE if "good" in p.parts or "demo" in p.parts],
                         ids=lambda p: p.name)
def test_sql_and_model_produce_the_same_values(path: Path, store: db.Store) -> None:
    sources = list(validate.registered_sources(store))
    report = ingest.import_csv(store, str(path))
    assert report.ok and report.inserted == report.rows
    stored = store.df(f"select {', '.join(vocab.CANONICAL_COLUMNS)} from current_reports order by row_no")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        records = list(csv.DictReader(handle))
    models = [validate.check_record(r, sources, from_csv=True) for r in records]
    assert all(isinstance(m, CountReport) for m in models)
    for model, (_, row) in zip(models, stored.iterrows(), strict=True):
        for column in vocab.CANONICAL_COLUMNS:
            expected = getattr(model, column)
            got = row[column]
            if expected is None:
                assert pd.isna(got), (column, got)
            elif column in vocab.DATETIME_COLUMNS:
                assert got.to_pydatetime() == expected, column
            else:
                assert got == (expected.value if hasattr(expected, "value") else expected), column


# Issue 14, point 3: times around clock changes, where the SQL (DuckDB's ICU) and the model (zoneinfo) must
# read each local time alike: a spring gap refused, an autumn fold its first occurrence, the rest as written.
_CHANGES = [
    ("Europe/Kyiv", "2022-03-27", "2022-10-30"), ("America/New_York", "2022-03-13", "2022-11-06"),
    ("Australia/Lord_Howe", "2022-10-02", "2022-04-03"), ("Pacific/Apia", "2011-12-30", "2011-12-29"),
    ("America/Santiago", "2022-09-11", "2022-04-03"), ("Europe/Kyiv", "1924-05-02", "1930-06-21"),
]


def _times_around_changes() -> list[dict[str, str]]:
    records = []
    for zone, *days in _CHANGES:
        for day in days:
            for hour in range(-1, 26):
                for minute in (0, 30):
                    moment = datetime.fromisoformat(day) + timedelta(hours=hour, minutes=minute)
                    text = moment.strftime("%Y-%m-%dT%H:%M")
                    records.append({"source": "ua_mod", "timezone": zone, "period_start": text,
                                    "period_end": (moment + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
                                    "reported_at": moment.strftime("%Y-%m-%d"), "violations": "1",
                                    "notes": f"{zone} {text}"})
    return records


def test_sql_and_model_read_times_around_clock_changes_alike(tmp_path: Path, store: db.Store) -> None:
    path = tmp_path / "changes.csv"
    records = _times_around_changes()
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    sources = list(validate.registered_sources(store))
    sql = ingest.import_csv(store, str(path), dry_run=True).problems
    model = validate.check_file_with_model(str(path), sources)
    assert [(p.row, p.column, p.code) for p in sql] == [(p.row, p.column, p.code) for p in model]
    assert [p.message for p in sql] == [p.message for p in model]
    assert {p.code for p in sql} == {"nonexistent-local-time"}
    refused = {p.row for p in sql}
    kept = tmp_path / "kept.csv"
    with open(kept, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(r for line, r in enumerate(records, start=2) if line not in refused)
    assert ingest.import_csv(store, str(kept)).ok
    stored = store.rows("select notes, period_start, period_end, reported_at from current_reports")
    by_note = {note: (start, end, reported) for note, start, end, reported in stored}
    for record in (r for line, r in enumerate(records, start=2) if line not in refused):
        model_report = validate.check_record(record, sources, from_csv=True)
        start, end, reported = by_note[record["notes"]]
        assert (start, end, reported) == (model_report.period_start, model_report.period_end,
                                          model_report.reported_at), record
