"""Analysis speed: `tracker trends` (one source, 365 days) and `tracker discrepancies` (all pairs, 90 days)
on a store of N count reports, against a floor measured in the same run.

    python bench/analysis_speed.py [N] [--db PATH]     (default N = 1_000_000)

The reports are generated vectorised (numpy): 5 sources × 3 regions (donetsk, luhansk, whole zone) ×
D days ending 24 Feb 2022, each series-day published as k nested intraday snapshots (JFO style, "as of
09:00", "as of 11:00", ...) so that N = 15 × D × k; they are imported through the production import.
With --db PATH the store is kept (and reused when it already holds N reports).

The floor is DuckDB summing the stored reports of the same selection (a plain scan of the base table:
the least any answer must do). Each step is printed in ms and as a ratio to its floor: reading the daily
series (`tracker.series.daily`), the analysis proper (pure pandas/numpy), and the whole command.
Timings are printed, never asserted.
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
from tracker.analysis import discrepancies, long_figures, trends  # noqa: E402

SOURCES = np.array(["ua_mod", "osce_smm", "dpr", "lpr", "ru_mod"])
LEVELS = np.array([12.0, 300.0, 25.0, 15.0, 20.0])  # typical daily violations of each source
REGIONS = np.array(["donetsk", "luhansk", ""])
PARTY = np.array(["separatists", "", "ukraine", "ukraine", "ukraine"])
LAST_DAY = date(2022, 2, 24)
SNAPSHOTS = 8  # nested snapshots per series-day (the last one covers the whole day)


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
        "timezone": "Europe/Kyiv",
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


def best_of(runs: int, fn):  # noqa: ANN001, ANN201
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times) * 1000, result


def line(label: str, ms: float, floor_ms: float) -> None:
    print(f"  {label:<34} {ms:9.1f} ms   {ms / floor_ms:8.1f}x floor")


def main() -> None:
    args = sys.argv[1:]
    keep = None
    if "--db" in args:
        keep = args[args.index("--db") + 1]
        del args[args.index("--db"):args.index("--db") + 2]
    n = int(args[0]) if args else 1_000_000
    folder = tempfile.mkdtemp()
    store = store_with(n, keep or os.path.join(folder, "bench.duckdb"))
    held = int(store.value("select count(*) from current_reports"))
    year_from, quarter_from = LAST_DAY - timedelta(days=364), LAST_DAY - timedelta(days=89)
    print(f"reports: {held:,}")

    floor_ms, _ = best_of(3, lambda: store.value(
        "select sum(violations) from reports where source = 'ua_mod' and period_start >= ?",
        [pd.Timestamp(year_from).tz_localize("Europe/Kyiv")]))
    print(f"trends, one source (ua_mod), 365 days; floor (DuckDB scan of its reports): {floor_ms:.1f} ms")
    read_ms, daily = best_of(3, lambda: series.daily(store, sources=["ua_mod"], regions=["all"], date_to=LAST_DAY))
    pure_ms, _ = best_of(3, lambda: trends(long_figures(daily)))
    whole_ms, found = best_of(3, lambda: analysis.trend_report(store, sources=["ua_mod"], date_from=year_from,
                                                               date_to=LAST_DAY))
    line(f"daily series ({len(daily):,} days of history)", read_ms, floor_ms)
    line("trend analysis (pandas/numpy)", pure_ms, floor_ms)
    line(f"trend_report ({len(found):,} rows)", whole_ms, floor_ms)

    floor_ms, _ = best_of(3, lambda: store.value(
        "select sum(violations) from reports where period_start >= ?",
        [pd.Timestamp(quarter_from - timedelta(days=30)).tz_localize("Europe/Kyiv")]))
    print(f"discrepancies, all pairs, 90 days; floor (DuckDB scan of 120 days of reports): {floor_ms:.1f} ms")
    read_ms, daily = best_of(3, lambda: series.daily(
        store, regions=list(analysis.REGIONS), date_from=quarter_from - timedelta(days=30), date_to=LAST_DAY))
    pure_ms, _ = best_of(3, lambda: discrepancies(trends(long_figures(daily)), date_from=quarter_from))
    whole_ms, found = best_of(3, lambda: analysis.discrepancy_report(store, date_from=quarter_from,
                                                                     date_to=LAST_DAY))
    line(f"daily series ({len(daily):,} rows)", read_ms, floor_ms)
    line("discrepancy analysis (pandas/numpy)", pure_ms, floor_ms)
    line(f"discrepancy_report ({len(found):,} rows)", whole_ms, floor_ms)
    store.close()


if __name__ == "__main__":
    main()
