"""Export: canonical, re-importable, spreadsheet-safe; export -> import -> export is identical."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from conftest import DATA, run_tracker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import db, demo, export, ingest, vocab


def test_export_import_export_is_identical(tmp_path: Path) -> None:
    first_db, second_db = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    files = [*demo.demo_files(), str(DATA / "good" / "every_column.csv")]
    assert run_tracker("import", *files, db_path=first_db).returncode == 0
    out1, out2 = tmp_path / "one.csv", tmp_path / "two.csv"
    result = run_tracker("export", out1, db_path=first_db)
    assert result.returncode == 0 and "exported 114 reports" in result.stdout
    assert run_tracker("import", out1, db_path=second_db).returncode == 0
    assert run_tracker("export", out2, db_path=second_db).returncode == 0
    assert out1.read_bytes() == out2.read_bytes()
    header = out1.read_text().splitlines()[0].split(",")
    assert tuple(header) == vocab.CANONICAL_COLUMNS


def test_formula_like_text_is_escaped_in_the_file_and_survives_the_round_trip(tmp_path: Path, store: db.Store) -> None:
    ingest.import_csv(store, str(DATA / "good" / "every_column.csv"))
    out = tmp_path / "out.csv"
    export.export_reports(store, str(out))
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_source = {row["source"]: row for row in rows if row["source"] != "osce_smm"}
    assert by_source["lpr"]["channel"] == "'=HYPERLINK(\"http://evil\")"
    assert by_source["lpr"]["notes"] == "'+ escaped plus"
    assert by_source["ru_mod"]["notes"] == "'-minus first" and by_source["ru_mod"]["quote"] == "'@at first"
    assert by_source["dpr"]["notes"] == "'' starts with a quote"
    assert by_source["lpr"]["violations"] == "29"  # numbers stay numbers
    assert by_source["lpr"]["period_start"] == "2022-02-17" and by_source["lpr"]["period_end"] == "2022-02-17"
    # written in the row's zone (Europe/Kyiv by default), the same instant as 12:00:30+03:00
    assert by_source["ru_mod"]["period_end"] == "2022-02-18T11:00:30+02:00"
    again = db.open_store(str(tmp_path / "again.duckdb"))
    report = ingest.import_csv(again, str(out))
    assert report.inserted == 5
    ours = store.df("select * exclude (batch_seq, row_no, stored_at, recorded_by) from current_reports order by id")
    theirs = again.df("select * exclude (batch_seq, row_no, stored_at, recorded_by) from current_reports order by id")
    pd.testing.assert_frame_equal(ours, theirs)
    again.close()


def test_parquet_export_has_typed_numbers(tmp_path: Path, demo_store: db.Store) -> None:
    out = tmp_path / "out.parquet"
    assert export.export_reports(demo_store, str(out), "parquet") == 109
    frame = pd.read_parquet(out)
    assert list(frame.columns) == list(vocab.CANONICAL_COLUMNS)
    assert str(frame["violations"].dtype) in ("Int64", "int64", "float64")
    assert frame["violations"].sum() > 0


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notes=_text, quote=_text, channel=_text)
def test_any_text_survives_export_and_import(tmp_path_factory, notes: str, quote: str, channel: str) -> None:
    """Cyrillic, emoji, commas, quotes, newlines and formula prefixes all come back unchanged (modulo the
    surrounding whitespace that every import strips)."""
    folder = tmp_path_factory.mktemp("roundtrip")
    source = db.open_store(str(folder / "a.duckdb"))
    path = folder / "in.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "period_start", "period_end", "violations", "notes", "quote", "channel"])
        writer.writerow(["ua_mod", "2022-02-18", "2022-02-18", "1",
                         *("'" + t if t[:1] in vocab.FORMULA_PREFIXES else t for t in (notes, quote, channel))])
    report = ingest.import_csv(source, str(path))
    assert report.ok, report.problems
    export.export_reports(source, str(folder / "out.csv"))
    target = db.open_store(str(folder / "b.duckdb"))
    assert ingest.import_csv(target, str(folder / "out.csv")).inserted == 1
    query = "select notes, quote, channel, id from current_reports"
    assert source.rows(query) == target.rows(query)
    source.close()
    target.close()
