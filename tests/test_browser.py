"""The dashboard in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright), against the
real `tracker serve` on a temp DuckDB file holding the demo data. Each test leaves a screenshot in
test-output/browser/."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, run_tracker
from live_server import Server

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SHOTS = REPO / "test-output" / "browser"
DEMO = [REPO / "data" / "demo" / "seed_figures.csv", REPO / "data" / "demo" / "osce_smm_2022.csv"]
TIMEOUT = 15_000  # ms, for anything the page waits for

if not os.path.exists(CHROMIUM):  # pragma: no cover
    pytest.skip("Debian's chromium is not installed (scripts/bootstrap.sh --test installs it)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")




@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`tracker serve` on a temp DuckDB file with the demo data; stopped after the module."""
    folder = tmp_path_factory.mktemp("served")
    db_path = folder / "demo.duckdb"
    loaded = run_tracker("import", *DEMO, db_path=db_path)
    assert loaded.returncode == 0, loaded.stderr
    server = Server(db_path, folder / "serve.log", env={})
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:
    """A page 1400 px wide (or as wide as the test's `page` parameter), downloads accepted; its screenshot is
    kept and a script error fails the test. Other browser test modules import this and `browser`."""
    width = getattr(request, "param", 1400)
    context = browser.new_context(viewport={"width": width, "height": 1000}, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    SHOTS.mkdir(parents=True, exist_ok=True)
    opened.screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert errors == [], errors


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def figure_traces(page, graph_id: str) -> list[dict]:
    """The plotly traces of a dcc.Graph as the browser holds them."""
    page.wait_for_function(
        f"() => {{ const g = document.querySelector('#{graph_id} .js-plotly-plot');"
        " return g && g.data && g.data.length > 0; }")
    return page.evaluate(
        f"() => document.querySelector('#{graph_id} .js-plotly-plot').data.map("
        "t => ({name: t.name, meta: t.meta || {}, x: t.x, y: t.y, customdata: t.customdata}))")


def by_day(trace: dict) -> dict[str, float]:
    return {str(x)[:10]: y for x, y in zip(trace["x"], trace["y"], strict=True) if y is not None}


def wait_for_text(page, selector: str, pattern: str) -> None:
    """Wait until the element's text matches the JavaScript regular expression `pattern`."""
    page.wait_for_function(
        "([selector, pattern]) => { const e = document.querySelector(selector);"
        " return e !== null && new RegExp(pattern).test(e.innerText); }", arg=[selector, pattern])


def current_count(page, url: str) -> int:
    """How many current reports the reports page says there are."""
    page.goto(url + "/reports")
    wait_for_text(page, "#reports-count", r"\d")
    text = page.locator("#reports-count").inner_text()
    return int(re.search(r"([\d,]+)", text).group(1).replace(",", ""))


def test_overview_shows_one_trace_per_source_and_the_february_escalation(page, server: str) -> None:
    page.goto(server + "/")
    traces = figure_traces(page, "overview-chart")
    main = [t for t in traces if t["meta"].get("role") == "figures"]
    assert sorted(t["meta"]["source"] for t in main) == ["lpr", "osce_smm", "ua_mod"]
    ua = by_day(next(t for t in main if t["meta"]["source"] == "ua_mod"))
    osce = by_day(next(t for t in main if t["meta"]["source"] == "osce_smm"))
    assert ua["2022-02-17"] == 60 and ua["2022-02-18"] == 52
    assert osce["2022-02-17"] == 870 and osce["2022-02-18"] == 1566
    # each source has a panel of its own (tests/test_overview_browser.py), each with its spikes' marks
    marked = {(str(x)[:10], c[3]) for t in traces if t["meta"].get("role") == "spikes"
              for x, c in zip(t["x"], t["customdata"], strict=True)}
    assert {("2022-02-17", "ua_mod"), ("2022-02-18", "osce_smm")} <= marked
    assert page.locator("#overview-latest .ag-row").count() == 3


def test_the_form_refuses_a_bad_value_then_stores_a_good_one(page, server: str) -> None:
    before = current_count(page, server)
    page.goto(server + "/entry")
    page.select_option("#entry-source", "ua_mod")
    page.fill("#entry-period_start", "2022-02-23T00:00")
    page.fill("#entry-period_end", "2022-02-24T00:00")
    page.fill("#entry-violations", "77")
    page.fill("#entry-prohibited_weapons", "80")
    page.click("#entry-submit")
    page.wait_for_selector("#entry-problems")
    assert "is-invalid" in page.get_attribute("#entry-prohibited_weapons", "class")
    assert "more than violations 77" in page.inner_text("#entry-prohibited_weapons-feedback")
    assert page.input_value("#entry-violations") == "77"  # what was typed stays
    shot(page, "entry_bad_value")
    assert current_count(page, server) == before

    page.goto(server + "/entry")
    page.select_option("#entry-source", "ua_mod")
    page.fill("#entry-period_start", "2022-02-23T00:00")
    page.fill("#entry-period_end", "2022-02-24T00:00")
    page.fill("#entry-violations", "77")
    page.fill("#entry-prohibited_weapons", "40")
    page.fill("#entry-quote", "<img src=x onerror=alert(1)> 77 violations")
    page.dblclick("#entry-submit")  # a double click stores one report
    page.wait_for_selector("#entry-saved")
    shot(page, "entry_saved")
    page.click("#entry-saved-link")
    wait_for_text(page, "#reports-count", "^1 matching report$")
    page.wait_for_selector("#reports-grid .ag-row[row-index='0'] .ag-cell[col-id='violations']")
    assert page.inner_text("#reports-grid .ag-row[row-index='0'] .ag-cell[col-id='violations']") == "77"
    assert "<img src=x" in page.inner_text("#reports-grid .ag-row[row-index='0'] .ag-cell[col-id='quote']")
    shot(page, "entry_on_reports_page")
    assert current_count(page, server) == before + 1

    page.goto(server + "/")
    ua = next(t for t in figure_traces(page, "overview-chart")
              if t["meta"].get("role") == "figures" and t["meta"]["source"] == "ua_mod")
    assert by_day(ua)["2022-02-23"] == 77


def test_a_bad_csv_shows_the_error_grid_and_a_good_one_imports(page, server: str, tmp_path: Path) -> None:
    before = current_count(page, server)
    bad = tmp_path / "bad.csv"
    bad.write_text("source,period_start,period_end,violations\n"
                   "ua_mod,2022-02-25,2022-02-25,abc\n"
                   "nobody,2022-02-25,2022-02-25,5\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("source,period_start,period_end,violations,notes\n"
                    "dpr,2022-02-25,2022-02-25,40,browser test\n"
                    "lpr,2022-02-25,2022-02-25,25,browser test\n", encoding="utf-8")
    page.goto(server + "/import")
    page.set_input_files("#import-file input[type=file]", str(bad))
    page.wait_for_selector("#import-problems .ag-row[row-index='1']")
    codes = page.locator("#import-problems .ag-cell[col-id='code']").all_inner_texts()
    assert codes == ["not-a-number", "unknown-source"]
    assert not page.locator("#import-confirm").is_visible()
    shot(page, "import_bad_csv")
    page.set_input_files("#import-file input[type=file]", str(good))
    page.wait_for_selector("#import-ready")
    page.click("#import-confirm")
    page.wait_for_selector("#import-imported")
    assert "imported 2 new reports" in page.inner_text("#import-imported")
    shot(page, "import_good_csv")
    assert current_count(page, server) == before + 2


def test_editing_a_report_makes_a_new_version(page, server: str) -> None:
    page.goto(server + "/reports")
    page.fill(".ag-floating-filter[col-id='source'] input", "lpr")
    wait_for_text(page, "#reports-count", "matching")
    page.click("#reports-grid .ag-row[row-index='0'] .ag-cell[col-id='source']")
    page.wait_for_selector("#reports-save")
    before = page.locator("#reports-history .ag-row").count()
    page.fill("#reports-notes", "checked against the LPR site")
    page.fill("#reports-edit-reason", "the LPR site says so")  # an edit says why (issue 16)
    page.click("#reports-save")
    page.wait_for_selector("#reports-saved")
    page.wait_for_function(f"() => document.querySelectorAll('#reports-history .ag-row').length == {before + 1}")
    kinds = page.locator("#reports-history .ag-cell[col-id='kind']").all_inner_texts()
    assert kinds[-1] == "edit"
    shot(page, "reports_edit")


def test_a_reason_typed_into_a_newly_chosen_report_stays_while_the_server_answers(page, server: str) -> None:
    """What the analyst types into the edit's reason the moment the form appears is kept, however late the
    server's other answers about the chosen row arrive (the field once emptied itself in a second round trip,
    wiping it); a saved edit's reason then empties with the answer that says it was saved, and choosing
    another report gives an empty one."""
    held: list = []

    def hold_reason_updates(route) -> None:  # every callback that reads or sets the reason waits until released
        if "reports-edit-reason" in (route.request.post_data or ""):
            held.append(route)
        else:
            route.continue_()

    page.route("**/_dash-update-component*", hold_reason_updates)
    page.goto(server + "/reports")
    page.fill(".ag-floating-filter[col-id='source'] input", "lpr")
    wait_for_text(page, "#reports-count", "matching")
    page.click("#reports-grid .ag-row[row-index='0'] .ag-cell[col-id='source']")
    page.wait_for_selector("#reports-edit-reason")
    page.fill("#reports-edit-reason", "the LPR channel corrected its post")
    page.fill("#reports-notes", "corrected by the channel")
    page.wait_for_timeout(500)
    assert held  # the save's answer to the new form (it reads the reason) waits
    for route in held:  # the late answers arrive after the typing
        route.continue_()
    page.wait_for_timeout(1000)
    assert page.input_value("#reports-edit-reason") == "the LPR channel corrected its post"

    page.unroute("**/_dash-update-component*")
    page.click("#reports-save")
    page.wait_for_selector("#reports-saved")
    page.wait_for_function("() => document.querySelector('#reports-edit-reason').value === ''")

    # a save empties the reason it saved, not one typed while its answer was on its way
    saves: list = []

    def hold_saves(route) -> None:
        inputs = json.loads(route.request.post_data or "{}").get("inputs", [])
        if any(i.get("id") == "reports-save" and i.get("value") for i in inputs):
            saves.append(route)
        else:
            route.continue_()

    page.route("**/_dash-update-component*", hold_saves)
    page.fill("#reports-notes", "corrected twice by the channel")
    page.fill("#reports-edit-reason", "the channel corrected it again")
    page.click("#reports-save")
    page.wait_for_function("() => document.querySelector('#reports-save').disabled")  # on its way
    page.fill("#reports-edit-reason", "typed while the save was answered")
    for _ in range(50):
        if saves:
            break
        page.wait_for_timeout(100)
    assert len(saves) == 1
    saves[0].continue_()
    page.unroute("**/_dash-update-component*")
    page.wait_for_function("() => !document.querySelector('#reports-save').disabled")
    page.wait_for_timeout(500)
    assert page.input_value("#reports-edit-reason") == "typed while the save was answered"
    page.fill("#reports-edit-reason", "a second look")
    edited = page.inner_text("#reports-heading")
    page.fill(".ag-floating-filter[col-id='source'] input", "ua_mod")
    first = "#reports-grid .ag-row[row-index='0'] .ag-cell[col-id='source']"
    page.wait_for_function(f"() => document.querySelector(\"{first}\")?.innerText === 'ua_mod'")
    page.click(first)
    page.wait_for_function("edited => document.querySelector('#reports-heading')?.innerText !== edited", arg=edited)
    page.wait_for_function("() => document.querySelector('#reports-edit-reason').value === ''")


def test_the_export_downloads_a_csv_that_reimports_to_the_same_reports(page, server: str, tmp_path: Path) -> None:
    total = current_count(page, server)
    with page.expect_download() as download:
        page.click("#reports-export-csv")
    exported = tmp_path / "exported.csv"
    download.value.save_as(exported)
    assert download.value.suggested_filename == "reports_all.csv"  # named after the filter: none
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert len(lines) == total + 1
    fresh = tmp_path / "fresh.duckdb"
    assert run_tracker("import", exported, db_path=fresh).returncode == 0
    again = tmp_path / "again.csv"
    assert run_tracker("export", again, db_path=fresh).returncode == 0
    assert again.read_bytes() == exported.read_bytes()
