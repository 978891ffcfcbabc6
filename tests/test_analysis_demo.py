"""Trends and discrepancies on the bundled demo data (17-18 Feb 2022, CONTRACT §7), in process and
through the real CLI."""

from __future__ import annotations

import io
import json
import math

import pandas as pd
import pytest

from conftest import run_tracker
from tracker import analysis

pytest.importorskip("tracker.series")


def _day(frame: pd.DataFrame, day: str) -> pd.DataFrame:
    return frame[frame["day"] == pd.Timestamp(day)]


def test_demo_spikes_of_17_and_18_february(demo_store):
    found = analysis.trend_report(demo_store, metric="violations", date_from="2022-02-17", date_to="2022-02-18")
    rows = found.set_index(["source", found["day"].dt.strftime("%m-%d")])

    ua = rows.loc[("ua_mod", "02-17")]
    assert ua["value"] == 60 and not ua["estimated"]
    assert ua["baseline_median"] == pytest.approx(107 / 47) and ua["baseline_median"] == pytest.approx(2.3, abs=0.05)
    assert ua["escalation_index"] == pytest.approx(60 - 107 / 47) and ua["spike"]
    assert ua["highest_on_record"] and pd.isna(ua["highest_since"])
    assert rows.loc[("ua_mod", "02-18"), "highest_since"] == pd.Timestamp("2022-02-17")

    osce_17, osce_18 = rows.loc[("osce_smm", "02-17")], rows.loc[("osce_smm", "02-18")]
    assert (osce_17["value"], osce_18["value"]) == (870, 1566)
    assert osce_17["escalation_index"] == pytest.approx(3.1, abs=0.05) and not osce_17["spike"]
    assert osce_18["baseline_median"] == pytest.approx(251, abs=1) and osce_18["spike"]

    lpr = rows.loc[("lpr", "02-17")]
    assert lpr["value"] == 29 and lpr["baseline_days"] == 0
    assert math.isnan(lpr["escalation_index"]) and not lpr["spike"]


def test_demo_discrepancies_17_february(demo_store):
    found = analysis.discrepancy_report(demo_store, date_from="2022-02-17", date_to="2022-02-17")
    rows = found[(found["region"] == "all") & (found["metric"] == "violations")].set_index(["source_a", "source_b"])
    row = rows.loc[("osce_smm", "ua_mod")]
    assert (row["value_a"], row["value_b"]) == (870, 60)
    assert row["ratio"] == pytest.approx(60 / 870)
    assert math.isnan(row["typical_ratio"])  # the JFO's earlier figures are all estimates
    assert (row["kind"], row["grade"]) == ("", "consistent")
    assert rows.loc[("lpr", "ua_mod"), "ratio"] == pytest.approx(60 / 29)
    assert rows.loc[("lpr", "osce_smm"), "ratio"] == pytest.approx(870 / 29)
    assert "attribution" not in rows.loc[("lpr", "ua_mod"), "kind"]  # LPR has no baseline, so no spike

    flagged = analysis.discrepancy_report(demo_store, date_from="2022-02-10", date_to="2022-02-20",
                                          only_flagged=True)
    assert "consistent" not in set(flagged["grade"])
    by_day = flagged.set_index(flagged["day"].dt.strftime("%m-%d"))
    # 19 Feb: OSCE reports, the JFO (which had a figure on all 30 days before) does not
    assert (by_day.loc["02-19", "kind"], by_day.loc["02-19", "grade"]) == ("one_sided", "diverging")
    # 10 Feb: OSCE's 749 (index 3.7) against the JFO's spread 2.3 a day is not judged as direction
    assert "02-10" not in by_day.index


def test_demo_change_points(demo_store):
    found = analysis.change_point_report(demo_store, sources=["ua_mod"], metric="violations")
    assert found["day"].tolist() == [pd.Timestamp("2022-02-17")]
    assert found["mean_before"].iloc[0] == pytest.approx(107 / 47) and found["mean_after"].iloc[0] == 56


def test_discrepancies_cli_csv(demo_store, db_path):
    demo_store.close()
    result = run_tracker("discrepancies", "--from", "2022-02-17", "--to", "2022-02-18", "--format", "csv",
                         db_path=db_path)
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False, na_values=[""])
    assert list(frame.columns[:11]) == ["day", "region", "metric", "source_a", "value_a", "source_b", "value_b",
                                        "ratio", "typical_ratio", "kind", "grade"]
    row = frame[(frame["day"] == "2022-02-17") & (frame["region"] == "all") & (frame["metric"] == "violations")
                & (frame["source_a"] == "osce_smm") & (frame["source_b"] == "ua_mod")]
    assert len(row) == 1
    assert (row["value_a"].item(), row["value_b"].item()) == (870, 60)
    assert row["ratio"].item() == pytest.approx(60 / 870)
    assert pd.isna(row["typical_ratio"].item()) and row["grade"].item() == "consistent"
    assert set(frame["grade"]) <= {"consistent", "diverging", "contradicting"}


def test_trends_cli_json_and_table(demo_store, db_path):
    demo_store.close()
    result = run_tracker("trends", "--source", "osce_smm", "--metric", "violations", "--from", "2022-02-18",
                         "--to", "2022-02-18", "--format", "json", db_path=db_path)
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert (row["day"], row["source"], row["value"], row["spike"]) == ("2022-02-18", "osce_smm", 1566, True)
    table = run_tracker("trends", "--source", "ua_mod", "--metric", "violations", "--from", "2022-02-17",
                        "--to", "2022-02-17", db_path=db_path)
    assert table.returncode == 0, table.stderr
    assert "highest on record" in table.stdout and "SPIKE" in table.stdout
