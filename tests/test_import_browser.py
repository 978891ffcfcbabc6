"""The Import page in real headless Chromium: a file with bad rows shows each problem with what the file has
there; "import the valid rows" stores them; the rejected rows download exactly as they were, and once fixed
they import through the same page. The problems and a template download too."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import Server

from tracker import db

pytestmark = pytest.mark.browser

from test_browser import browser, current_count, page  # noqa: E402,F401 - the shared fixtures and helpers

FILE = ("source,period_start,period_end,violations,notes\n"
        "ua_mod,2022-02-10,2022-02-10,5,ok\n"
        "ua_mod,2022-02-11,2022-02-11,-3,typed wrong\n"
        "ua_mod,2022-02-13,2022-02-13,9,ok\n")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("import")
    db_path = folder / "t.duckdb"
    db.open_store(str(db_path)).close()
    server = Server(db_path, folder / "serve.log", env={})
    server.start()
    yield server.url, db_path
    server.stop()


def download(page, selector: str) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    return Path(info.value.path()).read_bytes()


def test_the_valid_rows_import_and_the_downloaded_rejects_reimport_after_a_fix(page, served, tmp_path: Path):
    url, db_path = served
    upload = tmp_path / "claims.csv"
    upload.write_text(FILE, encoding="utf-8")
    page.goto(url + "/import")
    page.set_input_files("#import-file input[type=file]", str(upload))
    page.wait_for_selector("#import-problems .ag-row[row-index='0']")
    assert page.locator("#import-problems .ag-cell[col-id='value']").first.inner_text() == "-3"
    assert "notes=typed wrong" in page.locator("#import-problems .ag-cell[col-id='row_values']").first.inner_text()
    assert not page.locator("#import-confirm").is_visible()  # all or nothing stays the default
    problems = list(csv.DictReader(io.StringIO(download(page, "#import-problems-csv").decode())))
    assert [(p["row"], p["column"], p["code"], p["value"]) for p in problems] == [
        ("3", "violations", "negative-count", "-3")]

    page.click("#import-valid")
    page.wait_for_selector("#import-imported-valid")
    assert "2 new reports" in page.inner_text("#import-imported-valid")
    rejects = download(page, "#import-rejects-file")
    assert rejects.decode() == ("source,period_start,period_end,violations,notes\n"
                                "ua_mod,2022-02-11,2022-02-11,-3,typed wrong\n")

    fixed = tmp_path / "claims.csv.rejects.csv"
    fixed.write_bytes(rejects.replace(b",-3,", b",3,"))
    page.goto(url + "/import")
    page.set_input_files("#import-file input[type=file]", str(fixed))
    page.wait_for_selector("#import-ready")
    page.click("#import-confirm")
    page.wait_for_selector("#import-imported")
    assert current_count(page, url) == 3  # the two valid rows and the fixed one


def test_the_template_downloads_with_the_stores_sources(page, served) -> None:
    url, _ = served
    page.goto(url + "/import")
    template = download(page, "#import-template").decode()
    assert template.startswith("source,channel,reported_at,period_start,period_end")
    assert "osce_smm" in template


def test_an_import_is_withdrawn_as_a_whole_from_the_reports_page(page, served, tmp_path: Path) -> None:
    url, _ = served
    upload = tmp_path / "wrong.csv"
    upload.write_text("source,period_start,period_end,violations\nosce_smm,2022-03-01,2022-03-01,11\n"
                      "osce_smm,2022-03-02,2022-03-02,12\n", encoding="utf-8")
    before = current_count(page, url)
    page.goto(url + "/import")
    page.set_input_files("#import-file input[type=file]", str(upload))
    page.wait_for_selector("#import-ready")
    page.click("#import-confirm")
    page.wait_for_selector("#import-imported")
    assert current_count(page, url) == before + 2
    page.wait_for_selector("#reports-imports .ag-row[row-index='0']")
    assert page.locator("#reports-imports .ag-row[row-index='0'] .ag-cell[col-id='file_name']").inner_text() == \
        "wrong.csv"
    page.click("#reports-imports .ag-row[row-index='0'] .ag-cell[col-id='file_name']")
    page.click("#reports-withdraw-batch")
    page.wait_for_selector("#reports-batch-reason-missing")  # a reason is required
    page.fill("#reports-batch-reason", "a file of the wrong month")
    page.click("#reports-withdraw-batch")
    page.wait_for_selector("#reports-batch-withdrawn")
    assert "Withdrew the 2 reports of import" in page.inner_text("#reports-batch-withdrawn")
    assert page.locator("#reports-imports .ag-row[row-index='0'] .ag-cell[col-id='current']").inner_text() == "0"
    assert current_count(page, url) == before
