"""The daily series on the bundled demo data (CONTRACT §3, issue 4): the seed figures of 17-18 Feb 2022
and the OSCE SMM counts, imported by the production import into a real DuckDB file."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tracker import db, demo, ingest, series


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    opened = db.open_store(str(tmp_path_factory.mktemp("daily") / "demo.duckdb"))
    for report in ingest.import_files(opened, demo.demo_files(), recorded_by="test"):
        assert report.ok, report.problems
    yield opened
    opened.close()


def row(frame: pd.DataFrame, day: str, source: str, region: str = "all") -> dict:
    found = frame[(frame["day"] == pd.Timestamp(day)) & (frame["source"] == source) & (frame["region"] == region)]
    assert len(found) == 1, f"{len(found)} rows for {day} {source} {region}"
    return found.iloc[0].to_dict()


def blank(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def test_columns_are_the_contract_columns(store):
    frame = series.daily(store)
    assert tuple(frame.columns) == series.COLUMNS == (
        "day", "source", "region", "violations", "prohibited_weapons", "explosions", "killed", "wounded",
        "civilians_killed", "civilians_wounded", "settlements_shelled", "coverage", "estimated", "partial",
        "reports", "qualifiers",  # CONTRACT §4: `qualifiers` is the last column (issue 15)
    )


def test_ua_mod_18_feb_is_the_last_snapshot_never_the_sum(store):
    got = row(series.daily(store, sources=["ua_mod"]), "2022-02-18", "ua_mod")
    assert (got["violations"], got["prohibited_weapons"], got["wounded"]) == (52, 42, 2)
    assert got["violations"] != 20 + 33 + 52
    assert round(got["coverage"], 3) == 0.708
    assert (got["estimated"], got["partial"], got["reports"]) == ("", "", 3)
    assert blank(got["killed"]) and blank(got["explosions"])


def test_ua_mod_17_feb_is_the_whole_day_from_two_channels(store):
    got = row(series.daily(store, sources=["ua_mod"]), "2022-02-17", "ua_mod")
    assert (got["violations"], got["prohibited_weapons"], got["coverage"]) == (60, 43, 1)
    assert (got["estimated"], got["reports"]) == ("", 2)


def test_the_107_of_1_jan_to_16_feb_is_spread_over_days_without_a_figure(store):
    frame = series.daily(store, sources=["ua_mod"], date_to="2022-02-16")
    assert list(frame["day"]) == list(pd.date_range("2022-01-01", "2022-02-16"))
    assert frame["violations"].tolist() == pytest.approx([107 / 47] * 47)
    assert set(frame["estimated"]) == {"violations"}
    assert frame["violations"].sum() == pytest.approx(107)
    assert set(frame["coverage"]) == {1.0}
    assert frame["prohibited_weapons"].isna().all()


def test_lpr_past_day_in_moscow_time_goes_to_17_feb_by_overlap(store):
    frame = series.daily(store, sources=["lpr"])
    assert len(frame) == 1
    got = row(frame, "2022-02-17", "lpr")
    assert (got["violations"], got["settlements_shelled"], got["coverage"]) == (29, 13, 1)
    # in Moscow days the same window is exactly 17 Feb
    moscow = series.daily(store, sources=["lpr"], tz="Europe/Moscow")
    assert list(moscow["day"]) == [pd.Timestamp("2022-02-17")]


def test_osce_evening_to_evening_window_goes_to_the_day_holding_most_of_it(store):
    frame = series.daily(store, sources=["osce_smm"], regions=["donetsk", "luhansk"])
    luhansk = row(frame, "2022-02-17", "osce_smm", "luhansk")  # 16 Feb 19:30 → 17 Feb 19:30
    assert (luhansk["violations"], luhansk["explosions"], luhansk["coverage"]) == (648, 519, 1)
    assert row(frame, "2022-02-16", "osce_smm", "luhansk")["violations"] == 402


def test_donetsk_and_luhansk_add_up_to_all(store):
    frame = series.daily(store, sources=["osce_smm"])
    assert set(frame["region"]) == {"all"}
    day17 = row(frame, "2022-02-17", "osce_smm")
    assert (day17["violations"], day17["explosions"], day17["partial"]) == (222 + 648, 135 + 519, "")
    assert day17["reports"] == 4  # each region's window was published twice (a revision)
    assert row(frame, "2022-02-18", "osce_smm")["violations"] == 1566


def test_all_is_partial_when_one_region_is_missing(store):
    frame = series.daily(store, sources=["osce_smm"])
    day19 = row(frame, "2022-02-19", "osce_smm")  # Luhansk's 48-hour figure was not found
    assert day19["violations"] == 1579
    assert day19["partial"] == "violations explosions"
    day20 = row(frame, "2022-02-20", "osce_smm")
    assert day20["violations"] == 579 + 333
    assert day20["partial"] == "explosions"  # both regions give violations, only Donetsk explosions


def test_48_hours_with_the_last_24_nested_gives_both_days_exactly(store):
    frame = series.daily(store, sources=["osce_smm"], regions=["donetsk"], date_from="2022-02-18",
                         date_to="2022-02-21")
    assert frame["violations"].tolist() == [591, 2158 - 579, 579, 703]
    assert frame["estimated"].tolist()[:2] == ["", "explosions"]  # 1,579 is placed whole, not estimated
    # explosions have no nested 24-hour figure: the 1,100 of 48 hours is spread over 19 and 20 Feb,
    # 18 Feb having its own explosions figure
    assert frame["explosions"].tolist()[:3] == pytest.approx([553, 1100 * 24 / 43.5, 1100 * 19.5 / 43.5])


def test_96_hour_holiday_window_is_spread_as_estimates(store):
    frame = series.daily(store, sources=["osce_smm"], regions=["donetsk"], date_to="2022-01-03")
    assert list(frame["day"]) == list(pd.date_range("2021-12-30", "2022-01-03"))
    hours = [4.5, 24, 24, 24, 19.5]  # 30 Dec 19:30 → 3 Jan 19:30
    assert frame["violations"].tolist() == pytest.approx([399 * h / 96 for h in hours])
    assert frame["explosions"].tolist() == pytest.approx([25 * h / 96 for h in hours])
    assert set(frame["estimated"]) == {"violations explosions"}
    assert frame["coverage"].tolist() == pytest.approx([4.5 / 24, 1, 1, 1, 19.5 / 24])


def test_areas_are_separate_rows_never_added(store):
    frame = series.daily(store, sources=["osce_smm"], regions=["luhansk"], areas=True,
                         date_from="2022-02-17", date_to="2022-02-17")
    assert frame["region"].tolist() == [
        "luhansk", "luhansk:near disengagement area Stanytsia Luhanska", "luhansk:near disengagement area Zolote",
    ]
    assert frame["violations"].tolist()[:2] == [648, 212]
    assert blank(frame["violations"].tolist()[2]) and frame["explosions"].tolist()[2] == 32
    without = series.daily(store, sources=["osce_smm"], regions=["luhansk"], date_from="2022-02-17",
                           date_to="2022-02-17")
    assert without["region"].tolist() == ["luhansk"]


def test_the_demo_data_has_no_inconsistency(store):
    assert series.check(store).empty


def test_stored_rows_equal_rows_computed_by_the_views(store):
    assert series.is_fresh(store)
    stored = series.daily(store, regions=["all", "donetsk", "luhansk"], areas=True)
    computed = series.daily(store, regions=["all", "donetsk", "luhansk"], areas=True, tz="Europe/Kiev")
    pd.testing.assert_frame_equal(stored, computed)
