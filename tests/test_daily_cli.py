"""`tracker daily` and `tracker check` as a user runs them: the real CLI in process (CliRunner), on a DuckDB file
built by the production import."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import DATA, run_tracker
from tracker import db, demo, ingest, series


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("daily_cli") / "demo.duckdb"
    with db.open_store(str(path)) as store:
        for report in ingest.import_files(store, demo.demo_files(), recorded_by="test"):
            assert report.ok, report.problems
    return path


def test_cli_daily_csv(demo_db):
    path = demo_db
    result = run_tracker("daily", "--source", "ua_mod", "--source", "lpr", "--from", "2022-02-16",
                         "--to", "2022-02-18", "--format", "csv", db_path=path)
    assert result.returncode == 0, result.stderr
    assert list(csv.reader(io.StringIO(result.stdout))) == [
        list(series.COLUMNS),
        # qualifiers: all exact
        ["2022-02-16", "ua_mod", "all", repr(107 / 47), "", "", "", "", "", "", "", "1", "violations", "", "1", ""],
        ["2022-02-17", "lpr", "all", "29", "", "", "", "", "", "", "13", "1", "", "", "1", ""],
        ["2022-02-17", "ua_mod", "all", "60", "43", "", "", "", "", "", "", "1", "", "", "2", ""],
        ["2022-02-18", "ua_mod", "all", "52", "42", "", "", "2", "", "", "", "0.708", "", "", "3", ""],
    ]


def test_cli_daily_json_and_table(demo_db):
    path = demo_db
    result = run_tracker("daily", "--source", "osce_smm", "--from", "2022-02-19", "--to", "2022-02-19",
                         "--format", "json", db_path=path)
    assert result.returncode == 0, result.stderr
    [record] = json.loads(result.stdout)
    assert record["violations"] == 1579 and record["explosions"] == pytest.approx(1100 * 24 / 43.5)
    assert (record["estimated"], record["partial"]) == (["explosions"], ["violations", "explosions"])
    table = run_tracker("daily", "--source", "osce_smm", "--from", "2022-02-19", "--to", "2022-02-19",
                        db_path=path)
    assert table.returncode == 0, table.stderr
    assert "1,579" in table.stdout and "606.9" in table.stdout  # estimated shares to one decimal
    bad = run_tracker("daily", "--source", "nobody", db_path=path)
    assert bad.returncode == 2 and "unknown source 'nobody'" in bad.stderr


def test_cli_check_lists_the_problems_with_their_reports(tmp_path: Path):
    path = tmp_path / "problems.duckdb"
    with db.open_store(str(path)) as store:
        assert ingest.import_csv(store, str(DATA / "daily" / "inconsistent.csv")).ok
    result = run_tracker("check", "--format", "csv", db_path=path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["kind"], r["period_start"][:16], r["figure"], r["inside"], r["days"], len(r["report_ids"].split()))
            for r in rows] == [
        ("negative-difference", "2022-03-01 22:00", "15", "20", "2022-03-02", 2),
        ("overdrawn", "2022-03-02 22:00", "10", "15", "2022-03-03 2022-03-06 2022-03-07 2022-03-08 2022-03-09", 3),
        ("conflict", "2022-03-10 10:00", "5", "", "", 2),
        ("no-hours-left", "2022-03-14 22:00", "9", "7", "", 3),
        ("unplaced-remainder", "2022-03-20 10:00", "30", "9", "", 4),
    ]
    table = run_tracker("check", db_path=path)
    assert table.returncode == 0, table.stderr
    assert "a running total cannot go down" in table.stdout and table.stdout.rstrip().endswith("5 problems")
