"""What the user types into the entry form never vanishes (issue 14, point 2; STYLE 23): figures typed into
the real served app in headless Chromium reach the server's checks and come back as field errors, and
nothing is stored; a valid entry still stores. The last test stops the server and reads the DuckDB file
itself. Screenshots go to test-output/browser/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import REPO, run_tracker
from live_server import Server
from test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT, shot, sync_api

pytestmark = pytest.mark.browser

SEED = REPO / "data" / "demo" / "seed_figures.csv"

# (what is typed into which figure, the field that must come back invalid, what its message says)
REFUSED = [
    ({"violations": "10", "wounded": "-1"}, "wounded", "'-1' is negative; a count is 0 or more"),
    ({"violations": "10", "killed": "2.5"}, "killed", "'2.5' is not a whole number"),
    ({"violations": "-5"}, "violations", "'-5' is negative; a count is 0 or more"),
    ({"violations": "abc"}, "violations", "'abc' is not a number"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("entry")
    db_path = folder / "entry.duckdb"
    loaded = run_tracker("import", SEED, db_path=db_path)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    server = Server(db_path, folder / "serve.log")
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.stop()


@pytest.fixture(scope="module")
def page(served: Server) -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        opened = browser.new_page(viewport={"width": 1400, "height": 1400})
        opened.set_default_timeout(TIMEOUT)
        errors: list[str] = []
        opened.on("pageerror", lambda error: errors.append(str(error)))
        yield opened
        browser.close()
    assert errors == []


def type_entry(page, url: str, day: int, figures: dict[str, str]) -> None:
    """A new form: a dpr report for 2022-03-<day>, each figure typed key by key, then Save."""
    page.goto(url + "/entry")
    page.select_option("#entry-source", "dpr")
    page.fill("#entry-period_start", f"2022-03-{day:02d}T00:00")
    page.fill("#entry-period_end", f"2022-03-{day + 1:02d}T00:00")
    for field, text in figures.items():
        page.locator(f"#entry-{field}").press_sequentially(text)
    page.click("#entry-submit")


@pytest.mark.parametrize("case", range(len(REFUSED)),
                         ids=["wounded -1", "killed 2.5", "violations -5 alone", "violations abc"])
def test_a_typed_figure_that_is_not_a_count_comes_back_at_its_field(page, served: Server, case: int) -> None:
    figures, field, message = REFUSED[case]
    type_entry(page, served.url, case + 1, figures)
    page.wait_for_selector("#entry-problems")
    shot(page, f"entry_refused_{field}_{case}")
    assert "Nothing was stored" in page.inner_text("#entry-problems")
    assert "is-invalid" in page.get_attribute(f"#entry-{field}", "class")
    assert message in page.inner_text(f"#entry-{field}-feedback")
    assert "no figure" not in page.inner_text("#entry-result").lower()
    for typed, text in figures.items():  # what was typed stays in the form
        assert page.input_value(f"#entry-{typed}") == text
        if typed != field:
            assert "is-invalid" not in page.get_attribute(f"#entry-{typed}", "class")
    assert page.locator("#entry-saved").count() == 0


def test_a_valid_typed_entry_still_stores(page, served: Server) -> None:
    type_entry(page, served.url, 20, {"violations": "12", "wounded": "0"})
    page.wait_for_selector("#entry-saved")
    shot(page, "entry_valid_typed")
    saved = page.inner_text("#entry-saved")
    assert "Violations\t12" in saved and "Wounded\t0" in saved


def test_the_database_file_holds_the_valid_entry_and_nothing_else(served: Server) -> None:
    from tracker import db

    served.stop()  # the server owns the file while it runs
    store = db.open_store(str(served.db_path), read_only=True)
    try:
        added = store.rows("select source, violations, wounded, killed from reports where source = 'dpr'")
        assert added == [("dpr", 12, 0, None)]
        assert store.value("select count(*) from reports") == 7 + 1  # the seed file and the valid entry
    finally:
        store.close()
