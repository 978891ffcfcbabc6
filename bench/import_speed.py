"""Import speed: `tracker import` of N canonical rows against its floor, DuckDB's typed read_csv of the same
file into a table, both as whole processes, interleaved and repeated in one run.

    python bench/import_speed.py [N ...] [--repeat R]     (default: 1000000, 3 repeats)

For each size the file is generated (not replicated: every row is another report, every date inside the
days an import accepts, CONTRACT §2), then the floor and the import run in turn, R times each, each into a
fresh database: the floor is `read_csv(file)` with its types detected (not all_varchar) into a table of a new
DuckDB file; the import is the CLI, `python -m tracker import FILE --db NEW` (start-up, staging, every check,
hashing, the insert and the refresh of the daily rows in its transaction). Each run prints its time and the
peak memory (max RSS) of its process; the summary gives the medians and their ratios. Timings are printed,
never asserted.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent

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

FLOOR = ("import duckdb, sys; con = duckdb.connect(sys.argv[2]); "
         "con.execute('create table t as select * from read_csv(?, header = true)', [sys.argv[1]]); con.close()")


def generate(path: str, n: int) -> None:
    con = duckdb.connect()
    con.execute(GENERATE.format(path=path.replace("'", "''"), days=DAYS), [n])
    con.close()


# Each measured process is started by a small launcher, which reports the process's wall time and peak
# memory from os.wait4. A process started straight from this one would count this one's peak memory as its
# own: Linux keeps the largest resident set across the vfork and exec that start it (measured: a child
# doing nothing reports 11 MB from a small parent, 1,511 MB from a parent holding 1.5 GB).
LAUNCHER = """
import os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
print(time.perf_counter() - started, usage.ru_maxrss, file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB) of one process, from its own resource usage (through LAUNCHER)."""
    done = subprocess.run([sys.executable, "-c", LAUNCHER, *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, env=env)
    *errors, figures = done.stderr.rstrip("\n").split("\n")
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} failed: {chr(10).join(errors)[-2000:]}")
    elapsed, peak_kb = figures.split()
    return float(elapsed), int(peak_kb) / 1024


def fresh(folder: str, name: str) -> str:
    path = os.path.join(folder, name)
    for leftover in (path, path + ".wal"):
        if os.path.exists(leftover):
            os.unlink(leftover)
    return path


def measure(n: int, repeat: int, folder: str) -> None:
    path = os.path.join(folder, f"reports_{n}.csv")
    started = time.perf_counter()
    generate(path, n)
    print(f"\n{n:,} rows: {os.path.getsize(path) / 1e6:,.0f} MB generated in {time.perf_counter() - started:.1f} s")
    floors, imports = [], []
    for attempt in range(repeat):
        # interleaved, and the order alternated, so that a slow moment of a shared machine hits both alike
        order = ("floor", "import") if attempt % 2 == 0 else ("import", "floor")
        for kind in order:
            if kind == "floor":
                figures = run([sys.executable, "-c", FLOOR, path, fresh(folder, "floor.duckdb")])
                floors.append(figures)
            else:
                figures = run([sys.executable, "-m", "tracker", "import", path, "--db", fresh(folder, "cli.duckdb")])
                imports.append(figures)
            print(f"  run {attempt + 1} {kind:6s}: {figures[0]:6.2f} s  peak {figures[1]:6,.0f} MB")
    floor_s, floor_mb = (statistics.median(f[i] for f in floors) for i in (0, 1))
    import_s, import_mb = (statistics.median(f[i] for f in imports) for i in (0, 1))
    print(f"  floor (typed read_csv into a table, whole process): {floor_s:6.2f} s  peak {floor_mb:6,.0f} MB")
    print(f"  tracker import (whole process):                     {import_s:6.2f} s  peak {import_mb:6,.0f} MB")
    print(f"  ratio: time {import_s / floor_s:.2f}x  memory {import_mb / floor_mb:.2f}x   (medians of {repeat})")


def main() -> None:
    args = sys.argv[1:]
    repeat = 3
    if "--repeat" in args:
        at = args.index("--repeat")
        repeat = int(args[at + 1])
        del args[at:at + 2]
    sizes = [int(a.replace("_", "")) for a in args] or [1_000_000]
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            measure(n, repeat, folder)


if __name__ == "__main__":
    main()
