"""The analysis on real data (CONTRACT §7): the seed case on the seed and OSCE files alone, and the full
demo with the parties' published claims of 10-23 Feb 2022, in process and through the CLI (CliRunner)."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tracker import analysis, db, ingest
from tracker.cli import main

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED_FILES = [SHARED / "seed" / "seed_figures.csv", SHARED / "realdata" / "osce_smm_2022.csv"]


@pytest.fixture
def seed_store(tmp_path: Path):
    """The seed document's figures and the OSCE SMM's real counts, nothing else (the contract's case)."""
    store = db.open_store(str(tmp_path / "seed.duckdb"))
    for report in ingest.import_files(store, [str(p) for p in SEED_FILES], recorded_by="test"):
        assert report.ok, report.problems
    yield store
    store.close()


def tracker(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _by_source(frame: pd.DataFrame, day: str) -> pd.DataFrame:
    return frame[frame["day"] == pd.Timestamp(day)].set_index("source")


def test_the_seed_case_17_and_18_february_read_one_side_claims_with_the_monitor_corroborating(seed_store):
    found = analysis.compare_report(seed_store, date_from="2022-02-17", date_to="2022-02-18")
    assert set(found["reading"]) == {"one_side_claims_escalation"} and set(found["monitor"]) == {"corroborates"}

    day17 = _by_source(found, "2022-02-17")
    assert day17[["side", "value", "level"]].to_dict("index") == {
        "lpr": {"side": "russia", "value": 29, "level": "no_baseline"},
        "osce_smm": {"side": "monitor", "value": 870, "level": "raised"},
        "ua_mod": {"side": "ukraine", "value": 60, "level": "spike"},
    }
    assert day17.loc["osce_smm", "index"] == pytest.approx(3.1, abs=0.05)
    # the baseline of the JFO is its 47-day total spread (2.3 a day): the seed's own reasoning
    assert day17.loc["ua_mod", "index"] == pytest.approx((60 - 107 / 47) / math.sqrt(107 / 47))

    day18 = _by_source(found, "2022-02-18")
    ua = day18.loc["ua_mod"]
    assert (ua["value"], ua["level"], ua["incomplete"]) == (52, "spike", True)  # a spike as a lower bound
    assert ua["coverage"] == pytest.approx(17 / 24) and round(ua["index"], 1) == 33.0
    assert (day18.loc["osce_smm", "value"], day18.loc["osce_smm", "level"]) == (1566, "spike")
    assert "lpr" not in day18.index  # the other side is silent
    assert day18["explanation"].iloc[0] == (
        "One side claims escalation. Ukraine MoD / JFO HQ accuses the Russia-backed side of 52 violations (a spike "
        "even as a lower bound: index 33.0; 71 % of the day); no figure from the Russia-backed side; OSCE SMM "
        "recorded 1,566 violations (a spike: index 6.7): the monitor corroborates.")


def test_the_seed_case_pairs_17_to_19_february(seed_store):
    found = analysis.discrepancy_report(seed_store, date_from="2022-02-17", date_to="2022-02-19")
    rows = found[(found["region"] == "all") & (found["metric"] == "violations")].set_index(
        ["day", "source_a", "source_b"])
    mutual = rows.loc[(pd.Timestamp("2022-02-17"), "lpr", "ua_mod")]
    assert (mutual["kind"], mutual["grade"]) == ("mutual_accusation", "contradicting")
    assert (mutual["level_a"], mutual["level_b"]) == ("no_baseline", "spike")
    assert mutual["explanation"].startswith("LPR accuses Ukraine of 29 violations (no baseline); Ukraine MoD / "
                                            "JFO HQ accuses the Russia-backed side of 60 violations (a spike")
    snapshot = rows.loc[(pd.Timestamp("2022-02-18"), "osce_smm", "ua_mod")]
    assert (snapshot["kind"], snapshot["grade"], snapshot["level_b"]) == ("incomplete", "consistent", "spike")
    # 19 Feb: the JFO's silence is not unusual: its history was one 47-day total spread over the days
    silent = rows.loc[(pd.Timestamp("2022-02-19"), "osce_smm", "ua_mod")]
    assert (silent["kind"], silent["grade"]) == ("one_sided", "consistent")
    assert "(it had a full figure on 1 of the previous 30 days)" in silent["explanation"]
    flagged = analysis.discrepancy_report(seed_store, date_from="2022-02-14", date_to="2022-02-22",
                                          only_flagged=True)
    assert set(zip(flagged["day"].dt.strftime("%m-%d"), flagged["kind"], flagged["grade"], strict=True)) >= {
        ("02-17", "mutual_accusation", "contradicting")}
    assert "diverging" not in set(flagged.loc[flagged["source_b"] == "ua_mod", "grade"])


def test_the_full_demo_reads_an_escalation_claimed_from_17_to_22_february(full_demo_store):
    found = analysis.compare_report(full_demo_store, date_from="2022-02-14", date_to="2022-02-23")
    per_day = found.drop_duplicates("day").set_index(found.drop_duplicates("day")["day"].dt.strftime("%m-%d"))
    for day in ("02-17", "02-18", "02-19", "02-20", "02-21", "02-22"):
        assert (per_day.loc[day, "reading"], per_day.loc[day, "monitor"]) == (
            "one_side_claims_escalation", "corroborates"), day
    assert per_day.loc["02-15", "reading"] == "no_escalation_claimed"
    # the Russia-backed side's claims have no baseline before 17 Feb: they cannot read as a rise
    russia = found[found["side"] == "russia"]
    assert set(russia["source"]) == {"dpr", "lpr"} and not set(russia["level"]) & {"spike", "raised"}
    assert len(found[found["source"] == "lpr"]) >= 5


def test_trends_and_compare_and_discrepancies_through_the_cli(seed_store):
    path = seed_store.path
    seed_store.close()
    (row,) = json.loads(tracker("trends", "--db", path, "--source", "osce_smm", "--metric", "violations",
                                "--from", "2022-02-18", "--to", "2022-02-18", "--format", "json"))
    assert (row["day"], row["value"], row["level"], row["spike"]) == ("2022-02-18", 1566, "spike", True)
    table = tracker("trends", "--db", path, "--source", "ua_mod", "--metric", "violations", "--from", "2022-02-18",
                    "--to", "2022-02-18")
    assert "52 (lower bound)" in table and "spike" in table and "70.8%" in table

    csv_text = tracker("compare", "--db", path, "--from", "2022-02-17", "--to", "2022-02-18", "--format", "csv")
    csv = pd.read_csv(io.StringIO(csv_text), keep_default_na=False)
    assert list(csv.columns) == ["day", "region", "metric", "side", "source", "value", "level", "index", "coverage",
                                 "estimated", "incomplete", "reading", "monitor", "explanation"]
    assert "2022-02-18,all,violations,ukraine,ua_mod,52,spike," in csv_text and ",false,true," in csv_text
    assert csv[["day", "source", "value", "level", "incomplete"]].values.tolist() == [
        ["2022-02-17", "osce_smm", 870, "raised", False], ["2022-02-17", "lpr", 29, "no_baseline", False],
        ["2022-02-17", "ua_mod", 60, "spike", False], ["2022-02-18", "osce_smm", 1566, "spike", False],
        ["2022-02-18", "ua_mod", 52, "spike", True]]
    assert set(csv["reading"]) == {"one_side_claims_escalation"} and set(csv["monitor"]) == {"corroborates"}
    only = json.loads(tracker("compare", "--db", path, "--from", "2022-02-17", "--to", "2022-02-17", "--source",
                              "osce_smm", "--format", "json"))
    assert [(r["source"], r["reading"], r["monitor"]) for r in only] == [("osce_smm", "unclear", "")]
    text = tracker("compare", "--db", path, "--from", "2022-02-18", "--to", "2022-02-18")
    assert "one_side_claims_escalation" in text and "the monitor corroborates" in text

    pairs = pd.read_csv(io.StringIO(tracker("discrepancies", "--db", path, "--from", "2022-02-17", "--to",
                                            "2022-02-17", "--format", "csv")), keep_default_na=False)
    assert list(pairs.columns) == [
        "day", "region", "metric", "source_a", "role_a", "value_a", "level_a", "coverage_a", "source_b", "role_b",
        "value_b", "level_b", "coverage_b", "ratio", "typical_ratio", "kind", "grade", "explanation"]
    mutual = pairs[(pairs["source_a"] == "lpr") & (pairs["source_b"] == "ua_mod") & (pairs["region"] == "all")
                   & (pairs["metric"] == "violations")]
    assert mutual[["role_a", "level_a", "level_b", "kind", "grade"]].values.tolist() == [
        ["party", "no_baseline", "spike", "mutual_accusation", "contradicting"]]


def test_compare_refuses_an_unknown_source(seed_store):
    path = seed_store.path
    seed_store.close()
    result = CliRunner().invoke(main, ["compare", "--db", path, "--source", "nobody"])
    assert result.exit_code == 2 and "unknown source 'nobody'" in result.output


def test_demo_change_points(demo_store):
    found = analysis.change_point_report(demo_store, sources=["ua_mod"], metric="violations")
    assert pd.Timestamp("2022-02-17") in set(found["day"])


def test_pairs_are_formed_among_every_source_reporting_anywhere_in_the_store(seed_store):
    # 20-25 Jan: the LPR's only figure (17 Feb) is not read, yet it reports violations in the store
    found = analysis.discrepancy_report(seed_store, date_from="2022-01-20", date_to="2022-01-25")
    rows = found[(found["region"] == "all") & (found["metric"] == "violations")]
    lpr = rows[rows["source_a"] == "lpr"]
    assert set(lpr["source_b"]) == {"osce_smm", "ua_mod"}
    assert set(lpr["kind"]) == {"one_sided"} and set(lpr["grade"]) == {"consistent"} and lpr["value_a"].isna().all()
    assert "no figure from LPR (it had a full figure on 0 of the previous 30 days)" in lpr["explanation"].iloc[0]


def test_compare_with_some_sources_names_only_their_sides_and_monitors(seed_store):
    found = analysis.compare_report(seed_store, date_from="2022-02-18", date_to="2022-02-18", sources=["ua_mod"])
    assert found["explanation"].tolist() == [
        "One side claims escalation. Ukraine MoD / JFO HQ accuses the Russia-backed side of 52 violations (a spike "
        "even as a lower bound: index 33.0; 71 % of the day); no monitor: no figure that day."]
    assert found["monitor"].tolist() == ["silent"]
