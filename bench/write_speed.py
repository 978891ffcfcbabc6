"""One form entry into a store of a million reports against the same entry into one of 1,000, and the
daily reads that a write keeps current (issue 17's table).

    python bench/write_speed.py [N] [--db PATH]      (default 1_000_000; PATH: a store of N reports to reuse)

Prints, for rounds run one after the other (floor, small store, large store in each round):
- one report stored through `ingest.add_report` (the path of the form and of `tracker add`: the insert,
  the duplicate check and the refresh of the daily rows it reaches, one transaction), into a store of
  1,000 reports and into one of N, against a floor of a one-row insert and commit into a DuckDB file;
- the same over HTTP: entry forms posted to `tracker serve` on each store, reports per second, one at a
  time and from 8 clients at once;
- `tracker daily --as-of T` for one source and 90 days (a live read through the window algebra) and for
  all sources, against the stored rows of the same days (the floor), in process;
- the same live reads as whole `tracker daily --as-of T --format csv` processes (and all sources over
  every day), with the peak memory (max RSS) of each, against `tracker daily` of the stored rows.
The large store is built by importing N generated reports (bench/analysis_speed.py's file) once; that
import refreshes the daily rows before it returns (its time is printed). Timings are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import duckdb  # noqa: E402
from analysis_speed import generate  # noqa: E402
from import_speed import run  # noqa: E402

from tracker import db, ingest, series  # noqa: E402
from tracker.schema import CountReport  # noqa: E402

ROUNDS = 7
HTTP_ENTRIES = 20
HTTP_CLIENTS = 8


def build(path: str, n: int) -> None:
    """A store of n generated reports (imported, the daily rows refreshed by the import)."""
    if os.path.exists(path):
        return
    with tempfile.TemporaryDirectory() as folder:
        csv = os.path.join(folder, "reports.csv")
        generate(csv, n)
        elapsed, peak = run([sys.executable, "-m", "tracker", "import", csv, "--db", path],
                            env={**os.environ, "TRACKER_DB": ""})
        print(f"built {path}: {n:,} reports imported, daily rows refreshed, in {elapsed:.1f} s (peak {peak:,.0f} MB)")


def entry(i: int) -> CountReport:
    """A distinct report on one of the last days of the generated data, which both stores hold alike (the
    same sources, regions and snapshots a day): the entry has the same neighbours in each."""
    start = datetime(2022, 2, 17, 22, 0, tzinfo=timezone.utc) + timedelta(days=i % 7)
    return CountReport(source="ua_mod", timezone="Europe/Kyiv", period_start=start,
                       period_end=start + timedelta(hours=17), region="donetsk", violations=100 + i,
                       notes=f"bench {time.time_ns()} {i}")


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def line(label: str, ms: float, floor_ms: float, floor_label: str) -> None:
    print(f"  {label:<52} {ms:9.1f} ms   {floor_label} {floor_ms:7.1f} ms   ratio {ms / floor_ms:6.2f}x")


def form_entries(small: db.Store, large: db.Store, floor_path: str) -> None:
    floor = duckdb.connect(floor_path)
    floor.execute("create or replace table t (id varchar, n bigint, stored_at timestamptz)")
    times: dict[str, list[float]] = {"floor": [], "small": [], "large": []}
    for i in range(ROUNDS):
        started = time.perf_counter()
        floor.execute("begin")
        floor.execute("insert into t values (?, ?, now())", [str(i), i])
        floor.execute("commit")
        times["floor"].append(time.perf_counter() - started)
        for name, store in (("small", small), ("large", large)):
            started = time.perf_counter()
            assert ingest.add_report(store, entry(i), recorded_by="bench").status == "stored"
            times[name].append(time.perf_counter() - started)
    floor.close()
    print(f"one form entry (ingest.add_report), median of {ROUNDS} rounds:")
    f = median_ms(times["floor"])
    line("one-row insert + commit (floor)", f, f, "floor")
    line("into a store of 1,000 reports", median_ms(times["small"]), f, "floor")
    line(f"into a store of {large.value('select count(*) from reports'):,} reports",
         median_ms(times["large"]), f, "floor")
    print(f"  large / small: {median_ms(times['large']) / median_ms(times['small']):.2f}x (goal <= 1.5x)")


def http_entries(small_path: str, large_path: str, folder: str) -> None:
    from live_server import Server
    from test_web_load import EntryForm

    rates = {}
    servers = {name: Server(Path(path), Path(folder) / f"{name}.log") for name, path in
               (("small", small_path), ("large", large_path))}
    for server in servers.values():
        server.start(timeout=300)
    try:
        forms = {name: EntryForm(server.url) for name, server in servers.items()}
        times: dict[str, list[float]] = {name: [] for name in servers}
        for i in range(HTTP_ENTRIES):  # interleaved: one entry into each store in turn
            for name, form in forms.items():
                fields = {"source": "ua_mod", "period_start": f"2022-02-{18 + i % 7:02d}T00:00",
                          "period_end": f"2022-02-{18 + i % 7:02d}T17:00", "region": "donetsk",
                          "violations": 200 + i, "notes": f"http bench {time.time_ns()}"}
                started = time.perf_counter()
                acknowledged, text = form.submit(fields)
                times[name].append(time.perf_counter() - started)
                assert acknowledged and "Stored" in text, text
        rates = {name: 1 / statistics.median(values) for name, values in times.items()}
        together = {name: concurrent_entries(server.url) for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    print(f"entry forms over HTTP (tracker serve), {HTTP_ENTRIES} each, one at a time:")
    print(f"  store of 1,000 reports: {rates['small']:6.1f} reports/s;  large store: {rates['large']:6.1f} reports/s "
          f"(goal >= 20/s);  large / small time {rates['small'] / rates['large']:.2f}x")
    print(f"entry forms over HTTP, {HTTP_CLIENTS} analysts at once, {HTTP_ENTRIES} entries each (entries that arrive "
          "during a write are stored together, tracker/group_commit.py):")
    print(f"  store of 1,000 reports: {together['small']:6.1f} reports/s;  large store: {together['large']:6.1f} "
          "reports/s (goal >= 20/s)")


def concurrent_entries(url: str) -> float:
    """Reports per second stored by HTTP_CLIENTS clients each posting HTTP_ENTRIES entry forms in turn."""
    from live_server import run_threads
    from test_web_load import EntryForm

    def client(n: int, barrier: object) -> None:
        form = EntryForm(url)
        barrier.wait()  # type: ignore[attr-defined]
        for i in range(HTTP_ENTRIES):
            fields = {"source": "ua_mod", "period_start": f"2022-02-{18 + i % 7:02d}T00:00",
                      "period_end": f"2022-02-{18 + i % 7:02d}T17:00", "region": "donetsk",
                      "violations": 300 + i, "notes": f"http bench client {n} {time.time_ns()}"}
            acknowledged, text = form.submit(fields)
            assert acknowledged and "Stored" in text, text

    started = time.perf_counter()
    run_threads(HTTP_CLIENTS, client)
    return HTTP_CLIENTS * HTTP_ENTRIES / (time.perf_counter() - started)


def live_reads(large: db.Store) -> None:
    as_of = "2100-01-01T00:00:00+00:00"
    last = large.value("select max(day) from daily_rows")
    first = last - timedelta(days=89)
    times: dict[str, list[float]] = {"floor": [], "one": [], "floor_all": [], "all": []}
    steps = {
        "floor": lambda: series.daily(large, sources=["ua_mod"], date_from=first, date_to=last),
        "one": lambda: series.daily(large, sources=["ua_mod"], date_from=first, date_to=last, as_of=as_of),
        "floor_all": lambda: series.daily(large, date_from=first, date_to=last),
        "all": lambda: series.daily(large, date_from=first, date_to=last, as_of=as_of),
    }
    for _ in range(ROUNDS):
        for name, step in steps.items():
            started = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - started)
    print(f"tracker daily --as-of T, 90 days ({first} to {last}), median of {ROUNDS} rounds:")
    line("one source, live (as_of)", median_ms(times["one"]), median_ms(times["floor"]), "stored rows")
    line("all sources, live (as_of)", median_ms(times["all"]), median_ms(times["floor_all"]), "stored rows")


def live_processes(path: str, first: object, last: object) -> None:
    """Live reads as whole processes, each against the stored rows of the same days, interleaved."""
    as_of = ["--as-of", "2100-01-01T00:00:00+00:00"]
    days = ["--from", str(first), "--to", str(last)]
    scopes = {
        "one source, 90 days": ["--source", "ua_mod", *days],
        "all sources, 90 days": days,
        "all sources, every day": [],
    }
    runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(3):
        for scope, options in scopes.items():
            for kind, extra in (("stored", []), ("live", as_of)):
                runs.setdefault((scope, kind), []).append(
                    run([sys.executable, "-m", "tracker", "daily", "--db", path, "--format", "csv", *options, *extra]))
    print("tracker daily --as-of T --format csv, whole processes, median of 3 (peak = max RSS):")
    for scope in scopes:
        (live_s, live_mb), (floor_s, floor_mb) = (
            tuple(statistics.median(figures[i] for figures in runs[(scope, kind)]) for i in (0, 1))
            for kind in ("live", "stored"))
        print(f"  {scope:<24} live {live_s:6.2f} s  peak {live_mb:6,.0f} MB   stored rows {floor_s:6.2f} s  "
              f"peak {floor_mb:6,.0f} MB   ratio {live_s / floor_s:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--db", help="a store of N reports to reuse (copied, never changed)")
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        small_path, large_path = os.path.join(folder, "small.duckdb"), os.path.join(folder, "large.duckdb")
        build(small_path, 1_000)
        if args.db:
            shutil.copy(args.db, large_path)
        build(large_path, args.n)
        small, large = db.open_store(small_path), db.open_store(large_path)
        form_entries(small, large, os.path.join(folder, "floor.duckdb"))
        live_reads(large)
        last = large.value("select max(day) from daily_rows")
        small.close()
        large.close()
        live_processes(large_path, last - timedelta(days=89), last)
        if not args.skip_http:
            http_entries(small_path, large_path, folder)


if __name__ == "__main__":
    main()
