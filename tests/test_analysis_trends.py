"""Trends on constructed series with known answers: rolling means with gaps, baselines, escalation index,
spikes, highest_since (property test against brute force) and change points."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.analysis import change_points, long_figures, trends
from tracker.analysis.windows import highest_since

DAY0 = pd.Timestamp("2022-01-01")


def daily(values: dict[int, float], *, source: str = "ua_mod", metric: str = "violations",
          estimated: set[int] = frozenset(), coverage: dict[int, float] | None = None,
          partial: set[int] = frozenset()) -> pd.DataFrame:
    """A daily series of one source: {day offset from 1 Jan 2022: figure}."""
    offsets = sorted(values)
    return pd.DataFrame({
        "day": [DAY0 + pd.Timedelta(days=d) for d in offsets],
        "source": source,
        "region": "all",
        metric: [values[d] for d in offsets],
        "coverage": [(coverage or {}).get(d, 1.0) for d in offsets],
        "estimated": [metric if d in estimated else "" for d in offsets],
        "partial": [metric if d in partial else "" for d in offsets],
        "reports": 1,
    })


def trend(values: dict[int, float], **options: object) -> pd.DataFrame:
    return trends(long_figures(daily(values, **options))).set_index("day")


def at(frame: pd.DataFrame, offset: int) -> pd.Series:
    return frame.loc[DAY0 + pd.Timedelta(days=offset)]


def test_long_figures_leaves_blanks_out_and_reads_flags_per_metric():
    frame = pd.DataFrame({
        "day": [DAY0, DAY0 + pd.Timedelta(days=1)], "source": "osce_smm", "region": "all",
        "violations": [10.0, np.nan], "explosions": [4.0, 2.5], "estimated": ["", "explosions"],
        "partial": ["violations explosions", ""],
    })
    long = long_figures(frame)
    assert list(zip(long["metric"], long["value"], long["estimated"], long["partial"], strict=True)) == [
        ("violations", 10.0, False, True), ("explosions", 4.0, False, True), ("explosions", 2.5, True, False)]


def test_rolling_mean_skips_gaps_and_week_change_compares_weeks():
    found = trend({0: 10, 1: 20, 4: 30, 8: 40})
    # 7 calendar days ending on the day, mean over the days that have a figure (gaps are not zeros)
    assert found["rolling_mean"].tolist() == [10.0, 15.0, 20.0, 35.0]
    # day 8: this week (days 2-8) has 30, 40 -> 35; the week before (days -5..1) has 10, 20 -> 15
    assert found["week_change"].iloc[3] == pytest.approx(35 / 15 - 1)
    assert found["week_change"].iloc[:3].isna().all()  # nothing a week earlier


def test_no_baseline_with_fewer_than_7_days_in_the_30_before():
    six = {d: 10 for d in range(6)} | {6: 100}
    found = trend(six)
    assert at(found, 6)["baseline_days"] == 6
    assert math.isnan(at(found, 6)["escalation_index"]) and not at(found, 6)["spike"]
    seven = {d: 10 for d in range(7)} | {7: 100}
    assert at(trend(seven), 7)["escalation_index"] == pytest.approx(90 / math.sqrt(10))  # flat: scale √median


def test_baseline_uses_only_the_30_calendar_days_before():
    values = {0: 1000} | {d: 10 for d in range(20, 31)} | {31: 24}
    found = at(trend(values), 31)
    assert found["baseline_days"] == 11  # day 0 is 31 days before: outside the window; day 31 itself excluded
    assert found["baseline_median"] == 10 and found["baseline_mad"] == 0
    # (24 - 10) / max(0, √10, 1, 1)
    assert found["escalation_index"] == pytest.approx(14 / math.sqrt(10)) and found["spike"]


def test_index_uses_the_robust_scale_and_spike_threshold():
    history = [4, 7, 10, 13, 16, 10, 10, 7, 13, 10]  # median 10, MAD 3: 1.4826 × 3 > √10
    base = dict(enumerate(history))
    found = at(trend(base | {10: 26}), 10)
    assert found["baseline_median"] == 10 and found["baseline_mad"] == 3
    assert found["escalation_index"] == pytest.approx(16 / (3 * 1.4826))  # 3.60: a spike
    assert found["spike"] and found["level"] == "spike"
    below = at(trend(base | {10: 25}), 10)
    assert below["escalation_index"] == pytest.approx(15 / (3 * 1.4826)) and not below["spike"]  # 3.37 < 3.5
    assert below["level"] == "raised"
    # a large flat median: the scale is 10 % of it
    big = at(trend({d: 250 for d in range(10)} | {10: 350}), 10)
    assert big["escalation_index"] == pytest.approx(100 / 25) and big["spike"]


def test_estimated_days_count_in_the_baseline():
    values = {d: 2.5 for d in range(10)} | {10: 60}
    found = trend(values, estimated=set(range(10)))
    assert at(found, 0)["estimated"] and not at(found, 10)["estimated"]
    assert at(found, 10)["baseline_days"] == 10
    assert at(found, 10)["escalation_index"] == pytest.approx(57.5 / math.sqrt(2.5))


def test_highest_since_and_on_record():
    found = trend({0: 5, 1: 3, 3: 3, 5: 9, 6: 4, 9: 9})
    assert found["highest_on_record"].tolist() == [True, False, False, True, False, False]
    since = found["highest_since"].dt.strftime("%m-%d").fillna("").tolist()
    # day 3's 3 equals day 1's 3 (at least as high); day 9's 9 equals day 5's 9
    assert since == ["", "01-01", "01-02", "", "01-06", "01-06"]


def _brute_force(codes, days, values):
    out_days, out_record = [], []
    for i in range(len(values)):
        earlier = [days[j] for j in range(len(values))
                   if codes[j] == codes[i] and days[j] < days[i] and values[j] >= values[i]]
        out_days.append(max(earlier) if earlier else 0)
        out_record.append(not earlier)
    return out_days, out_record


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 400), st.integers(0, 8)), max_size=80))
def test_highest_since_matches_brute_force(rows):
    unique = {(code, day): value for code, day, value in rows}  # one figure per series and day
    codes = np.array([k[0] for k in unique], dtype=np.int64)
    days = np.array([k[1] for k in unique], dtype=np.int64)
    values = np.array(list(unique.values()), dtype=np.float64)
    found_days, found_record = highest_since(codes, days, values)
    expected_days, expected_record = _brute_force(codes, days, values)
    assert found_record.tolist() == expected_record
    assert found_days.tolist() == expected_days


def test_change_points_on_a_series_with_known_breaks():
    rng = np.random.default_rng(7)
    levels = np.concatenate([rng.poisson(10, 60), rng.poisson(40, 50), rng.poisson(15, 70)]).astype(float)
    offsets = np.arange(180) + (np.arange(180) // 10)  # every tenth calendar day missing: gaps are skipped
    found = change_points(long_figures(daily(dict(zip(offsets.tolist(), levels.tolist(), strict=True)))))
    expected = [DAY0 + pd.Timedelta(days=int(offsets[60])), DAY0 + pd.Timedelta(days=int(offsets[110]))]
    assert found["day"].tolist() == expected
    segments = [levels[:60].mean(), levels[60:110].mean(), levels[110:].mean()]
    assert found["mean_before"].tolist() == pytest.approx(segments[:2])
    assert found["mean_after"].tolist() == pytest.approx(segments[1:])
    assert found["change"].tolist() == pytest.approx([segments[1] / segments[0], segments[2] / segments[1]])
    assert found["days_before"].tolist() == [60, 50] and found["days_after"].tolist() == [50, 70]


def test_no_change_points_in_a_flat_or_short_series():
    rng = np.random.default_rng(3)
    noisy = dict(enumerate(rng.poisson(20, 200).astype(float).tolist()))
    assert change_points(long_figures(daily(noisy))).empty
    assert change_points(long_figures(daily({d: 2.3 for d in range(10)}))).empty
    one_day_spike = noisy | {100: 400.0}  # a spike is the escalation index's business, not a new level
    assert change_points(long_figures(daily(one_day_spike))).empty


def test_a_change_at_the_end_of_the_series_is_dated_on_its_first_day():
    jfo = {d: 107 / 47 for d in range(47)} | {47: 60, 48: 52}  # the demo's 17-18 Feb 2022
    found = change_points(long_figures(daily(jfo, estimated=set(range(47)))))
    assert found["day"].tolist() == [DAY0 + pd.Timedelta(days=47)]
    assert found["mean_after"].tolist() == [56.0]


# --- levels (CONTRACT §7) ---------------------------------------------------------------------------------

def test_the_poisson_scale_keeps_a_flat_history_of_small_counts_from_calling_5_a_rise():
    flat = {d: 2.3 for d in range(30)}
    found = at(trend(flat | {30: 5}), 30)
    assert found["escalation_index"] == pytest.approx((5 - 2.3) / math.sqrt(2.3))  # 1.78, not 2.7
    assert found["level"] == "usual"
    assert at(trend(flat | {30: 7}), 30)["level"] == "raised"  # (7 - 2.3) / √2.3 = 3.10
    assert at(trend(flat | {30: 8}), 30)["level"] == "spike"  # 3.76


def test_levels_in_their_order_from_estimated_to_low():
    history = {d: 100 for d in range(20)}  # median 100: scale max(0, 10, 10, 1) = 10
    cases = {20: 150, 21: 125, 22: 110, 23: 70, 24: 500, 25: 500}
    found = trend(history | cases | {26: 3}, estimated={24}, coverage={25: 0.2})
    assert [at(found, d)["level"] for d in range(20, 27)] == [
        "spike", "raised", "usual", "low", "estimated", "spike", "low"]
    assert at(found, 25)["incomplete"] and not at(found, 24)["incomplete"]  # estimated is decided first
    assert at(trend({0: 5, 1: 6}), 1)["level"] == "no_baseline"


def test_an_incomplete_snapshot_is_a_spike_as_a_lower_bound_or_else_not_judged():
    history = {d: 10 for d in range(20)}  # scale √10
    spike = at(trend(history | {20: 40}, coverage={20: 0.375}), 20)  # a 09:00 snapshot of 40
    assert spike["incomplete"] and spike["level"] == "spike"
    small = at(trend(history | {20: 1}, coverage={20: 0.375}), 20)  # a 09:00 snapshot of 1: not a fall
    assert small["incomplete"] and small["level"] == "incomplete"
    assert small["escalation_index"] == pytest.approx(-9 / math.sqrt(10))  # the index is still shown
    at_threshold = at(trend(history | {20: 10 + 2 * math.sqrt(10)}, coverage={20: 0.74}), 20)
    assert at_threshold["level"] == "raised"
    full_enough = at(trend(history | {20: 1}, coverage={20: 0.75}), 20)  # 0.75 is full
    assert not full_enough["incomplete"] and full_enough["level"] == "low"


def test_a_one_region_all_reads_as_incomplete():
    history = {d: 10 for d in range(20)}
    found = at(trend(history | {20: 2}, partial={20}), 20)
    assert found["partial"] and found["incomplete"] and found["level"] == "incomplete"


def test_incomplete_figures_never_enter_a_baseline():
    # 20 intraday snapshots of 1 and 6 full days of 50: six full days are too few for a baseline
    found = at(trend({d: 1 for d in range(20)} | {d: 50 for d in range(20, 26)} | {26: 60},
                     coverage={d: 0.3 for d in range(20)}), 26)
    assert found["baseline_days"] == 6 and found["level"] == "no_baseline"
    # estimated figures that are otherwise full do count
    counted = at(trend({d: 2 for d in range(10)} | {10: 9}, estimated=set(range(10))), 10)
    assert counted["baseline_days"] == 10 and counted["level"] == "spike"
    # an estimated figure of a low-coverage row does not
    low = at(trend({d: 2 for d in range(10)} | {10: 9}, estimated=set(range(10)),
                   coverage={d: 0.5 for d in range(10)}), 10)
    assert low["baseline_days"] == 0 and low["level"] == "no_baseline"
