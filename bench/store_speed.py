"""The shared store against the DuckDB file: import of N rows and `tracker daily` (one source, 90 days).

    python bench/store_speed.py [N]        (default 1_000_000)

Starts a throwaway PostgreSQL (as tests/conftest.py does), creates a DuckLake on it, and runs the same
import and the same daily query on the lake and on a DuckDB file in one run; prints both times and the
lake / file ratios. Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from import_speed import generate  # noqa: E402
from postgres_cluster import start_cluster, stop_cluster  # noqa: E402

from tracker import db, ingest  # noqa: E402


def timed(fn):  # noqa: ANN001, ANN201
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def measure(url: str, csv_path: str) -> tuple[float, float]:
    from tracker import series

    store = db.open_store(url)
    import_s, report = timed(lambda: ingest.import_csv(store, csv_path))
    assert report.ok, report.problems[:3]
    series.daily(store, sources=["osce_smm"], date_from="2001-01-01", date_to="2001-03-31")  # warm
    daily_s, frame = timed(lambda: series.daily(store, sources=["osce_smm"], date_from="2001-01-01",
                                                date_to="2001-03-31"))
    assert len(frame) > 0
    store.close()
    return import_s, daily_s


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    cluster = start_cluster()
    try:
        cluster.create_database("bench")
        csv_path = str(cluster.folder / "reports.csv")
        generate(csv_path, n)
        os.environ["TRACKER_DATA_PATH"] = str(cluster.folder / "lake-data")
        file_import, file_daily = measure(str(cluster.folder / "file.duckdb"), csv_path)
        lake_import, lake_daily = measure(cluster.lake_url("bench"), csv_path)
        print(f"rows: {n:,}")
        print(f"import       file {file_import:7.2f} s   lake {lake_import:7.2f} s   "
              f"ratio {lake_import / file_import:.2f}x")
        print(f"daily 90 d   file {file_daily * 1000:7.1f} ms  lake {lake_daily * 1000:7.1f} ms  "
              f"ratio {lake_daily / file_daily:.2f}x")
    finally:
        stop_cluster(cluster)


if __name__ == "__main__":
    main()
