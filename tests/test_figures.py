"""The dashboard's figures as data: traces per source, estimated days styled apart, gaps kept as gaps,
spikes marked, hover content, and the ratio against its typical band."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from dashboards import figures


def series(rows: list[tuple]) -> pd.DataFrame:
    """(day, source, value, estimated, spike, coverage, reports) rows as a figure's input."""
    frame = pd.DataFrame(rows, columns=["day", "source", "value", "estimated", "spike", "coverage", "reports"])
    frame["day"] = pd.to_datetime(frame["day"])
    frame["partial"] = False
    frame["escalation_index"] = frame["value"] / 10
    return frame


DEMO_LIKE = series([
    ("2022-02-14", "osce_smm", 200.0, False, False, 1.0, 1),
    ("2022-02-15", "osce_smm", 190.0, True, False, 1.0, 1),
    ("2022-02-16", "osce_smm", 210.0, True, False, 1.0, 1),
    ("2022-02-17", "osce_smm", 870.0, False, False, 1.0, 2),
    ("2022-02-18", "osce_smm", 1566.0, False, True, 1.0, 2),
    ("2022-02-14", "ua_mod", 3.0, False, False, 1.0, 1),
    # 15 and 16 Feb: no figure from ua_mod (a gap, not a zero)
    ("2022-02-17", "ua_mod", 60.0, False, True, 1.0, 1),
    ("2022-02-18", "ua_mod", 52.0, False, False, 0.708, 3),
])


def by_role(fig, role: str, source: str | None = None) -> list:
    return [t for t in fig.data if (t.meta or {}).get("role") == role
            and (source is None or (t.meta or {}).get("source") == source)]


def days(n: int, start: str = "2022-02-14") -> list[datetime]:
    return list(pd.date_range(start, periods=n, freq="D").to_pydatetime())


def test_one_figures_trace_per_source_on_one_calendar() -> None:
    fig = figures.daily_figure(DEMO_LIKE, names={"osce_smm": "OSCE SMM", "ua_mod": "Ukraine MoD / JFO HQ"})
    main = by_role(fig, "figures")
    assert [t.name for t in main] == ["OSCE SMM", "Ukraine MoD / JFO HQ"]
    assert all(list(t.x) == days(5) for t in main)
    assert all(t.connectgaps is False for t in main)


def test_gaps_stay_gaps() -> None:
    fig = figures.daily_figure(DEMO_LIKE)
    ua = by_role(fig, "figures", "ua_mod")[0]
    assert list(ua.y) == [3.0, None, None, 60.0, 52.0]
    assert ua.connectgaps is False
    assert 0 not in [v for v in ua.y if v is not None][1:3]


def test_estimated_days_are_dotted_with_hollow_markers_and_out_of_the_solid_line() -> None:
    fig = figures.daily_figure(DEMO_LIKE)
    solid = by_role(fig, "figures", "osce_smm")[0]
    dotted = by_role(fig, "estimated", "osce_smm")[0]
    assert list(solid.y) == [200.0, None, None, 870.0, 1566.0]
    # the dotted trace holds the estimated days and the figures beside them, so the line joins up
    assert list(dotted.y) == [200.0, 190.0, 210.0, 870.0, None]
    assert dotted.line.dash == "dot" and solid.line.dash is None
    assert list(dotted.marker.symbol) == ["circle", "circle-open", "circle-open", "circle", "circle"]
    assert dotted.line.color == solid.line.color
    assert dotted.name == "osce_smm (estimated)"
    assert by_role(fig, "estimated", "ua_mod") == []  # no estimated day, no such trace


def test_spikes_are_marked_at_their_days() -> None:
    fig = figures.daily_figure(DEMO_LIKE)
    (spikes,) = by_role(fig, "spikes")
    assert list(spikes.x) == [datetime(2022, 2, 18), datetime(2022, 2, 17)]
    assert list(spikes.y) == [1566.0, 60.0]
    assert spikes.marker.symbol == "star"
    assert [row[3] for row in spikes.customdata] == ["osce_smm", "ua_mod"]


def test_hover_gives_coverage_reports_and_the_source_key() -> None:
    fig = figures.daily_figure(DEMO_LIKE)
    ua = by_role(fig, "figures", "ua_mod")[0]
    assert list(ua.customdata[4]) == ["71%", "3", "", "ua_mod"]  # 18 Feb: 17 of 24 hours, 3 reports
    assert list(ua.customdata[1]) == ["", "", "", "ua_mod"]  # a gap day: nothing to show
    assert "coverage %{customdata[0]}" in ua.hovertemplate and "%{customdata[1]} report" in ua.hovertemplate
    osce = by_role(fig, "figures", "osce_smm")[0]
    assert "estimated" in osce.customdata[1][2]


def test_index_mode_draws_the_escalation_index_and_the_threshold() -> None:
    fig = figures.daily_figure(DEMO_LIKE, mode="index")
    ua = by_role(fig, "figures", "ua_mod")[0]
    assert list(ua.y) == [0.3, None, None, 6.0, 5.2]
    assert any(shape.y0 == figures.SPIKE_INDEX for shape in fig.layout.shapes)
    assert "escalation index" in fig.layout.yaxis.title.text


def test_sources_order_and_a_source_without_figures_draws_nothing() -> None:
    fig = figures.daily_figure(DEMO_LIKE, sources=["ua_mod", "dpr", "osce_smm"])
    assert [t.meta["source"] for t in by_role(fig, "figures")] == ["ua_mod", "osce_smm"]


def test_an_empty_series_gives_an_empty_figure_with_a_note() -> None:
    fig = figures.daily_figure(pd.DataFrame(columns=list(figures.SERIES_COLUMNS)))
    assert len(fig.data) == 0
    assert fig.layout.annotations[0].text == "no figures for this choice"


def test_source_names_are_escaped() -> None:
    fig = figures.daily_figure(DEMO_LIKE, names={"ua_mod": "<b onmouseover=x>UA</b>"})
    ua = by_role(fig, "figures", "ua_mod")[0]
    assert ua.name == "&lt;b onmouseover=x&gt;UA&lt;/b&gt;"
    assert "<b onmouseover" not in ua.hovertemplate


def test_pair_figure_puts_each_source_on_its_own_axis() -> None:
    fig = figures.pair_figure(DEMO_LIKE, "osce_smm", "ua_mod")
    osce, ua = by_role(fig, "figures", "osce_smm")[0], by_role(fig, "figures", "ua_mod")[0]
    assert (osce.yaxis, ua.yaxis) == ("y", "y2")
    assert list(ua.y) == [3.0, None, None, 60.0, 52.0]
    assert by_role(fig, "estimated", "osce_smm")[0].yaxis == "y"
    assert len(by_role(fig, "spikes")) == 2


def discrepancy_rows() -> pd.DataFrame:
    return pd.DataFrame({
        "day": pd.to_datetime(["2022-02-14", "2022-02-15", "2022-02-17", "2022-02-18"]),
        "region": "all", "metric": "violations", "source_a": "osce_smm", "source_b": "ua_mod",
        "value_a": [200.0, 190.0, 870.0, 1566.0], "value_b": [3.0, None, 60.0, 52.0],
        "ratio": [0.015, None, 0.069, 0.0332], "typical_ratio": [None, 0.016, 0.016, 0.016],
        "kind": ["", "one_sided", "magnitude", ""], "grade": ["consistent", "consistent", "diverging", "consistent"],
        "explanation": ["a", "b", "<c>", "d"],
    })


def test_ratio_figure_draws_the_ratio_with_gaps_its_typical_band_and_flagged_days() -> None:
    fig = figures.ratio_figure(discrepancy_rows(), band=2.0)
    (ratio,) = by_role(fig, "ratio")
    assert list(ratio.x) == days(5)
    assert list(ratio.y) == [0.015, None, None, 0.069, 0.0332]
    assert ratio.connectgaps is False
    (typical,) = by_role(fig, "typical")
    assert list(typical.y) == [None, 0.016, None, 0.016, 0.016]
    low, high = by_role(fig, "band-low")[0], by_role(fig, "band-high")[0]
    assert list(low.y) == [None, 0.008, None, 0.008, 0.008]
    assert list(high.y) == [None, 0.032, None, 0.032, 0.032]
    assert high.fill == "tonexty"
    (diverging,) = by_role(fig, "diverging")
    assert list(diverging.x) == [datetime(2022, 2, 17)] and list(diverging.y) == [0.069]
    assert fig.layout.yaxis.type == "log"
    assert ratio.customdata[3][0] == "&lt;c&gt;"


def test_ratio_figure_of_nothing_is_empty() -> None:
    fig = figures.ratio_figure(pd.DataFrame())
    assert len(fig.data) == 0


@pytest.mark.parametrize("source,expected", [("ua_mod", "#1f5fbf"), ("someone_new", figures._PALETTE[2])])
def test_colours_are_stable_per_source(source: str, expected: str) -> None:
    assert figures.colour(source, 2) == expected


def test_log_ticks_are_written_in_full() -> None:
    ticks = figures.log_ticks(pd.Series([0.003, 0.07, None, -1]))
    assert ticks["ticktext"] == ["0.002", "0.005", "0.01", "0.02", "0.05", "0.1"]
    assert figures.log_ticks(pd.Series([None])) == {}


# --- the overview's small multiples ----------------------------------------------------------------

def levelled(frame: pd.DataFrame) -> pd.DataFrame:
    """DEMO_LIKE with the analysis columns: 18 Feb ua_mod is a 17:00 snapshot (incomplete, a spike even as
    a lower bound), 17 Feb osce_smm raised; whom each figure accuses."""
    out = frame.copy()
    out["incomplete"] = out["coverage"] < 0.75
    out["level"] = ["usual", "estimated", "estimated", "raised", "spike", "usual", "spike", "spike"]
    out["accuses"] = out["source"].map({"osce_smm": "recorded", "ua_mod": "accuses the Russia-backed side"})
    return out


LEVELLED = levelled(DEMO_LIKE)
NAMES = {"osce_smm": "OSCE SMM", "ua_mod": "Ukraine MoD / JFO HQ"}


def test_small_multiples_give_each_source_a_panel_with_its_own_y_axis() -> None:
    fig = figures.small_multiples(LEVELLED, names=NAMES, sources=["osce_smm", "ua_mod"],
                                  hints={"ua_mod": "violations it claims, as incidents"})
    assert [(t.meta["source"], t.xaxis, t.yaxis) for t in by_role(fig, "figures")] == [
        ("osce_smm", "x", "y"), ("ua_mod", "x2", "y2")]
    layout = fig.layout
    assert layout.yaxis.matches is None and layout.yaxis2.matches is None  # independent y axes
    assert layout.xaxis2.matches == "x"  # one calendar
    top, bottom = layout.yaxis.domain, layout.yaxis2.domain
    assert bottom[1] < top[0]  # one above the other, not overlapping
    titles = [a.text for a in layout.annotations]
    assert titles == ["<b>OSCE SMM</b>", "<b>Ukraine MoD / JFO HQ</b> · violations it claims, as incidents"]
    assert layout.yaxis.type is None and layout.yaxis.rangemode == "tozero"


def test_small_multiples_shared_puts_every_source_on_one_axis_and_log_makes_it_log() -> None:
    fig = figures.small_multiples(LEVELLED, names=NAMES, shared=True, log=True)
    assert {t.yaxis for t in fig.data} == {"y"}
    assert "yaxis2" not in fig.layout.to_plotly_json()
    assert [t.name for t in by_role(fig, "figures")] == ["OSCE SMM", "Ukraine MoD / JFO HQ"]
    assert fig.layout.yaxis.type == "log" and "log scale" in fig.layout.title.text
    (spikes,) = by_role(fig, "spikes")
    assert [row[3] for row in spikes.customdata] == ["osce_smm", "ua_mod", "ua_mod"]
    own = figures.small_multiples(LEVELLED, log=True)
    assert (own.layout.yaxis.type, own.layout.yaxis2.type) == ("log", "log")
    # an escalation index can be negative: no log axis for it
    assert figures.small_multiples(LEVELLED, mode="index", log=True).layout.yaxis.type is None


def test_incomplete_and_estimated_figures_have_their_own_markers_and_levels_their_marks() -> None:
    fig = figures.small_multiples(LEVELLED)
    ua = by_role(fig, "figures", "ua_mod")[0]
    assert list(ua.marker.symbol) == ["circle", "circle", "circle", "circle", figures.INCOMPLETE_SYMBOL]
    dotted = by_role(fig, "estimated", "osce_smm")[0]
    assert list(dotted.marker.symbol) == ["circle", "circle-open", "circle-open", "circle", "circle"]
    assert dotted.line.dash == "dot"
    assert figures.INCOMPLETE_SYMBOL != figures.ESTIMATED_SYMBOL
    spikes = {(t.yaxis, x.date().isoformat()) for t in by_role(fig, "spikes") for x in t.x}
    assert spikes == {("y", "2022-02-18"), ("y2", "2022-02-17"), ("y2", "2022-02-18")}
    (raised,) = by_role(fig, "raised")
    assert raised.marker.symbol == "triangle-up" and [x.date().isoformat() for x in raised.x] == ["2022-02-17"]
    lower = next(t for t in by_role(fig, "spikes") if t.yaxis == "y2")
    assert [row[2] for row in lower.customdata] == ["", " (even as a lower bound)"]
    assert sum(t.showlegend is not False for t in by_role(fig, "spikes")) == 1  # one legend entry per mark


def test_the_hover_names_whom_a_figure_accuses_and_its_level() -> None:
    fig = figures.small_multiples(LEVELLED, names=NAMES)
    ua = by_role(fig, "figures", "ua_mod")[0]
    assert "%{customdata[5]}" in ua.hovertemplate and "level: %{customdata[4]}" in ua.hovertemplate
    assert list(ua.customdata[4]) == ["71%", "3", "", "ua_mod", "spike (index 5.2), even as a lower bound",
                                      "accuses the Russia-backed side"]
    osce = by_role(fig, "figures", "osce_smm")[0]
    assert osce.customdata[3][5] == "recorded" and osce.customdata[3][4] == "raised (index 87.0)"


def test_drawn_figures_are_the_rows_the_panels_draw() -> None:
    drawn = figures.drawn_figures(LEVELLED, sources=["ua_mod", "osce_smm", "dpr"])
    assert drawn["source"].tolist() == ["ua_mod"] * 3 + ["osce_smm"] * 5
    fig = figures.small_multiples(LEVELLED, sources=["ua_mod", "osce_smm", "dpr"], names=NAMES)
    values = {(t.meta["source"], x): y for t in fig.data if t.meta.get("role") in ("figures", "estimated")
              for x, y in zip(t.x, t.y, strict=True) if y is not None}
    assert values == {(r.source, r.day.to_pydatetime()): r.value for r in drawn.itertuples()}
    assert "no figures for this choice: dpr" in fig.layout.title.text


def test_small_multiples_of_nothing_say_so() -> None:
    fig = figures.small_multiples(pd.DataFrame(columns=list(figures.SERIES_COLUMNS)))
    assert len(fig.data) == 0 and fig.layout.annotations[0].text == "no figures for this choice"
