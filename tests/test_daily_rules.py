"""Each counting rule of CONTRACT §3 on a small file of its own (tests/data/daily/), imported by the
production import into a real DuckDB file; and the derived table kept right through edits."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.conftest import DATA
from tracker import db, ingest, series, validate

DAILY = DATA / "daily"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    """One store with every rule file: the files touch different sources or days, so they do not meet."""
    opened = db.open_store(str(tmp_path_factory.mktemp("daily_rules") / "rules.duckdb"))
    names = ["dst.csv", "placement.csv", "revisions.csv", "inconsistent.csv", "additive.csv"]
    for report in ingest.import_files(opened, [str(DAILY / name) for name in names], recorded_by="test"):
        assert report.ok, report.problems
    yield opened
    opened.close()


def rows(frame: pd.DataFrame) -> list[tuple]:
    """(day, source, region, violations) of each row, blank as None."""
    return [(r.day.date().isoformat(), r.source, r.region, None if math.isnan(r.violations) else r.violations)
            for r in frame.itertuples()]


def one(frame: pd.DataFrame, day: str, region: str = "all") -> dict:
    found = frame[(frame["day"] == pd.Timestamp(day)) & (frame["region"] == region)]
    assert len(found) == 1, f"{len(found)} rows for {day} {region}"
    return found.iloc[0].to_dict()


# --- rule 1: calendar days, DST by the zone ------------------------------------------------------------

def test_window_across_the_spring_change_is_one_whole_day(store):
    frame = series.daily(store, sources=["osce_smm"], regions=["donetsk"], date_from="2022-03-01",
                         date_to="2022-03-31")
    assert rows(frame) == [("2022-03-27", "osce_smm", "donetsk", 100)]
    assert one(frame, "2022-03-27", "donetsk")["coverage"] == 1  # 23 hours of a 23-hour day


def test_window_across_the_autumn_change_is_one_whole_day_not_an_estimate(store):
    frame = series.daily(store, sources=["osce_smm", "ua_mod"], regions=["donetsk", "all"],
                         date_from="2022-10-29", date_to="2022-10-31")
    assert rows(frame) == [("2022-10-30", "osce_smm", "all", 200), ("2022-10-30", "osce_smm", "donetsk", 200),
                           ("2022-10-30", "ua_mod", "all", 30)]
    assert set(frame["estimated"]) == {""}  # 25 real hours, but 24 by the clock of Kyiv: one day's window
    assert set(frame["coverage"]) == {1.0}


def test_coverage_divides_by_the_real_length_of_a_dst_day(store):
    got = one(series.daily(store, sources=["ua_mod"], date_from="2022-03-27", date_to="2022-03-27"), "2022-03-27")
    assert got["violations"] == 11
    assert got["coverage"] == pytest.approx(11 / 23)


def test_days_follow_the_tz_option(store):
    frame = series.daily(store, sources=["osce_smm"], regions=["donetsk"], date_from="2022-03-01",
                         date_to="2022-03-31", tz="UTC")
    assert rows(frame) == [("2022-03-27", "osce_smm", "donetsk", 100)]  # 16.5 of its 23 hours
    assert one(frame, "2022-03-27", "donetsk")["coverage"] == pytest.approx(23 / 24)  # a UTC day has 24
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        series.daily(store, tz="Mars/Olympus")


# --- rule 5: placing a window of up to 24 hours --------------------------------------------------------

def test_a_tie_goes_to_the_later_day_and_zero_is_not_blank(store):
    frame = series.daily(store, sources=["ua_mod"], date_from="2022-04-01", date_to="2022-04-30")
    assert rows(frame) == [("2022-04-02", "ua_mod", "all", 10), ("2022-04-03", "ua_mod", "all", 7)]
    day2, day3 = one(frame, "2022-04-02"), one(frame, "2022-04-03")
    assert math.isnan(day2["killed"]) and day3["killed"] == 0
    assert day2["coverage"] == 1  # 24 hours represented, capped at the day's length


# --- rule 3: revisions ---------------------------------------------------------------------------------

def test_the_latest_reported_figure_wins_per_metric(store):
    frame = series.daily(store, sources=["osce_smm"], regions=["luhansk"], date_from="2022-05-01",
                         date_to="2022-05-02")
    may1, may2 = one(frame, "2022-05-01", "luhansk"), one(frame, "2022-05-02", "luhansk")
    assert (may1["violations"], may1["explosions"], may1["reports"]) == (120, 40, 3)
    assert (may2["violations"], may2["reports"]) == (75, 2)  # a reported_at tie: the later stored


# --- rules 7 and 8: regions and accused parties --------------------------------------------------------

def test_a_blank_party_total_wins_else_named_parties_add_up(store):
    frame = series.daily(store, sources=["dpr"])
    assert rows(frame) == [("2022-04-01", "dpr", "all", 45), ("2022-04-02", "dpr", "all", 15)]
    assert one(frame, "2022-04-02")["reports"] == 2
    assert rows(series.daily(store, sources=["dpr"], accused="ukraine")) == [
        ("2022-04-01", "dpr", "all", 40), ("2022-04-02", "dpr", "all", 12)]
    assert rows(series.daily(store, sources=["dpr"], accused="unknown")) == [("2022-04-02", "dpr", "all", 3)]


def test_own_whole_zone_figure_wins_per_metric_over_the_regions(store):
    frame = series.daily(store, sources=["ru_mod"], regions=["all", "donetsk", "luhansk"])
    assert rows(frame) == [("2022-04-01", "ru_mod", "all", 50), ("2022-04-01", "ru_mod", "donetsk", 20),
                           ("2022-04-01", "ru_mod", "luhansk", 25)]
    whole = one(frame, "2022-04-01")
    assert (whole["explosions"], whole["partial"], whole["reports"]) == (5, "explosions", 2)


def test_additive_source_adds_windows_up_and_counts_unregioned_events_in_all(store):
    frame = series.daily(store, sources=["ucdp_ged"], regions=["all", "donetsk"])
    assert [(r.day.date().isoformat(), r.region, r.killed, r.estimated) for r in frame.itertuples()] == [
        ("2022-06-01", "all", 4 + 4 + 2, "killed"), ("2022-06-01", "donetsk", 4 + 4, "killed"),
        ("2022-06-02", "all", 6 + 4, "killed"), ("2022-06-02", "donetsk", 6 + 4, "killed"),
    ]
    june1 = one(frame, "2022-06-01")
    assert (june1["civilians_killed"], june1["partial"], june1["reports"]) == (1, "", 3)


# --- rule 4 and the inconsistencies ---------------------------------------------------------------------

def test_inconsistent_pieces_are_blank_never_negative(store):
    frame = series.daily(store, sources=["ua_mod"], date_from="2022-03-01", date_to="2022-03-25")
    assert rows(frame) == [
        ("2022-03-02", "ua_mod", "all", None),  # 20, then 15 as of 11:00: a running total went down
        ("2022-03-03", "ua_mod", "all", None),  # a week of 10 overdrawn by its finer days 8 + 7
        ("2022-03-04", "ua_mod", "all", 8),
        ("2022-03-05", "ua_mod", "all", 7),
        ("2022-03-06", "ua_mod", "all", None),
        ("2022-03-07", "ua_mod", "all", None),
        ("2022-03-08", "ua_mod", "all", None),
        ("2022-03-09", "ua_mod", "all", None),
        ("2022-03-11", "ua_mod", "all", 6),  # the conflicting 10-11 Mar window is dropped
        ("2022-03-15", "ua_mod", "all", 3),
        ("2022-03-16", "ua_mod", "all", 4),
        ("2022-03-20", "ua_mod", "all", 2),
        ("2022-03-21", "ua_mod", "all", 3),
        ("2022-03-22", "ua_mod", "all", 4),
    ]
    assert (frame["violations"].dropna() >= 0).all()
    assert one(frame, "2022-03-02")["coverage"] == pytest.approx(17 / 24)


def test_check_lists_each_problem_with_the_reports_involved(store):
    found = series.check(store, sources=["ua_mod"])
    assert list(found.columns) == list(series.CHECK_COLUMNS)
    assert [(r.kind, r.figure, None if math.isnan(r.inside) else r.inside, r.days) for r in found.itertuples()] == [
        ("negative-difference", 15, 20, ["2022-03-02"]),
        ("overdrawn", 10, 15, ["2022-03-03", "2022-03-06", "2022-03-07", "2022-03-08", "2022-03-09"]),
        ("conflict", 5, None, []),
        ("no-hours-left", 9, 7, []),
        ("unplaced-remainder", 30, 9, []),
    ]
    stored = dict(store.rows("select violations, id from reports where source = 'ua_mod' "
                             "and period_start >= '2022-03-01' and period_start < '2022-04-01'"))
    assert found.iloc[1]["report_ids"][0] == stored[10]  # the overdrawn window first, then its finer days
    assert sorted(found.iloc[1]["report_ids"]) == sorted([stored[10], stored[8], stored[7]])
    assert sorted(found.iloc[2]["report_ids"]) == sorted([stored[5], stored[6]])
    assert "is left out for violations" in found.iloc[2]["message"]
    assert series.check(store, sources=["osce_smm"]).empty


# --- --as-of, edits and the derived table ------------------------------------------------------------

def test_as_of_answers_from_what_was_stored_before(tmp_path):
    with db.open_store(str(tmp_path / "asof.duckdb")) as store:
        assert ingest.import_csv(store, str(DAILY / "revisions.csv")).ok
        first = store.value("select max(stored_at) from batches")
        extra = tmp_path / "later.csv"
        extra.write_text("source,reported_at,period_start,period_end,region,violations\n"
                         "osce_smm,2022-05-09,2022-04-30T19:30+03:00,2022-05-01T19:30+03:00,luhansk,130\n")
        assert ingest.import_csv(store, str(extra)).ok
        second = store.value("select max(stored_at) from batches")
        now = series.daily(store, regions=["luhansk"], date_to="2022-05-01")
        before = series.daily(store, regions=["luhansk"], date_to="2022-05-01", as_of=second)
        assert (now["violations"].tolist(), before["violations"].tolist()) == ([130], [120])
        assert series.daily(store, as_of=first).empty
        assert store.value("select getvariable('as_of')") is None  # the connection is left as it was


def test_edits_and_withdrawals_reach_the_stored_rows(tmp_path):
    with db.open_store(str(tmp_path / "edits.duckdb")) as store:
        assert ingest.import_csv(store, str(DAILY / "placement.csv")).ok
        target = store.value("select id from current_reports where source = 'ru_mod' and region is null")
        fields = {"source": "ru_mod", "period_start": "2022-04-01", "period_end": "2022-04-01",
                  "violations": "55"}
        edited = ingest.edit_report(store, target, validate.check_record(fields, validate.registered_sources(store)))
        assert series.is_fresh(store)
        assert series.daily(store, sources=["ru_mod"])["violations"].tolist() == [55]
        ingest.withdraw_report(store, edited.id, "wrong window")
        frame = series.daily(store, sources=["ru_mod"])
        assert frame["violations"].tolist() == [20 + 25]  # the regions now make `all`
        assert frame["partial"].tolist() == ["explosions"]
        moved = store.value("select id from current_reports where source = 'dpr' and accused_party = 'unknown'")
        ingest.edit_report(store, moved, validate.check_record(
            {"source": "lpr", "period_start": "2022-04-02", "period_end": "2022-04-02", "violations": "3"},
            validate.registered_sources(store)))
        assert series.daily(store, sources=["dpr"])["violations"].tolist() == [45, 12]
        assert series.daily(store, sources=["lpr"])["violations"].tolist() == [3]
        computed = series.daily(store, regions=["all", "donetsk", "luhansk"], tz="Europe/Kiev")
        pd.testing.assert_frame_equal(series.daily(store, regions=["all", "donetsk", "luhansk"]), computed)


def test_a_store_behind_its_reports_is_refreshed_on_reading(tmp_path):
    with db.open_store(str(tmp_path / "stale.duckdb")) as store:
        assert ingest.import_csv(store, str(DAILY / "placement.csv")).ok
        store.execute("delete from daily_rows")
        store.execute("delete from daily_state")
        assert not series.is_fresh(store)
        assert series.daily(store, sources=["dpr"])["violations"].tolist() == [45, 15]
        assert series.is_fresh(store)


def test_a_read_only_store_behind_its_reports_computes_from_the_views(tmp_path):
    path = str(tmp_path / "readonly.duckdb")
    with db.open_store(path) as store:
        assert ingest.import_csv(store, str(DAILY / "placement.csv")).ok
        store.execute("delete from daily_rows")
        store.execute("delete from daily_state")  # as after a restore that did not carry the rows
    with db.Store(path, read_only=True) as store:
        assert not series.is_fresh(store)
        assert series.daily(store, sources=["dpr"])["violations"].tolist() == [45, 15]
        assert not series.is_fresh(store)  # nothing was written


def test_an_earlier_batch_committed_after_a_refresh_is_not_missed(tmp_path):
    """On a shared store a writer may commit batch n after a refresh that saw batch n + 1."""
    with db.open_store(str(tmp_path / "race.duckdb")) as store:
        assert ingest.import_csv(store, str(DAILY / "placement.csv")).ok  # batch 1: ua_mod, dpr, ru_mod
        assert ingest.import_csv(store, str(DAILY / "additive.csv")).ok  # batch 2: ucdp_ged
        # as if the refresh had run after batch 2 but before batch 1 was committed
        store.execute("delete from daily_rows where source <> 'ucdp_ged'")
        store.execute("update daily_state set reports = reports - 9")
        assert not series.is_fresh(store)
        assert series.daily(store, sources=["dpr"])["violations"].tolist() == [45, 15]
        computed = series.daily(store, regions=["all", "donetsk", "luhansk"], tz="Europe/Kiev")
        pd.testing.assert_frame_equal(series.daily(store, regions=["all", "donetsk", "luhansk"]), computed)


def test_coverage_is_capped_at_the_whole_day_when_a_window_placed_on_a_dst_day_is_longer(tmp_path):
    # 24 hours from noon to noon across the spring change: 12 h on 26 Mar, 11 h on the 23-hour 27 Mar; it
    # is placed whole on 27 Mar (rule 5: the day holding most... by the clock, a tie goes to the later day)
    # and represents more hours than that day has: coverage is capped at 1, never 24/23
    path = tmp_path / "cap.csv"
    path.write_text("source,period_start,period_end,timezone,violations\n"
                    "ua_mod,2022-03-26T12:00+02:00,2022-03-27T13:00+03:00,Europe/Kyiv,24\n", encoding="utf-8")
    store = db.open_store(str(tmp_path / "cap.duckdb"))
    (report,) = ingest.import_files(store, [str(path)])
    assert report.ok, report.problems
    frame = series.daily(store, sources=["ua_mod"])
    assert rows(frame) == [("2022-03-27", "ua_mod", "all", 24)]
    assert frame["coverage"].tolist() == [1.0]
    live = series.daily(store, sources=["ua_mod"], as_of="2100-01-01")  # the views, not the stored rows
    assert live["coverage"].tolist() == [1.0]
    store.close()


def test_estimated_and_partial_name_their_metrics_in_the_canonical_order(tmp_path):
    # a week's window with three metrics is spread over its days (rule 6); one region gives three metrics
    # and the other none (rule 7): each row names its metrics space-separated, in the order of CONTRACT §2
    path = tmp_path / "order.csv"
    path.write_text("source,period_start,period_end,region,settlements_shelled,killed,violations,explosions\n"
                    "osce_smm,2022-05-02,2022-05-08,donetsk,14,7,70,\n"
                    "osce_smm,2022-05-12,2022-05-12,donetsk,3,,9,2\n", encoding="utf-8")
    with db.open_store(str(tmp_path / "order.duckdb")) as store:
        (report,) = ingest.import_files(store, [str(path)])
        assert report.ok, report.problems
        scope = {"sources": ["osce_smm"], "regions": ["all", "donetsk"]}
        for frame in (series.daily(store, **scope), series.daily(store, **scope, as_of="2100-01-01")):  # stored, live
            week = frame[frame["day"] < pd.Timestamp("2022-05-10")]
            assert len(week) == 14 and set(week["estimated"]) == {"violations killed settlements_shelled"}
            assert set(week.loc[week["region"] == "all", "partial"]) == {"violations killed settlements_shelled"}
            assert one(frame, "2022-05-12")["partial"] == "violations explosions settlements_shelled"
            assert one(frame, "2022-05-12", "donetsk")["estimated"] == ""
