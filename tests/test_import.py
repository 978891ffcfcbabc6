"""Importing good files: honest counts, idempotence, dry runs, row numbers, all through real DuckDB files."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from conftest import DATA, REPO, run_tracker

from tracker import db, demo, ingest, queries


def test_demo_import_twice_second_is_all_duplicates(db_path: Path) -> None:
    files = demo.demo_files()
    first = run_tracker("import", *files, db_path=db_path)
    assert first.returncode == 0, first.stderr
    assert "seed_figures.csv: imported 7 new reports; 0 already stored" in first.stdout
    assert "osce_smm_2022.csv: imported 102 new reports; 0 already stored" in first.stdout
    second = run_tracker("import", *files, db_path=db_path)
    assert second.returncode == 0, second.stderr
    assert "seed_figures.csv: nothing new; all 7 rows are already stored (inserted 0, duplicate 7, rejected 0)" \
        in second.stdout
    assert "imported" not in second.stdout
    store = db.open_store(str(db_path))
    assert store.value("select count(*) from reports") == 109
    assert queries.count_reports(store) == 109
    assert store.rows("select file_name, rows, inserted, duplicates from batches order by batch_seq") == [
        ("seed_figures.csv", 7, 7, 0), ("osce_smm_2022.csv", 102, 102, 0),
    ]
    store.close()


def test_dry_run_writes_nothing_and_says_what_it_would_do(db_path: Path) -> None:
    result = run_tracker("import", "--dry-run", DATA / "good" / "every_column.csv", db_path=db_path)
    assert result.returncode == 0, result.stderr
    assert "dry run, nothing written; would insert 5, 0 already stored" in result.stdout
    store = db.open_store(str(db_path))
    assert store.value("select count(*) from reports") == 0
    assert store.value("select count(*) from batches") == 0
    store.close()


def test_an_import_leaves_no_staged_file_on_its_connection(store: db.Store) -> None:
    # Files are read and checked outside the write's transaction, so a rollback no longer drops what they
    # staged; the import drops it itself, whether it wrote, was a dry run, or was refused.
    def temp_relations() -> list[tuple[str]]:
        return store.rows("select table_name from information_schema.tables where table_catalog = 'temp'")

    store.execute("create temp table analyst_scratch as select 1 as kept")  # not the import's: left alone
    good, bad = DATA / "good" / "every_column.csv", DATA / "bad" / "bad_date.csv"
    assert ingest.import_csv(store, str(good), dry_run=True).inserted == 5
    assert ingest.import_csv(store, str(bad)).problems
    assert ingest.import_files(store, [str(good), str(bad)])[0].held_back
    assert temp_relations() == [("analyst_scratch",)]
    assert store.value("select count(*) from reports") == 0
    assert ingest.import_csv(store, str(good)).inserted == 5
    assert temp_relations() == [("analyst_scratch",)]
    assert store.value("select count(*) from reports") == 5


def test_every_column_is_stored_typed(store: db.Store) -> None:
    report = ingest.import_csv(store, str(DATA / "good" / "every_column.csv"))
    assert (report.rows, report.inserted, report.duplicates) == (5, 5, 0)
    rows = store.rows(
        "select row_no, source, reported_at, period_start, period_end, timezone, region, area, accused_party, "
        "violations, explosions, killed, wounded, civilians_killed, qualifier, channel, notes "
        "from current_reports order by row_no"
    )
    utc = timezone.utc
    # the header is line 1; the first record spans lines 2-4 (a note with two line breaks)
    assert [r[0] for r in rows] == [2, 5, 6, 7, 8]
    first = rows[0]
    assert first[2] == datetime(2022, 2, 18, 14, 0, tzinfo=utc)  # 16:00 Kyiv, naive -> row time zone
    assert first[3] == datetime(2022, 2, 16, 17, 30, tzinfo=utc)
    assert first[4] == datetime(2022, 2, 17, 17, 30, tzinfo=utc)
    assert first[9:11] == (648, 519) and first[11] is None  # blank is not zero
    assert first[16] == "multi\nline\nnote"
    area = rows[1]
    assert area[7] == "near disengagement area Zolote" and area[10] == 0  # 0 is a real zero
    lpr = rows[2]
    assert lpr[3] == datetime(2022, 2, 16, 21, 0, tzinfo=utc)  # 17 Feb 00:00 Moscow
    assert lpr[4] == datetime(2022, 2, 17, 21, 0, tzinfo=utc)  # a date-only end is the end of that day
    assert lpr[5] == "Europe/Moscow" and lpr[8] == "ukraine" and lpr[14] == "at_least"
    assert lpr[15] == '=HYPERLINK("http://evil")'  # the spreadsheet escape is removed on import
    dpr = rows[3]
    assert dpr[3] == datetime(2022, 2, 18, 8, 0, tzinfo=utc) and dpr[12] == 2 and dpr[13] == 1
    assert dpr[16] == "' starts with a quote"


def test_whitespace_and_column_order_do_not_matter(store: db.Store) -> None:
    ingest.import_csv(store, str(DATA / "good" / "columns_reordered.csv"))
    assert store.rows("select source, violations, row_no from current_reports order by row_no") == [
        ("ua_mod", 52, 2), ("ua_mod", 33, 3)]


def test_repeated_row_inside_one_file_is_one_report(tmp_path: Path, store: db.Store) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("source,period_start,period_end,violations\n"
                    "ua_mod,2022-02-18,2022-02-18,5\nua_mod,2022-02-18,2022-02-18,5\n")
    report = ingest.import_csv(store, str(path))
    assert (report.inserted, report.duplicates) == (1, 1)


def test_blank_lines_keep_true_line_numbers(tmp_path: Path, store: db.Store) -> None:
    path = tmp_path / "blank_lines.csv"
    path.write_text("source,period_start,period_end,violations\n"
                    "ua_mod,2022-02-18,2022-02-18,5\n\n\nua_mod,2022-02-19,2022-02-19,oops\n")
    report = ingest.import_csv(store, str(path))
    assert report.problems_as_rows() == [(5, "violations", "not-a-number")]


def test_import_reports_file_name_in_cli_errors(db_path: Path) -> None:
    result = run_tracker("import", REPO / "no" / "such.csv", db_path=db_path)
    assert result.returncode == 2 or result.returncode == 1
    assert "such.csv" in result.stderr
