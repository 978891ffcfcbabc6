"""The Compare page's speed-ups give exactly what the slower code gave (bench/analysis_speed.py, issue 13).

Each rewritten step is checked against the straightforward pandas version it replaced, kept here as the
reference, on the full demo (every party and the monitor) and on edge cases."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

from tracker import analysis
from tracker.analysis import text, windows
from tracker.analysis.trends import METRICS

d = importlib.import_module("tracker.analysis.discrepancies")  # the package exports a function of that name


def _pair_days_before(figures: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """`_pair_days` as it was: two merges, a concat, drop_duplicates, two more merges and a sort."""
    keys = ["region", "metric", "source_a", "source_b"]
    days = figures[["region", "metric", "source", "day"]]
    of_a = pairs.merge(days.rename(columns={"source": "source_a"}), on=["region", "metric", "source_a"])
    of_b = pairs.merge(days.rename(columns={"source": "source_b"}), on=["region", "metric", "source_b"])
    rows = pd.concat([of_a, of_b], ignore_index=True).drop_duplicates(keys + ["day"])
    side = figures[["region", "metric", "source", "day", *d._SIDE_COLUMNS]].rename(
        columns={"escalation_index": "index"})
    for suffix in ("_a", "_b"):
        renamed = side.rename(columns={name: name + suffix for name in side.columns
                                       if name not in ("region", "metric", "day")})
        rows = rows.merge(renamed, on=["region", "metric", "source" + suffix, "day"], how="left")
        for flag in ("estimated", "incomplete", "partial"):
            rows[flag + suffix] = rows[flag + suffix].astype("boolean").fillna(False).astype(bool)
    rank = {metric: i for i, metric in enumerate(METRICS)}
    return rows.sort_values(keys + ["day"], key=lambda c: c.map(rank) if c.name == "metric" else c,
                            kind="stable").reset_index(drop=True)


def _count_before(values: np.ndarray) -> np.ndarray:
    """`text.count` as it was: a regex over every row, pass after pass."""
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    shown = pd.Series(text.number(v), dtype=object).astype(str)
    grouped = shown.str.replace(r"^(-?\d+)(\d{3})", r"\1,\2", regex=True)
    while True:
        more = grouped.str.replace(r"^(-?\d+)(\d{3}),", r"\1,\2,", regex=True)
        if more.equals(grouped):
            break
        grouped = more
    return np.where(finite, grouped.to_numpy(dtype=object), "").astype(object)


@pytest.fixture
def demo_trends(full_demo_store):
    found, registry = analysis.analysed(full_demo_store, regions=["all", "donetsk", "luhansk"],
                                        date_from="2022-02-10", date_to="2022-02-23")
    return found, registry, analysis.reported_series(full_demo_store)


def test_pair_days_as_before_on_the_demo(demo_trends):
    found, _, reported = demo_trends
    figures = found.reset_index(drop=True)
    for listed in (None, reported):
        pairs = d._pairs(figures, listed)
        rows, layout = d._pair_days(figures, pairs, windows.day_numbers(figures["day"]))
        before = _pair_days_before(figures, pairs)
        assert len(rows) > 100
        pd.testing.assert_frame_equal(rows, before[rows.columns.tolist()], check_exact=True)
        assert sorted(rows.columns) == sorted(before.columns)
        assert (layout.days == windows.day_numbers(rows["day"])).all()


def test_pair_days_of_a_source_without_figures(demo_trends):
    """A pair whose source reports the region and metric elsewhere in the store but not in these days."""
    found, _, _ = demo_trends
    figures = found.reset_index(drop=True)
    reported = pd.concat([figures[["source", "region", "metric"]].drop_duplicates(),
                          pd.DataFrame({"source": ["zz_silent"], "region": ["all"], "metric": ["violations"]})],
                         ignore_index=True)
    pairs = d._pairs(figures, reported)
    assert (pairs["source_b"] == "zz_silent").any()
    rows, layout = d._pair_days(figures, pairs, windows.day_numbers(figures["day"]))
    pd.testing.assert_frame_equal(rows, _pair_days_before(figures, pairs)[rows.columns.tolist()], check_exact=True)
    silent = (rows["source_b"] == "zz_silent").to_numpy()
    assert silent.any() and (layout.series_b[silent] == -1).all()


def test_pairs_as_before(demo_trends):
    found, _, reported = demo_trends
    figures = found.reset_index(drop=True)
    for listed in (None, reported):
        present = figures[["region", "metric", "source"]].drop_duplicates()
        if listed is not None:
            asked = present[["region", "metric"]].drop_duplicates()
            present = pd.concat([present, listed.merge(asked, on=["region", "metric"])[["region", "metric", "source"]]],
                                ignore_index=True).drop_duplicates()
        before = present.merge(present, on=["region", "metric"], suffixes=("_a", "_b"))
        before = before[before["source_a"] < before["source_b"]]
        keys = ["region", "metric", "source_a", "source_b"]
        pd.testing.assert_frame_equal(d._pairs(figures, listed).sort_values(keys).reset_index(drop=True),
                                      before[keys].sort_values(keys).reset_index(drop=True))


def test_count_as_before():
    values = np.array([0, 1, 29, 999, 1000, 1566, 12_345, 123_456, 1_234_567, 9_876_543_210, 2.25, 1566.5,
                       -1566, -1_234_567.4, np.nan, np.inf, 60, 60, 1566])
    assert text.count(values).tolist() == _count_before(values).tolist()
    assert text.count(values).tolist()[4:9] == ["1,000", "1,566", "12,345", "123,456", "1,234,567"]
    assert text.count(np.zeros(0)).tolist() == []


@pytest.fixture(scope="module")
def compare_page(tmp_path_factory: pytest.TempPathFactory):
    """The Compare page module (pages register themselves with the app that imports them)."""
    from dashboards.app import create_app

    create_app(str(tmp_path_factory.mktemp("app") / "app.duckdb"))
    from dashboards.pages import compare

    return compare


def _pair_rows_before(pairs: pd.DataFrame, compare) -> list[dict]:
    """`compare.pair_rows` as it was: sort_values, strftime, round, astype(object).where(...).to_dict."""
    GRADE_ORDER, PAIR_COLUMNS = compare.GRADE_ORDER, compare.PAIR_COLUMNS  # noqa: N806

    if pairs.empty:
        return []
    shown = pairs.assign(_severity=pairs["grade"].map(GRADE_ORDER)).sort_values(
        ["_severity", "day", "source_a", "source_b"], ascending=[True, False, True, True])
    out = shown[PAIR_COLUMNS].copy()
    out["day"] = out["day"].dt.strftime("%Y-%m-%d")
    for column in ("value_a", "value_b"):
        out[column] = out[column].round(1)
    for column in ("ratio", "typical_ratio"):
        out[column] = out[column].round(3)
    return out.astype(object).where(out.notna(), None).to_dict("records")


def test_pair_rows_as_before(demo_trends, compare_page):
    pair_rows = compare_page.pair_rows
    found, registry, reported = demo_trends
    pairs = d.discrepancies(found, registry, date_from="2022-02-10", date_to="2022-02-23", reported=reported)
    rows, before = pair_rows(pairs), _pair_rows_before(pairs, compare_page)
    assert len(rows) > 100 and any(row["level_a"] is None for row in rows)
    assert rows == before
    assert [[type(value) for value in row.values()] for row in rows] == \
        [[type(value) for value in row.values()] for row in before]
    assert pair_rows(pairs.iloc[:0]) == []


# --- readings: numpy over the day groups, in place of groupby, join and sort --------------------------

r = importlib.import_module("tracker.analysis.readings")


def _readings_before(figures: pd.DataFrame, registry: r.Registry, *, date_from: object = None,
                     date_to: object = None, sources: list[str] | None = None, explain: bool = True) -> pd.DataFrame:
    """`readings` as it was: pandas groupby, join and sort."""
    if sources:
        registry = registry.only(sources)
    rows = figures
    if date_from is not None:
        rows = rows[rows["day"] >= pd.Timestamp(date_from)]
    if date_to is not None:
        rows = rows[rows["day"] <= pd.Timestamp(date_to)]
    rows = rows.rename(columns={"escalation_index": "index"}).reset_index(drop=True)
    sources = rows["source"].to_numpy(dtype=object)
    role = rows["source"].map(registry.roles).fillna("other").to_numpy(dtype=object)
    rows["side"] = rows["source"].map({s: registry.side_of(s) for s in pd.unique(sources)}).to_numpy(dtype=object)
    level = rows["level"].to_numpy(dtype=object)
    accusation_metric = rows["metric"].isin(r.vocab.ACCUSATION_METRICS).to_numpy()
    party = role == "party"
    monitor = role == "monitor"

    # per day, region and metric: which sides claim an escalation, and what the monitors' figures are
    facts = rows[r.DAY_KEYS].assign(
        claims=np.where(party & np.isin(level, r.RAISED_LEVELS), rows["side"], None),
        judged_party=party & np.isin(level, r.CALM_LEVELS),
        any_party=party,
    )
    per_day = facts.groupby(r.DAY_KEYS, sort=False).agg(
        sides_claiming=("claims", "nunique"), judged_party=("judged_party", "any"))
    monitor_facts = _monitor_verdicts_before(rows, monitor, level)
    per_day = per_day.join(monitor_facts, how="left")
    claiming = per_day["sides_claiming"].to_numpy()
    reading = np.select([claiming >= 2, claiming == 1, per_day["judged_party"].to_numpy()],
                        ["both_claim_escalation", "one_side_claims_escalation", "no_escalation_claimed"], "unclear")
    verdict = np.where(claiming >= 1, per_day["verdict"].fillna("silent").to_numpy(dtype=object), "")
    per_day = per_day.assign(reading=reading, monitor=verdict)
    per_day["explanation"] = (r._day_sentences(rows, registry, party, accusation_metric, per_day) if explain
                              else "")

    out = rows.join(per_day[["reading", "monitor", "explanation"]], on=r.DAY_KEYS)
    out["reading"] = np.where(accusation_metric, out["reading"], "")
    out["monitor"] = np.where(accusation_metric, out["monitor"], "")
    out["explanation"] = out["explanation"].fillna("")
    rank = {metric: i for i, metric in enumerate(r.vocab.METRICS)}
    out = out.sort_values(["day", "region", "metric", "side", "source"], kind="stable",
                          key=lambda c: c.map(rank) if c.name == "metric" else c)
    # the non-exact qualifiers behind each figure ride along for the Compare page's hover ("at least 800");
    # `tracker compare` writes r.READING_COLUMNS
    extra = ["qualifiers"] if "qualifiers" in out.columns else []
    return out[r.READING_COLUMNS + extra].reset_index(drop=True)


def _monitor_verdicts_before(rows: pd.DataFrame, monitor: np.ndarray, level: np.ndarray) -> pd.DataFrame:
    """Per day, region and metric (the monitors' figures of the same metric, so a verdict never depends on
    which other metrics were asked for): corroborates when any monitor figure is at spike or raised (an
    incomplete one included), else does_not_corroborate when one is usual or low, else unclear (only
    estimated, incomplete or no-baseline figures). Days without one: silent (left out)."""
    seen = rows.loc[monitor, r.DAY_KEYS].assign(
        up=np.isin(level[monitor], r.RAISED_LEVELS), judged=np.isin(level[monitor], r.CALM_LEVELS))
    per_key = seen.groupby(r.DAY_KEYS).agg(up=("up", "any"), judged=("judged", "any"))
    per_key["verdict"] = np.select([per_key["up"], per_key["judged"]], ["corroborates", "does_not_corroborate"],
                                   "unclear") if len(per_key) else pd.Series(dtype=object)
    return per_key[["verdict"]]


@pytest.mark.parametrize("options", [
    {}, {"explain": False}, {"date_from": "2022-02-14", "date_to": "2022-02-23"},
    {"date_from": "2022-02-17", "date_to": "2022-02-19", "explain": False}, {"sources": ["ua_mod", "osce_smm"]},
    {"sources": ["dpr", "lpr"], "date_from": "2022-02-10"}, {"date_from": "2031-01-01"},
])
def test_readings_as_before(demo_trends, options):
    found, registry, _ = demo_trends
    new = r.readings(found, registry, **options)
    old = _readings_before(found, registry, **options)
    pd.testing.assert_frame_equal(new, old)
    if options.get("date_from") != "2031-01-01":
        assert len(new) > 10 and set(new["reading"]) - {""} <= set(r.READINGS)
