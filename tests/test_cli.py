"""The real `tracker` CLI against real DuckDB files: in process (click's CliRunner), and end to end in
subprocesses for the real command's exit codes and environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, run_tracker, run_tracker_process

from tracker import db


def test_add_stores_one_report_and_a_repeat_is_already_stored(db_path: Path) -> None:
    args = ["add", "--source", "ua_mod", "--start", "2022-02-18T00:00", "--end", "2022-02-18T17:00",
            "--violations", "52", "--prohibited-weapons", "42", "--quote", "52 violations of ceasefire recorded"]
    first = run_tracker(*args, db_path=db_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("stored report ")
    second = run_tracker(*args, db_path=db_path)
    assert second.returncode == 0 and second.stdout.startswith("already stored")
    store = db.open_store(str(db_path))
    assert store.rows("select source, violations, prohibited_weapons, quote, recorded_by from current_reports") == [
        ("ua_mod", 52, 42, "52 violations of ceasefire recorded", "cli")]
    store.close()


def test_add_errors_name_the_flag_and_store_nothing(db_path: Path) -> None:
    result = run_tracker("add", "--source", "ua_mod", "--start", "2022-02-18", "--end", "2022-02-17",
                         "--violations", "5", "--explosions", "7", db_path=db_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: --end: 2022-02-18")
    assert "is not after period_start" in lines[0]
    assert lines[1].startswith("error: --explosions: explosions 7 is more than violations 5")
    store = db.open_store(str(db_path))
    assert store.value("select count(*) from reports") == 0
    store.close()


def test_usage_errors_exit_2(db_path: Path) -> None:
    """In a subprocess: the exit codes of the real command, not of click's test runner."""
    result = run_tracker_process("add", "--source", "ua_mod", db_path=db_path)
    assert result.returncode == 2 and "Missing option '--start'" in result.stderr
    assert run_tracker_process("export", "x.csv", "--format", "xls", db_path=db_path).returncode == 2


def test_sources_list_and_register(db_path: Path) -> None:
    listed = run_tracker("sources", db_path=db_path)
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == [
        "acled", "dpr", "lpr", "osce_smm", "ru_mod", "ua_mod", "ucdp_ged"]
    assert "Ukraine MoD / JFO HQ" in listed.stdout
    added = run_tracker("sources", "add", "ukr_police", "National Police of Ukraine", "--role", "other",
                        db_path=db_path)
    assert added.returncode == 0, added.stderr
    again = run_tracker("sources", "add", "ukr_police", "Police", "--role", "other", db_path=db_path)
    assert again.returncode == 1 and "already registered" in again.stderr
    bad = run_tracker("sources", "add", "Bad Key", "x", db_path=db_path)
    assert bad.returncode == 2
    listed = run_tracker("sources", db_path=db_path)
    assert "ukr_police   National Police of Ukraine" in listed.stdout
    assert run_tracker("add", "--source", "ukr_police", "--start", "2022-02-18", "--end", "2022-02-18",
                       "--civilians-killed", "1", db_path=db_path).returncode == 0


def test_tracker_db_environment_variable(tmp_path: Path) -> None:
    """End to end in subprocesses: the real command, its environment, a write and a read of the file."""
    path = tmp_path / "env.duckdb"
    result = run_tracker_process("import", DATA / "good" / "columns_reordered.csv", env={"TRACKER_DB": str(path)})
    assert result.returncode == 0, result.stderr
    assert path.exists()
    assert "ready (2 current reports)" in run_tracker_process("init", env={"TRACKER_DB": str(path)}).stdout


def test_demo_builds_a_fresh_database_and_refuses_to_replace_other_data(tmp_path: Path) -> None:
    path = tmp_path / "demo.duckdb"
    result = run_tracker("demo", "--no-serve", db_path=path)
    assert result.returncode == 0, result.stderr
    assert "imported 7 new reports" in result.stdout and "imported 102 new reports" in result.stdout
    again = run_tracker("demo", "--no-serve", db_path=path)  # a demo database may be rebuilt
    assert again.returncode == 0 and "imported 7 new reports" in again.stdout
    other = tmp_path / "mine.duckdb"
    assert run_tracker("import", DATA / "good" / "columns_reordered.csv", db_path=other).returncode == 0
    refused = run_tracker("demo", "--no-serve", db_path=other)
    assert refused.returncode == 1 and "not a demo database" in refused.stderr
    store = db.open_store(str(other))
    assert store.value("select count(*) from reports") == 2
    store.close()


COMMANDS = ["init", "import", "add", "sources", "sources add", "export", "demo"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = run_tracker(*command.split(), "--help")
    assert result.returncode == 0 and "Usage:" in result.stdout and "--db" in result.stdout
