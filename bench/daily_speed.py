"""Daily-series speed: `tracker daily` over a store of N count reports, against a floor measured in the
same run.

    python bench/daily_speed.py [N] [--db PATH]     (default N = 1_000_000)

The reports are generated vectorised in DuckDB SQL (through the store's `copy_to`, so only tracker/db.py
touches duckdb) as a canonical CSV, and stored by the production import (`ingest.import_csv`, which
also fills the derived table `daily_rows` inside its transaction). The mix follows real sources over ten
years of days, three to four reports per source-day:
- JFO-style sources (whole zone, accused `separatists`): snapshots "as of 09:00", "as of 11:00",
  "as of 17:00" and the whole day (nested, cumulative); every tenth day pair has no daily figures but
  one 48-hour window (spread as estimates);
- OSCE-style sources (Donetsk and Luhansk, no accused party): 19:30 → 19:30 windows, each published
  twice (the day's report and the next day's citation: a revision), with violations and explosions.
The number of sources grows with N (registered as bench_000, bench_001, ...).

Printed (never asserted), each in ms and as a ratio to the floor, a plain
`select day, sum(violations) from reports group by day` over the same table:
- `daily` of every source (region all), read from the derived table;
- `daily --source S --from D --to D+89` (one source, 90 days), read from the derived table;
- the same two computed from the reports by the views (what `--tz` other than Europe/Kyiv or
  `--as-of` do), and `tracker check`;
- the full refresh of the derived table (what a write pays at most; a write recomputes only the
  sources it touched).
With --db PATH the store is kept (and reused when it already holds N reports).

`--replicate K` then copies the stored reports K - 1 times under new source keys (bench_000_r1, ...),
with their daily rows, by bulk SQL (a copied source's series is its original's, renamed), so the read
path can be timed at K × N reports without importing them one file at a time (importing 10M reports
takes a long time on a small machine). Only the reads and the one-source computation are timed then.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker import db, ingest, series, vocab  # noqa: E402
from tracker.sources import register_source  # noqa: E402

DAYS = 3650
FIRST_DAY = date(2014, 9, 6)
REPORTS_PER_SOURCE_DAY = 3.6  # JFO-style 3.3 (33 per ten days), OSCE-style 4: a little under the mean

# One SELECT producing the canonical CSV rows; `getvariable` carries the sizes (no string formatting).
GENERATOR = """
with sources as (
    select range as s, 'bench_' || lpad(range::varchar, 3, '0') as source, range % 2 = 0 as jfo
    from range(getvariable('bench_sources'))
),
days as (
    select range as d, getvariable('bench_first_day')::date + range::integer as day
    from range(getvariable('bench_days'))
),
source_days as (
    select s, source, jfo, d, day,
           (hash(s, d) % 40)::bigint as a, (hash(d, s) % 30)::bigint as b,
           (hash(s * 7, d) % 20)::bigint as c, (hash(d * 7, s) % 10)::bigint as e
    from sources cross join days
),
jfo as (
    -- four nested windows of one day, or on every tenth day pair one 48-hour window
    select source, day, snapshot, a, b, c, e
    from source_days cross join range(4) as t(snapshot)
    where jfo and d % 10 not in (0, 1)
),
jfo_rows as (
    select
        source,
        strftime(day + [interval 9 hour, interval 11 hour, interval 17 hour, interval 30 hour][snapshot + 1],
                 '%Y-%m-%dT%H:%M') as reported_at,
        strftime(day, '%Y-%m-%d') as period_start,
        strftime(day + [interval 9 hour, interval 11 hour, interval 17 hour, interval 24 hour][snapshot + 1],
                 '%Y-%m-%dT%H:%M') as period_end,
        '' as region, 'separatists' as accused_party,
        [a, a + b, a + b + c, a + b + c + e][snapshot + 1] as violations,
        [a, a + b, a + b + c, a + b + c + e][snapshot + 1] // 2 as prohibited_weapons,
        null::bigint as explosions
    from jfo
),
jfo_weekends as (
    select
        source, strftime(day + 2, '%Y-%m-%d') as reported_at, strftime(day, '%Y-%m-%d') as period_start,
        strftime(day + 2, '%Y-%m-%dT%H:%M') as period_end, '' as region, 'separatists' as accused_party,
        a + b + c + e as violations, null::bigint as prohibited_weapons, null::bigint as explosions
    from source_days
    where jfo and d % 10 = 0
),
osce as (
    select source, day, a, b, c, e, region, revision
    from source_days
    cross join (values ('donetsk'), ('luhansk')) as r(region)
    cross join range(2) as v(revision)
    where not jfo
),
osce_rows as (
    select
        source,
        strftime(day + (1 + revision)::integer, '%Y-%m-%d') as reported_at,
        strftime(day - 1 + interval 19 hour + interval 30 minute, '%Y-%m-%dT%H:%M') as period_start,
        strftime(day + interval 19 hour + interval 30 minute, '%Y-%m-%dT%H:%M') as period_end,
        region, '' as accused_party,
        10 * (a + b) + c as violations, null::bigint as prohibited_weapons,
        if(revision = 0, 5 * (a + b), null) as explosions
    from osce
),
all_rows as (
    select * from jfo_rows
    union all select * from jfo_weekends
    union all select * from osce_rows
)
select * from all_rows limit getvariable('bench_n')
"""


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    """The best of `repeat` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def build(store: db.Store, n: int) -> None:
    sources = max(2, math.ceil(n / (DAYS * REPORTS_PER_SOURCE_DAY)))
    known = {row[0] for row in store.rows("select key from sources")}
    for number in range(sources):
        key = f"bench_{number:03d}"
        if key not in known:
            register_source(store, key, f"Bench source {number}", vocab.Counting.cumulative)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "reports.csv")
        started = time.perf_counter()
        store.set_variable("bench_sources", sources)
        store.set_variable("bench_days", DAYS)
        store.set_variable("bench_first_day", FIRST_DAY.isoformat())
        store.set_variable("bench_n", n)
        store.copy_to(GENERATOR, path, "header, delimiter ','")
        made = time.perf_counter() - started
        started = time.perf_counter()
        report = ingest.import_csv(store, path, recorded_by="bench")
        stored = time.perf_counter() - started
    assert report.ok, report.problems[:5]
    print(f"generated {n:,} reports of {sources} sources in {_ms(made)}; "
          f"imported (with the daily rows) in {_ms(stored)}")


def replicate(store: db.Store, copies: int) -> None:
    """K - 1 renamed copies of every stored report and of the daily rows, and the state that says so."""
    started = time.perf_counter()
    store.set_variable("bench_copies", copies)
    with store.transaction():
        store.execute(
            "insert into sources select key || '_r' || k, name || ' (copy ' || k || ')', counting, false, now() "
            "from sources, range(1, getvariable('bench_copies')) as t(k) where key like 'bench\\_%' escape '\\'")
        store.execute(
            "insert into reports select reports.* replace (md5(id || k) as id, md5(content_hash || k) as content_hash, "
            "md5(root_id || k) as root_id, if(replaces is null, null, md5(replaces || k)) as replaces, "
            "source || '_r' || k as source) from reports, range(1, getvariable('bench_copies')) as t(k)")
        store.execute(
            "insert into daily_rows select daily_rows.* replace (source || '_r' || k as source) "
            "from daily_rows, range(1, getvariable('bench_copies')) as t(k)")
        count, last, views = series._fingerprint(store)
        store.execute("delete from daily_state")
        store.execute("insert into daily_state values (?, ?, ?, now())", [count, last, views])
    print(f"replicated to {count:,} reports in {_ms(time.perf_counter() - started)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--db", default=None)
    parser.add_argument("--replicate", type=int, default=1, metavar="K")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or os.path.join(folder, "bench.duckdb")
        store = db.open_store(path)
        held = int(store.value("select count(*) from reports"))
        if held < args.n:
            build(store, args.n - held)
        if args.replicate > 1:
            series.daily(store, sources=["bench_000"])  # brings the daily rows up to date first
            replicate(store, args.replicate)
        reports = int(store.value("select count(*) from reports"))
        one = store.value("select min(source) from reports")
        first = FIRST_DAY + timedelta(days=DAYS // 2)
        last = first + timedelta(days=89)

        floor = timed(lambda: store.rows(
            "select cast(period_start as date) as day, sum(violations) from reports group by day"))
        full_rows = len(series.daily(store))
        one_rows = len(series.daily(store, sources=[one], date_from=first, date_to=last))
        print(f"{reports:,} reports; floor (plain GROUP BY day over reports): {_ms(floor)}")

        def line(name: str, fn: Callable[[], object], repeat: int = 3) -> None:
            took = timed(fn, repeat)
            print(f"  {name:<58} {_ms(took):>12}  {took / floor:8.2f} × floor")

        line(f"daily, every source ({full_rows:,} rows), stored", lambda: series.daily(store))
        line(f"daily, one source, 90 days ({one_rows} rows), stored",
             lambda: series.daily(store, sources=[one], date_from=first, date_to=last), repeat=10)
        live = {"tz": "Europe/Kiev"}  # an alias of the default: the same days, computed by the views
        line("daily, one source, 90 days, computed (--tz/--as-of)",
             lambda: series.daily(store, sources=[one], date_from=first, date_to=last, **live), repeat=2)
        if args.replicate > 1:
            store.close()
            return
        line("daily, every source, computed (--tz/--as-of)", lambda: series.daily(store, **live), repeat=1)
        line("check, every source", lambda: series.check(store), repeat=1)

        def full_refresh() -> None:
            with store.transaction():
                store.execute("delete from daily_state")
                series.refresh_daily(store)

        line("refresh of the derived table, every source", full_refresh, repeat=1)
        store.close()


if __name__ == "__main__":
    main()
