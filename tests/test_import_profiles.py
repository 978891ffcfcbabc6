"""Import profiles (issue 8, CONTRACT §5): UCDP GED and ACLED files become one count report per window and
region through the one import path; their events are kept beside each report. Real DuckDB files, the real
UCDP file (tests/data/ucdp/PROVENANCE.md) and invented ACLED-layout rows (tests/data/acled/README.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import DATA, run_tracker

from tracker import db, ingest, profiles, queries, series, validate

UCDP = DATA / "ucdp" / "ucdp_ged_ukraine_2014-01-22_2022-02-23.csv"
ACLED = DATA / "acled" / "acled_invented.csv"
RELEASE = "2022-06-01"


def _reports(store: db.Store, source: str, start: str, end: str, region: str | None) -> list[tuple]:
    """The current reports of one window (local dates, Europe/Kyiv) and region, oldest release first, with
    what is kept beside them."""
    return store.rows(
        "select r.violations, r.killed, r.civilians_killed, d.events, d.event_ids, d.deaths_unknown, d.best_low, "
        "d.best_high, strftime(timezone('Europe/Kyiv', r.reported_at), '%Y-%m-%d') "
        "from current_reports r join report_event_details d on d.report_id = r.id "
        "where r.source = ? and r.period_start = timezone('Europe/Kyiv', ?::date::timestamp) "
        "and r.period_end = timezone('Europe/Kyiv', ?::date::timestamp + interval 1 day) "
        "and r.region is not distinct from ? order by r.reported_at",
        [source, start, end, region],
    )


@pytest.fixture(scope="module")
def ucdp_store(tmp_path_factory: pytest.TempPathFactory):
    """The whole UCDP file imported once (release 2022-06-01), shared by the read-only tests below."""
    path = tmp_path_factory.mktemp("ucdp") / "tracker.duckdb"
    store = db.open_store(str(path))
    report = ingest.import_csv(store, str(UCDP), fmt="ucdp", release=RELEASE)
    assert report.ok, report.problems[:5]
    yield store, report
    store.close()


# --- UCDP GED ---------------------------------------------------------------------------------------

def test_ucdp_whole_file_imports_and_reimport_is_a_no_op(ucdp_store) -> None:
    store, first = ucdp_store
    assert (first.events, first.rows, first.inserted, first.duplicates) == (3077, 1747, 1747, 0)
    again = ingest.import_csv(store, str(UCDP), fmt="ucdp", release=RELEASE)
    assert (again.ok, again.rows, again.inserted, again.duplicates, again.batch_seq) == (True, 1747, 0, 1747, None)
    assert again.summary().endswith("nothing new; all 1747 rows are already stored (day reports made from 3077 events)")
    assert store.rows("select count(*), count(distinct source) from reports") == [(1747, 1)]
    assert store.rows("select count(*) from batches") == [(1,)]
    # every counted event sits beside exactly one report: 3,077 less the 9 outside the zone
    assert store.rows("select count(*), count(distinct event_id), count(distinct report_id) from report_events") == [
        (3068, 3068, 1747)]
    assert store.rows("select count(*), sum(events) from report_event_stats") == [(1747, 3068)]
    assert store.rows("select distinct accused_party, qualifier, "
                      "strftime(timezone('Europe/Kyiv', reported_at), '%Y-%m-%d %H:%M') from reports") == [
        (None, "exact", "2022-06-01 00:00")]


# (window start, end, region) -> (killed, civilians_killed, event ids, deaths_unknown, low, high), looked up
# by hand in the file: killed = deaths_a + deaths_b, civilians_killed = deaths_civilians, summed by `best`.
HAND_CHECKED = {
    # 18 events on one day in Donetsk oblast
    ("2014-08-13", "2014-08-13", "donetsk"): (116, 3, [
        "155026", "155109", "411132", "411135", "411176", "411180", "411198", "414867", "414876", "414877",
        "414879", "414882", "414884", "414885", "414887", "414889", "414893", "414895"], 0, 118, 119),
    # deaths of unknown status are kept beside, not added: deaths_b 5, deaths_unknown 2, best 7
    ("2014-06-02", "2014-06-02", "luhansk"): (5, 0, ["154063"], 2, 7, 14),
    # three events: deaths_a 0/0/2, deaths_civilians 0/1/0 (429381 has best 0, high 2)
    ("2022-02-21", "2022-02-21", "donetsk"): (2, 1, ["429381", "429389", "429390"], 0, 3, 5),
    ("2022-02-19", "2022-02-19", "donetsk"): (2, 0, ["429379", "429482"], 0, 2, 2),
    # blank adm_1: the whole zone (region blank)
    ("2022-02-22", "2022-02-22", None): (5, 0, ["433329"], 0, 5, 5),
    # date_prec 4: a window over the days it may fall on
    ("2022-02-18", "2022-02-25", "donetsk"): (9, 0, ["451245"], 0, 9, 11),
    # date_prec 4, blank adm_1: three events in one month-long window add up in its report
    ("2021-03-01", "2021-03-31", None): (0, 2, ["390377", "402777", "402779"], 1, 0, 4),
}


@pytest.mark.parametrize("window", sorted(HAND_CHECKED, key=str))
def test_ucdp_hand_checked_windows(ucdp_store, window: tuple) -> None:
    store, _ = ucdp_store
    killed, civilians, ids, unknown, low, high = HAND_CHECKED[window]
    assert _reports(store, "ucdp_ged", *window) == [
        (None, killed, civilians, len(ids), ids, unknown, low, high, RELEASE)]


def test_ucdp_notes_say_what_is_kept_beside(ucdp_store) -> None:
    store, _ = ucdp_store
    assert store.value(
        "select notes from current_reports where source = 'ucdp_ged' and region = 'luhansk' "
        "and period_start = timezone('Europe/Kyiv', '2014-06-02'::timestamp)"
    ) == "UCDP GED: 1 event; deaths of unknown status 2 (not in killed or civilians_killed); low estimate 7, high 14"


def test_ucdp_events_outside_the_zone_are_skipped_and_listed(ucdp_store) -> None:
    store, report = ucdp_store
    assert report.skipped == {"Kiev Special Republican city": 6, "Dnipropetrovsk oblast": 2, "Rostov oblast": 1}
    assert report.details() == [
        "skipped 9 events outside Donetsk and Luhansk oblasts (not an error): Kiev Special Republican city (6), "
        "Dnipropetrovsk oblast (2), Rostov oblast (1)"]
    assert report.problems == []
    assert store.rows("select distinct region from reports order by region nulls first") == [
        (None,), ("donetsk",), ("luhansk",)]
    assert store.value("select count(*) from report_events where event_id in ('147997', '149221')") == 0  # Kyiv


def test_ucdp_daily_series_on_hand_checked_days(ucdp_store) -> None:
    """The additive daily series (tracker/series.py) over the UCDP reports: 21 Feb 2022 in Donetsk is the
    day's 2 killed plus 1/8 of the 18-25 Feb window's 9; the whole zone on 22 Feb adds the blank-region 5."""
    store, _ = ucdp_store
    frame = series.daily(store, sources=["ucdp_ged"], regions=["donetsk", "all"], date_from="2022-02-21",
                         date_to="2022-02-22")
    got = [(str(r.day)[:10], r.region, r.killed, r.civilians_killed, r.estimated)
           for r in frame.itertuples()]
    assert got == [
        ("2022-02-21", "all", 3.125, 1.0, "killed civilians_killed"),
        ("2022-02-21", "donetsk", 3.125, 1.0, "killed civilians_killed"),
        ("2022-02-22", "all", 8.125, 0.0, "killed civilians_killed"),
        ("2022-02-22", "donetsk", 2.125, 0.0, "killed civilians_killed"),
    ]


def _newer_release(tmp_path: Path) -> Path:
    """A copy of the file as a newer release would have it: event 429390 (21 Feb 2022, Donetsk) now has 4
    deaths on side A instead of 2, and event 433329 (22 Feb 2022, no oblast; alone in its window) is gone."""
    with open(UCDP, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, records = reader.fieldnames, list(reader)
    changed = []
    for record in records:
        if record["id"] == "433329":
            continue
        if record["id"] == "429390":
            record = {**record, "deaths_a": "4", "best": "4", "low": "4", "high": "4"}
        changed.append(record)
    path = tmp_path / "ucdp_newer.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(changed)
    return path


def test_newer_release_revises_changed_days_and_zeroes_vanished_ones(tmp_path: Path, store: db.Store) -> None:
    assert ingest.import_csv(store, str(UCDP), fmt="ucdp", release=RELEASE).inserted == 1747
    newer = _newer_release(tmp_path)
    report = ingest.import_csv(store, str(newer), fmt="ucdp", release="2023-06-01")
    # every window of the newer release is a revision dated by it, plus one zero report for the vanished one
    assert (report.ok, report.events, report.rows, report.inserted) == (True, 3076, 1747, 1747)
    assert _reports(store, "ucdp_ged", "2022-02-21", "2022-02-21", "donetsk") == [
        (None, 2, 1, 3, ["429381", "429389", "429390"], 0, 3, 5, "2022-06-01"),
        (None, 4, 1, 3, ["429381", "429389", "429390"], 0, 5, 7, "2023-06-01"),
    ]
    assert _reports(store, "ucdp_ged", "2022-02-22", "2022-02-22", None) == [
        (None, 5, 0, 1, ["433329"], 0, 5, 5, "2022-06-01"),
        (None, 0, 0, 0, [], 0, 0, 0, "2023-06-01"),
    ]
    assert store.value(
        "select notes from current_reports where source = 'ucdp_ged' and region is null and killed = 0 "
        "and period_start = timezone('Europe/Kyiv', '2022-02-22'::timestamp)"
    ) == "UCDP GED: no events in the release of 2023-06-01; an earlier release had some"
    # rule 3: the later release wins the day; the vanished event no longer counts in the whole zone
    frame = series.daily(store, sources=["ucdp_ged"], regions=["donetsk", "all"], date_from="2022-02-21",
                         date_to="2022-02-22")
    assert [(str(r.day)[:10], r.region, r.killed) for r in frame.itertuples()] == [
        ("2022-02-21", "all", 5.125), ("2022-02-21", "donetsk", 5.125),
        ("2022-02-22", "all", 3.125), ("2022-02-22", "donetsk", 2.125),
    ]
    # the newer release again, and the older one after it: nothing new
    assert ingest.import_csv(store, str(newer), fmt="ucdp", release="2023-06-01").inserted == 0
    assert ingest.import_csv(store, str(UCDP), fmt="ucdp", release=RELEASE).inserted == 0


def test_ucdp_rows_with_problems_are_refused_whole(tmp_path: Path, store: db.Store) -> None:
    header = ("id,date_prec,date_start,date_end,adm_1,country,deaths_a,deaths_b,deaths_civilians,deaths_unknown,"
              "best,low,high")
    path = tmp_path / "bad_ucdp.csv"
    path.write_text("\n".join([
        header,
        "1,1,2022-02-17,2022-02-17,Donetsk oblast,Ukraine,1,0,0,0,1,1,1",
        "2,1,2022-02-30,2022-02-17,Donetsk oblast,Ukraine,-1,0,0,0,1,1,1",
        "3,2,2022-02-18,2022-02-16,Luhansk oblast,Ukraine,1.5,0,x,0,1,1,1",
        "1,1,2022-02-17,2022-02-17,Donetsk oblast,Ukraine,1,0,0,0,1,1,1",
    ]) + "\n")
    report = ingest.import_csv(store, str(path), fmt="ucdp", release=RELEASE)
    assert report.problems_as_rows() == [
        (3, "date_start", "bad-date"), (3, "deaths_a", "negative-count"),
        (4, "date_end", "event-dates"), (4, "deaths_a", "not-an-integer"), (4, "deaths_civilians", "not-a-number"),
        (5, "id", "duplicate-event"),
    ]
    assert report.problems[2].message == ("date_end 2022-02-16 is before date_start 2022-02-18; an event's last "
                                          "possible day cannot come before its first; check both dates")
    assert report.problems[5].message == ("event 1 appears more than once in the file (first on line 2); a release "
                                          "lists each event once, so keep one row")
    assert store.rows("select (select count(*) from reports), (select count(*) from report_events)") == [(0, 0)]
    missing = tmp_path / "no_adm.csv"
    missing.write_text("id,date_start,date_end,deaths_a,deaths_b,deaths_civilians,deaths_unknown,low,high\n"
                       "1,2022-02-17,2022-02-17,1,0,0,0,1,1\n")
    assert ingest.import_csv(store, str(missing), fmt="ucdp", release=RELEASE).problems_as_rows() == [
        (1, "adm_1", "missing-column")]


def test_release_is_required_and_checked() -> None:
    with pytest.raises(ValueError) as error:
        profiles.check_release(None, "ucdp")
    assert str(error.value) == (
        "--release is required with --format ucdp: a UCDP GED file carries no release date, and the reports "
        "made from it are dated by it; give the date of the release, e.g. --release 2022-06-01")
    with pytest.raises(ValueError, match="not a date; write YYYY-MM-DD"):
        profiles.check_release("June 2022", "acled")
    with pytest.raises(ValueError, match="not a valid date"):
        profiles.check_release("2022-02-30", "ucdp")


def test_cli_imports_ucdp_and_refuses_a_missing_release(db_path: Path) -> None:
    result = run_tracker("import", UCDP, "--format", "ucdp", "--release", RELEASE, db_path=db_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{UCDP}: imported 1747 new reports; 0 already stored (day reports made from 3077 events) "
        "(inserted 1747, duplicate 0, rejected 0)",
        "  skipped 9 events outside Donetsk and Luhansk oblasts (not an error): Kiev Special Republican city (6), "
        "Dnipropetrovsk oblast (2), Rostov oblast (1)",
    ]
    missing = run_tracker("import", UCDP, "--format", "ucdp", db_path=db_path)
    assert missing.returncode == 2
    assert "Error: --release is required with --format ucdp: a UCDP GED file carries no release date" in missing.stderr


# --- ACLED (invented rows in ACLED's layout) ----------------------------------------------------------

def test_acled_counts_shelling_and_clashes_per_day_and_oblast(store: db.Store) -> None:
    report = ingest.import_csv(store, str(ACLED), fmt="acled", release="2022-03-01")
    assert (report.ok, report.events, report.rows, report.inserted) == (True, 10, 5, 5)
    assert report.skipped == {"Kharkiv": 1}
    assert report.other_events == {"Peaceful protest": 1, "Disrupted weapons use": 1}
    assert report.details()[1] == ("not counted: 2 events of other kinds: "
                                   "Disrupted weapons use (1), Peaceful protest (1)")
    got = store.rows(
        "select strftime(timezone('Europe/Kyiv', period_start), '%Y-%m-%d'), "
        "strftime(timezone('Europe/Kyiv', period_end), '%Y-%m-%d'), region, violations, killed, civilians_killed, "
        "d.event_ids, d.deaths_unknown from current_reports r join report_event_details d on d.report_id = r.id "
        "order by row_no"
    )
    assert got == [  # period_end is exclusive: the day after the window's last day
        ("2022-02-17", "2022-02-18", "donetsk", 2, 2, None, ["UKR9001", "UKR9002"], None),
        ("2022-02-17", "2022-02-18", "luhansk", 1, 1, None, ["UKR9003"], None),
        ("2022-02-18", "2022-02-19", "donetsk", 2, 1, None, ["UKR9005", "UKR9009"], None),
        ("2022-02-13", "2022-02-20", "luhansk", 1, 3, None, ["UKR9007"], None),  # a week around 16 Feb
        ("2022-02-01", "2022-03-01", "donetsk", 1, 0, None, ["UKR9010"], None),  # the month of 15 Feb
    ]
    assert ingest.import_csv(store, str(ACLED), fmt="acled", release="2022-03-01").inserted == 0


def test_an_edited_event_report_keeps_its_events(store: db.Store) -> None:
    ingest.import_csv(store, str(ACLED), fmt="acled", release="2022-03-01")
    first = store.value("select id from current_reports where region = 'luhansk' and killed = 1")
    values = {k: v for k, v in queries.current_report(store, first).items() if k != "id"}
    edited = ingest.edit_report(store, first, validate.check_record({**values, "notes": "checked"}, ["acled"]))
    for version in (first, edited.id):
        details = profiles.event_details(store, version)
        assert [(r.dataset, r.events, list(r.event_ids)) for r in details.itertuples()] == [("acled", 1, ["UKR9003"])]


def test_acled_newer_release_without_an_event_zeroes_its_day(tmp_path: Path, store: db.Store) -> None:
    ingest.import_csv(store, str(ACLED), fmt="acled", release="2022-03-01")
    lines = ACLED.read_text(encoding="utf-8").splitlines(keepends=True)
    newer = tmp_path / "acled_newer.csv"
    newer.write_text("".join(line for line in lines if not line.startswith("UKR9003,")), encoding="utf-8")
    report = ingest.import_csv(store, str(newer), fmt="acled", release="2022-03-08")
    assert (report.rows, report.inserted) == (5, 5)
    assert _reports(store, "acled", "2022-02-17", "2022-02-17", "luhansk") == [
        (1, 1, None, 1, ["UKR9003"], None, None, None, "2022-03-01"),
        (0, 0, None, 0, [], None, None, None, "2022-03-08"),
    ]


def test_acled_bad_values_are_named_by_their_column(tmp_path: Path, store: db.Store) -> None:
    lines = ACLED.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "acled_bad.csv"
    path.write_text("\n".join([lines[0], lines[1].replace("2022-02-17,2022,1,", "2022-02-31,2022,7,"),
                               lines[2].replace(",2,,1650000000", ",two,,1650000000")]) + "\n", encoding="utf-8")
    report = ingest.import_csv(store, str(path), fmt="acled", release="2022-03-01")
    assert report.problems_as_rows() == [
        (2, "event_date", "bad-date"), (2, "time_precision", "bad-precision"), (3, "fatalities", "not-a-number")]
    assert store.value("select count(*) from reports") == 0


def test_acled_dates_as_older_exports_write_them(tmp_path: Path, store: db.Store) -> None:
    lines = ACLED.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "acled_long_dates.csv"
    path.write_text("\n".join([lines[0], lines[1].replace("UKR9001,2022-02-17,", "UKR9001,17 February 2022,"),
                               lines[2].replace("UKR9002,2022-02-17,", "UKR9002,17/02/2022,")]) + "\n",
                    encoding="utf-8")
    assert ingest.import_csv(store, str(path), fmt="acled", release="2022-03-01").inserted == 1
    assert _reports(store, "acled", "2022-02-17", "2022-02-17", "donetsk")[0][:5] == (
        2, 2, None, 2, ["UKR9001", "UKR9002"])


def test_event_files_share_the_canonical_checks(tmp_path: Path, store: db.Store) -> None:
    """A profile stages its reports as stage_raw and the canonical checks run on them: a source that is
    not registered is refused as in any canonical file."""
    store.execute("delete from sources where key = 'acled'")
    report = ingest.import_csv(store, str(ACLED), fmt="acled", release="2022-03-01")
    assert report.problems_as_rows() == [(2, "source", "unknown-source"), (4, "source", "unknown-source"),
                                         (6, "source", "unknown-source"), (8, "source", "unknown-source"),
                                         (11, "source", "unknown-source")]
