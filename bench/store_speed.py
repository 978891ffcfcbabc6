"""The shared store against the DuckDB file: import of N rows and `tracker daily` (one source, 90 days).

    python bench/store_speed.py [N]        (default 1_000_000)

Starts a throwaway PostgreSQL (as tests/conftest.py does), creates a DuckLake on it, and runs the same
import and the same daily query on the lake and on a DuckDB file in one run; prints both times and the
lake / file ratios. Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import _free_port, _pg_bin  # noqa: E402
from import_speed import generate  # noqa: E402

from tracker import db, ingest  # noqa: E402


def start_postgres(folder: Path) -> tuple[int, list[str], Path]:
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", _free_port()
    subprocess.run([*as_postgres, _pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
                   check=True, capture_output=True)
    subprocess.run([*as_postgres, _pg_bin("pg_ctl"), "-D", str(data), "-o",
                    f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "-l", str(folder / "log"), "-w", "start"],
                   check=True, capture_output=True)
    subprocess.run([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench"], check=True)
    return port, as_postgres, data


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
    folder = Path(tempfile.mkdtemp(prefix="tracker-bench-pg-"))
    port, as_postgres, data = start_postgres(folder)
    try:
        csv_path = str(folder / "reports.csv")
        generate(csv_path, n)
        os.environ["TRACKER_DATA_PATH"] = str(folder / "lake-data")
        file_import, file_daily = measure(str(folder / "file.duckdb"), csv_path)
        lake_import, lake_daily = measure(f"ducklake:postgres:dbname=bench host=127.0.0.1 port={port} user=postgres",
                                          csv_path)
        print(f"rows: {n:,}")
        print(f"import       file {file_import:7.2f} s   lake {lake_import:7.2f} s   ratio {lake_import / file_import:.2f}x")
        print(f"daily 90 d   file {file_daily * 1000:7.1f} ms  lake {lake_daily * 1000:7.1f} ms  "
              f"ratio {lake_daily / file_daily:.2f}x")
    finally:
        subprocess.run([*as_postgres, _pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
