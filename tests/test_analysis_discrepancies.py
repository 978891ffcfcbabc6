"""Discrepancies on hand-made cases: every kind and grade of CONTRACT §7 (v2), ratios, typical ratios, and
the explanations (who accuses whom, each figure's level and coverage, what the monitor saw)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tracker.analysis import discrepancies, long_figures, trends
from tracker.analysis.discrepancies import DISCREPANCY_COLUMNS
from tracker.sources import Registry

DAY0 = pd.Timestamp("2022-01-01")
LAST = 40  # the day under test; days 0-39 are history
REGISTRY = Registry.builtin()


def series(source: str, values: dict[int, float], estimated: set[int] = frozenset(),
           metric: str = "violations", coverage: dict[int, float] | None = None) -> pd.DataFrame:
    offsets = sorted(values)
    return pd.DataFrame({
        "day": [DAY0 + pd.Timedelta(days=d) for d in offsets], "source": source, "region": "all",
        metric: [values[d] for d in offsets], "coverage": [(coverage or {}).get(d, 1.0) for d in offsets],
        "estimated": [metric if d in estimated else "" for d in offsets], "partial": "", "reports": 1,
    })


def steady(level: float, days: range = range(LAST), wobble: float = 0.0) -> dict[int, float]:
    """A level with a small alternating wobble (so the MAD is not 0)."""
    return {d: level + (wobble if d % 2 else -wobble) for d in days}


def rows_for(*frames: pd.DataFrame, day: int = LAST, registry: Registry = REGISTRY) -> pd.DataFrame:
    daily = pd.concat(frames, ignore_index=True)
    found = discrepancies(trends(long_figures(daily)), registry)
    return found[found["day"] == DAY0 + pd.Timedelta(days=day)].set_index(["source_a", "source_b", "metric"])


def test_columns_in_the_contract_order_and_the_ratio_of_both_values():
    found = rows_for(series("osce_smm", steady(100, wobble=10) | {LAST: 120}),
                     series("ua_mod", steady(10, wobble=1) | {LAST: 12}))
    daily = pd.concat([series("osce_smm", {0: 1}), series("ua_mod", {0: 2})], ignore_index=True)
    assert list(discrepancies(trends(long_figures(daily)), REGISTRY).columns) == DISCREPANCY_COLUMNS
    assert DISCREPANCY_COLUMNS == [  # CONTRACT §7, in its order
        "day", "region", "metric", "source_a", "role_a", "value_a", "level_a", "coverage_a", "source_b", "role_b",
        "value_b", "level_b", "coverage_b", "ratio", "typical_ratio", "kind", "grade", "explanation"]
    row = found.loc[("osce_smm", "ua_mod", "violations")]
    assert (row["role_a"], row["role_b"], row["value_a"], row["value_b"]) == ("monitor", "party", 120, 12)
    assert (row["level_a"], row["level_b"], row["coverage_a"], row["coverage_b"]) == ("usual", "usual", 1.0, 1.0)
    assert row["ratio"] == pytest.approx(0.1) and row["typical_ratio"] == pytest.approx(0.1)
    assert (row["kind"], row["grade"]) == ("", "consistent")
    assert row["explanation"] == (
        "OSCE SMM recorded 120 violations (usual: index 1.3); Ukraine MoD / JFO HQ accuses the Russia-backed "
        "side of 12 violations (usual: index 0.6).")


def test_magnitude_when_the_ratio_is_more_than_twice_off_typical():
    low = rows_for(series("osce_smm", steady(100, wobble=10) | {LAST: 100}),
                   series("ua_mod", steady(10, wobble=5) | {LAST: 4}))
    row = low.loc[("osce_smm", "ua_mod", "violations")]
    assert row["ratio"] == pytest.approx(0.04) and row["typical_ratio"] == pytest.approx(0.096, abs=0.001)
    assert (row["kind"], row["grade"]) == ("magnitude", "diverging")
    assert "; the ratio 0.04 is more than 2× off their usual 0.096" in row["explanation"]
    exactly_twice = rows_for(series("osce_smm", steady(100, wobble=10) | {LAST: 100}),
                             series("ua_mod", steady(10, wobble=5) | {LAST: 19}))
    assert exactly_twice.loc[("osce_smm", "ua_mod", "violations"), "kind"] == ""  # 1.98× is not "more than 2×"


def test_typical_ratio_needs_5_common_full_days_of_at_least_5():
    four = {d: 10 for d in range(36, 40)}
    row = rows_for(series("osce_smm", steady(100) | {LAST: 100}), series("ua_mod", four | {LAST: 50})).loc[
        ("osce_smm", "ua_mod", "violations")]
    assert math.isnan(row["typical_ratio"]) and row["ratio"] == pytest.approx(0.5) and "magnitude" not in row["kind"]
    # estimated days of either source do not count
    estimated = rows_for(series("osce_smm", steady(100) | {LAST: 100}),
                         series("ua_mod", steady(10) | {LAST: 50}, estimated=set(range(34))))
    assert estimated.loc[("osce_smm", "ua_mod", "violations"), "typical_ratio"] == pytest.approx(0.1)  # days 34-39
    # nor incomplete ones (an intraday snapshot)
    snapshots = rows_for(series("osce_smm", steady(100) | {LAST: 100}),
                         series("ua_mod", steady(10) | {LAST: 50}, coverage={d: 0.5 for d in range(36)}))
    assert math.isnan(snapshots.loc[("osce_smm", "ua_mod", "violations"), "typical_ratio"])
    # a ratio of two small counts is noise: figures below 5 do not count
    small = rows_for(series("osce_smm", steady(100) | {LAST: 100}),
                     series("ua_mod", steady(4, range(20)) | steady(10, range(20, 24)) | {LAST: 50}))
    assert math.isnan(small.loc[("osce_smm", "ua_mod", "violations"), "typical_ratio"])


def test_ratio_blank_when_value_a_is_zero():
    row = rows_for(series("osce_smm", steady(100) | {LAST: 0}), series("ua_mod", steady(10) | {LAST: 10})).loc[
        ("osce_smm", "ua_mod", "violations")]
    assert row["value_a"] == 0 and math.isnan(row["ratio"]) and "magnitude" not in row["kind"]


def test_direction_when_one_index_rises_and_the_other_stays_flat_both_full_with_a_baseline():
    found = rows_for(series("osce_smm", steady(100, wobble=10) | {LAST: 95}),
                     series("ua_mod", steady(10, wobble=1) | {LAST: 30}))
    row = found.loc[("osce_smm", "ua_mod", "violations")]
    assert (row["level_a"], row["level_b"]) == ("usual", "spike")
    assert row["kind"].split()[0] == "direction" and row["grade"] == "contradicting"
    assert "; they move in opposite directions (index -0.3 against 6.3)" in row["explanation"]
    both = rows_for(series("osce_smm", steady(100, wobble=10) | {LAST: 200}),
                    series("ua_mod", steady(10, wobble=1) | {LAST: 30}))
    assert "direction" not in both.loc[("osce_smm", "ua_mod", "violations"), "kind"]
    # an estimated figure is not judged: the row is `incomplete`, consistent
    spread = rows_for(series("osce_smm", steady(100, wobble=10) | {LAST: 95}),
                      series("ua_mod", steady(10, wobble=1) | {LAST: 30}, estimated={LAST}))
    row = spread.loc[("osce_smm", "ua_mod", "violations")]
    assert (row["level_b"], row["kind"], row["grade"]) == ("estimated", "incomplete", "consistent")
    assert "an estimated share of a longer window" in row["explanation"]
    # the other without a baseline: not judged
    new = rows_for(series("osce_smm", {d: 100 for d in range(35, 41)}), series("ua_mod", steady(10) | {LAST: 30}))
    assert new.loc[("osce_smm", "ua_mod", "violations"), "kind"] == "magnitude"  # judged on the ratio only


def test_a_09_00_snapshot_of_1_is_incomplete_never_a_contradiction():
    found = rows_for(series("osce_smm", steady(100, wobble=10) | {LAST: 300}),
                     series("ua_mod", steady(10, wobble=1) | {LAST: 1}, coverage={LAST: 0.375}))
    row = found.loc[("osce_smm", "ua_mod", "violations")]
    assert (row["level_a"], row["level_b"], row["coverage_b"]) == ("spike", "incomplete", 0.375)
    assert (row["kind"], row["grade"]) == ("incomplete", "consistent")
    assert ("Ukraine MoD / JFO HQ accuses the Russia-backed side of 1 violations (a lower bound, not judged; "
            "38 % of the day)") in row["explanation"]


def test_one_sided_is_diverging_only_when_the_silent_source_had_24_full_days():
    regular = rows_for(series("osce_smm", steady(100) | {LAST: 100}), series("ua_mod", steady(10, range(16, 40))))
    row = regular.loc[("osce_smm", "ua_mod", "violations")]
    assert math.isnan(row["value_b"]) and math.isnan(row["ratio"]) and pd.isna(row["level_b"])
    assert (row["kind"], row["grade"]) == ("one_sided", "diverging")
    assert row["explanation"] == ("OSCE SMM recorded 100 violations (usual: index 0.0); no figure from "
                                  "Ukraine MoD / JFO HQ though it had a full figure on 24 of the previous 30 days.")
    irregular = rows_for(series("osce_smm", steady(100) | {LAST: 100}), series("ua_mod", steady(10, range(17, 40))))
    assert tuple(irregular.loc[("osce_smm", "ua_mod", "violations"), ["kind", "grade"]]) == ("one_sided", "consistent")


def test_a_source_whose_history_is_only_estimated_shares_is_never_the_silent_side_of_a_diverging_row():
    # ua_mod's 47-day total spread over days 0-39 (estimated on every one), then nothing
    found = rows_for(series("osce_smm", steady(100) | {LAST: 100}), series("ua_mod", steady(2.3),
                                                                          estimated=set(range(LAST))))
    row = found.loc[("osce_smm", "ua_mod", "violations")]
    assert (row["kind"], row["grade"]) == ("one_sided", "consistent")
    assert "(it had a full figure on 0 of the previous 30 days)" in row["explanation"]
    # so are intraday snapshots
    snapshots = rows_for(series("osce_smm", steady(100) | {LAST: 100}),
                         series("ua_mod", steady(10), coverage={d: 0.4 for d in range(LAST)}))
    assert snapshots.loc[("osce_smm", "ua_mod", "violations"), "grade"] == "consistent"


def test_mutual_accusation_is_contradicting_with_one_side_at_spike_and_the_other_without_a_baseline():
    found = rows_for(series("lpr", {LAST: 29}), series("ua_mod", steady(10, wobble=1) | {LAST: 60}),
                     series("osce_smm", steady(100, wobble=10) | {LAST: 300}))
    row = found.loc[("lpr", "ua_mod", "violations")]
    assert (row["level_a"], row["level_b"]) == ("no_baseline", "spike")
    assert (row["kind"], row["grade"]) == ("mutual_accusation", "contradicting")
    assert row["explanation"] == (
        "LPR accuses Ukraine of 29 violations (no baseline); Ukraine MoD / JFO HQ accuses the Russia-backed side "
        "of 60 violations (a spike: index 15.8); OSCE SMM recorded 300 violations (a spike: index 13.5).")
    # both at their usual level: mutual, but consistent
    calm = rows_for(series("lpr", steady(30, wobble=3) | {LAST: 31}),
                    series("ua_mod", steady(10, wobble=1) | {LAST: 11}))
    assert tuple(calm.loc[("lpr", "ua_mod", "violations"), ["kind", "grade"]]) == ("mutual_accusation", "consistent")
    # a zero is no accusation
    zero = rows_for(series("lpr", {LAST: 0}), series("ua_mod", steady(10) | {LAST: 60}))
    assert "mutual_accusation" not in zero.loc[("lpr", "ua_mod", "violations"), "kind"]
    # parties of the same side, a monitor, or a casualty metric: never mutual
    same_side = rows_for(series("lpr", {LAST: 29}), series("dpr", {LAST: 40}))
    assert same_side.loc[("dpr", "lpr", "violations"), "kind"] == ""
    assert "mutual_accusation" not in found.loc[("lpr", "osce_smm", "violations"), "kind"]
    losses = rows_for(series("lpr", {LAST: 2}, metric="killed"), series("ua_mod", {LAST: 3}, metric="killed"))
    row = losses.loc[("lpr", "ua_mod", "killed")]
    assert row["kind"] == "" and row["explanation"].startswith("LPR recorded 2 military killed")


def test_other_sources_are_paired_by_their_role():
    registry = Registry(names={"x": "X", "ua_mod": "Ukraine MoD / JFO HQ"}, roles={"x": "other", "ua_mod": "party"},
                        sides={"ua_mod": "ukraine"}, party_sides={"ukraine": "ukraine", "separatists": "russia"})
    found = rows_for(series("x", {LAST: 29}), series("ua_mod", {LAST: 60}), registry=registry)
    row = found.loc[("ua_mod", "x", "violations")]
    assert (row["role_a"], row["role_b"], row["kind"]) == ("party", "other", "")


def test_rows_only_where_one_of_the_pair_has_a_figure_and_only_for_shared_metrics():
    daily = pd.concat([series("osce_smm", {0: 10, 2: 12}), series("ua_mod", {1: 3, 2: 4}),
                       series("lpr", {1: 7}, metric="settlements_shelled")], ignore_index=True)
    found = discrepancies(trends(long_figures(daily)), REGISTRY)
    assert [(d.day, m, a, b) for d, m, a, b in
            zip(found["day"], found["metric"], found["source_a"], found["source_b"], strict=True)] == [
        (1, "violations", "osce_smm", "ua_mod"), (2, "violations", "osce_smm", "ua_mod"),
        (3, "violations", "osce_smm", "ua_mod")]
    assert found["ratio"].tolist()[2] == pytest.approx(4 / 12)
    assert found["kind"].tolist() == ["one_sided", "one_sided", ""]


def test_date_range_filters_rows_but_history_feeds_typical():
    daily = pd.concat([series("osce_smm", steady(100) | {LAST: 100}), series("ua_mod", steady(10) | {LAST: 30})])
    found = discrepancies(trends(long_figures(daily)), REGISTRY, date_from=DAY0 + pd.Timedelta(days=LAST))
    assert len(found) == 1 and found["typical_ratio"].iloc[0] == pytest.approx(0.1)
    assert np.isclose(found["ratio"].iloc[0], 0.3)
