"""The dashboard's callbacks and their logic without a browser, on a real DuckDB store with the demo data:
the entry form, the import preview and confirmation, the reports grid (paging, sorting, filtering), edits
and conflicts, withdrawal, the filtered export, the overview and discrepancy updates; and the server's
guards (same-origin writes, login, upload size)."""

from __future__ import annotations

import base64
import io
import json
import socket
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_tracker
from flask import Flask

from dashboards import components, scratch, security
from dashboards.app import create_app
from tracker import db, ingest, queries
from tracker.queries import ReportFilter

GOOD_ENTRY = {"source": "ua_mod", "period_start": "2022-02-19T00:00", "period_end": "2022-02-19T12:00",
              "violations": 10, "prohibited_weapons": 7, "region": components.BLANK,
              "accused_party": components.BLANK, "qualifier": "exact", "timezone": "Europe/Kyiv"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    """One Dash app per test module (pages register themselves with the app that imports them)."""
    return create_app(str(tmp_path_factory.mktemp("app") / "app.duckdb"))


@pytest.fixture
def pages(app, demo_store: db.Store):
    """The page modules, with the app's store switched to this test's demo store."""
    from dashboards.pages import compare, entry, overview, reports, upload

    components.set_store(demo_store)
    yield {"entry": entry, "upload": upload, "reports": reports, "overview": overview,
           "compare": compare}
    components.set_store(app.server.config["TRACKER_STORE"])


def form_values(record: dict) -> list:
    return [record.get(field) for field in components.FORM_FIELDS]


def count(store: db.Store) -> int:
    return queries.count_reports(store)


# --- the shell ---------------------------------------------------------------------------------------

def test_the_app_registers_every_page_at_its_path(app) -> None:
    import dash

    paths = {page["path"] for page in dash.page_registry.values()}
    assert {"/", "/compare", "/entry", "/import", "/reports"} <= paths
    response = app.server.test_client().get("/entry")
    assert response.status_code == 200
    assert b"bootstrap.min.css" in response.data


def test_component_ids_are_page_prefixed() -> None:
    assert components.id_maker("entry")("submit") == "entry-submit"
    with pytest.raises(ValueError):
        components.id_maker("Entry page")


def test_links_are_only_http() -> None:
    assert components.safe_link("https://example.org/a").href == "https://example.org/a"
    assert components.safe_link("javascript:alert(1)").__class__.__name__ == "Span"
    assert components.safe_link("javascript:alert(1)").children == "javascript:alert(1)"


# --- entry -------------------------------------------------------------------------------------------

def test_entry_with_a_bad_value_marks_the_field_and_stores_nothing(pages, demo_store: db.Store) -> None:
    before = count(demo_store)
    bad = {**GOOD_ENTRY, "prohibited_weapons": 20}
    out = pages["entry"].submit(1, *form_values(bad), "nonce-1")
    n = len(components.FORM_FIELDS)
    invalid, messages, result = out[:n], out[n:2 * n], out[2 * n]
    at = components.FORM_FIELDS.index("prohibited_weapons")
    assert invalid[at] is True and sum(invalid) == 1
    assert messages[at].startswith("prohibited_weapons 20 is more than violations 10")
    assert "Nothing was stored" in str(result)
    assert count(demo_store) == before


def test_entry_problems_of_several_fields_are_each_shown_at_their_field(pages) -> None:
    out = pages["entry"].submit(1, *form_values({**GOOD_ENTRY, "violations": -3, "period_end": "",
                                                 "source_url": "javascript:x"}), "n")
    n = len(components.FORM_FIELDS)
    marked = {field for field, bad in zip(components.FORM_FIELDS, out[:n], strict=True) if bad}
    assert marked == {"violations", "period_end", "source_url"}


def test_entry_stores_one_report_and_answers_a_duplicate(pages, demo_store: db.Store) -> None:
    before = count(demo_store)
    out = pages["entry"].submit(1, *form_values(GOOD_ENTRY), "nonce-2")
    result, new_nonce = out[-2], out[-1]
    assert "Stored" in str(result) and "/reports?id=" in str(result)
    assert new_nonce != "nonce-2"
    assert count(demo_store) == before + 1
    # the same values from a new form: already stored, not stored twice
    again = pages["entry"].submit(1, *form_values(GOOD_ENTRY), new_nonce)
    assert "Already stored" in str(again[-2])
    assert count(demo_store) == before + 1


def test_a_double_click_stores_one_report_and_both_answers_say_stored(pages, demo_store: db.Store) -> None:
    before = count(demo_store)
    first = pages["entry"].save_entry(demo_store, components.form_record(form_values(GOOD_ENTRY)), "same-form")
    second = pages["entry"].save_entry(demo_store, components.form_record(form_values(GOOD_ENTRY)), "same-form")
    assert first.saved.status == second.saved.status == "stored"
    assert first.saved.id == second.saved.id
    assert count(demo_store) == before + 1


def test_a_double_click_while_another_entry_is_written_is_answered_stored_twice(pages, demo_store: db.Store,
                                                                                  held_refresh) -> None:
    """The two requests of a double click arrive while another analyst's entry is being written, so the
    form's entries are stored in groups (tracker/group_commit.py): the second waits for the first's answer,
    so both say "stored" (never "already stored") and one report is stored."""
    import threading
    import time

    from tracker import ingest
    from tracker.schema import CountReport

    entry = pages["entry"]
    entered, release = held_refresh
    before = count(demo_store)
    outcomes: dict[str, object] = {}

    def click(name: str) -> None:
        cursor = demo_store.cursor()
        try:
            outcomes[name] = entry.save_entry(cursor, components.form_record(form_values(GOOD_ENTRY)), "one-form")
        finally:
            cursor.close()

    other_report = CountReport.model_validate({"source": "ua_mod", "period_start": "2022-02-23T00:00",
                                               "period_end": "2022-02-23T17:00", "violations": 3})
    other = threading.Thread(target=lambda: ingest.add_report(demo_store.cursor(), other_report, recorded_by="x"))
    other.start()
    assert entered.wait(10)
    clicks = [threading.Thread(target=click, args=(name,)) for name in ("first", "second")]
    for thread in clicks:
        thread.start()
    deadline = time.monotonic() + 10
    while not (len(demo_store.shared["entries"]._pending) == 1 and len(entry._saving) == 1):
        assert time.monotonic() < deadline
        time.sleep(0.005)
    release.set()
    for thread in [other, *clicks]:
        thread.join(30)
        assert not thread.is_alive()
    assert [outcomes[name].saved.status for name in ("first", "second")] == ["stored", "stored"]
    assert outcomes["first"].saved.id == outcomes["second"].saved.id
    assert count(demo_store) == before + 2  # the other analyst's and the double-clicked one


def test_form_record_reads_blank_choices_as_not_given() -> None:
    record = components.form_record(form_values({**GOOD_ENTRY, "channel": "  ", "notes": None}))
    assert "region" not in record and "accused_party" not in record and "channel" not in record
    assert record["violations"] == 10


# --- import ------------------------------------------------------------------------------------------

def upload_payload(text: str, name: str = "file.csv") -> dict:
    return {"contents": "data:text/csv;base64," + base64.b64encode(text.encode()).decode(), "filename": name}


BAD_CSV = ("source,period_start,period_end,violations\n"
           "ua_mod,2022-02-20,2022-02-20,abc\n"
           "nobody,2022-02-20,2022-02-20,5\n")
GOOD_CSV = ("source,period_start,period_end,violations,quote\n"
            "dpr,2022-02-20,2022-02-20,40,\"=1+1\"\n"
            "lpr,2022-02-20,2022-02-20,25,<b>not html</b>\n")


def test_a_bad_upload_shows_the_problem_grid_and_offers_no_import(pages, demo_store: db.Store) -> None:
    before = count(demo_store)
    view, token, style, _ = pages["upload"].preview(upload_payload(BAD_CSV), "utf-8", ",")
    assert token is None and style == {"display": "none"}
    grid = _find(view, "import-problems")
    assert [(r["row"], r["column"], r["code"]) for r in grid.rowData] == [
        (2, "violations", "not-a-number"), (3, "source", "unknown-source")]
    assert count(demo_store) == before


def test_a_good_upload_previews_then_imports_once(pages, demo_store: db.Store) -> None:
    before = count(demo_store)
    view, token, style, _ = pages["upload"].preview(upload_payload(GOOD_CSV, "good.csv"), "utf-8", ",")
    assert style == {"display": "inline-block"} and token
    assert "good.csv: 2 new reports" in str(view)
    assert count(demo_store) == before  # a dry run writes nothing
    answer, _, _ = pages["upload"].confirm(1, token, "utf-8", ",")
    assert "imported 2 new reports" in str(answer)
    assert count(demo_store) == before + 2
    again, _, _ = pages["upload"].confirm(2, token, "utf-8", ",")  # a second click: the same answer
    assert str(again) == str(answer)
    assert count(demo_store) == before + 2
    assert scratch.path(token) is None
    files = demo_store.rows("select file_name from batches where kind = 'import' order by batch_seq desc limit 1")
    assert files == [("good.csv",)]


def test_uploading_what_is_stored_says_nothing_new(pages, demo_store: db.Store) -> None:
    pages["upload"].confirm(1, pages["upload"].preview(upload_payload(GOOD_CSV), "utf-8", ",")[1], "utf-8", ",")
    view, token, _, _ = pages["upload"].preview(upload_payload(GOOD_CSV), "utf-8", ",")
    assert token is None and "nothing new; all 2 rows are already stored" in str(view)


def test_an_expired_or_forged_token_is_refused(pages) -> None:
    answer, _, _ = pages["upload"].confirm(1, "../../etc/passwd-xxxxxxxxxxxx", "utf-8", ",")
    assert "upload expired" in str(answer)


# --- reports -----------------------------------------------------------------------------------------

def test_the_grid_pages_sorts_and_filters_in_duckdb(pages, demo_store: db.Store) -> None:
    rows = pages["reports"].rows_response
    first = rows(demo_store, {"startRow": 0, "endRow": 10, "sortModel": [], "filterModel": {}})
    assert first["rowCount"] == count(demo_store) and len(first["rowData"]) == 10
    top = rows(demo_store, {"startRow": 0, "endRow": 3, "sortModel": [{"colId": "violations", "sort": "desc"}],
                            "filterModel": {"source": {"filterType": "text", "type": "equals", "filter": "osce_smm"}}})
    values = [r["violations"] for r in top["rowData"]]
    assert values == sorted(values, reverse=True) and {r["source"] for r in top["rowData"]} == {"osce_smm"}
    ua = rows(demo_store, {"startRow": 0, "endRow": 100, "sortModel": [],
                           "filterModel": {"source": {"filterType": "text", "type": "equals", "filter": "ua_mod"},
                                           "violations": {"filterType": "number", "type": "greaterThan",
                                                          "filter": 50}}})
    assert sorted(r["violations"] for r in ua["rowData"]) == [52, 60, 60, 107]  # 60: two channels
    assert ua["rowCount"] == 4
    day = rows(demo_store, {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {
        "period_start": {"filterType": "date", "type": "equals", "dateFrom": "2022-02-18 00:00:00"},
        "source": {"filterType": "text", "type": "equals", "filter": "ua_mod"}}})
    assert sorted(r["violations"] for r in day["rowData"]) == [20, 33, 52]
    assert day["rowData"][0]["period_start"] == "2022-02-18 00:00"


def test_the_grid_refuses_unknown_columns(demo_store: db.Store) -> None:
    with pytest.raises(ValueError):
        queries.reports_page(demo_store, 0, 10, sort=[("id; drop table reports", "asc")])
    with pytest.raises(ValueError):
        queries.reports_page(demo_store, 0, 10, filters=[ReportFilter("nope", "equals", "x")])


def test_an_edit_makes_a_new_version_and_an_edit_of_an_old_version_is_a_conflict(pages, demo_store: db.Store) -> None:
    before = count(demo_store)
    first = demo_store.value("select id from current_reports where source = 'ua_mod' and violations = 52")
    values = queries.current_report(demo_store, first)
    values = {k: v for k, v in values.items() if k != "id"}
    out = pages["reports"].save(1, *form_values({**values, "notes": "checked against the MoD site"}),
                                "the MoD site gives more", first, 0)
    n = len(components.FORM_FIELDS)
    reason_invalid, _, alert, editing, changed, history, heading, reason = out[2 * n:]
    assert "new version" in str(alert) and editing != first and changed == 1 and heading == editing
    assert reason == {"reason": "the MoD site gives more", "version": editing}  # emptied in the browser
    assert not reason_invalid
    assert [h["version"] for h in history] == [1, 2] and history[1]["kind"] == "edit"
    assert history[1]["changes"] == ("Notes: 'intraday snapshot; the day so far, not a full day' "
                                     "→ 'checked against the MoD site'")
    assert history[1]["reason"] == "the MoD site gives more"
    assert count(demo_store) == before
    assert queries.current_report(demo_store, first)["notes"] == "checked against the MoD site"
    # someone else's tab still holds the first version
    stale = pages["reports"].save(1, *form_values({**values, "notes": "other"}), "typo", first, 0)
    assert "edit conflict" in str(stale[2 * n + 2]) and "reload it" in str(stale[2 * n + 2])
    assert queries.current_report(demo_store, first)["notes"] == "checked against the MoD site"


def test_an_edit_with_a_bad_value_stores_nothing(pages, demo_store: db.Store) -> None:
    first = demo_store.value("select id from current_reports where source = 'ua_mod' and violations = 52")
    values = {k: v for k, v in queries.current_report(demo_store, first).items() if k != "id"}
    out = pages["reports"].save(1, *form_values({**values, "violations": 10}), "typo", first, 0)
    n = len(components.FORM_FIELDS)
    assert out[components.FORM_FIELDS.index("prohibited_weapons")] is True
    assert "Nothing was stored" in str(out[2 * n + 2])  # the alert follows the fields' flags, messages and reason's
    assert queries.current_report(demo_store, first)["id"] == first


def test_withdrawing_needs_a_reason_and_then_the_report_counts_nowhere(pages, demo_store: db.Store) -> None:
    before = count(demo_store)
    target = demo_store.value("select id from current_reports where source = 'lpr'")
    refused, _, invalid, message = pages["reports"].withdraw(1, "  ", target, 0)
    assert refused == "" and invalid and message.startswith("reason required")
    done, changed, _, _ = pages["reports"].withdraw(1, "duplicate of a TASS report", target, 0)
    assert "Withdrawn" in str(done) and changed == 1
    assert count(demo_store) == before - 1


def test_the_filtered_export_reimports_to_the_same_reports(pages, demo_store: db.Store, tmp_path: Path) -> None:
    model = {"source": {"filterType": "text", "type": "equals", "filter": "ua_mod"}}
    token, name, exported = pages["reports"].export_filtered(demo_store, model, "csv")
    assert name == "reports_source-equals-ua_mod.csv" and exported == 6  # the ua_mod rows of the seed file
    path = scratch.path(token)
    other = db.open_store(str(tmp_path / "other.duckdb"))
    assert ingest.import_csv(other, str(path)).inserted == 6
    again = tmp_path / "again.csv"
    from tracker import export

    export.export_reports(other, str(again))
    assert again.read_bytes() == path.read_bytes()
    other.close()


def test_the_export_callback_answers_with_a_download_link(pages, app) -> None:
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        import dash
        from dash._callback_context import context_value
        from dash._utils import AttributeDict

        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "reports-export-parquet.n_clicks"}]))
        alert, url = pages["reports"].export_current(None, 1, {})
    assert url.startswith("/download/") and url.endswith("/reports_all.parquet")
    assert "as PARQUET" in str(alert)
    token = url.split("/")[2]
    response = app.server.test_client().get(url)
    assert response.status_code == 200 and response.data[:4] == b"PAR1"
    assert app.server.test_client().get(f"/download/{token}/other.csv").status_code == 404
    assert dash  # imported for the context


# --- overview and discrepancies ------------------------------------------------------------------------

def test_overview_update_draws_one_trace_per_source_and_the_february_escalation(pages) -> None:
    fig, table, error = pages["overview"].update("all", "2022-01-01", "2022-02-22", ["osce_smm", "ua_mod", "lpr"],
                                                 "violations", "raw")
    assert error == ""
    main = [t for t in fig.data if t.meta.get("role") == "figures"]
    assert [t.meta["source"] for t in main] == ["osce_smm", "ua_mod", "lpr"]
    ua = next(t for t in main if t.meta["source"] == "ua_mod")
    by_day = dict(zip([x.date().isoformat() for x in ua.x], ua.y, strict=True))
    assert by_day["2022-02-17"] == 60 and by_day["2022-02-18"] == 52
    # by default each source has a panel of its own, so its spikes are marked in a trace of that panel
    spiked = {(x.date().isoformat(), c[3]) for t in fig.data if t.meta.get("role") == "spikes"
              for x, c in zip(t.x, t.customdata, strict=True)}
    assert ("2022-02-17", "ua_mod") in spiked and ("2022-02-18", "osce_smm") in spiked
    estimated = next(t for t in fig.data if t.meta.get("role") == "estimated" and t.meta["source"] == "ua_mod")
    assert estimated.line.dash == "dot"
    rows = {r["source"]: r for r in table.rowData}
    assert rows["Ukraine MoD / JFO HQ"]["day"] == "2022-02-18" and rows["Ukraine MoD / JFO HQ"]["figure"] == 52


def test_overview_one_shared_axis_draws_every_source_in_one_panel_with_one_spike_trace(pages) -> None:
    fig, _, _ = pages["overview"].update("all", "2022-01-01", "2022-02-22", ["osce_smm", "ua_mod", "lpr"],
                                         "violations", "raw", "all", "shared", "linear")
    main = [t for t in fig.data if t.meta.get("role") == "figures"]
    assert [t.meta["source"] for t in main] == ["osce_smm", "ua_mod", "lpr"]
    assert {t.yaxis for t in fig.data} == {"y"} and "yaxis2" not in fig.layout.to_plotly_json()
    (spikes,) = [t for t in fig.data if t.meta.get("role") == "spikes"]
    spiked = {(x.date().isoformat(), c[3]) for x, c in zip(spikes.x, spikes.customdata, strict=True)}
    assert ("2022-02-17", "ua_mod") in spiked and ("2022-02-18", "osce_smm") in spiked


@pytest.fixture
def full_overview(app, full_demo_store: db.Store):
    """The overview page on the whole demo (the parties' claims too)."""
    from dashboards.pages import overview

    components.set_store(full_demo_store)
    yield overview
    components.set_store(app.server.config["TRACKER_STORE"])


def test_overview_panels_the_accused_party_and_downloads_of_what_is_drawn(full_overview) -> None:
    overview = full_overview
    chosen = ["osce_smm", "ua_mod", "dpr", "lpr"]
    fig, table, _ = overview.update("all", "2022-02-01", "2022-02-23", chosen, "violations", "raw")
    assert [t.yaxis for t in fig.data if t.meta.get("role") == "figures"] == ["y", "y2", "y3", "y4"]
    lpr = next(t for t in fig.data if t.meta.get("source") == "lpr")
    assert {row[5] for row in lpr.customdata if row[1]} == {"accuses Ukraine"}
    # the download is the drawn figures: same sources, days, values
    sent = overview.download_chart(1, "all", "2022-02-01", "2022-02-23", chosen, "violations", "raw", "all")
    assert sent["filename"] == "overview_chart_all_violations_2022-02-01_2022-02-23.csv"
    rows = pd.read_csv(io.StringIO(sent["content"]))
    assert list(rows.columns) == overview.CHART_COLUMNS
    assert rows.groupby("source", sort=False).size().to_dict() == {
        "osce_smm": 19, "ua_mod": 23, "dpr": 8, "lpr": 6}
    drawn = {(t.meta["source"], x.date().isoformat()): y for t in fig.data if t.meta.get("role") in
             ("figures", "estimated") for x, y in zip(t.x, t.y, strict=True) if y is not None}
    assert {(r.source, r.day): r.value for r in rows.itertuples()} == drawn
    latest = overview.download_latest(1, "all", "2022-02-01", "2022-02-23", chosen, "violations", "raw", "all")
    shown = pd.read_csv(io.StringIO(latest["content"]), keep_default_na=False)
    assert list(shown.columns) == overview.LATEST_COLUMNS and len(shown) == len(table.rowData) == 4
    assert shown["figure"].tolist() == [r["figure"] for r in table.rowData]
    # one accused party: the series of the figures against it
    fig, _, _ = overview.update("all", "2022-02-01", "2022-02-23", chosen, "violations", "raw", "ukraine")
    assert sorted(t.meta["source"] for t in fig.data if t.meta.get("role") == "figures") == ["dpr", "lpr"]
    assert "no figures for this choice: OSCE SMM, Ukraine MoD / JFO HQ" in fig.layout.title.text
    sent = overview.download_chart(1, "all", "2022-02-01", "2022-02-23", chosen, "violations", "raw", "ukraine")
    assert sent["filename"] == "overview_chart_all_violations_accused-ukraine_2022-02-01_2022-02-23.csv"
    assert set(pd.read_csv(io.StringIO(sent["content"]))["accuses"]) == {"accuses Ukraine"}


def test_overview_index_mode_and_region(pages) -> None:
    fig, _, _ = pages["overview"].update("luhansk", "2022-02-01", "2022-02-22", ["osce_smm"], "violations", "index")
    (osce,) = [t for t in fig.data if t.meta.get("role") == "figures"]
    assert "escalation index" in fig.layout.yaxis.title.text
    values = [v for v in osce.y if v is not None]
    assert max(values) >= 3.5 and max(values) < 100  # an index, not a count


def test_overview_with_no_source_chosen_is_an_empty_chart(pages) -> None:
    fig, table, _ = pages["overview"].update("all", None, None, [], "violations", "raw")
    assert len(fig.data) == 0 and table == ""


def test_clicking_a_point_lists_the_reports_behind_it(pages) -> None:
    click = {"points": [{"x": "2022-02-18", "y": 52, "customdata": ["71%", "3", "", "ua_mod"]}]}
    view = pages["overview"].click(click, "all")
    text = str(view)
    assert text.count("/reports?id=") == 3  # the 09:00, 11:00 and 17:00 snapshots
    assert "https://www.cnn.com/" in text


def test_latest_vs_before_compares_the_last_day_with_the_seven_days_before(pages) -> None:
    frame = pd.DataFrame({"day": pd.to_datetime(["2022-02-10", "2022-02-16", "2022-02-17", "2022-02-18"]),
                          "source": "ua_mod", "value": [100.0, 2.0, 4.0, 9.0], "escalation_index": [0, 0, 1, 5.0],
                          "spike": [False, False, False, True], "estimated": False})
    (row,) = pages["overview"].latest_vs_before(frame)
    assert row["day"] == "2022-02-18" and row["mean of 7 days before"] == 3.0 and row["days with a figure"] == 2
    assert row["change"] == "+200%" and row["spike"] == "yes"


def test_compare_update_draws_the_readings_the_mirrored_claims_and_the_pairs(pages) -> None:
    timeline, claims, table, error = pages["compare"].update("all", "violations", "2022-02-14", "2022-02-20", "raw")
    assert error == ""
    readings = {t["name"]: t["x"] for t in timeline["data"] if t["type"] == "bar"}
    assert readings["one side claims an escalation"] == ["2022-02-17", "2022-02-18"]
    assert readings["unclear"] == ["2022-02-14", "2022-02-15", "2022-02-16", "2022-02-19", "2022-02-20"]
    verdicts = {t["name"]: t["x"] for t in timeline["data"] if t["type"] == "scatter"}
    assert verdicts == {"the monitor corroborates": ["2022-02-17", "2022-02-18"]}
    bars = {t["name"]: dict(zip(t["x"], t["y"], strict=True)) for t in claims["data"] if t["type"] == "bar"}
    assert bars["Ukraine MoD / JFO HQ"]["2022-02-17"] == 60
    assert bars["LPR"] == {"2022-02-17": -29}  # the other side, below the axis
    monitor = next(t for t in claims["data"] if t["type"] == "scatter")
    assert monitor["name"] == "OSCE SMM" and monitor["yaxis"] == "y2"
    rows = table.rowData
    assert rows[0]["grade"] == "contradicting" and rows[0]["kind"] == "mutual_accusation"
    assert (rows[0]["day"], rows[0]["source_a"], rows[0]["source_b"]) == ("2022-02-17", "lpr", "ua_mod")
    severity = [pages["compare"].GRADE_ORDER[r["grade"]] for r in rows]
    assert severity == sorted(severity)


def test_compare_index_mode_draws_each_claim_as_its_escalation_index(pages) -> None:
    _, claims, _, _ = pages["compare"].update("all", "violations", "2022-02-17", "2022-02-18", "index")
    bars = {t["name"]: dict(zip(t["x"], t["y"], strict=True)) for t in claims["data"] if t["type"] == "bar"}
    assert round(bars["Ukraine MoD / JFO HQ"]["2022-02-18"], 1) == 33.0


def test_clicking_a_day_lists_the_reports_behind_every_figure_and_a_new_choice_clears_it(pages, monkeypatch) -> None:
    compare = pages["compare"]
    monkeypatch.setattr(compare, "ctx", type("C", (), {"triggered_id": compare.pid("timeline")})())
    view = compare.select({"points": [{"x": "2022-02-18"}]}, None, None, "all", "violations", "2022-02-14",
                          "2022-02-20")
    text = str(view)
    assert "one side claims an escalation" in text
    assert "Reports of OSCE SMM" in text and "Reports of Ukraine MoD / JFO HQ" in text
    monkeypatch.setattr(compare, "ctx", type("C", (), {"triggered_id": compare.pid("region")})())
    assert compare.select(None, None, None, "donetsk", "violations", None, None) == ""


# --- guards --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("origin,referer,allowed", [
    ("http://127.0.0.1:8050", None, True),
    ("http://evil.example", None, False),
    ("null", None, False),
    (None, "http://127.0.0.1:8050/entry", True),
    (None, "https://evil.example/x", False),
    (None, None, False),  # a browser's write always has one of them (issue 14): not the dashboard's
    ("https://127.0.0.1:8050", None, False),  # another scheme
])
def test_same_origin(origin: str | None, referer: str | None, allowed: bool) -> None:
    assert security.same_origin(origin, referer, "127.0.0.1:8050") is allowed


def test_passwords_are_checked_against_scrypt_hashes(tmp_path: Path) -> None:
    auth = tmp_path / "users.txt"
    auth.write_text("# analysts\n" + security.hash_line("olena", "correct horse") + "\n")
    users = security.read_auth_file(auth)
    assert security.check_password(users, "olena", "correct horse")
    assert not security.check_password(users, "olena", "wrong")
    assert not security.check_password(users, "nobody", "correct horse")
    auth.write_text("olena:plaintext\n")
    with pytest.raises(ValueError, match="line 1"):
        security.read_auth_file(auth)


def test_the_guard_refuses_cross_origin_posts_and_asks_for_a_login(tmp_path: Path) -> None:
    auth = tmp_path / "users.txt"
    auth.write_text(security.hash_line("olena", "correct horse") + "\n")
    server = Flask("guarded")
    server.add_url_rule("/x", "x", lambda: "ok", methods=["GET", "POST"])
    security.protect(server, auth)
    client = server.test_client()
    login = {"Authorization": "Basic " + base64.b64encode(b"olena:correct horse").decode()}
    assert client.get("/x").status_code == 401
    wrong = {"Authorization": "Basic " + base64.b64encode(b"olena:no").decode()}
    assert client.get("/x", headers=wrong).status_code == 401
    assert client.get("/x", headers=login).data == b"ok"
    assert client.post("/x", headers={**login, "Origin": "http://evil.example"}).status_code == 403
    assert client.post("/x", headers={**login, "Origin": "http://localhost"}).data == b"ok"


def test_an_oversized_upload_is_answered_with_the_limit(app) -> None:
    limit = app.server.config["MAX_CONTENT_LENGTH"]
    app.server.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = app.server.test_client().post(
            "/_dash-update-component", data=b"x" * 2000,
            headers={"Content-Type": "application/json", "Origin": "http://localhost"})
    finally:
        app.server.config["MAX_CONTENT_LENGTH"] = limit
    body = json.loads(response.data)
    assert "larger than the upload limit of 50 MB" in json.dumps(body["response"]["import-preview"])


def test_serve_refuses_a_network_address_without_a_login(tmp_path: Path) -> None:
    result = run_tracker("serve", "--host", "0.0.0.0", "--port", "8999", db_path=tmp_path / "x.duckdb")
    assert result.returncode == 2
    assert "not a loopback address" in result.stderr and "--auth-file" in result.stderr


def test_serve_on_a_port_in_use_says_so_and_names_the_fix(tmp_path: Path) -> None:
    with socket.socket() as taken:  # another program listening on the port
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_tracker("serve", "--port", str(port), db_path=tmp_path / "x.duckdb")
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"error: cannot serve on 127.0.0.1:{port}: Address already in use"), result.stderr
    assert "--port N" in result.stderr and "Traceback" not in result.stderr


def _find(component, wanted: str):
    """The component with id `wanted` inside a Dash component tree."""
    if getattr(component, "id", None) == wanted:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = _find(child, wanted)
            if found is not None:
                return found
    return None


def test_current_reports_are_the_same_with_ids_unique(demo_store: db.Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard's reads set `ids_unique` (queries.ids_checked) when no id is stored twice, and the
    view then leaves out its search for repeated ids: the same heads after edits, a withdrawal, an edit
    into another source and two edits of one version that raced (a fork), also as of a moment between
    them and for the daily series of one source; a store that holds a row twice (two racing writers)
    keeps one row per id with nothing set, and the dashboard's reads leave the variable unset there."""
    from tracker.schema import CountReport

    def heads(**variables: object) -> list[tuple]:
        for name, value in variables.items():
            demo_store.set_variable(name, value)
        try:
            return demo_store.rows("select * from int_report_heads order by id")
        finally:
            for name in variables:
                demo_store.set_variable(name, None)

    def ids() -> list[str]:
        return sorted(r[0] for r in demo_store.rows("select id from current_reports"))

    def values_of(report_id: str) -> dict:
        return {k: v for k, v in queries.current_report(demo_store, report_id).items() if k != "id" and v is not None}

    assert heads(ids_unique=True) == heads() and len(ids()) == 109
    first = demo_store.value("select id from current_reports where source = 'ua_mod' and violations = 52")
    edited = ingest.edit_report(demo_store, first, CountReport(**{**values_of(first), "notes": "one"})).id
    ingest.edit_report(demo_store, edited, CountReport(**{**values_of(first), "notes": "two"}))
    lpr = demo_store.value("select id from current_reports where source = 'lpr'")
    ingest.withdraw_report(demo_store, lpr, "test")
    moved_from = demo_store.value("select id from current_reports where source = 'ua_mod' and violations <> 52 "
                                  "order by id limit 1")
    moved = ingest.edit_report(demo_store, moved_from, CountReport(**{**values_of(moved_from), "source": "dpr"})).id
    between = demo_store.value("select max(stored_at) from reports")
    # a fork: two edits of the same version, as when two processes raced past the head check
    osce = demo_store.value("select id from current_reports where source = 'osce_smm' order by id limit 1")
    monkeypatch.setattr(ingest, "_head", lambda store, rid: (store.value(
        "select root_id from reports where id = ?", [rid]), True))
    ingest.edit_report(demo_store, osce, CountReport(**{**values_of(osce), "notes": "fork a"}))
    ingest.edit_report(demo_store, osce, CountReport(**{**values_of(osce), "notes": "fork b"}))
    for as_of in (None, between):
        assert heads(ids_unique=True, as_of=as_of) == heads(as_of=as_of)
    assert demo_store.value("select count(*) from int_report_heads where heads_in_chain = 2") == 2  # the fork
    view = ids()
    assert len(view) == 108 and moved in view and moved_from not in view and lpr not in view
    # the daily series of one source reads its reports and the edits of their chains: the report edited
    # into another source is replaced there too
    ua_mod = "select id from current_reports where source = 'ua_mod' order by id"
    every = demo_store.rows(ua_mod)
    demo_store.set_variable("daily_sources", ["ua_mod"])
    try:
        scoped = demo_store.rows(ua_mod)
    finally:
        demo_store.set_variable("daily_sources", None)
    assert scoped == every and (moved_from,) not in scoped
    with queries.ids_checked(demo_store):
        assert demo_store.value("select getvariable('ids_unique')") is True
    assert demo_store.value("select getvariable('ids_unique')") is None
    # one report stored twice by two racing writers (CONTRACT §6: the views keep one row per id)
    with demo_store.transaction():
        demo_store.execute("insert into reports select * from reports where id = ?", [view[0]])
        demo_store.execute("insert into batches select * from batches order by batch_seq desc limit 1")
    assert ids() == view
    with queries.ids_checked(demo_store):
        assert demo_store.value("select getvariable('ids_unique')") is None
    page, total = queries.reports_page(demo_store, 0, 500)
    assert total == 108 and sorted(page["id"]) == view


def test_a_reports_history_equals_the_view(pages, demo_store: db.Store) -> None:
    first = demo_store.value("select id from current_reports where source = 'ua_mod' and violations = 52")
    values = {k: v for k, v in queries.current_report(demo_store, first).items() if k != "id"}
    pages["reports"].save(1, *form_values({**values, "notes": "checked"}), "checked", first, 0)
    mine = queries.report_history(demo_store, first)
    root = mine["root_id"].iloc[0]
    view = demo_store.df("select * from report_history where root_id = ? order by version", [root])
    assert list(mine.columns) == list(view.columns)
    assert mine.astype(str).values.tolist() == view.astype(str).values.tolist()
    assert list(mine["version"]) == [1, 2] and list(mine["batch_kind"]) == ["import", "edit"]


@pytest.mark.parametrize("source", ["lpr", "ua_mod", "osce_smm"])
def test_saving_the_form_as_it_was_filled_changes_nothing(pages, demo_store: db.Store, source: str) -> None:
    """The edit form shows a report's values so exactly that saving them unchanged stores nothing (dates in
    the report's own time zone, date-only windows as local midnights)."""
    for report_id, in demo_store.rows("select id from current_reports where source = ?", [source]):
        values = {k: v for k, v in queries.current_report(demo_store, report_id).items() if k != "id"}
        out = pages["reports"].save(1, *form_values(values), "no change", report_id, 0)
        assert "Nothing changed" in str(out[2 * len(components.FORM_FIELDS) + 2]), report_id


def test_compare_of_a_casualty_metric_says_why_there_is_no_reading(pages) -> None:
    timeline, _, _, error = pages["compare"].update("all", "wounded", "2022-02-14", "2022-02-20", "raw")
    assert error == "" and not [t for t in timeline["data"] if t["type"] == "bar" and t["x"]]
    assert "a party's casualties are its own losses" in timeline["layout"]["annotations"][0]["text"]
