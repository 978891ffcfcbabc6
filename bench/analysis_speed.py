"""Analysis speed: `tracker trends` (one source, 365 days), `tracker compare` and `tracker discrepancies`
(90 days) and a new choice on the dashboard's Compare page, on a store of N count reports, against a floor
measured in the same run.

    python bench/analysis_speed.py [N] [--db PATH]     (default N = 1_000_000)

The reports are generated vectorised (numpy): 5 sources × 3 regions (donetsk, luhansk, whole zone) ×
D days ending 24 Feb 2022, each series-day published as k nested intraday snapshots (JFO style, "as of
09:00", "as of 11:00", ...) so that N = 15 × D × k; they are imported through the production import.
With --db PATH the store is kept (and reused when it already holds N reports).

The floor is DuckDB summing the stored reports of the same selection (a plain scan of the base table:
the least any answer must do). Floor and measured step run interleaved, ROUNDS times; the median of
each is printed in ms with the ratio. The Compare page is timed as its callback answers a choice not
seen before (a new date range each time, so no cache helps): median and p95 over PAGE_CHOICES choices.
The store's daily rows are made current before timing (the deferred refresh of a bulk import is timed
where it lands: the first read, printed first). Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker import analysis, db, ingest, series  # noqa: E402
from tracker.analysis import discrepancies  # noqa: E402

SOURCES = np.array(["ua_mod", "osce_smm", "dpr", "lpr", "ru_mod"])
LEVELS = np.array([12.0, 300.0, 25.0, 15.0, 20.0])  # typical daily violations of each source
REGIONS = np.array(["donetsk", "luhansk", ""])
PARTY = np.array(["separatists", "", "ukraine", "ukraine", "ukraine"])
LAST_DAY = date(2022, 2, 24)
SNAPSHOTS = 8  # nested snapshots per series-day (the last one covers the whole day)
ROUNDS = 5
PAGE_CHOICES = 20


def generate(path: str, n: int) -> None:
    """N reports as a canonical CSV, built column-wise."""
    k = SNAPSHOTS
    days = max(n // (len(SOURCES) * len(REGIONS) * k), 1)
    i = np.arange(days * len(SOURCES) * len(REGIONS) * k)
    series_day, snapshot = i // k, i % k
    source, region, day = series_day % 5, (series_day // 5) % 3, series_day // 15
    rng = np.random.default_rng(2022)
    day_level = LEVELS[source] * (1 + 0.5 * np.sin(day / 60.0)) * np.where(region == 2, 2.0, 1.0)
    totals = rng.poisson(day_level[::k])  # one total per series-day
    violations = np.floor(totals[series_day] * (snapshot + 1) / k).astype(np.int64)
    start = pd.Timestamp(LAST_DAY - timedelta(days=int(days) - 1)) + pd.to_timedelta(day, unit="D")
    end = start + pd.to_timedelta(np.round(1440 * (snapshot + 1) / k), unit="min")
    frame = pd.DataFrame({
        "source": SOURCES[source],
        "reported_at": end.strftime("%Y-%m-%dT%H:%M"),
        "period_start": start.strftime("%Y-%m-%dT%H:%M"),
        "period_end": end.strftime("%Y-%m-%dT%H:%M"),
        "timezone": "UTC",  # no local time in a DST gap (a spring 03:00 snapshot is refused)
        "region": REGIONS[region],
        "accused_party": PARTY[source],
        "violations": violations,
        "explosions": np.where(source == 1, violations // 2, -1),
    })
    frame["explosions"] = frame["explosions"].astype("Int64").where(frame["explosions"] >= 0)
    frame.to_csv(path, index=False)


def store_with(n: int, path: str) -> db.Store:
    store = db.open_store(path)
    held = int(store.value("select count(*) from current_reports"))
    if held >= n * 0.9:
        return store
    with tempfile.TemporaryDirectory() as folder:
        csv = os.path.join(folder, "reports.csv")
        started = time.perf_counter()
        generate(csv, n)
        made = time.perf_counter() - started
        started = time.perf_counter()
        report = ingest.import_csv(store, csv, recorded_by="bench")
        assert report.ok, report.problems[:5]
        print(f"generated in {made:.1f} s, imported {report.inserted:,} reports in "
              f"{time.perf_counter() - started:.1f} s")
    return store


def interleaved(floor, measured, rounds: int = ROUNDS):  # noqa: ANN001, ANN201
    """Median ms of the floor and of the measured step, run one after the other in each round."""
    floor_times, times, result = [], [], None
    for _ in range(rounds):
        started = time.perf_counter()
        floor()
        floor_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = measured()
        times.append(time.perf_counter() - started)
    return float(np.median(floor_times)) * 1000, float(np.median(times)) * 1000, result


def line(label: str, ms: float, floor_ms: float) -> None:
    print(f"  {label:<44} {ms:9.1f} ms   {ms / floor_ms:8.1f}x floor ({floor_ms:.1f} ms)")


def compare_page(path: str, days: int) -> None:
    """The Compare page's callback answering PAGE_CHOICES new choices (each a date range not seen before)."""
    from dashboards import components
    from dashboards.app import create_app

    create_app(path)
    from dashboards.pages import compare

    store = components.store()
    times = []
    for i in range(PAGE_CHOICES):
        end = LAST_DAY - timedelta(days=i)
        started = time.perf_counter()
        compare.update("all", "violations", (end - timedelta(days=days - 1)).isoformat(), end.isoformat(), "raw")
        times.append(time.perf_counter() - started)
    floor = []
    for i in range(PAGE_CHOICES):
        end = LAST_DAY - timedelta(days=i)
        started = time.perf_counter()
        store.value("select sum(violations) from reports where period_start >= ? and period_start < ?",
                    [pd.Timestamp(end - timedelta(days=days + 29)).tz_localize("Europe/Kyiv"),
                     pd.Timestamp(end + timedelta(days=1)).tz_localize("Europe/Kyiv")])
        floor.append(time.perf_counter() - started)
    ms = np.array(times) * 1000
    print(f"Compare page, a new choice ({days} days, every source, region all; {PAGE_CHOICES} choices):")
    print(f"  median {np.median(ms):.0f} ms, p95 {np.percentile(ms, 95):.0f} ms "
          f"(goal: p95 <= 150 ms); floor median {np.median(floor) * 1000:.1f} ms")


def main() -> None:
    args = sys.argv[1:]
    keep = None
    if "--db" in args:
        keep = args[args.index("--db") + 1]
        del args[args.index("--db"):args.index("--db") + 2]
    n = int(args[0]) if args else 1_000_000
    folder = tempfile.mkdtemp()
    path = keep or os.path.join(folder, "bench.duckdb")
    store = store_with(n, path)
    held = int(store.value("select count(*) from current_reports"))
    year_from, quarter_from = LAST_DAY - timedelta(days=364), LAST_DAY - timedelta(days=89)
    print(f"reports: {held:,}")
    started = time.perf_counter()
    series.daily(store, sources=["ua_mod"], date_from=LAST_DAY)
    print(f"first read (brings the derived daily rows up to date): {(time.perf_counter() - started) * 1000:.0f} ms")

    def scan(since: date, source: str | None = None):  # noqa: ANN202
        where = "period_start >= ?" + (" and source = ?" if source else "")
        params = [pd.Timestamp(since).tz_localize("Europe/Kyiv")] + ([source] if source else [])
        return lambda: store.value(f"select sum(violations) from reports where {where}", params)

    print("trends, one source (ua_mod), 365 days; floor: a DuckDB scan of its reports")
    floor_ms, ms, found = interleaved(scan(year_from, "ua_mod"), lambda: analysis.trend_report(
        store, sources=["ua_mod"], date_from=year_from, date_to=LAST_DAY))
    line(f"trend_report ({len(found):,} rows)", ms, floor_ms)

    print("90 days, every source; floor: a DuckDB scan of the 120 days of reports they read")
    floor_scan = scan(quarter_from - timedelta(days=30))
    floor_ms, ms, found = interleaved(floor_scan, lambda: analysis.compare_report(
        store, date_from=quarter_from, date_to=LAST_DAY))
    line(f"tracker compare ({len(found):,} rows)", ms, floor_ms)
    floor_ms, ms, found = interleaved(floor_scan, lambda: analysis.discrepancy_report(
        store, date_from=quarter_from, date_to=LAST_DAY))
    line(f"tracker discrepancies, 3 regions ({len(found):,} rows)", ms, floor_ms)
    floor_ms, ms, (found, registry) = interleaved(floor_scan, lambda: analysis.analysed(
        store, regions=list(series.REGIONS), date_from=quarter_from, date_to=LAST_DAY))
    line(f"  of which reading the series ({len(found):,} figures)", ms, floor_ms)
    floor_ms, ms, _ = interleaved(floor_scan, lambda: discrepancies(found, registry, date_from=quarter_from))
    line("  of which the pairs (pandas/numpy)", ms, floor_ms)
    store.close()
    compare_page(path, 90)


if __name__ == "__main__":
    main()
