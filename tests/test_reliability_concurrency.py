"""Concurrency at the library level (issue 7, point 2), on a real DuckDB file.

- threads adding reports through their own `store.cursor()`: every report stored exactly once, every batch
  numbered once;
- threads importing a file each through one shared connection: each file stored whole as its own batch;
- the same report submitted again and again at once: one stored, the rest answered `duplicate`;
- two edits of the same version racing: one wins, the other gets EditConflict, nothing overwritten;
- a second process opening the file while one holds it: a clear "database in use by … (PID n)" within
  seconds, through the real CLI, and the first process goes on unaffected.

The web server's own load test (threads of form submissions over HTTP) belongs with `tracker serve`.
CI runs small counts; `pytest -m stress` runs 8 × 200 adds and 200 edit races.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, run_tracker, run_tracker_process
from live_server import run_threads

from tracker import db, ingest, vocab
from tracker.ingest import EditConflict
from tracker.schema import CountReport

THREADS = 8
SOURCES = list(vocab.BUILTIN_SOURCES)


def report(**values: object) -> CountReport:
    base = {"source": "ua_mod", "period_start": "2022-02-18T00:00", "period_end": "2022-02-18T17:00",
            "violations": 52}
    return CountReport.model_validate({**base, **values}, context={"sources": SOURCES})




# --- adds from many threads --------------------------------------------------------------------------

def adds_from_threads(store: db.Store, per_thread: int) -> dict:
    def work(thread: int, barrier: threading.Barrier) -> list[ingest.Saved]:
        cursor = store.cursor()
        barrier.wait()
        try:
            return [ingest.add_report(cursor, report(channel=f"thread {thread}", violations=i,
                                                     period_start=f"2022-01-{1 + i % 28:02d}",
                                                     period_end=f"2022-01-{1 + i % 28:02d}"),
                                      recorded_by=f"user{thread}")
                    for i in range(per_thread)]
        finally:
            cursor.close()

    started = time.perf_counter()
    saved = [s for per in run_threads(THREADS, work) for s in per]
    elapsed = time.perf_counter() - started
    expected = THREADS * per_thread
    assert Counter(s.status for s in saved) == {"stored": expected}
    assert len({s.id for s in saved}) == expected
    assert store.value("select count(*) from reports") == expected
    assert store.value("select count(distinct id) from reports") == expected
    assert store.value("select count(*) from current_reports") == expected
    # every write is one batch, numbered once, by the user who made it
    batches = store.rows("select batch_seq, kind, rows, inserted, recorded_by from batches order by batch_seq")
    assert [b[0] for b in batches] == list(range(1, expected + 1))
    assert sorted(s.batch_seq for s in saved) == list(range(1, expected + 1))
    assert {(b[1], b[2], b[3]) for b in batches} == {("form", 1, 1)}
    by_user = dict(store.rows("select recorded_by, count(*) from reports group by recorded_by"))
    assert by_user == {f"user{t}": per_thread for t in range(THREADS)}
    return {"threads": THREADS, "adds": expected, "stored": expected, "lost": 0, "duplicates_stored": 0,
            "seconds": round(elapsed, 1), "adds_per_s": round(expected / elapsed, 1)}


def test_threads_adding_reports_store_each_exactly_once(store: db.Store) -> None:
    figures = adds_from_threads(store, per_thread=3)
    print("FIGURE " + json.dumps({"test": "8 threads adding reports (CI)", **figures}))


@pytest.mark.stress
@pytest.mark.timeout(3 * 3600)
def test_threads_adding_reports_stress(store: db.Store) -> None:
    figures = adds_from_threads(store, per_thread=200)
    print("FIGURE " + json.dumps({"test": "8 threads × 200 add_report (stress)", **figures}))


# --- imports from many threads on one connection ---------------------------------------------------------

def test_imports_from_threads_sharing_one_connection_each_store_their_own_file(store: db.Store,
                                                                             tmp_path: Path) -> None:
    # An import reads and checks its file in temp tables of the connection before its transaction begins;
    # the store's write lock, held from the first read, keeps another thread's import off those tables.
    rows, files = 300, []
    for thread in range(4):
        path = tmp_path / f"thread{thread}.csv"
        path.write_text("source,channel,period_start,period_end,violations\n" + "".join(
            f"ua_mod,thread {thread},2021-{1 + i // 28:02d}-{1 + i % 28:02d}T00:00,"
            f"2021-{1 + i // 28:02d}-{1 + i % 28:02d}T12:00,{thread * 1000 + i}\n" for i in range(rows)))
        files.append(path)

    def pause_before_writing(step: str, _file: str) -> None:  # without the lock, another thread's check lands here
        if step == "writing":
            time.sleep(0.05)

    def work(thread: int, barrier: threading.Barrier) -> int | None:
        barrier.wait()
        return ingest.import_csv(store, str(files[thread]), on_step=pause_before_writing).batch_seq

    batches = run_threads(4, work)
    assert sorted(batches) == [1, 2, 3, 4]
    for thread, batch in enumerate(batches):
        stored = store.rows("select channel, min(violations), max(violations), count(*) from reports "
                            "where batch_seq = ? group by channel", [batch])
        assert stored == [(f"thread {thread}", thread * 1000, thread * 1000 + rows - 1, rows)]
    assert store.value("select count(*) from daily_rows where accused_filter = '' and region = 'all'") == rows
    # and the staged files are gone from the connection (a dashboard thread keeps its connection for its life)
    assert store.rows("select table_name from information_schema.tables where table_catalog = 'temp'") == []


# --- the same report submitted many times at once ------------------------------------------------------

def test_double_submits_store_one_and_answer_duplicate(store: db.Store) -> None:
    submissions = 100
    same = report(channel="JFO HQ", notes="submitted twice by accident")

    def work(thread: int, barrier: threading.Barrier) -> list[str]:
        cursor = store.cursor()
        barrier.wait()
        try:
            return [ingest.add_report(cursor, same, recorded_by=f"user{thread}").status
                    for _ in range(thread, submissions, THREADS)]
        finally:
            cursor.close()

    statuses = Counter(s for per in run_threads(THREADS, work) for s in per)
    assert statuses == {"stored": 1, "duplicate": submissions - 1}
    assert store.value("select count(*) from reports") == 1
    assert store.value("select count(*) from batches") == 1  # a duplicate writes nothing, not even a batch
    print("FIGURE " + json.dumps({"test": "100 submissions of one report", "submissions": submissions,
                                  "stored": statuses["stored"], "answered_duplicate": statuses["duplicate"]}))


# --- two edits of the same version ---------------------------------------------------------------------

def edit_races(store: db.Store, races: int) -> dict:
    head = ingest.add_report(store, report(notes="version 0"), recorded_by="author").id
    root = head
    outcomes = Counter()
    lost_contents = []
    for race in range(races):
        def work(thread: int, barrier: threading.Barrier, base: str = head, race: int = race):
            cursor = store.cursor()
            barrier.wait()
            try:
                return ingest.edit_report(cursor, base, report(notes=f"race {race} by editor {thread}",
                                                               violations=52 + race), recorded_by=f"editor{thread}")
            except EditConflict as conflict:
                return conflict
            finally:
                cursor.close()

        first, second = run_threads(2, work)
        winners = [r for r in (first, second) if isinstance(r, ingest.Saved)]
        losers = [r for r in (first, second) if isinstance(r, EditConflict)]
        assert len(winners) == 1 and len(losers) == 1, (first, second)
        assert winners[0].status == "stored"
        assert "changed by someone else" in losers[0].message
        loser_thread = 0 if losers[0] is first else 1
        lost_contents.append(f"race {race} by editor {loser_thread}")
        outcomes["won"] += 1
        outcomes["conflict"] += 1
        head = winners[0].id
    # one chain, one head: every edit was made on the version before it; nothing was overwritten
    assert store.rows("select count(*) from edit_conflicts") == [(0,)]
    versions = store.df("select id, replaces, notes, recorded_by from report_history "
                        "where root_id = ? order by version", [root])
    assert len(versions) == races + 1
    assert versions["replaces"].iloc[1:].tolist() == versions["id"].iloc[:-1].tolist()
    assert versions["notes"].iloc[0] == "version 0"
    assert not set(lost_contents) & set(versions["notes"])  # a refused edit stored nothing
    current = store.rows("select id, notes, violations from current_reports")
    assert current == [(head, versions["notes"].iloc[-1], 52 + races - 1)]
    return {"races": races, "won": outcomes["won"], "edit_conflict": outcomes["conflict"], "overwritten": 0,
            "two_heads": 0}


def test_racing_edits_one_wins_the_other_gets_edit_conflict(store: db.Store) -> None:
    figures = edit_races(store, races=15)
    print("FIGURE " + json.dumps({"test": "racing edits of one version (CI)", **figures}))


@pytest.mark.stress
@pytest.mark.timeout(3 * 3600)
def test_racing_edits_stress(store: db.Store) -> None:
    figures = edit_races(store, races=200)
    print("FIGURE " + json.dumps({"test": "200 races of two edits (stress)", **figures}))


# --- a second process ------------------------------------------------------------------------------------

_HOLDER = """
import sys
from tracker import db, ingest
from tracker.schema import CountReport
store = db.open_store(sys.argv[1])
print("ready", flush=True)
for line in sys.stdin:
    if line.strip() == "add":
        saved = ingest.add_report(store, CountReport.model_validate(
            {"source": "lpr", "period_start": "2022-02-17", "period_end": "2022-02-17", "violations": 29},
            context={"sources": ["lpr"]}), recorded_by="holder")
        print(saved.status, store.value("select count(*) from current_reports"), flush=True)
store.close()
print("closed", flush=True)
"""


def test_second_process_gets_database_in_use_within_seconds(tmp_path: Path, db_path: Path) -> None:
    csv_path = tmp_path / "one.csv"
    csv_path.write_text("source,period_start,period_end,violations\nua_mod,2022-02-18,2022-02-18,5\n")
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(db_path)], cwd=REPO, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env={**os.environ, "TRACKER_DB": ""})
    try:
        assert holder.stdout.readline().strip() == "ready", holder.stderr.read()
        refusals = []
        for command in (["import", csv_path], ["add", "--source", "dpr", "--start", "2022-02-18",
                                                "--end", "2022-02-18", "--violations", "3"],
                        ["backup", tmp_path / "backup"]):
            started = time.perf_counter()
            result = run_tracker_process(*command, db_path=db_path, timeout=60)  # a second process
            refusals.append(time.perf_counter() - started)
            assert result.returncode == 1, (command, result.stdout, result.stderr)
            assert f"database in use by another process (PID {holder.pid})" in result.stderr, result.stderr
            assert "stop that process" in result.stderr and "Traceback" not in result.stderr
            assert refusals[-1] < 15, f"{command[0]} took {refusals[-1]:.1f} s to refuse"
        # the first process is unaffected: it still writes and reads
        holder.stdin.write("add\n")
        holder.stdin.flush()
        assert holder.stdout.readline().split() == ["stored", "1"]
    finally:
        holder.stdin.close()
        holder.wait(60)
    assert holder.returncode == 0, holder.stderr.read()
    # once it has let go, the same command works
    result = run_tracker("import", csv_path, db_path=db_path)
    assert result.returncode == 0, result.stderr
    store = db.open_store(str(db_path))
    assert store.rows("select source, recorded_by from reports order by batch_seq") == [("lpr", "holder"),
                                                                                       ("ua_mod", "cli")]
    store.close()
    print("FIGURE " + json.dumps({"test": "second process on a held file", "attempts": len(refusals),
                                  "refused": len(refusals), "max_refusal_s": round(max(refusals), 1)}))
