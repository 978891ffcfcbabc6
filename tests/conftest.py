"""Shared fixtures: a real DuckDB file built by production code, and the real CLI, in process or as a process."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker import db, demo, ingest, queries
from tracker.cli import main

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
REPO = TESTS.parent


def _argv(args: tuple, db_path: str | os.PathLike | None) -> list[str]:
    return [*map(str, args), *(["--db", str(db_path)] if db_path is not None else [])]


def run_tracker(*args: str | os.PathLike, db_path: str | os.PathLike | None = None, env: dict | None = None,
                input: str | None = None, timeout: float | None = None) -> subprocess.CompletedProcess:
    """The `tracker` CLI in process (click's CliRunner), as `run_tracker_process` runs it but without a
    0.8 s interpreter start: --db when given, $TRACKER_DB empty unless `env` sets it, cwd the repository,
    `input` on stdin; returncode, stdout and stderr apart, an uncaught exception's traceback on stderr with
    exit code 1, as Python prints it. `timeout` is accepted for the subprocess variant's sake and ignored.

    What a process would leave behind is undone: every store the command opened is closed (an open DuckDB
    file would lock out a later process, or clash with a later open in another mode), and the environment
    (`--data-path` sets $TRACKER_DATA_PATH), cwd, the root logger's handlers and the queries' memos (keyed
    by path and data version, which a rebuilt file at the same path can repeat) are put back."""
    del timeout
    argv = _argv(args, db_path)
    opened: list[db.Store] = []
    caller = threading.get_ident()
    real_init = db.Store.__init__

    def recording_init(self: db.Store, *a: object, **kw: object) -> None:
        real_init(self, *a, **kw)
        if threading.get_ident() == caller:  # not a store of a server thread running in this process
            opened.append(self)

    saved_env, cwd = dict(os.environ), os.getcwd()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    db.Store.__init__ = recording_init  # type: ignore[method-assign]
    os.chdir(REPO)
    try:
        result = CliRunner().invoke(main, argv, input=input, env={"TRACKER_DB": "", **(env or {})},
                                    prog_name="tracker")
    finally:
        db.Store.__init__ = real_init  # type: ignore[method-assign]
        for store in reversed(opened):
            try:
                store.close()
            except Exception:  # noqa: BLE001 - already closed, or its database was invalidated
                pass
        os.chdir(cwd)
        for key in set(os.environ) - set(saved_env):
            del os.environ[key]
        for key, value in saved_env.items():
            if os.environ.get(key) != value:
                os.environ[key] = value
        root.handlers[:], root.level = handlers, level
        for memo in (getattr(queries, "_count_cache", None), getattr(queries, "_duplicates_cache", None)):
            if memo is not None:
                memo.clear()
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(argv, result.exit_code, result.stdout, stderr)


def run_tracker_process(*args: str | os.PathLike, db_path: str | os.PathLike | None = None,
                        env: dict | None = None, input: str | None = None,
                        timeout: float = 120) -> subprocess.CompletedProcess:
    """The real `tracker` command in a subprocess (python -m tracker: this checkout's code, whatever is
    installed), for tests where the process is the point: a second process, a kill, what DuckDB does to a
    process after a fatal error, the exit codes of a fresh interpreter."""
    full_env = {**os.environ, "TRACKER_DB": "", **(env or {})}
    return subprocess.run([sys.executable, "-m", "tracker", *_argv(args, db_path)], capture_output=True,
                          text=True, timeout=timeout, env=full_env, cwd=REPO, input=input)


@pytest.fixture
def held_refresh(monkeypatch) -> tuple[threading.Event, threading.Event]:
    """(entered, release): the first series.refresh_daily of the test sets `entered` and waits for `release`
    (so that writes submitted meanwhile queue behind it); later ones run at once."""
    from tracker import series

    entered, release = threading.Event(), threading.Event()
    real = series.refresh_daily

    def held_first(store: db.Store) -> None:
        if not entered.is_set():
            entered.set()
            assert release.wait(10)
        real(store)

    monkeypatch.setattr(series, "refresh_daily", held_first)
    return entered, release


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

from postgres_cluster import start_cluster, stop_cluster  # noqa: E402


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
