"""The catalogue of bad inputs: every file is refused whole, with its problems named by row and column,
through the real CLI against a real DuckDB file, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, run_tracker

from tracker import db, ingest

BAD = DATA / "bad"

# file -> the problems as (row, column, code); row is the file line (header = 1), None for the whole file
EXPECTED: dict[str, list[tuple[int | None, str | None, str]]] = {
    "bad_date.csv": [(2, "period_start", "bad-date"), (3, "period_start", "bad-date")],
    "bad_timezone.csv": [(2, "timezone", "bad-timezone")],
    "date_out_of_range.csv": [
        (2, "period_end", "date-out-of-range"), (2, "period_start", "date-out-of-range"),
        (3, "period_start", "date-out-of-range"), (4, "period_end", "date-out-of-range"),
        (5, "reported_at", "date-out-of-range"), (6, "period_start", "date-out-of-range"),
    ],
    "dst_gap.csv": [(2, "period_start", "nonexistent-local-time"), (3, "reported_at", "nonexistent-local-time"),
                    (4, "period_start", "nonexistent-local-time")],
    "cp1251.csv": [(None, None, "encoding")],
    "decimal_count.csv": [(2, "violations", "not-an-integer")],
    "duplicate_column.csv": [(1, "violations", "duplicate-column")],
    "empty.csv": [(None, None, "empty-file")],
    "end_before_start.csv": [(3, "period_end", "window-order")],
    "header_only.csv": [(None, None, "no-rows")],
    "javascript_url.csv": [(2, "source_url", "bad-url")],
    "many_problems.csv": [
        (2, "period_end", "window-order"), (2, "prohibited_weapons", "subset-exceeds-total"),
        (2, "source", "unknown-source"), (2, "source_url", "bad-url"),
        (4, "period_start", "bad-date"), (4, "violations", "negative-count"),
    ],
    "missing_required_column.csv": [(1, "period_end", "missing-column")],
    "missing_value.csv": [(2, "source", "missing-value")],
    "multiline_then_error.csv": [(5, "violations", "not-a-number")],
    "negative_count.csv": [(3, "violations", "negative-count")],
    "no_metric.csv": [(2, "violations", "no-metric")],
    "nul_byte.csv": [(2, "notes", "control-character")],
    "text_too_long.csv": [(2, "notes", "text-too-long"), (3, "channel", "text-too-long")],
    "number_too_large.csv": [(2, "violations", "number-too-large")],
    "offset_out_of_range.csv": [(2, "period_start", "offset-out-of-range"), (3, "period_end", "offset-out-of-range")],
    "ragged_row.csv": [(3, None, "ragged-row")],
    "subset_exceeds_total.csv": [(3, "prohibited_weapons", "subset-exceeds-total")],
    "text_in_number.csv": [(2, "violations", "not-a-number")],
    "timezone_not_a_place.csv": [(2, "timezone", "bad-timezone"), (3, "timezone", "bad-timezone"),
                                 (4, "timezone", "bad-timezone"), (5, "timezone", "bad-timezone")],
    "too_many_columns.csv": [(1, None, "too-many-columns")],
    "unknown_column.csv": [(1, "violatons", "unknown-column"), (2, "violations", "no-metric")],
    "unknown_party.csv": [(2, "accused_party", "unknown-party"), (2, "qualifier", "unknown-qualifier")],
    "unknown_region.csv": [(2, "region", "unknown-region")],
    "unknown_source.csv": [(2, "source", "unknown-source")],
    "unterminated_quote.csv": [(3, None, "malformed-csv")],
    "utf16.csv": [(None, None, "encoding")],
    "window_too_long.csv": [(2, "period_end", "window-too-long"), (3, "period_end", "window-too-long")],
}


def test_every_catalogue_file_has_expectations() -> None:
    assert sorted(p.name for p in BAD.glob("*.csv")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_is_refused_whole(name: str, db_path: Path) -> None:
    store = db.open_store(str(db_path))
    ingest.import_csv(store, str(DATA / "good" / "columns_reordered.csv"))  # something stored before
    report = ingest.import_csv(store, str(BAD / name))
    assert report.problems_as_rows() == EXPECTED[name]
    assert report.inserted == 0 and not report.ok
    assert store.value("select count(*) from reports") == 2
    assert store.value("select count(*) from batches") == 1
    for problem in report.problems:
        assert problem.message and ";" in problem.message, "every message says what and how to fix it"
    store.close()


@pytest.mark.parametrize("name", ["subset_exceeds_total.csv", "ragged_row.csv", "cp1251.csv", "header_only.csv"])
def test_cli_refuses_bad_file_with_exit_1_and_names_row_and_column(name: str, db_path: Path) -> None:
    before = run_tracker("import", DATA / "good" / "columns_reordered.csv", db_path=db_path)
    assert before.returncode == 0, before.stderr
    result = run_tracker("import", BAD / name, db_path=db_path)
    assert result.returncode == 1
    assert "nothing was imported" in result.stderr
    for row, column, code in EXPECTED[name]:
        assert code in result.stderr
        if row is not None:
            assert f" {row} " in result.stderr
        if column:
            assert column in result.stderr
    after = run_tracker("export", db_path.parent / "out.csv", db_path=db_path)
    assert after.stdout.strip().startswith("exported 2 reports")


def test_messages_are_pinned(db_path: Path) -> None:
    store = db.open_store(str(db_path))
    report = ingest.import_csv(store, str(BAD / "end_before_start.csv"))
    assert [p.describe("end_before_start.csv") for p in report.problems] == [
        "end_before_start.csv, row 3, period_end: 2022-02-17T19:30+02:00 is not after period_start "
        "2022-02-18T19:30+02:00; period_end must be later than period_start (a date-only end means the end "
        "of that day; OSCE windows run from evening to evening)"
    ]
    report = ingest.import_csv(store, str(BAD / "cp1251.csv"))
    assert report.problems[0].message == (
        "the file is not UTF-8 (the header has invalid UTF-8 bytes; it looks like cp1251); "
        "save it as UTF-8, or retry with --encoding cp1251"
    )
    report = ingest.import_csv(store, str(BAD / "unknown_source.csv"))
    assert report.problems[0].message == (
        "unknown source 'jfo'; use one of: acled, dpr, lpr, osce_smm, ru_mod, ua_mod, ucdp_ged, "
        "or register it first with: tracker sources add jfo \"Display name\""
    )


def test_hardening_messages_are_pinned(db_path: Path) -> None:
    """Issue 14, points 3 and 4: what the import says about impossible times, offsets, zones, dates, windows
    and headers (the form says the same: tests/test_agreement.py)."""
    store = db.open_store(str(db_path))
    said = {name: [p.describe(name) for p in ingest.import_csv(store, str(BAD / name)).problems]
            for name in ("dst_gap.csv", "offset_out_of_range.csv", "timezone_not_a_place.csv", "date_out_of_range.csv",
                         "window_too_long.csv", "too_many_columns.csv")}
    assert said["dst_gap.csv"][0] == (
        "dst_gap.csv, row 2, period_start: this local time ('2022-03-27T03:30') does not exist in Europe/Kyiv: "
        "clocks went from 03:00 to 04:00; write the offset")
    assert said["dst_gap.csv"][2].endswith(
        "does not exist in America/New_York: clocks went from 02:00 to 03:00; write the offset")
    assert said["offset_out_of_range.csv"][0] == (
        "offset_out_of_range.csv, row 2, period_start: '2022-02-17T10:00+25:00' has the offset +25:00, beyond "
        "±14:00, which no place uses; check the offset (Kyiv is +02:00 in winter, +03:00 in summer)")
    assert said["timezone_not_a_place.csv"][0] == (
        "timezone_not_a_place.csv, row 2, timezone: unknown time zone 'Factory'; use the IANA name of a place, such "
        "as Europe/Kyiv or Europe/Moscow, or UTC (a fixed offset goes with the time, e.g. 2022-02-18T09:00+02:00)")
    assert said["date_out_of_range.csv"][:2] == [
        "date_out_of_range.csv, row 2, period_end: '9999-12-31' is outside the days 1900-01-01 to 2199-12-31 "
        "(its local day in Europe/Kyiv); check the year",
        "date_out_of_range.csv, row 2, period_start: '0001-01-01' is outside the days 1900-01-01 to 2199-12-31 "
        "(its local day in Europe/Kyiv); check the year"]
    assert said["window_too_long.csv"][0] == (
        "window_too_long.csv, row 2, period_end: the window from 2014-01-01 to 2022-02-24 is longer than 3 years; "
        "check both dates, or give the figure for shorter windows")
    assert said["too_many_columns.csv"] == [
        "too_many_columns.csv, row 1: the header has 201 columns, more than the 200 a canonical file may have "
        "(it has 23 columns in all); remove the columns that are not needed"]
    assert store.value("select count(*) from reports") == 0
    store.close()


def test_a_million_column_header_is_refused_from_its_first_line(db_path: Path, tmp_path: Path) -> None:
    """Issue 14, point 4: a 1,000,000-column header took 293 s and 4.3 GB to refuse; now only the header line is
    read (a mapped file: up to 5,000 columns)."""
    import time

    from tracker import mapping

    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(["source", "period_start", "period_end", "violations"] +
                             [f"c{i}" for i in range(1_000_000)]) + "\nua_mod,2022-02-17,2022-02-17,5\n")
    store = db.open_store(str(db_path))
    started = time.perf_counter()
    report = ingest.import_csv(store, str(wide))
    assert time.perf_counter() - started < 20
    assert report.problems_as_rows() == [(1, None, "too-many-columns")]
    assert report.problems[0].message.startswith("the header has more than ")
    toml = tmp_path / "wide.mapping.toml"
    toml.write_text('[columns]\nperiod_start = "period_start"\nperiod_end = "period_end"\n'
                    'violations = "violations"\n[fixed]\nsource = "ua_mod"\n')
    mapped = ingest.import_csv(store, str(wide), mapping=str(toml))
    assert mapped.problems_as_rows() == [(1, None, "too-many-columns")]
    assert "5,000 a file read through a mapping may have" in mapped.problems[0].message
    few = tmp_path / "few.csv"  # 300 columns: too many for a canonical file, fine through a mapping
    few.write_text(",".join(["period_start", "period_end", "violations"] + [f"c{i}" for i in range(297)]) +
                   "\n2022-02-17,2022-02-17,5" + "," * 297 + "\n")
    assert ingest.import_csv(store, str(few), mapping=str(toml)).inserted == 1
    assert mapping.load_mapping(str(toml)).fixed == {"source": "ua_mod"}
    assert store.value("select count(*) from reports") == 1
    store.close()


def test_one_bad_file_among_several_writes_nothing(db_path: Path) -> None:
    result = run_tracker("import", DATA / "good" / "every_column.csv", BAD / "negative_count.csv", db_path=db_path)
    assert result.returncode == 1
    store = db.open_store(str(db_path))
    assert store.value("select count(*) from reports") == 0
    store.close()


def test_encoding_option_reads_cp1251(db_path: Path) -> None:
    result = run_tracker("import", "--encoding", "windows-1251", BAD / "cp1251.csv", db_path=db_path)
    assert result.returncode == 0, result.stderr
    store = db.open_store(str(db_path))
    assert store.value("select notes from current_reports") == "Обстріл поблизу Золотого"
    store.close()
