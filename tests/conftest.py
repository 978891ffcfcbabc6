"""Shared fixtures: a real DuckDB file built by production code, and the real CLI as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracker import db, demo, ingest

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
REPO = TESTS.parent


def run_tracker(*args: str, db_path: str | os.PathLike | None = None, env: dict | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess:
    """The real `tracker` command in a subprocess (python -m tracker), with --db when given."""
    command = [sys.executable, "-m", "tracker", *map(str, args)]
    if db_path is not None:
        command += ["--db", str(db_path)]
    full_env = {**os.environ, "TRACKER_DB": "", **(env or {})}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=full_env, cwd=REPO)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "tracker.duckdb"


@pytest.fixture
def store(db_path: Path):
    """An empty, migrated store on a real DuckDB file."""
    opened = db.open_store(str(db_path))
    yield opened
    opened.close()


@pytest.fixture
def demo_store(db_path: Path):
    """A store holding the bundled demo data, loaded by the production import."""
    opened = db.open_store(str(db_path))
    for report in ingest.import_files(opened, demo.demo_files(), recorded_by="test"):
        assert report.ok, report.problems
    yield opened
    opened.close()


@pytest.fixture
def full_demo_store(db_path: Path):
    """The whole demo of `tracker demo`: the seed, the OSCE SMM and the parties' claims of 10-23 Feb 2022."""
    opened = db.open_store(str(db_path))
    for report in ingest.import_files(opened, demo.demo_files() + demo.claim_files(), recorded_by="test"):
        assert report.ok, report.problems
    yield opened
    opened.close()


# --- a throwaway PostgreSQL for the shared (DuckLake) store -----------------------------------------

from postgres_cluster import Postgres, start_cluster, stop_cluster  # noqa: E402


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL cluster in a temp folder on a free port, for this test session only."""
    cluster = start_cluster()
    yield cluster
    stop_cluster(cluster)


@pytest.fixture
def lake_url(postgres, tmp_path, monkeypatch) -> str:
    """A new, empty shared store (a DuckLake on the session's PostgreSQL, data under tmp_path)."""
    monkeypatch.setenv("TRACKER_DATA_PATH", str(tmp_path / "lake-data"))
    return postgres.lake_url(postgres.create_database())


@pytest.fixture(params=["duckdb", "ducklake"])
def store_url(request, tmp_path) -> str:
    """The contract suite runs against both backends: a DuckDB file and a lake."""
    if request.param == "duckdb":
        return str(tmp_path / "tracker.duckdb")
    return request.getfixturevalue("lake_url")
