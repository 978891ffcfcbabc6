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


# --- a throwaway PostgreSQL for the shared (DuckLake) store -----------------------------------------

import glob  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import uuid  # noqa: E402


def _pg_bin(name: str) -> str:
    found = next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None) or shutil.which(name)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed; run `bash scripts/bootstrap.sh --test`")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Postgres:
    def __init__(self, port: int, socket_dir: str):
        self.port = port
        self.socket_dir = socket_dir

    def create_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        subprocess.run([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
                       check=True, capture_output=True)
        return name

    def lake_url(self, name: str) -> str:
        return f"ducklake:postgres:dbname={name} host=127.0.0.1 port={self.port} user=postgres"


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL cluster in a temp folder on a free port, for this test session only (initdb refuses
    root, so as root it runs as the `postgres` user, in a folder that user can reach)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", _free_port()
    subprocess.run([*as_postgres, _pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
                   check=True, capture_output=True)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run([*as_postgres, _pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
                    "-w", "start"], check=True, capture_output=True)
    yield Postgres(port, str(folder))
    subprocess.run([*as_postgres, _pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                   capture_output=True)
    shutil.rmtree(folder, ignore_errors=True)


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
