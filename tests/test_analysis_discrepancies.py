"""Discrepancies on hand-made cases: each kind and grade of CONTRACT §7, ratios, typical ratios."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tracker.analysis import discrepancies, long_figures, trends
from tracker.analysis.discrepancies import DISCREPANCY_COLUMNS

DAY0 = pd.Timestamp("2022-01-01")
LAST = 40  # the day under test; days 0-39 are history


def series(source: str, values: dict[int, float], estimated: set[int] = frozenset(),
           metric: str = "violations") -> pd.DataFrame:
    offsets = sorted(values)
    return pd.DataFrame({
        "day": [DAY0 + pd.Timedelta(days=d) for d in offsets], "source": source, "region": "all",
        metric: [values[d] for d in offsets],
        "estimated": [metric if d in estimated else "" for d in offsets], "partial": "",
    })


def steady(level: float, days: range = range(LAST), wobble: float = 0.0) -> dict[int, float]:
    """A level with a small alternating wobble (so the MAD is not 0)."""
    return {d: level + (wobble if d % 2 else -wobble) for d in days}


def rows_for(*frames: pd.DataFrame, day: int = LAST, **options: object) -> pd.DataFrame:
    daily = pd.concat(frames, ignore_index=True)
    found = discrepancies(trends(long_figures(daily)), **options)
    return found[found["day"] == DAY0 + pd.Timedelta(days=day)].set_index(["source_a", "source_b"])


def test_columns_and_ratio_of_both_values():
    found = rows_for(series("osce_smm", steady(100) | {LAST: 120}), series("ua_mod", steady(10) | {LAST: 12}))
    assert list(found.reset_index()[DISCREPANCY_COLUMNS].columns) == DISCREPANCY_COLUMNS
    assert len(found.reset_index().columns) == len(DISCREPANCY_COLUMNS)
    row = found.loc[("osce_smm", "ua_mod")]
    assert (row["value_a"], row["value_b"]) == (120, 12)
    assert row["ratio"] == pytest.approx(0.1) and row["typical_ratio"] == pytest.approx(0.1)
    assert (row["kind"], row["grade"]) == ("", "consistent")
    assert row["explanation"] == ("OSCE SMM 120 and Ukraine MoD / JFO HQ 12 violations: ratio 0.1, "
                                  "within 2× of their usual 0.1.")


def test_magnitude_when_the_ratio_is_more_than_twice_off_typical():
    high = rows_for(series("osce_smm", steady(100) | {LAST: 100}), series("ua_mod", steady(10) | {LAST: 25}))
    row = high.loc[("osce_smm", "ua_mod")]
    assert row["ratio"] == pytest.approx(0.25) and row["typical_ratio"] == pytest.approx(0.1)
    # ua_mod's 25 is also a spike against its own flat baseline (index 15), osce's 100 is not: direction too
    assert (row["kind"], row["grade"]) == ("direction magnitude", "contradicting")
    low = rows_for(series("osce_smm", steady(100) | {LAST: 100}), series("ua_mod", steady(10, wobble=5) | {LAST: 4}))
    row = low.loc[("osce_smm", "ua_mod")]
    assert row["ratio"] == pytest.approx(0.04)
    assert (row["kind"], row["grade"]) == ("magnitude", "diverging")
    assert row["explanation"].startswith("Ukraine MoD / JFO HQ reports 0.04× what OSCE SMM reports for violations")
    exactly_twice = rows_for(series("osce_smm", steady(100) | {LAST: 100}),
                             series("ua_mod", steady(10, wobble=5) | {LAST: 20}))
    assert exactly_twice.loc[("osce_smm", "ua_mod"), "kind"] == ""  # 2× is not "more than 2×"


def test_typical_ratio_needs_5_common_non_estimated_days():
    four = {d: 10 for d in range(36, 40)}
    found = rows_for(series("osce_smm", steady(100) | {LAST: 100}), series("ua_mod", four | {LAST: 50}))
    row = found.loc[("osce_smm", "ua_mod")]
    assert math.isnan(row["typical_ratio"]) and row["ratio"] == pytest.approx(0.5)
    assert "magnitude" not in row["kind"]
    # estimated days of either source do not count towards the typical ratio
    estimated = rows_for(series("osce_smm", steady(100) | {LAST: 100}),
                         series("ua_mod", steady(10) | {LAST: 50}, estimated=set(range(34))))
    assert estimated.loc[("osce_smm", "ua_mod"), "typical_ratio"] == pytest.approx(0.1)  # from days 34-39
    too_few = rows_for(series("osce_smm", steady(100) | {LAST: 100}),
                       series("ua_mod", steady(10) | {LAST: 50}, estimated=set(range(36))))
    assert math.isnan(too_few.loc[("osce_smm", "ua_mod"), "typical_ratio"])


def test_ratio_blank_when_value_a_is_zero():
    found = rows_for(series("osce_smm", steady(100) | {LAST: 0}), series("ua_mod", steady(10) | {LAST: 10}))
    row = found.loc[("osce_smm", "ua_mod")]
    assert row["value_a"] == 0 and math.isnan(row["ratio"]) and "magnitude" not in row["kind"]


def test_direction_when_one_index_rises_and_the_other_stays_flat_or_falls():
    found = rows_for(series("osce_smm", steady(100, wobble=10) | {LAST: 95}),
                     series("ua_mod", steady(10, wobble=1) | {LAST: 30}))
    row = found.loc[("osce_smm", "ua_mod")]
    assert row["index_a"] == pytest.approx(-5 / 14.826) and row["index_b"] == pytest.approx(20 / 1.4826)
    assert row["kind"].split()[0] == "direction" and row["grade"] == "contradicting"
    assert row["explanation"].startswith("Ukraine MoD / JFO HQ reports a sharp rise in violations (30, index 13.5")
    # both rising: no direction
    both = rows_for(series("osce_smm", steady(100, wobble=10) | {LAST: 200}),
                    series("ua_mod", steady(10, wobble=1) | {LAST: 30}))
    assert "direction" not in both.loc[("osce_smm", "ua_mod"), "kind"]
    # an estimated figure (a share of a long window) is not judged
    spread = rows_for(series("osce_smm", steady(100, wobble=10) | {LAST: 95}),
                      series("ua_mod", steady(10, wobble=1) | {LAST: 30}, estimated={LAST}))
    row = spread.loc[("osce_smm", "ua_mod")]
    assert row["index_b"] == pytest.approx(20 / 1.4826) and row["kind"] == "" and row["grade"] == "consistent"
    assert row["explanation"].startswith("OSCE SMM 95 and Ukraine MoD / JFO HQ 30 estimated violations: ratio")
    # the other without a baseline: not judged
    new = rows_for(series("osce_smm", {d: 100 for d in range(35, 41)}), series("ua_mod", steady(10) | {LAST: 30}))
    assert "direction" not in new.loc[("osce_smm", "ua_mod"), "kind"]


def test_one_sided_grade_depends_on_how_regular_the_silent_source_is():
    regular = rows_for(series("osce_smm", steady(100) | {LAST: 100}), series("ua_mod", steady(10, range(16, 40))))
    row = regular.loc[("osce_smm", "ua_mod")]  # ua_mod reported on 24 of the 30 days before: 80 %
    assert math.isnan(row["value_b"]) and math.isnan(row["ratio"])
    assert (row["kind"], row["grade"]) == ("one_sided", "diverging")
    assert row["explanation"] == ("Only OSCE SMM reports violations (100); Ukraine MoD / JFO HQ has no figure, "
                                  "though it reported on 24 of the previous 30 days.")
    irregular = rows_for(series("osce_smm", steady(100) | {LAST: 100}), series("ua_mod", steady(10, range(17, 40))))
    row = irregular.loc[("osce_smm", "ua_mod")]  # 23 of 30
    assert (row["kind"], row["grade"]) == ("one_sided", "consistent")


def _spiking_parties(osce_last: float) -> pd.DataFrame:
    return rows_for(series("lpr", steady(5) | {LAST: 100}), series("ua_mod", steady(10) | {LAST: 60}),
                    series("osce_smm", steady(100, wobble=10) | {LAST: osce_last}))


def test_attribution_when_both_parties_spike_and_the_monitor_does_not():
    found = _spiking_parties(osce_last=105)
    row = found.loc[("lpr", "ua_mod")]
    assert row["index_a"] >= 3.5 and row["index_b"] >= 3.5
    assert (row["kind"], row["grade"]) == ("attribution magnitude", "contradicting")
    assert row["explanation"] == (
        "LPR (100, index 95) and Ukraine MoD / JFO HQ (60, index 50) both report a spike in violations and "
        "blame each other, while OSCE SMM flags no spike that day. The ratio 0.6 is 3.33× below their usual 2.")
    # the monitor's pairs are not attribution rows
    assert "attribution" not in found.loc[("lpr", "osce_smm"), "kind"]
    # when the monitor sees a spike too, it is not attribution
    seen = _spiking_parties(osce_last=300).loc[("lpr", "ua_mod")]
    assert "attribution" not in seen["kind"]
    # sources that do not blame each other: no attribution
    calm = rows_for(series("lpr", steady(5) | {LAST: 40}), series("ua_mod", steady(10) | {LAST: 60}),
                    blames={"lpr": {"ukraine"}, "ua_mod": set()})
    assert "attribution" not in calm.loc[("lpr", "ua_mod"), "kind"]


def test_rows_only_where_one_of_the_pair_has_a_figure_and_only_for_shared_metrics():
    daily = pd.concat([series("osce_smm", {0: 10, 2: 12}), series("ua_mod", {1: 3, 2: 4}),
                       series("lpr", {1: 7}, metric="settlements_shelled")], ignore_index=True)
    found = discrepancies(trends(long_figures(daily)))
    assert [(d.day, m, a, b) for d, m, a, b in
            zip(found["day"], found["metric"], found["source_a"], found["source_b"])] == [
        (1, "violations", "osce_smm", "ua_mod"), (2, "violations", "osce_smm", "ua_mod"),
        (3, "violations", "osce_smm", "ua_mod")]
    assert found["ratio"].tolist()[2] == pytest.approx(4 / 12)
    assert found["kind"].tolist() == ["one_sided", "one_sided", ""]


def test_date_range_filters_rows_but_history_feeds_typical():
    daily = pd.concat([series("osce_smm", steady(100) | {LAST: 100}), series("ua_mod", steady(10) | {LAST: 30})])
    found = discrepancies(trends(long_figures(daily)), date_from=DAY0 + pd.Timedelta(days=LAST))
    assert len(found) == 1 and found["typical_ratio"].iloc[0] == pytest.approx(0.1)
    assert np.isclose(found["ratio"].iloc[0], 0.3)
