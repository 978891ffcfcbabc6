"""The daily rows of a simple span, computed one wide row per window (sql/views/int_simple_rows.sql), are
the rows of the whole window algebra (int_series_rows): random stores whose windows are all simple (every
window at most 24 hours, the windows of a series never overlapping, no blank accused party beside a named
one in a place) are held equal column for column, with revisions of a window giving different metrics and
qualifiers, regions inside and outside the zone, areas, named parties of both sides, a party, a monitor and
an additive source, days of 23 and 25 hours, edits and withdrawals. And the check that chooses the path
(sql/refresh/simple_span.sql) says no to each of the three things that make a span not simple.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import db, ingest, regions, series, sources
from tracker.db import sql_text
from tracker.ingest import Entry
from tracker.schema import CountReport

# Around the end of summer time in Kyiv (31 Oct 2021: a day of 25 hours), in steps of 6 hours.
BASE = datetime(2021, 10, 29, 21, 30, tzinfo=timezone.utc)
SOURCES = ("osce_smm", "ua_mod", "dpr", "ucdp_ged")
REGIONS = (None, "donetsk", "luhansk", "kharkiv")  # kharkiv: registered outside the zone
AREAS = (None, None, "Avdiivka")
METRICS = ("violations", "killed", "wounded", "settlements_shelled")

# A place is a series of one source, region, area and accused party, whose windows tile time: each window
# [offset + k * hours, + hours) for a k, so that two different windows of it never overlap.
place = st.tuples(st.sampled_from(SOURCES), st.sampled_from(REGIONS), st.sampled_from(AREAS),
                  st.sampled_from((6, 12, 18, 24)), st.integers(0, 3))
report = st.tuples(
    st.integers(0, 20),  # which place
    st.integers(0, 8),  # which window of its tiling
    st.fixed_dictionaries({metric: st.none() | st.integers(0, 40) for metric in METRICS}),
    st.sampled_from(("exact", "exact", "at_least", "about")),
    st.none() | st.integers(0, 5),  # reported_at, in days after BASE
)


def _places(drawn: list[tuple], named: dict[tuple, bool], parties: list[str]) -> list[tuple]:
    """One accused party per place: blank, or named, as its source, region and area were drawn (never both),
    each series once."""
    kept, seen = [], set()
    for index, (source, region, area, hours, offset) in enumerate(drawn):
        accused = parties[index % len(parties)] if named.get((source, region, area), False) else None
        if (source, region, area, accused) not in seen:
            seen.add((source, region, area, accused))
            kept.append((source, region, area, accused, hours, offset))
    return kept


def _entry(store: db.Store, chosen: tuple, k: int, figures: dict, qualifier: str, reported: int | None) -> Entry:
    source, region, area, accused, hours, offset = chosen
    if all(value is None for value in figures.values()):
        figures = {**figures, "violations": 1}
    start = BASE + timedelta(hours=6 * offset + hours * k)
    return Entry(CountReport.model_validate({
        "source": source, "timezone": "Europe/Kyiv", "period_start": start,
        "period_end": start + timedelta(hours=hours), "region": region, "area": area, "accused_party": accused,
        "qualifier": qualifier, "reported_at": None if reported is None else BASE + timedelta(days=reported),
        **figures,
    }, context={"lexicon": sources.lexicon(store)}), "test", "cli")


def _both(store: db.Store, tz: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    calendar = series.calendar_tz(store)
    with series._variables(store, tz=tz or calendar, calendar_tz=calendar, as_of=None, accused=None, daily_live=None,
                           daily_sources=None, daily_from=None, daily_to=None):
        simple = store.value(sql_text("refresh/simple_span.sql"))
        return (store.df("select * from int_simple_rows order by all"),
                store.df("select * from int_series_rows order by all"), simple)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=st.lists(place, min_size=1, max_size=8),
       named=st.dictionaries(st.tuples(st.sampled_from(SOURCES), st.sampled_from(REGIONS), st.sampled_from(AREAS)),
                             st.booleans()),
       parties=st.lists(st.sampled_from(("ukraine", "separatists", "russia", "unknown")), min_size=1, max_size=3),
       reports=st.lists(report, min_size=1, max_size=25),
       edits=st.lists(st.tuples(st.integers(0, 1000), st.none() | report), max_size=3))
def test_the_wide_rows_of_a_simple_span_are_the_rows_of_the_window_algebra(tmp_path_factory, drawn, named, parties,
                                                                         reports, edits):
    store = db.open_store(str(tmp_path_factory.mktemp("simple") / "t.duckdb"))
    try:
        regions.register_region(store, "kharkiv", "Kharkiv")
        places = _places(drawn, named, parties)
        ingest.add_reports(store, [_entry(store, places[index % len(places)], k, figures, qualifier, reported)
                                   for index, k, figures, qualifier, reported in reports])
        for pick, replacement in edits:  # an edit within the place's tiling, or a withdrawal
            current = [row[0] for row in store.rows("select id from current_reports order by id")]
            if not current:
                break
            chosen = current[pick % len(current)]
            if replacement is None:
                ingest.withdraw_report(store, chosen, "test")
            else:
                index, k, figures, qualifier, reported = replacement
                entry = _entry(store, places[index % len(places)], k, figures, qualifier, reported)
                ingest.edit_report(store, chosen, entry.report, reason="test")
        wide, algebra, simple = _both(store)
        assert simple  # every store drawn here is simple (an edit's old and new windows are the same tiling's)
        pd.testing.assert_frame_equal(wide, algebra, check_exact=False, rtol=1e-12)
        assert len(wide) > 0 or not store.value("select count(*) from current_reports")
        # the refresh wrote them, source by source and part by part (an edit may move a report to another source)
        stored = store.df(f"select {', '.join(algebra.columns)} from daily_rows order by all")
        pd.testing.assert_frame_equal(stored, algebra, check_exact=False, rtol=1e-12)
        wide, algebra, _ = _both(store, "UTC")  # days of another zone
        pd.testing.assert_frame_equal(wide, algebra, check_exact=False, rtol=1e-12)
        # a live read takes the wide rows too (tracker.series._live_part): the same as the stored rows
        pd.testing.assert_frame_equal(series.daily(store, as_of="2100-01-01T00:00:00+00:00", areas=True),
                                      series.daily(store, areas=True), check_exact=False, rtol=1e-12)
    finally:
        store.close()


def _simple(store: db.Store) -> bool:
    return bool(_both(store)[2])


def _add(store: db.Store, start: datetime, hours: float, **fields) -> None:
    ingest.add_report(store, CountReport(source="osce_smm", timezone="Europe/Kyiv", period_start=start,
                                         period_end=start + timedelta(hours=hours), violations=3, **fields))


def test_a_span_is_simple_until_a_window_is_long_or_overlaps_or_a_total_meets_a_named_party(tmp_path):
    """Each of the three things that make the window algebra necessary makes the check say no."""
    def fresh(name: str) -> db.Store:
        store = db.open_store(str(tmp_path / f"{name}.duckdb"))
        for day in range(3):  # three adjacent daily windows of one series, one revised: simple
            _add(store, BASE + timedelta(days=day), 24)
        _add(store, BASE, 24, killed=2)
        assert _simple(store)
        return store

    long = fresh("long")
    _add(long, BASE + timedelta(days=5), 24.5)  # a window of more than 24 hours (even by half an hour)
    assert not _simple(long)
    overlapping = fresh("overlapping")
    _add(overlapping, BASE + timedelta(hours=6), 6)  # inside the first day's window
    assert not _simple(overlapping)
    mixed = fresh("mixed")
    _add(mixed, BASE + timedelta(days=10), 24, accused_party="ukraine")  # a named party where totals are blank
    assert not _simple(mixed)
    elsewhere = fresh("elsewhere")
    _add(elsewhere, BASE + timedelta(hours=6), 6, region="donetsk")  # another series may overlap
    _add(elsewhere, BASE, 24, region="luhansk", accused_party="ukraine")  # another place may name a party
    assert _simple(elsewhere)
    wide, algebra, _ = _both(elsewhere)
    pd.testing.assert_frame_equal(wide, algebra, check_exact=False, rtol=1e-12)
    for store in (long, overlapping, mixed, elsewhere):
        store.close()
