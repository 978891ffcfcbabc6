"""Team mode: the shared store on DuckLake with a PostgreSQL catalog, written by several processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import DATA, REPO, run_tracker

from tracker import db, demo, ingest


def test_demo_data_on_the_lake(lake_url: str) -> None:
    result = run_tracker("import", *demo.demo_files(), db_path=lake_url)
    assert result.returncode == 0, result.stderr
    again = run_tracker("import", *demo.demo_files(), db_path=lake_url)
    assert "nothing new; all 102 rows are already stored" in again.stdout
    store = db.open_store(lake_url)
    assert store.backend == "ducklake"
    assert store.value("select count(*) from current_reports") == 109
    store.close()


def test_a_new_lake_needs_a_data_path(postgres, monkeypatch) -> None:
    monkeypatch.delenv("TRACKER_DATA_PATH", raising=False)
    url = postgres.lake_url(postgres.create_database())
    result = run_tracker("init", db_path=url, env={"TRACKER_DATA_PATH": ""})
    assert result.returncode == 1
    assert "--data-path" in result.stderr


def test_copy_demo_to_lake_and_back_gives_identical_exports(lake_url: str, tmp_path: Path) -> None:
    source = tmp_path / "demo.duckdb"
    assert run_tracker("import", *demo.demo_files(), DATA / "good" / "every_column.csv", db_path=source).returncode == 0
    there = run_tracker("copy", source, lake_url)
    assert there.returncode == 0, there.stderr
    assert "reports" in there.stdout and "114 rows in SRC,       114 copied, verified" in there.stdout
    again = run_tracker("copy", source, lake_url)  # idempotent
    assert "114 rows in SRC,         0 copied, verified" in again.stdout
    back = tmp_path / "back.duckdb"
    assert run_tracker("copy", lake_url, back).returncode == 0
    outs = []
    for path in (source, lake_url, back):
        out = tmp_path / f"export{len(outs)}.csv"
        assert run_tracker("export", out, db_path=path).returncode == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]
    store = db.open_store(str(back))
    assert store.value("select count(*) from sources") == 7
    assert store.value("select count(*) from batches") == 3
    store.close()


WORKER = textwrap.dedent("""
    import sys
    from tracker import db, ingest, validate
    url, worker, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = db.open_store(url)
    sources = validate.registered_sources(store)
    stored = 0
    for i in range(count):
        report = validate.check_record({"source": "ua_mod", "period_start": f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}",
                                        "period_end": f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}",
                                        "violations": str(1000 * worker + i), "notes": f"worker {worker}"}, sources)
        stored += ingest.add_report(store, report, recorded_by=f"worker{worker}").status == "stored"
    # the same report from every worker: stored once in all
    same = validate.check_record({"source": "lpr", "period_start": "2022-02-17", "period_end": "2022-02-17",
                                  "violations": "29"}, sources)
    print(stored, ingest.add_report(store, same, recorded_by=f"worker{worker}").status)
""")


def test_concurrent_writers_store_every_report_exactly_once(lake_url: str) -> None:
    _concurrent_writers(lake_url, per_worker=50)


@pytest.mark.stress
def test_concurrent_writers_at_full_size(lake_url: str) -> None:
    """The issue's size: 4 processes x 100 reports while 2 processes import."""
    _concurrent_writers(lake_url, per_worker=100)


def _concurrent_writers(lake_url: str, per_worker: int) -> None:
    # the lake is created first (migrations), then 4 adders and 2 importers run at once
    assert run_tracker("init", db_path=lake_url).returncode == 0
    env = {**os.environ, "TRACKER_DATA_PATH": os.environ["TRACKER_DATA_PATH"]}
    adders = [subprocess.Popen([sys.executable, "-c", WORKER, lake_url, str(w), str(per_worker)], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in range(4)]
    importers = [subprocess.Popen([sys.executable, "-m", "tracker", "import", path, "--db", lake_url], cwd=REPO,
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for path in demo.demo_files()]
    outputs = [p.communicate(timeout=300) for p in adders + importers]
    assert all(p.returncode == 0 for p in adders + importers), [o[1][-800:] for o in outputs]
    statuses = [o[0].split() for o in outputs[:4]]
    assert [int(s[0]) for s in statuses] == [per_worker] * 4
    # writers racing on the same report may each insert it (neither sees the other's uncommitted row)...
    assert 1 <= [s[1] for s in statuses].count("stored") <= 4
    store = db.open_store(lake_url)
    # ...but the views keep one row per id, so every report counts once
    assert store.value("select count(*) from current_reports where notes like 'worker %'") == 4 * per_worker
    assert store.value("select count(distinct violations) from current_reports "
                       "where notes like 'worker %'") == 4 * per_worker
    assert store.value("select count(*) from current_reports where source = 'lpr' and violations = 29 "
                       "and channel is null") == 1
    assert store.value("select count(*) from current_reports") == 4 * per_worker + 1 + 109
    store.close()


def test_writer_killed_mid_import_leaves_nothing_of_that_import(lake_url: str, tmp_path: Path) -> None:
    assert run_tracker("import", demo.demo_files()[0], db_path=lake_url).returncode == 0
    big = tmp_path / "big.csv"
    with open(big, "w") as handle:
        handle.write("source,period_start,period_end,violations,notes\n")
        for i in range(150_000):
            handle.write(f"dpr,2020-01-01T00:00:00Z,2020-01-01T01:00:00Z,{i},row {i}\n")
    env = {**os.environ}
    data = Path(os.environ["TRACKER_DATA_PATH"])
    before = set(data.rglob("*.parquet"))
    process = subprocess.Popen([sys.executable, "-m", "tracker", "import", str(big), "--db", lake_url],
                               cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # killed once the write has begun, not after a fixed sleep that lands wherever the machine's speed puts
    # it: the import's first data file is in the lake, its commit in the catalog may or may not be
    deadline = time.perf_counter() + 300
    while process.poll() is None and set(data.rglob("*.parquet")) == before and time.perf_counter() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    store = db.open_store(lake_url)
    assert store.value("select count(*) from reports where source = 'dpr'") in (0, 150_000)
    assert store.value("select count(*) from current_reports where source = 'ua_mod'") == 6
    store.close()


def test_as_of_ignores_what_was_stored_later(lake_url: str) -> None:
    store = db.open_store(lake_url)
    ingest.import_csv(store, demo.demo_files()[0])
    cut = store.value("select max(stored_at) from reports")
    time.sleep(0.05)
    first = store.value("select id from current_reports where violations = 52")
    from tracker import validate
    from tracker.schema import CountReport

    corrected = validate.check_record({"source": "ua_mod", "period_start": "2022-02-18T00:00",
                                       "period_end": "2022-02-18T17:00", "violations": "53",
                                       "prohibited_weapons": "42", "reported_at": "2022-02-18T17:00",
                                       "accused_party": "separatists"}, validate.registered_sources(store))
    assert isinstance(corrected, CountReport)
    ingest.edit_report(store, first, corrected)
    assert store.value("select violations from current_reports where root_id = ?", [first]) == 53
    store.set_variable("as_of", cut + __import__("datetime").timedelta(microseconds=1))
    assert store.value("select violations from current_reports where root_id = ?", [first]) == 52
    store.set_variable("as_of", None)
    store.close()

