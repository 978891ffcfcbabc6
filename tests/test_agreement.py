"""One set of rules, two implementations: the SQL checks of an import and the pydantic CountReport must
agree on every file of the catalogue whose rows can be read (files refused as a whole — encoding, header,
shape — never reach the row rules), and on the values they produce from every good file."""

from __future__ import annotations

import csv
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
