"""The derived daily rows are refreshed incrementally (tracker/series.py `_refresh`): a write recomputes
only the days of the sources it can change. These tests hold the incremental rows to the views
computed over every report (the definition), after every write of random sequences of entries, edits
and withdrawals: nested snapshots, long windows spread over days, crossing windows, DST days, regions
and `all`, accused parties, an additive source, edits that move a report to another source or window.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import db, ingest, series
from tracker.schema import CountReport

# Around the end of summer time in Kyiv (31 Oct 2021: a day of 25 hours), in steps of 6 hours.
BASE = datetime(2021, 10, 29, 21, 30, tzinfo=timezone.utc)
LENGTHS = (6, 12, 18, 24, 25, 48, 72)
# Mostly one series, so that the windows of a sequence meet: repeated choices weigh the draw.
SOURCES = ("osce_smm", "osce_smm", "osce_smm", "ua_mod", "ucdp_ged")
REGIONS = ("donetsk", "donetsk", "donetsk", None, "luhansk")
ACCUSED = (None, None, None, "ukraine", "separatists")

report = st.builds(
    lambda source, start, hours, region, accused, figure, killed: CountReport(
        source=source, timezone="Europe/Kyiv", period_start=BASE + timedelta(hours=6 * start),
        period_end=BASE + timedelta(hours=6 * start + hours), region=region, accused_party=accused,
        violations=figure, killed=killed,
    ),
    st.sampled_from(SOURCES), st.integers(0, 16), st.sampled_from(LENGTHS), st.sampled_from(REGIONS),
    st.sampled_from(ACCUSED), st.integers(0, 60), st.none() | st.integers(0, 5),
)
write = st.one_of(
    st.tuples(st.just("add"), report),
    st.tuples(st.just("edit"), report),  # replaces a random current report with this one
    st.tuples(st.just("withdraw"), st.none()),
)


def _stored(store: db.Store) -> pd.DataFrame:
    columns = ", ".join(("accused_filter", *series.COLUMNS[:-1]))
    return store.df(f"select {columns} from daily_rows order by all")


def _defined(store: db.Store) -> pd.DataFrame:
    """The rows of the views over every report, for the store's calendar: what daily_rows must hold."""
    columns = ", ".join(("accused_filter", *series.COLUMNS[:-1]))
    calendar = series.calendar_tz(store)
    with series._variables(store, tz=calendar, calendar_tz=calendar, as_of=None, accused=None,
                           daily_live=None, daily_sources=None, daily_from=None, daily_to=None):
        return store.df(f"select {columns} from int_series_rows order by all")


def _apply(store: db.Store, step: tuple, pick: int) -> None:
    kind, counted = step
    current = [row[0] for row in store.rows("select id from current_reports order by id")]
    if kind == "add" or not current:
        if counted is not None:
            ingest.add_report(store, counted)
        return
    chosen = current[pick % len(current)]
    if kind == "edit":
        ingest.edit_report(store, chosen, counted, reason="test")
    else:
        ingest.withdraw_report(store, chosen, "test")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(write, st.integers(0, 1000)), min_size=1, max_size=6),
       days=st.tuples(st.integers(0, 5), st.integers(0, 3)))
def test_incremental_rows_equal_the_views_after_every_write(tmp_path_factory, monkeypatch, steps, days):
    """After every write the stored rows equal the views over every report, each refresh recomputed in
    parts of a couple of versions (so that every part's edges are exercised); then a live read of some
    of the days, of every day, of the days from one on and up to one (of one source), in CSV too, equals the
    whole series on them (none after the last report), and a live read
    in another zone is the same in parts of days as in one statement."""
    monkeypatch.setattr(series, "REFRESH_PART_VERSIONS", 2)
    store = db.open_store(str(tmp_path_factory.mktemp("refresh") / "t.duckdb"))
    try:
        for step, pick in steps:
            _apply(store, step, pick)
            assert series.is_fresh(store) or not store.value("select count(*) from reports")
            pd.testing.assert_frame_equal(_stored(store), _defined(store), check_exact=False, rtol=1e-9)
        first = (BASE + timedelta(days=days[0])).date()
        last = first + timedelta(days=days[1])
        live = series.daily(store, as_of="2100-01-01T00:00:00+00:00", date_from=first, date_to=last)
        stored = series.daily(store, date_from=first, date_to=last)
        pd.testing.assert_frame_equal(live, stored, check_exact=False, rtol=1e-9)
        # a live read of every day, or from a day on, is computed in parts of days too (bounded memory)
        every_day = series.daily(store, as_of="2100-01-01T00:00:00+00:00")
        pd.testing.assert_frame_equal(every_day, series.daily(store), check_exact=False, rtol=1e-9)
        from_first = series.daily(store, as_of="2100-01-01T00:00:00+00:00", date_from=first)
        pd.testing.assert_frame_equal(from_first, series.daily(store, date_from=first), check_exact=False, rtol=1e-9)
        to_last = series.daily(store, as_of="2100-01-01T00:00:00+00:00", date_to=last, sources=["osce_smm"])
        pd.testing.assert_frame_equal(to_last, series.daily(store, date_to=last, sources=["osce_smm"]),
                                      check_exact=False, rtol=1e-9)
        assert series.daily_csv(store, as_of="2100-01-01T00:00:00+00:00") == series.daily_csv(store)
        assert series.daily(store, as_of="2100-01-01T00:00:00+00:00", date_from="2030-01-01").empty
        # in another zone, in parts and in one statement
        in_parts = series.daily(store, tz="UTC")
        monkeypatch.setattr(series, "REFRESH_PART_VERSIONS", 10**9)
        pd.testing.assert_frame_equal(in_parts, series.daily(store, tz="UTC"), check_exact=False, rtol=1e-9)
    finally:
        store.close()


def test_a_form_entry_recomputes_only_the_days_it_reaches(store, tmp_path, monkeypatch):
    """A year of daily reports, then one entry: only the days its window reaches are recomputed, read
    from the windows of those days (not the source's whole year)."""
    first = datetime(2021, 1, 1, 17, 30, tzinfo=timezone.utc)
    year = tmp_path / "year.csv"
    year.write_text("source,period_start,period_end,timezone,region,violations\n" + "".join(
        f"osce_smm,{first + timedelta(days=d):%Y-%m-%dT%H:%M:%S},{first + timedelta(days=d + 1):%Y-%m-%dT%H:%M:%S},"
        f"UTC,donetsk,{d % 40}\n" for d in range(365)))
    assert ingest.import_csv(store, str(year)).inserted == 365
    recomputed: list[tuple] = []
    real = series._recompute
    monkeypatch.setattr(series, "_recompute", lambda s, source, day1, day2, tz: (
        recomputed.append((source, day1, day2)), real(s, source, day1, day2, tz)))
    ingest.add_report(store, CountReport(
        source="osce_smm", timezone="Europe/Kyiv", period_start=first + timedelta(days=100, hours=6),
        period_end=first + timedelta(days=100, hours=12), region="donetsk", violations=3))
    assert recomputed == [("osce_smm", pd.Timestamp("2021-04-11").date(), pd.Timestamp("2021-04-12").date())]
    pd.testing.assert_frame_equal(_stored(store), _defined(store), check_exact=False, rtol=1e-9)
    reach = series._reach(store, "osce_smm", *series._day_span(store, "Europe/Kyiv", *recomputed[0][1:]))
    assert reach.versions <= 4  # the two days' windows and their neighbours, of 366


def test_a_long_window_carries_the_reach_to_every_day_it_covers(store, monkeypatch):
    """A weekly figure spread over the days without their own: a new daily figure inside the week
    changes the shares of every other day of it, so the whole week is recomputed."""
    week = datetime(2021, 6, 6, 21, 0, tzinfo=timezone.utc)  # Monday 00:00 in Kyiv (summer time)
    ingest.add_report(store, CountReport(source="osce_smm", timezone="Europe/Kyiv", period_start=week,
                                         period_end=week + timedelta(days=7), violations=70))
    before = series.daily(store, sources=["osce_smm"])
    assert len(before) == 7 and before["violations"].tolist() == [10.0] * 7
    ingest.add_report(store, CountReport(source="osce_smm", timezone="Europe/Kyiv",
                                         period_start=week + timedelta(days=2),
                                         period_end=week + timedelta(days=3), violations=40))
    after = series.daily(store, sources=["osce_smm"])
    assert after["violations"].tolist() == [5.0, 5.0, 40.0, 5.0, 5.0, 5.0, 5.0]
    pd.testing.assert_frame_equal(_stored(store), _defined(store), check_exact=False, rtol=1e-9)


def test_a_short_figure_on_a_day_a_long_window_only_touches_changes_its_shares(store):
    """A three-day window ending at 06:00 shares its figure over the days it touches; a daily figure
    from 08:00 that overlaps none of it gives the last of those days a figure of its own, and the shares
    of the other days change (CONTRACT §3 rule 6): the reach goes from the day to the long window."""
    start = datetime(2021, 6, 6, 21, 0, tzinfo=timezone.utc)  # 00:00 in Kyiv
    ingest.add_report(store, CountReport(source="osce_smm", timezone="Europe/Kyiv", period_start=start,
                                         period_end=start + timedelta(days=2, hours=6), violations=54))
    assert series.daily(store, sources=["osce_smm"])["violations"].tolist() == [24.0, 24.0, 6.0]
    ingest.add_report(store, CountReport(source="osce_smm", timezone="Europe/Kyiv",
                                         period_start=start + timedelta(days=2, hours=8),
                                         period_end=start + timedelta(days=3, hours=8), violations=7))
    assert series.daily(store, sources=["osce_smm"])["violations"].tolist() == [27.0, 27.0, 7.0]
    pd.testing.assert_frame_equal(_stored(store), _defined(store), check_exact=False, rtol=1e-9)


def test_a_live_read_of_some_days_equals_the_whole_series_on_those_days(full_demo_store):
    """Another zone or `as_of` computes from the reports: with --from/--to it reads only the windows
    those days reach, and answers what the whole series says on those days (every source's edges: a
    week's window, the 19:30 windows of the OSCE, the day's snapshots)."""
    store = full_demo_store
    as_of = "2030-01-01T00:00:00+00:00"
    for tz, first, last in (("Europe/Moscow", "2022-02-16", "2022-02-19"), ("UTC", "2022-02-10", "2022-02-13"),
                            ("Europe/Kyiv", "2021-12-30", "2022-01-03")):
        whole = series.daily(store, tz=tz, as_of=as_of)
        whole = whole[(whole["day"] >= pd.Timestamp(first)) & (whole["day"] <= pd.Timestamp(last))]
        some = series.daily(store, tz=tz, as_of=as_of, date_from=first, date_to=last)
        assert len(some) > 5
        pd.testing.assert_frame_equal(some.reset_index(drop=True), whole.reset_index(drop=True))
        one = series.daily(store, sources=["osce_smm"], tz=tz, as_of=as_of, date_from=first, date_to=last)
        pd.testing.assert_frame_equal(one.reset_index(drop=True),
                                      some[some["source"] == "osce_smm"].reset_index(drop=True))


def _long_and_short(store, long_start: datetime, long_hours: int, short_start: datetime, short_hours: int,
                    long_figure: int, short_figure: int) -> None:
    for start, hours, figure in ((long_start, long_hours, long_figure), (short_start, short_hours, short_figure)):
        ingest.add_report(store, CountReport(source="osce_smm", timezone="Europe/Kyiv", period_start=start,
                                             period_end=start + timedelta(hours=hours), violations=figure))


def test_a_live_read_of_days_a_long_window_shares_with_a_short_figure_elsewhere(store):
    """The days read are narrower than the long window's: the short figure on its last day (after its end)
    and on its first day (before its start) still take those days out of its shares."""
    kyiv_midnight = datetime(2021, 6, 6, 21, 0, tzinfo=timezone.utc)  # 7 June 00:00 in Kyiv
    _long_and_short(store, kyiv_midnight, 54, kyiv_midnight + timedelta(hours=56), 24, 54, 7)
    as_of = "2100-01-01T00:00:00+00:00"
    assert series.daily(store, sources=["osce_smm"])["violations"].tolist() == [27.0, 27.0, 7.0]
    assert series.daily(store, sources=["osce_smm"], as_of=as_of, date_from="2021-06-07",
                        date_to="2021-06-08")["violations"].tolist() == [27.0, 27.0]
    later = datetime(2021, 7, 6, 21, 0, tzinfo=timezone.utc)  # 7 July 00:00 in Kyiv
    _long_and_short(store, later + timedelta(hours=18), 54, later, 18, 54, 5)
    assert series.daily(store, sources=["osce_smm"], date_from="2021-07-01")["violations"].tolist() == [5.0, 27.0, 27.0]
    assert series.daily(store, sources=["osce_smm"], as_of=as_of, date_from="2021-07-08",
                        date_to="2021-07-09")["violations"].tolist() == [27.0, 27.0]


def test_a_refresh_in_parts_gives_the_rows_of_one_in_a_piece(store, monkeypatch):
    """A bulk refresh is recomputed in parts of whole days; a part next to a long window's other days still
    reads every window of them."""
    kyiv_midnight = datetime(2021, 6, 6, 21, 0, tzinfo=timezone.utc)
    _long_and_short(store, kyiv_midnight, 54, kyiv_midnight + timedelta(hours=56), 24, 54, 7)
    monkeypatch.setattr(series, "REFRESH_PART_VERSIONS", 1)
    with store.transaction():
        store.execute("delete from daily_state")
        series.refresh_daily(store)
    assert series.daily(store, sources=["osce_smm"])["violations"].tolist() == [27.0, 27.0, 7.0]
    pd.testing.assert_frame_equal(_stored(store), _defined(store), check_exact=False, rtol=1e-9)
