"""Output speed (issue 17, point 3): the CLI's start-up, `tracker daily --format csv` and `tracker export`,
each a whole process, against a floor measured in the same run.

    python bench/output_speed.py [N] [--db PATH]     (default N = 1_000_000)

The store holds N reports generated as bench/analysis_speed.py generates them (5 sources x 3 regions x
days x 8 nested snapshots), written in three time zones (UTC for osce_smm, Asia/Kolkata for ua_mod,
Europe/Moscow for the others: the export must convert every row in its own zone) and imported through
the production import. It is kept at PATH (default /tmp/output_bench_N.duckdb) and reused when it already
holds N reports; its daily rows are made current before timing.

The figures, each a pair run one after the other in every round (ROUNDS rounds), medians printed:

- `tracker --help` and `tracker sources` against a bare interpreter (`python -c pass`);
- `tracker daily --format csv` (every source, region all) against the query alone plus start-up: a
  process that imports duckdb, opens the store and fetches the rows of the very query the command runs,
  with its parameters. DuckDB's Python client imports pandas to bind any parameter (it checks for
  pandas' NaT), so a second floor runs the same query with its values written into the SQL: that one
  shows what the parameters cost either way;
- `tracker export OUT` against a plain COPY of the same rows: a process that imports duckdb, opens the
  store and COPYs the canonical columns of `current_reports` in the export's order to a CSV file, with
  DuckDB's own text for the timestamps (no zone, no escaping).

Timings are printed, never asserted.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from analysis_speed import generate  # noqa: E402

from tracker import db, ingest, series, vocab  # noqa: E402

ROUNDS = 5
ZONES = "case source when 'osce_smm' then 'UTC' when 'ua_mod' then 'Asia/Kolkata' else 'Europe/Moscow' end"
PYTHON = sys.executable
TRACKER = [PYTHON, "-m", "tracker"]


def build_store(n: int, path: str) -> None:
    with db.open_store(path) as store:
        held = int(store.value("select count(*) from current_reports"))
        if held < n * 0.9:
            with tempfile.TemporaryDirectory() as folder:
                raw, csv = os.path.join(folder, "raw.csv"), os.path.join(folder, "reports.csv")
                started = time.perf_counter()
                generate(raw, n)
                store.copy_to(f"select * replace ({ZONES} as timezone) from read_csv('{raw}', all_varchar = true)",
                              csv, "header true")
                made = time.perf_counter() - started
                started = time.perf_counter()
                report = ingest.import_csv(store, csv, recorded_by="bench")
                assert report.ok, report.problems[:5]
                print(f"generated in {made:.1f} s, imported {report.inserted:,} reports in "
                      f"{time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        series.refresh_daily(store)
        print(f"store: {path}, {int(store.value('select count(*) from current_reports')):,} current reports "
              f"(daily rows made current in {time.perf_counter() - started:.1f} s)")


def run(command: list[str], stdout: int | None = subprocess.DEVNULL) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, (command, result.stderr[-2000:])
    return elapsed


def interleaved(floor: list[str], measured: list[str]) -> tuple[float, float]:
    """Median seconds of the floor's process and of the measured one, run one after the other ROUNDS times."""
    floor_times, times = [], []
    for _ in range(ROUNDS):
        floor_times.append(run(floor))
        times.append(run(measured))
    return statistics.median(floor_times), statistics.median(times)


def line(label: str, seconds: float, floor: float, floor_label: str, goal: str) -> None:
    print(f"  {label:<40} {seconds:7.3f} s   floor {floor:7.3f} s ({floor_label})   "
          f"ratio {seconds / floor:5.2f}x   goal {goal}")


def _literal(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return "'" + str(value).replace("'", "''") + "'"


def daily_query(path: str) -> tuple[str, list]:
    """The query `tracker daily` runs on this store with no options (the stored rows answer)."""
    with db.open_store(path) as store:
        [(query, params)] = list(series._queries(store, [""]))
    return query, params


def main() -> None:
    args = sys.argv[1:]
    path = None
    if "--db" in args:
        at = args.index("--db")
        path = args[at + 1]
        del args[at:at + 2]
    n = int(args[0]) if args else 1_000_000
    path = path or f"/tmp/output_bench_{n}.duckdb"
    build_store(n, path)

    bare = [PYTHON, "-c", "pass"]
    print(f"start-up ({ROUNDS} rounds, medians):")
    floor, seconds = interleaved(bare, [*TRACKER, "--help"])
    line("tracker --help", seconds, floor, "python -c pass", "<= 0.2 s")
    floor, seconds = interleaved(bare, [*TRACKER, "sources", "--db", path])
    line("tracker sources (DuckDB file)", seconds, floor, "python -c pass", "<= 0.3 s")

    query, params = daily_query(path)
    fetch = ("import duckdb, json, sys\n"
             "con = duckdb.connect(sys.argv[1], read_only=True)\n"
             "con.execute(\"set TimeZone = 'UTC'\")\n"
             "rows = con.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall()\n")
    inlined = query
    for value in params:
        inlined = inlined.replace("?", _literal(value), 1)
    with_params = [PYTHON, "-c", fetch, path, query, json.dumps(params)]
    without_params = [PYTHON, "-c", fetch, path, inlined, "[]"]
    with db.Store(path, read_only=True) as store:
        rows = len(store.rows(query, params))
        reports = int(store.value("select count(*) from current_reports"))
    print(f"tracker daily --format csv, every source, region all ({rows:,} rows):")
    floor, seconds = interleaved(with_params, [*TRACKER, "daily", "--format", "csv", "--db", path])
    line("tracker daily --format csv", seconds, floor, "start-up + the query", "<= 1.5x")
    floor, _ = interleaved(without_params, bare)
    print(f"  (the same query with its values written into the SQL, no parameters: {floor:.3f} s, "
          f"ratio {seconds / floor:.2f}x)")

    with tempfile.TemporaryDirectory() as folder:
        out, plain = os.path.join(folder, "export.csv"), os.path.join(folder, "plain.csv")
        copy = ("import duckdb, sys\n"
                "con = duckdb.connect(sys.argv[1], read_only=True)\n"
                "con.execute(\"set TimeZone = 'UTC'\")\n"
                f"con.execute(\"copy (select {', '.join(vocab.CANONICAL_COLUMNS)} from current_reports "
                "order by batch_seq, row_no) to '\" + sys.argv[2] + \"' (format csv, header true)\")\n")
        floor, seconds = interleaved([PYTHON, "-c", copy, path, plain], [*TRACKER, "export", out, "--db", path])
        size = os.path.getsize(out) / 1e6
        print(f"tracker export of {reports:,} reports ({size:.0f} MB):")
        line("tracker export", seconds, floor, "start-up + plain COPY of the same rows", "<= 3x")


if __name__ == "__main__":
    main()
