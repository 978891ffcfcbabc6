"""Output, fast and unchanged (issue 17, point 3): the export writes each (zone, instant) once, `tracker daily
--format csv` is written by DuckDB, `--format json` built column by column, and the CLI starts without
pandas, pydantic, the importer or (for --help) duckdb.

Each new path is compared byte for byte with the row-by-row formatting it replaced, kept here as the
reference (`_old_*`), on the demo data and on rows made to reach the edge cases (estimated shares, whole
shares, NaN, a coverage that is an exact tie at 3 places, zones with half-hour and LMT offsets)."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import DATA, REPO, run_tracker

from tracker import db, demo, export, ingest, series, vocab

# --- the row-by-row formatting of `tracker daily` before issue 17 (tracker/series.py), the reference ----


def _old_names(text: str) -> list[str]:
    return text.split() if isinstance(text, str) and text else []


def _old_number(value: Any) -> int | float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if float(value).is_integer():
        return int(value)
    return float(value)


def _old_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        record: dict[str, Any] = {
            "day": pd.Timestamp(row["day"]).date().isoformat(), "source": row["source"], "region": row["region"],
        }
        for metric in series.METRICS:
            record[metric] = _old_number(row[metric])
        record["coverage"] = round(float(row["coverage"]), 3)
        record["estimated"] = _old_names(row["estimated"])
        record["partial"] = _old_names(row["partial"])
        record["reports"] = int(row["reports"])
        record["qualifiers"] = _old_names(row.get("qualifiers", ""))
        out.append(record)
    return out


def _old_to_csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(series.COLUMNS)
    for record in _old_records(frame):
        writer.writerow([
            "" if record[column] is None else
            " ".join(record[column]) if isinstance(record[column], list) else
            f"{record[column]:g}" if column == "coverage" else
            record[column]
            for column in series.COLUMNS
        ])
    return buffer.getvalue()


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("output") / "demo.duckdb"
    with db.open_store(str(path)) as store:
        files = demo.demo_files() + demo.claim_files() + [str(DATA / "good" / "every_column.csv")]
        for report in ingest.import_files(store, files, recorded_by="test"):
            assert report.ok, report.problems
    return path


@pytest.mark.parametrize("options", [
    {},
    {"regions": ["all", "donetsk", "luhansk"], "areas": True},
    {"sources": ["osce_smm"], "regions": ["luhansk"], "tz": "UTC"},  # live: the views, not the stored rows
    {"accused": "separatists", "as_of": "2199-01-01"},
])
def test_daily_csv_and_json_are_the_old_formatting_byte_for_byte(full_demo: Path, options: dict) -> None:
    with db.open_store(str(full_demo)) as store:
        frame = series.daily(store, **options)
        text = series.daily_csv(store, **options)
    assert len(frame) > 3
    assert (frame[list(series.METRICS)] % 1 > 0).any().any(), "no estimated share to write"
    assert text == _old_to_csv(frame)
    assert series.to_csv(frame) == _old_to_csv(frame)
    assert json.dumps(series.records(frame), ensure_ascii=False, indent=1) == \
        json.dumps(_old_records(frame), ensure_ascii=False, indent=1)


def test_the_edge_cases_of_numbers_are_written_as_before() -> None:
    nan = float("nan")
    frame = pd.DataFrame({
        "day": pd.to_datetime(["2022-02-16", "2022-02-17", "2022-02-18", "2022-02-19", "2022-02-20"]),
        "source": ["ua_mod", "osce_smm", "dpr", "lpr", "ru_mod"],
        "region": ["all", "luhansk:Zolote, \"north\"", "donetsk", "all", "luhansk"],
        "violations": [107 / 47, 12.0, nan, 1e-05, 2.0**60],
        "prohibited_weapons": [nan, 0.1 + 0.2, -0.0, 1e16, 3.0],
        "explosions": [1100 * 24 / 43.5, nan, 5.0, 123456789.125, 0.0],
        "killed": nan, "wounded": [1.0, 2.0, 3.0, 4.0, 5.5],
        "civilians_killed": nan, "civilians_wounded": nan, "settlements_shelled": [13.0, nan, nan, nan, 1.0],
        "coverage": [0.0625, 1.0, 0.70833333, 0.0, 0.9995],  # 0.0625: an exact tie, rounded to even (0.062)
        "estimated": ["violations explosions", "", "", "violations", ""],
        "partial": ["", "violations", "", "", "violations explosions"],
        "reports": [1, 2, 3, 4, 5],
        "qualifiers": ["", "at_least", "about at_least", "", ""],
    })
    assert series.to_csv(frame) == _old_to_csv(frame)
    assert "0.062," in series.to_csv(frame) and '"luhansk:Zolote, ""north"""' in series.to_csv(frame)
    assert series.records(frame) == _old_records(frame)
    assert [type(v) for v in (r["violations"] for r in series.records(frame))] == [float, int, type(None), float, int]
    without = frame.drop(columns="qualifiers")  # a frame without qualifiers: none
    assert series.to_csv(without) == _old_to_csv(without) and series.records(without) == _old_records(without)
    assert series.to_csv(frame.iloc[:0]) == ",".join(series.COLUMNS) + "\n" and series.records(frame.iloc[:0]) == []


def test_the_cli_writes_the_same_csv_and_json(full_demo: Path) -> None:
    with db.open_store(str(full_demo)) as store:
        frame = series.daily(store, regions=["all", "donetsk"])
    result = run_tracker("daily", "--region", "all", "--region", "donetsk", "--format", "csv", db_path=full_demo)
    assert result.returncode == 0, result.stderr
    assert result.stdout == _old_to_csv(frame)
    result = run_tracker("daily", "--region", "all", "--region", "donetsk", "--format", "json", db_path=full_demo)
    assert result.returncode == 0, result.stderr
    assert result.stdout == json.dumps(_old_records(frame), ensure_ascii=False, indent=1) + "\n"


# --- the export: each (zone, instant) written once, as the per-row expression wrote it ----------------

def _old_edge(column: str, day_before: bool = False) -> str:
    """The export's per-row SQL of one date-time column before issue 17."""
    local = f"timezone(timezone, {column})"
    minutes = f"date_diff('minute', timezone('UTC', {column}), {local})"
    shift = " - interval 1 day" if day_before else ""
    return (f"case when {column} is null then null "
            f"when {local} = date_trunc('day', {local}) then strftime({local}{shift}, '%Y-%m-%d') "
            f"else strftime({local}, '%Y-%m-%dT%H:%M:%S') || if({minutes} < 0, '-', '+') "
            f"|| lpad((abs({minutes}) // 60)::varchar, 2, '0') || ':' || lpad((abs({minutes}) % 60)::varchar, 2, '0') "
            f"end as {column}")


_ZONES_CSV = """source,period_start,period_end,reported_at,timezone,violations
ua_mod,2021-03-28T04:30,2021-03-28T23:00,2021-03-29,Europe/Kyiv,1
ua_mod,2021-10-30T22:00,2021-10-31T03:30,2021-10-31T09:15:42,Europe/Kyiv,2
osce_smm,2022-02-18T10:15,2022-02-19,,Asia/Kolkata,3
osce_smm,2022-02-18T10:15,2022-02-18T22:45,2022-02-19T00:00,America/St_Johns,4
dpr,2022-02-18T10:15,2022-02-19T10:15,,Pacific/Chatham,5
dpr,1910-06-01T12:00,1910-06-02T12:00:30,1910-06-03,Europe/Kyiv,6
lpr,1901-01-01,1901-01-02T00:00,,Asia/Kolkata,7
ru_mod,2022-02-18T00:00Z,2022-02-18T23:59:59+05:45,2022-02-18T12:00-09:30,UTC,8
"""


def test_the_export_writes_every_edge_as_the_per_row_expression_did(tmp_path: Path, full_demo: Path) -> None:
    path = tmp_path / "zones.duckdb"
    zones = tmp_path / "zones.csv"
    zones.write_text(_ZONES_CSV, encoding="utf-8")
    with db.open_store(str(path)) as store:
        for report in ingest.import_files(store, [*demo.demo_files(), str(DATA / "good" / "every_column.csv"),
                                                  str(zones)], recorded_by="test"):
            assert report.ok, report.problems
        columns = [_old_edge(c, day_before=c == "period_end") if c in vocab.DATETIME_COLUMNS else c
                   for c in vocab.CANONICAL_COLUMNS]
        before = store.rows(f"select {', '.join(columns)} from current_reports order by batch_seq, row_no")
        now = store.rows("select * from export_reports")
        assert now == before and len(now) == 122
        written = {row[0]: row
                   for row in store.rows("select period_start, period_end, reported_at from export_reports")}
        assert written["2022-02-18T10:15:00+13:45"][1] == "2022-02-19T10:15:00+13:45"  # Chatham in summer
        assert written["2022-02-18T10:15:00-03:30"][2] == "2022-02-19"  # St John's midnight: a date
        assert written["2021-03-28T04:30:00+03:00"][2] == "2021-03-29"
        dpr = int(store.value("select count(*) from current_reports where source = 'dpr'"))
        assert export.export_reports(store, str(tmp_path / "dpr.csv"), where="source = ?", params=["dpr"]) == dpr
        # the round trip, without the rows before 1925: Kyiv's mean time then was +02:02:04, which the export
        # (as before) writes cut to whole minutes
        out = tmp_path / "zones_export.csv"
        assert export.export_reports(store, str(out), where="year(period_start) > 1924") == 120
    again = tmp_path / "again.duckdb"
    with db.open_store(str(again)) as store:
        assert ingest.import_csv(store, str(out)).inserted == 120
        export.export_reports(store, str(tmp_path / "again.csv"))
    assert (tmp_path / "again.csv").read_bytes() == out.read_bytes()


# --- start-up: what each command imports ----------------------------------------------------------

_HEAVY = ("pandas", "numpy", "pydantic", "duckdb", "rich.console", "tracker.ingest", "tracker.schema",
          "tracker.analysis")


def _imported(*args: str) -> tuple[list[str], subprocess.CompletedProcess]:
    """The heavy modules a fresh `tracker ARGS` process has imported when it ends, and the process."""
    code = ("import json, sys\nfrom tracker.cli import main\n"
            "try:\n    main(sys.argv[1:], prog_name='tracker')\nexcept SystemExit:\n    pass\n"
            f"print(json.dumps([m for m in {_HEAVY!r} if m in sys.modules]), file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO,
                            timeout=120, env={"PATH": "/usr/bin:/bin", "TRACKER_DB": ""})
    return json.loads(result.stderr.strip().splitlines()[-1]), result


def test_help_imports_nothing_heavy() -> None:
    found, result = _imported("--help")
    assert "Commands:" in result.stdout and "export" in result.stdout
    assert found == []
    found, result = _imported("add", "--help")  # the form's field help comes from the pydantic model
    assert "--violations" in result.stdout and "pydantic" in found and "pandas" not in found


def test_sources_starts_without_pandas_and_daily_csv_without_the_analysis(full_demo: Path) -> None:
    found, result = _imported("sources", "--db", str(full_demo))
    assert "osce_smm" in result.stdout
    assert found == ["duckdb"]
    found, result = _imported("daily", "--format", "csv", "--db", str(full_demo))
    assert result.stdout.startswith("day,source,region,violations")
    # DuckDB 1.5.5 imports pandas and numpy itself when a query has parameters (to recognise pandas' NaT);
    # the tracker's own DataFrame code is not reached (the next test)
    assert set(found) <= {"duckdb", "pandas", "numpy"} and "duckdb" in found


def test_daily_csv_makes_no_dataframe(full_demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with db.open_store(str(full_demo)) as store:
        expected = series.to_csv(series.daily(store, areas=True))

        def no_frames(*_args: object, **_kwargs: object) -> None:
            raise AssertionError("a DataFrame was made")

        monkeypatch.setattr(db.Store, "df", no_frames)
        assert series.daily_csv(store, areas=True) == expected


def test_the_command_line_offers_the_library_formats() -> None:
    from tracker import profiles
    from tracker.cli import store_cmds

    assert store_cmds.IMPORT_FORMATS == profiles.FORMATS and store_cmds.EXPORT_FORMATS == export.FORMATS
