"""Properties of the daily series over random windows (hypothesis), each example imported by the
production import into a real DuckDB file, as a source of its own."""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import db, ingest, series, vocab
from tracker.sources import register_source

BASE = datetime(2022, 1, 10, tzinfo=timezone.utc)
_keys = itertools.count()


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("daily_properties")
    store = db.open_store(str(folder / "properties.duckdb"))
    yield store, folder
    store.close()


def _import(store: db.Store, folder: Path, cases: list[list[tuple[datetime, datetime, datetime, int]]]) -> list[str]:
    """Store each case's (reported_at, start, end, violations) rows as a source of its own, in one import;
    returns the source keys."""
    keys = [f"prop_{next(_keys)}" for _ in cases]
    for key in keys:
        register_source(store, key, key, vocab.Counting.cumulative)

    def iso(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    path = folder / f"{keys[0]}.csv"
    path.write_text("source,reported_at,period_start,period_end,violations\n" + "".join(
        f"{key},{iso(reported)},{iso(start)},{iso(end)},{value}\n"
        for key, rows in zip(keys, cases, strict=True) for reported, start, end, value in rows))
    report = ingest.import_csv(store, str(path))
    assert report.ok and report.inserted == sum(map(len, cases)), report.problems
    return keys


windows = st.lists(
    st.tuples(st.integers(0, 100), st.integers(1, 144), st.integers(0, 500)),  # gap, length (half hours), value
    min_size=1, max_size=8,
)


@settings(max_examples=8, deadline=None)
@given(st.lists(windows, min_size=1, max_size=10))
def test_non_overlapping_windows_keep_their_totals(place, drawn):
    store, folder = place
    cases = []
    for case in drawn:
        rows, moment = [], BASE
        for gap, length, value in case:
            start = moment + timedelta(minutes=30 * gap)
            moment = start + timedelta(minutes=30 * length)
            rows.append((moment, start, moment, value))
        cases.append(rows)
    keys = _import(store, folder, cases)

    daily = series.daily(store, sources=keys)
    problems = series.check(store, sources=keys)
    for key, rows in zip(keys, cases, strict=True):
        frame = daily[daily["source"] == key]
        found = problems[problems["source"] == key]
        assert set(found["kind"]) <= {"unplaced-remainder"}  # a long window whose days all have their own
        assert frame["violations"].notna().all() and (frame["violations"] >= 0).all()
        assert frame["violations"].sum() + found["figure"].sum() == pytest.approx(sum(v for *_, v in rows))
        # a window of up to 24 hours goes whole to one day: at most as many unestimated days as such windows
        short = sum(1 for _, start, end, _ in rows if end - start <= timedelta(hours=24))
        assert (frame["estimated"] == "").sum() <= short


snapshots = st.lists(st.tuples(st.integers(1, 48), st.integers(0, 300)), min_size=1, max_size=6,
                     unique_by=lambda item: item[0])  # (end in half hours after midnight, increment)


@settings(max_examples=8, deadline=None)
@given(st.lists(st.tuples(snapshots, st.randoms(use_true_random=False)), min_size=1, max_size=10))
def test_nested_snapshots_of_one_day_give_the_largest(place, drawn):
    store, folder = place
    midnight = datetime(2022, 2, 17, tzinfo=timezone.utc) - timedelta(hours=2)  # Kyiv midnight (EET)
    cases = []
    for case, random in drawn:
        ends = sorted(half_hours for half_hours, _ in case)
        values = list(itertools.accumulate(increment for _, increment in case))  # running totals
        rows = [(midnight + timedelta(minutes=30 * end), midnight, midnight + timedelta(minutes=30 * end), value)
                for end, value in zip(ends, values, strict=True)]
        random.shuffle(rows)  # the order stored does not matter
        cases.append(rows)
    keys = _import(store, folder, cases)

    daily = series.daily(store, sources=keys)
    assert series.check(store, sources=keys).empty
    for key, rows in zip(keys, cases, strict=True):
        frame = daily[daily["source"] == key]
        assert len(frame) == 1
        got = frame.iloc[0]
        assert got["day"].date().isoformat() == "2022-02-17"
        assert got["violations"] == max(value for *_, value in rows)  # never the sum of the snapshots
        assert got["estimated"] == "" and got["reports"] == len(rows)
        latest = max(end for _, _, end, _ in rows)
        assert math.isclose(got["coverage"], (latest - midnight) / timedelta(hours=24))
