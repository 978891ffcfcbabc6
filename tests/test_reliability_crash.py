"""No data lost on a crash (issue 7, point 1): `tracker import` killed with SIGKILL at a random moment
leaves a database that opens, holds everything stored before, and nothing of the killed import.

The real CLI runs in a subprocess on a real DuckDB file that already holds the demo data. The test waits
until the import's write has begun, seen from outside as the database file (or its write-ahead log)
changing, and kills it after a random delay within the time the write takes from there (one kill in each
of `kills` equal slices of that time), so kills land while the new rows are written into the file, the
transaction commits, or the commit is checkpointed; never while Python starts or the file is still being
read and checked, which writes nothing. A kill that comes after the commit must leave the whole file
stored (all or nothing); the next run then imports a new file. CI: 5 kills of a 200k-row import;
`pytest -m stress`: 20 kills of a 1M-row import.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, run_tracker

from tracker import db, demo, ingest

# A generated file: five sources, three regions, 30 daily windows, so most reports are revisions and the
# import's cost is reading, checking, hashing and inserting rather than the daily series.
_GENERATE = """
select
    (['ua_mod', 'osce_smm', 'dpr', 'lpr', 'ru_mod'])[1 + (i % 5)] as source,
    'channel ' || (i % 7) as channel,
    strftime(timestamp '2021-01-01 08:00:00' + to_seconds(i), '%Y-%m-%dT%H:%M:%S') || '+02:00' as reported_at,
    strftime(date '2021-01-01' + cast(i % 30 as integer), '%Y-%m-%d') as period_start,
    strftime(date '2021-01-01' + cast(i % 30 as integer), '%Y-%m-%d') as period_end,
    (['donetsk', 'luhansk', ''])[1 + (i % 3)] as region,
    (i * 7919) % 1000 + 100 as violations,
    if(i % 4 = 0, null, (i * 31) % 50) as wounded,
    'https://example.org/report/' || i as source_url,
    'Generated row ' || i || ', "quoted", with a comma' as notes
from range({start}, {stop}) t(i)
"""


def generate(path: Path, rows: int, start: int = 0) -> None:
    """A canonical CSV of `rows` distinct reports (numbered from `start`)."""
    scratch = db.Store(":memory:")
    scratch.copy_to(_GENERATE.format(start=int(start), stop=int(start) + int(rows)), str(path),
                    "format csv, header true")
    scratch.close()


def _fingerprint(store: db.Store) -> tuple:
    """What the store holds: versions, an order-free digest of them, and every batch."""
    count, digest = store.rows("select count(*), coalesce(bit_xor(hash(id, batch_seq, row_no, stored_at)), 0) "
                               "from reports")[0]
    batches = store.rows("select batch_seq, kind, file_name, rows, inserted, duplicates "
                         "from batches order by batch_seq")
    return count, digest, tuple(batches)


def _import_process(csv_path: Path, db_path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tracker", "import", str(csv_path), "--db", str(db_path)],
                            cwd=REPO, env={**os.environ, "TRACKER_DB": ""},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _file_state(db_path: Path) -> tuple:
    """What another process can see of a DuckDB file without opening it: its size and modification time, and
    those of its write-ahead log (None while there is none)."""
    wal = Path(f"{db_path}.wal")
    return tuple((s.st_size, s.st_mtime_ns) if (s := _stat(path)) else None for path in (db_path, wal))


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def wait_for_write(process: subprocess.Popen, db_path: Path, before: tuple, timeout: float = 600) -> float | None:
    """Wait until the import begins writing to the store: the file or its WAL differs from `before` (DuckDB
    writes a big insert's rows into the file before the commit, then the commit to the WAL). Returns the
    time it was seen (perf_counter), or None if the process ended first."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if _file_state(db_path) != before:
            return time.perf_counter()
        if process.poll() is not None:
            return None
        time.sleep(0.005)
    raise AssertionError(f"the import wrote nothing to {db_path} in {timeout} s")


def crash_drill(folder: Path, rows: int, kills: int, seed: int, *, calibrate: bool) -> dict:
    """Kill `kills` CLI imports of `rows` rows at random moments; check the store after each. Returns the
    figures measured."""
    rng = random.Random(seed)
    db_path = folder / "tracker.duckdb"
    store = db.open_store(str(db_path))
    for report in ingest.import_files(store, demo.demo_files(), recorded_by="before"):
        assert report.ok, report.problems
    before_rows = store.df("select * from reports order by id")
    state = _fingerprint(store)
    store.close()

    start = 0
    csv_path = folder / f"big-{start}.csv"
    generate(csv_path, rows, start)
    # the time the write takes, from its first change to the file until the process ends: measured on a
    # copy (stress), or estimated and then learnt from any run that finished before its kill
    duration = 0.5 + rows * 15e-6
    if calibrate:
        scratch = folder / "calibrate.duckdb"
        scratch.write_bytes(db_path.read_bytes())
        process = _import_process(csv_path, scratch)
        began = wait_for_write(process, scratch, _file_state(scratch))
        result = process.communicate(timeout=1800)
        assert began is not None and f"imported {rows} new reports" in result[0], result
        duration = time.perf_counter() - began
        scratch.unlink()

    figures = {"runs": 0, "killed": 0, "killed_after_commit": 0, "finished_before_kill": 0, "rows_lost": 0,
               "partial_imports": 0, "unopenable": 0, "rows_per_import": rows, "write_s": round(duration, 1),
               "write_began_after_s": [], "kill_at_fraction": []}
    for run in range(kills):
        delay = (run + rng.random()) / kills * duration  # stratified: one kill in each slice of the write
        before = _file_state(db_path)
        started = time.perf_counter()
        process = _import_process(csv_path, db_path)
        began = wait_for_write(process, db_path, before)
        figures["write_began_after_s"].append(None if began is None else round(began - started, 1))
        try:  # reading its output meanwhile: a process blocked on a full pipe would look unfinished
            out, err = process.communicate(timeout=delay if began is not None else None)
            finished = True
            ended = time.perf_counter()
        except subprocess.TimeoutExpired:
            finished = False
            process.send_signal(signal.SIGKILL)
            out, err = process.communicate(timeout=600)
        figures["runs"] += 1
        figures["kill_at_fraction"].append(round(delay / duration, 2))
        try:
            store = db.open_store(str(db_path))
        except db.DatabaseError as error:  # pragma: no cover - the failure this test exists to catch
            figures["unopenable"] += 1
            raise AssertionError(f"the store does not open after a kill at {delay:.2f} s: {error}") from error
        try:
            now = _fingerprint(store)
            kept = store.df("select * from reports where id in (select unnest(?::varchar[])) order by id",
                            [before_rows["id"].tolist()])
        finally:
            store.close()
        # everything stored before the import is still there, unchanged
        figures["rows_lost"] += len(before_rows) - len(kept)
        assert kept.equals(before_rows), "a version stored before the killed import changed or vanished"
        if now == state:  # killed before the commit: nothing of it
            assert not finished, f"the import finished but stored nothing: {out} {err}"
            figures["killed"] += 1
            continue
        # the import committed before the kill (or before the delay ran out): all of it, one batch
        added = now[0] - state[0]
        new_batches = now[2][len(state[2]):]
        if (added != rows or len(new_batches) != 1 or new_batches[0][3:5] != (rows, rows)
                or now[2][:len(state[2])] != state[2]):
            figures["partial_imports"] += 1
            raise AssertionError(f"partial import: {added} of {rows} rows, batches {new_batches}")
        figures["finished_before_kill" if finished else "killed_after_commit"] += 1
        if finished:
            assert process.returncode == 0, err
            if began is not None:  # the write took less than the delay: aim within it from now on
                duration = ended - began
        state = now
        start += rows  # the next run imports new reports, not duplicates of these
        csv_path.unlink()
        csv_path = folder / f"big-{start}.csv"
        generate(csv_path, rows, start)
    # the real CLI opens the store and reads it after the kills
    result = run_tracker("init", db_path=db_path)
    assert result.returncode == 0, result.stderr
    assert f"ready ({state[0]} current reports)" in result.stdout
    return figures


def test_import_killed_at_random_moments_loses_nothing_and_writes_nothing(tmp_path: Path) -> None:
    figures = crash_drill(tmp_path, rows=200_000, kills=5, seed=7, calibrate=False)
    assert figures["runs"] == 5 and figures["rows_lost"] == 0 and figures["partial_imports"] == 0
    print("FIGURE " + json.dumps({"test": "SIGKILL during import (CI)", **figures}))


@pytest.mark.stress
@pytest.mark.timeout(3 * 3600)
def test_import_killed_at_random_moments_stress(tmp_path: Path) -> None:
    figures = crash_drill(tmp_path, rows=1_000_000, kills=20, seed=2022, calibrate=True)
    assert figures["runs"] == 20 and figures["rows_lost"] == 0 and figures["partial_imports"] == 0
    print("FIGURE " + json.dumps({"test": "SIGKILL during import (stress)", **figures}))
