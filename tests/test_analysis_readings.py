"""The day's reading (`tracker compare`, CONTRACT §7) on hand-made series: every reading, every monitor
verdict, and what never moves a verdict (a party's casualties, its accusations of `unknown` or its own
side, a source of role `other`); the accusation series on a real store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tracker import analysis, db, ingest
from tracker.analysis import long_figures, readings, trends
from tracker.analysis.readings import READING_COLUMNS
from tracker.sources import Registry, register_source

DAY0 = pd.Timestamp("2022-01-01")
LAST = 40
REGISTRY = Registry.builtin()


def series(source: str, values: dict[int, float], *, metric: str = "violations", estimated: set[int] = frozenset(),
           coverage: dict[int, float] | None = None) -> pd.DataFrame:
    offsets = sorted(values)
    return pd.DataFrame({
        "day": [DAY0 + pd.Timedelta(days=d) for d in offsets], "source": source, "region": "all",
        metric: [values[d] for d in offsets], "coverage": [(coverage or {}).get(d, 1.0) for d in offsets],
        "estimated": [metric if d in estimated else "" for d in offsets], "partial": "", "reports": 1,
    })


def steady(level: float, wobble: float = 1.0) -> dict[int, float]:
    return {d: level + (wobble if d % 2 else -wobble) for d in range(LAST)}


def read(*frames: pd.DataFrame, registry: Registry = REGISTRY) -> pd.DataFrame:
    found = readings(trends(long_figures(pd.concat(frames, ignore_index=True))), registry,
                     date_from=DAY0 + pd.Timedelta(days=LAST))
    return found.set_index("source")


def verdict(found: pd.DataFrame) -> tuple[str, str]:
    assert found["reading"].nunique() == 1 and found["monitor"].nunique() == 1  # one verdict per day
    return found["reading"].iloc[0], found["monitor"].iloc[0]


UA_SPIKE = series("ua_mod", steady(10) | {LAST: 60})
UA_USUAL = series("ua_mod", steady(10) | {LAST: 11})
LPR_SPIKE = series("lpr", steady(20, 2) | {LAST: 90})
OSCE_RAISED = series("osce_smm", steady(100, 10) | {LAST: 135})  # index 35 / 14.8 = 2.4
OSCE_USUAL = series("osce_smm", steady(100, 10) | {LAST: 105})


def test_columns_and_one_row_per_source_with_its_side():
    found = read(UA_SPIKE, LPR_SPIKE, OSCE_RAISED)
    assert list(found.reset_index()[READING_COLUMNS].columns) == READING_COLUMNS
    assert found["side"].to_dict() == {"lpr": "russia", "osce_smm": "monitor", "ua_mod": "ukraine"}
    assert found.loc["osce_smm", "level"] == "raised" and found.loc["osce_smm", "index"] == pytest.approx(35 / 14.826)


def test_both_sides_claim_an_escalation_and_the_monitor_corroborates():
    assert verdict(read(UA_SPIKE, LPR_SPIKE, OSCE_RAISED)) == ("both_claim_escalation", "corroborates")


def test_one_side_claims_and_the_explanation_says_what_the_other_side_reported():
    found = read(UA_SPIKE, series("lpr", steady(20, 2) | {LAST: 21}), OSCE_USUAL)
    assert verdict(found) == ("one_side_claims_escalation", "does_not_corroborate")
    assert found["explanation"].iloc[0] == (
        "One side claims escalation. LPR accuses Ukraine of 21 violations (usual: index 0.2); Ukraine MoD / JFO HQ "
        "accuses the Russia-backed side of 60 violations (a spike: index 15.8); OSCE SMM recorded 105 violations "
        "(usual: index 0.3): the monitor does not corroborate.")
    silent = read(UA_SPIKE, OSCE_USUAL)
    assert verdict(silent) == ("one_side_claims_escalation", "does_not_corroborate")
    assert "; no figure from the Russia-backed side;" in silent["explanation"].iloc[0]


def test_no_escalation_claimed_needs_a_party_figure_at_usual_or_low():
    assert verdict(read(UA_USUAL, OSCE_RAISED)) == ("no_escalation_claimed", "")


def test_unclear_when_only_incomplete_estimated_or_unbaselined_party_figures_exist():
    snapshot = series("ua_mod", steady(10) | {LAST: 3}, coverage={LAST: 0.375})  # incomplete, not judged
    spread = series("lpr", steady(20, 2) | {LAST: 2.3}, estimated={LAST})
    new = series("dpr", {LAST: 40})
    found = read(snapshot, spread, new, OSCE_RAISED)
    assert found["level"].to_dict() == {"dpr": "no_baseline", "lpr": "estimated", "osce_smm": "raised",
                                        "ua_mod": "incomplete"}
    assert verdict(found) == ("unclear", "")
    assert verdict(read(OSCE_RAISED)) == ("unclear", "")  # no party figure at all


def test_an_incomplete_snapshot_that_is_a_spike_as_a_lower_bound_claims_an_escalation():
    found = read(series("ua_mod", steady(10) | {LAST: 52}, coverage={LAST: 0.708}), OSCE_RAISED)
    assert found.loc["ua_mod", "level"] == "spike" and found.loc["ua_mod", "incomplete"]
    assert verdict(found) == ("one_side_claims_escalation", "corroborates")
    assert "(a spike even as a lower bound: index 13.3; 71 % of the day)" in found["explanation"].iloc[0]


@pytest.mark.parametrize(("monitor", "expected"), [
    (OSCE_RAISED, "corroborates"),
    (series("osce_smm", steady(100, 10) | {LAST: 900}, coverage={LAST: 0.5}), "corroborates"),  # incomplete spike
    (OSCE_USUAL, "does_not_corroborate"),
    (series("osce_smm", steady(100, 10) | {LAST: 30}), "does_not_corroborate"),  # low
    (series("osce_smm", steady(100, 10) | {LAST: 50}, estimated={LAST}), "unclear"),
    (series("osce_smm", steady(100, 10) | {LAST: 50}, coverage={LAST: 0.5}), "unclear"),  # incomplete, not judged
    (series("osce_smm", {LAST: 300}), "unclear"),  # no baseline
    (series("osce_smm", steady(100, 10)), "silent"),  # nothing on the day
])
def test_every_monitor_verdict(monitor: pd.DataFrame, expected: str):
    assert verdict(read(UA_SPIKE, monitor))[1] == expected


def test_the_monitor_verdict_reads_the_monitors_figure_of_the_same_metric():
    frame = pd.concat([UA_SPIKE, OSCE_USUAL, series("ua_mod", steady(10) | {LAST: 60}, metric="explosions"),
                       series("osce_smm", steady(100, 10) | {LAST: 400}, metric="explosions")], ignore_index=True)
    found = readings(trends(long_figures(frame)), REGISTRY, date_from=DAY0 + pd.Timedelta(days=LAST))
    verdicts = found.drop_duplicates("metric").set_index("metric")["monitor"].to_dict()
    assert verdicts == {"violations": "does_not_corroborate", "explosions": "corroborates"}


def test_a_corroborating_monitor_figure_wins_over_the_others():
    other_monitor = Registry(names=REGISTRY.names | {"un": "UN"}, roles=REGISTRY.roles | {"un": "monitor"},
                             sides=REGISTRY.sides, party_sides=REGISTRY.party_sides)
    found = read(UA_SPIKE, OSCE_USUAL, series("un", steady(10) | {LAST: 40}), registry=other_monitor)
    assert verdict(found) == ("one_side_claims_escalation", "corroborates")


def test_casualty_metrics_have_rows_but_no_reading():
    frame = pd.concat([series("ua_mod", steady(1) | {LAST: 30}, metric="killed"),
                       series("osce_smm", steady(100, 10) | {LAST: 300})], ignore_index=True)
    found = readings(trends(long_figures(frame)), REGISTRY, date_from=DAY0 + pd.Timedelta(days=LAST))
    killed = found[found["metric"] == "killed"].iloc[0]
    assert (killed["level"], killed["reading"], killed["monitor"]) == ("spike", "", "")
    assert killed["explanation"].startswith("Ukraine MoD / JFO HQ recorded 30 military killed (a spike")


def test_a_source_of_role_other_has_rows_but_never_moves_the_verdict():
    registry = Registry(names=REGISTRY.names | {"ngo": "An NGO"}, roles=REGISTRY.roles | {"ngo": "other"},
                        sides=REGISTRY.sides, party_sides=REGISTRY.party_sides)
    found = read(UA_USUAL, series("ngo", steady(10) | {LAST: 90}), OSCE_USUAL, registry=registry)
    assert found.loc["ngo", "side"] == "other" and found.loc["ngo", "level"] == "spike"
    assert verdict(found) == ("no_escalation_claimed", "")


# --- on a real store: the accusation series ---------------------------------------------------------------

HEADER = "source,period_start,period_end,timezone,accused_party,violations,killed\n"


def _store_with(tmp_path: Path, rows: str) -> db.Store:
    history = "".join(f"lpr,2022-01-{d:02d},2022-01-{d:02d},Europe/Moscow,ukraine,{20 + d % 2 * 2},\n"
                      for d in range(1, 31))
    path = tmp_path / "claims.csv"
    path.write_text(HEADER + history + rows, encoding="utf-8")
    store = db.open_store(str(tmp_path / "t.duckdb"))
    (report,) = ingest.import_files(store, [str(path)], recorded_by="test")
    assert report.ok, report.problems
    return store


def test_a_partys_accusations_of_unknown_and_of_its_own_side_are_kept_out(tmp_path: Path):
    store = _store_with(tmp_path, "lpr,2022-01-31,2022-01-31,Europe/Moscow,ukraine,21,\n"
                                  "lpr,2022-01-31,2022-01-31,Europe/Moscow,unknown,500,\n"
                                  "lpr,2022-01-31,2022-01-31,Europe/Moscow,separatists,400,\n"
                                  "lpr,2022-01-31,2022-01-31,Europe/Moscow,,,9\n")
    found = analysis.compare_report(store, date_from="2022-01-31", date_to="2022-01-31",
                                    metrics=["violations", "killed"]).set_index("metric")
    assert found.loc["violations", "value"] == 21  # not 921: the unknown and own-side figures are out
    assert found.loc["violations", "level"] == "usual"
    assert found.loc["killed", "value"] == 9 and found.loc["killed", "reading"] == ""
    from tracker import series as daily_series

    every = daily_series.daily(store, sources=["lpr"], date_from="2022-01-31")  # tracker daily still adds all
    assert every["violations"].tolist() == [921]


def test_a_blank_party_total_is_taken_whole(tmp_path: Path):
    store = _store_with(tmp_path, "lpr,2022-01-31,2022-01-31,Europe/Moscow,,90,\n"
                                  "lpr,2022-01-31,2022-01-31,Europe/Moscow,ukraine,50,\n")  # other side: not added
    found = analysis.compare_report(store, date_from="2022-01-31", date_to="2022-01-31")
    assert found["value"].tolist() == [90] and found["level"].tolist() == ["spike"]


def test_a_registered_party_accuses_the_other_side(tmp_path: Path):
    store = _store_with(tmp_path, "")
    register_source(store, "ua_gs", "Ukraine General Staff", role="party", side="ukraine")
    path = tmp_path / "gs.csv"
    path.write_text(HEADER + "ua_gs,2022-01-31,2022-01-31,Europe/Kyiv,separatists,70,\n"
                             "ua_gs,2022-01-31,2022-01-31,Europe/Kyiv,ukraine,5,\n", encoding="utf-8")
    (report,) = ingest.import_files(store, [str(path)], recorded_by="test")
    assert report.ok
    found = analysis.compare_report(store, date_from="2022-01-31", date_to="2022-01-31").set_index("source")
    assert found.loc["ua_gs", "side"] == "ukraine" and found.loc["ua_gs", "value"] == 70
    assert "Ukraine General Staff accuses the Russia-backed side of 70 violations" in found.loc["ua_gs", "explanation"]
