"""The Compare page in real headless Chromium against the real `tracker serve` on the whole demo (the seed,
the OSCE SMM and the parties' claims): the reading timeline and the mirrored claims for 14-23 Feb 2022, a
click that lists the reports behind a day, and downloads that return exactly the rows shown."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from live_server import demo_server

pytestmark = pytest.mark.browser

from test_browser import browser, page  # noqa: E402,F401 - the shared Chromium and page fixtures

RANGE = "?from=2022-02-14&to=2022-02-23"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_server(tmp_path_factory.mktemp("compare")) as served:
        yield served.url


def traces(page, graph: str) -> list[dict]:
    page.wait_for_function(f"() => {{ const g = document.querySelector('#{graph} .js-plotly-plot');"
                           " return g && g.data && g.data.length > 0; }")
    return page.evaluate(f"() => document.querySelector('#{graph} .js-plotly-plot')._fullData.map("
                         "t => ({name: t.name, type: t.type, x: Array.from(t.x || []), y: Array.from(t.y || [])}))")


def days_of(trace: dict) -> list[str]:
    return [str(x)[:10] for x in trace["x"]]


def download(page, button: str) -> pd.DataFrame:
    with page.expect_download() as info:
        page.click(f"#{button}")
    return pd.read_csv(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8")), keep_default_na=False,
                       na_values=[""])


def test_the_timeline_of_readings_and_the_mirrored_claims_for_14_to_23_february(page, server: str) -> None:
    page.goto(server + "/compare" + RANGE)
    readings = {t["name"]: days_of(t) for t in traces(page, "compare-timeline") if t["type"] == "bar"}
    assert readings["one side claims an escalation"] == [f"2022-02-{d}" for d in (14, 16, 17, 18, 19, 20, 21, 22, 23)]
    assert readings["no escalation claimed"] == ["2022-02-15"]
    legend = " ".join(page.locator("#compare-timeline .legend .legendtext").all_text_contents())
    assert "one side claims an escalation" in legend and "the monitor corroborates" in legend
    claims = {t["name"]: dict(zip(days_of(t), t["y"], strict=True)) for t in traces(page, "compare-claims")}
    assert claims["Ukraine MoD / JFO HQ"]["2022-02-17"] == 60  # above the axis
    assert claims["LPR"]["2022-02-17"] == -29 and claims["DPR"]["2022-02-19"] == -82  # the other side, below
    assert claims["OSCE SMM"]["2022-02-18"] == 1566  # the monitor, in its own panel
    assert page.locator("#compare-grid .ag-row").count() > 0


def test_clicking_a_day_lists_the_reports_behind_it_and_a_new_choice_clears_them(page, server: str) -> None:
    page.goto(server + "/compare" + RANGE)
    traces(page, "compare-timeline")
    bar = page.locator("#compare-timeline .trace.bars .point path").nth(3)  # 18 Feb: 14, 16, 17, 18 claim
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#compare-behind-day")
    assert page.inner_text("#compare-behind-day") == "2022-02-18: one side claims an escalation"
    text = page.inner_text("#compare-behind")
    assert "Reports of Ukraine MoD / JFO HQ whose window overlaps" in text
    assert "Reports of OSCE SMM" in text and "Reports of LPR" in text and "Reports of DPR" in text
    page.select_option("#compare-region", "donetsk")
    page.wait_for_function("() => !document.querySelector('#compare-behind-day')")


def test_every_download_returns_the_rows_shown(page, server: str) -> None:
    page.goto(server + "/compare" + RANGE)
    shown = {t["name"]: dict(zip(days_of(t), t["y"], strict=True)) for t in traces(page, "compare-claims")}
    claims = download(page, "compare-claims-csv")
    assert set(claims["day"]) <= {f"2022-02-{d}" for d in range(14, 24)}
    names = {"ua_mod": "Ukraine MoD / JFO HQ", "lpr": "LPR", "dpr": "DPR", "osce_smm": "OSCE SMM"}
    drawn = {(names[s], d): v for s, d, v in zip(claims["source"], claims["day"], claims["shown"], strict=True)}
    assert drawn == {(name, day): y for name, by_day in shown.items() for day, y in by_day.items()}

    readings = download(page, "compare-timeline-csv")
    per_day = readings.drop_duplicates("day").set_index("day")["reading"].to_dict()
    bars = {t["name"]: days_of(t) for t in traces(page, "compare-timeline") if t["type"] == "bar"}
    labels = {"one_side_claims_escalation": "one side claims an escalation",
              "no_escalation_claimed": "no escalation claimed", "unclear": "unclear",
              "both_claim_escalation": "both sides claim an escalation"}
    assert {(labels[r], d) for d, r in per_day.items()} == {(n, d) for n, days in bars.items() for d in days}

    pairs = download(page, "compare-pairs-csv")
    grid_rows = page.locator("#compare-grid .ag-center-cols-container .ag-row").count()
    assert len(pairs) >= grid_rows > 0  # the grid renders the rows in view; the file holds every row
    first = page.locator("#compare-grid .ag-row[row-index='0'] .ag-cell[col-id='explanation']").inner_text()
    assert pairs["explanation"].iloc[0] == first
