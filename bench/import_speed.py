"""Import speed: `tracker import` of N canonical rows against DuckDB's own read_csv of the same file.

    python bench/import_speed.py [N]        (default 1_000_000)

Prints the floor (read_csv of the file into a table, in a fresh database), the in-process import
(tracker.ingest.import_csv: stage, check every rule, hash, anti-join, insert) and the whole CLI run
(`python -m tracker import`, interpreter start included), each as a ratio to the floor, and the CLI's peak
memory. Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker import db, ingest  # noqa: E402

# Ten rows a day from 2000-01-01, wrapping after DAYS days so that every date stays inside the days an import
# accepts (1900-01-01 ... 2199-12-31, CONTRACT §2) however many rows are generated; the channel changes at
# each wrap, so no two rows are the same report.
DAYS = 70_000  # to 2191-08-26

GENERATE = """
copy (
    select
        (['ua_mod', 'osce_smm', 'dpr', 'lpr', 'ru_mod'])[1 + (i % 5)] as source,
        'channel ' || (i % 7) || '.' || (i // 10 // {days}) as channel,
        strftime(date '2000-01-01' + cast((i // 10) % {days} as integer) + 1, '%Y-%m-%d') as reported_at,
        strftime(timestamp '2000-01-01 19:30:00' + to_days(cast((i // 10) % {days} as integer)), '%Y-%m-%dT%H:%M')
            || '+02:00' as period_start,
        strftime(timestamp '2000-01-02 19:30:00' + to_days(cast((i // 10) % {days} as integer)), '%Y-%m-%dT%H:%M')
            || '+02:00' as period_end,
        (['donetsk', 'luhansk', ''])[1 + (i % 3)] as region,
        (['separatists', 'ukraine', ''])[1 + (i % 3)] as accused_party,
        (i * 7919) % 1000 + 100 as violations,
        (i * 104729) % 100 as prohibited_weapons,
        if(i % 4 = 0, null, (i * 31) % 50) as wounded,
        'https://example.org/report/' || i as source_url,
        'Generated row ' || i || ', "quoted", with a comma' as notes
    from range(?) t(i)
) to '{path}' (format csv, header true)
"""


def generate(path: str, n: int) -> None:
    con = duckdb.connect()
    con.execute(GENERATE.format(path=path.replace("'", "''"), days=DAYS), [n])
    con.close()


def floor(path: str, folder: str) -> float:
    con = duckdb.connect(os.path.join(folder, "floor.duckdb"))
    started = time.perf_counter()
    con.execute("create table t as select * from read_csv(?, header = true, all_varchar = true)", [path])
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def in_process(path: str, folder: str) -> tuple[float, int]:
    store = db.open_store(os.path.join(folder, "lib.duckdb"))
    started = time.perf_counter()
    report = ingest.import_csv(store, path)
    elapsed = time.perf_counter() - started
    assert report.ok, report.problems[:5]
    store.close()
    return elapsed, report.inserted


def cli(path: str, folder: str) -> tuple[float, float]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "tracker", "import", path, "--db",
                             os.path.join(folder, "cli.duckdb")], capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr[-2000:]
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, peak_mb


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "reports.csv")
        generate(path, n)
        size_mb = os.path.getsize(path) / 1e6
        base = floor(path, folder)
        lib, inserted = in_process(path, folder)
        whole, peak_mb = cli(path, folder)
        print(f"rows: {n:,}  file: {size_mb:.0f} MB  inserted: {inserted:,}")
        print(f"floor (DuckDB read_csv into a table): {base:.2f} s")
        print(f"tracker import, in process:           {lib:.2f} s  ratio {lib / base:.2f}x")
        print(f"tracker import, CLI subprocess:       {whole:.2f} s  ratio {whole / base:.2f}x  "
              f"peak memory {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
