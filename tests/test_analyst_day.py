"""Issue 16 as data (its browser half is tests/test_analyst_day_browser.py): empty charts say what is missing
and draw no axes, the legend lists only what is drawn, the reports grid's order and export name, a version's
changes and reason, the revisions of a window by rule 3, the form's notice."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboards import figures, readings_figures
from tracker import db, ingest, queries, validate
from tracker.queries import ReportFilter


@pytest.fixture
def pages(demo_store: db.Store):
    from dashboards import components
    from dashboards.app import create_app

    create_app(store=demo_store)
    from dashboards.pages import entry, reports

    yield {"entry": entry, "reports": reports}
    components.set_store(None)


def test_an_index_chart_of_figures_without_a_baseline_says_so_and_draws_no_axes() -> None:
    frame = pd.DataFrame({"day": pd.to_datetime(["2022-01-01", "2022-01-02"]), "source": "osce_smm",
                          "value": [100.0, 120.0], "escalation_index": [None, None], "level": "no_baseline",
                          "estimated": False, "partial": False, "coverage": 1.0, "reports": 1, "spike": False})
    fig = figures.small_multiples(frame, mode="index", sources=["osce_smm"])
    assert len(fig.data) == 0 and fig.layout.annotations[0].text.startswith("no baseline yet")
    assert "no baseline yet: osce_smm" in fig.layout.title.text and "no figures" not in fig.layout.title.text
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    daily = figures.daily_figure(frame, mode="index")
    assert daily.layout.shapes == () and daily.layout.annotations[0].text.startswith("no baseline yet")
    empty = figures.daily_figure(frame.iloc[0:0], mode="index")
    assert empty.layout.shapes == () and empty.layout.annotations[0].text == figures.NO_FIGURES


def test_the_ratio_legend_lists_a_typical_band_only_when_one_is_drawn() -> None:
    rows = pd.DataFrame({"day": pd.to_datetime(["2022-02-14", "2022-02-15"]), "region": "all",
                         "metric": "violations", "source_a": "osce_smm", "source_b": "ua_mod",
                         "value_a": [200.0, 190.0], "value_b": [3.0, 4.0], "ratio": [0.015, 0.021],
                         "typical_ratio": [None, None], "kind": "", "grade": "consistent", "explanation": ""})
    fig = figures.ratio_figure(rows)
    assert [t.meta["role"] for t in fig.data] == ["ratio"]
    assert not any("typical" in (t.name or "") for t in fig.data)


def test_an_empty_claims_chart_is_only_its_message() -> None:
    fig = readings_figures.mirrored_figure(pd.DataFrame(columns=["day", "side", "source", "value", "index", "level",
                                                                 "coverage", "estimated", "incomplete"]))
    layout = fig["layout"]
    assert [a["text"] for a in layout["annotations"]] == ["No claims in this range."]
    assert layout["xaxis"]["visible"] is False and layout["yaxis2"]["visible"] is False


def test_the_grid_reads_in_order_and_hides_the_storage_columns(pages) -> None:
    defs = pages["reports"].column_defs()
    assert [d["field"] for d in defs][:5] == ["source", "window", "region", "accused_party", "violations"]
    assert {d["field"] for d in defs if d["hide"]} == {"id", "period_start", "period_end", "timezone", "stored_at",
                                                       "recorded_by"}
    assert pages["reports"].sort_from_model([{"colId": "window", "sort": "asc"}]) == [("period_start", "asc")]
    assert pages["reports"].window_text("2022-02-18 00:00", "2022-02-18 17:00", "Europe/Kyiv") == \
        "2022-02-18 00:00 →\n17:00 Europe/Kyiv"


@pytest.mark.parametrize("filters,name", [
    ([], "reports_all.csv"),
    ([ReportFilter("source", "equals", "ua_mod"), ReportFilter("violations", "greaterThan", 50)],
     "reports_source-equals-ua_mod_violations-greaterThan-50.csv"),
    ([ReportFilter("notes", "contains", "a/../b c")], "reports_notes-contains-a-..-b-c.csv"),
])
def test_the_export_is_named_after_its_filter(pages, filters: list, name: str) -> None:
    assert pages["reports"].export_name(filters, "csv") == name


def test_the_history_names_every_changed_field_and_the_reason(pages, demo_store: db.Store) -> None:
    first = demo_store.value("select id from current_reports where source = 'lpr'")
    values = {k: v for k, v in queries.current_report(demo_store, first).items() if k != "id"}
    report = validate.check_record({**values, "notes": "checked", "channel": "LPR people's militia"},
                                   validate.registered_sources(demo_store))
    edited = ingest.edit_report(demo_store, first, report, reason="  the militia's own channel  ").id
    ingest.withdraw_report(demo_store, edited, "double-counted")
    rows = pages["reports"].history_rows(demo_store, first)
    assert [(r["kind"], r["reason"]) for r in rows] == [("import", ""), ("edit", "the militia's own channel"),
                                                        ("withdraw", "double-counted")]
    assert rows[0]["changes"] == "first version"
    assert rows[1]["changes"].startswith("Channel: ") and "; Notes: " in rows[1]["changes"]
    assert rows[1]["changes"].endswith("→ 'checked'")
    assert rows[2]["changes"] == "withdrawn"


def test_an_edit_without_a_reason_stores_nothing(pages, demo_store: db.Store) -> None:
    first = demo_store.value("select id from current_reports where source = 'lpr'")
    values = {k: v for k, v in queries.current_report(demo_store, first).items() if k != "id"}
    problems, saved = pages["reports"].save_edit(demo_store, first, {**values, "notes": "x"}, "  ")
    assert [(p.column, p.code) for p in problems] == [("edit_reason", "missing-value")] and saved is None
    assert queries.current_report(demo_store, first)["id"] == first


def test_the_revisions_of_a_window_and_which_counts(pages, demo_store: db.Store) -> None:
    # the seed holds the JFO's 17 Feb day twice: 60 with 43 prohibited, and 60 alone, stated later
    found = queries.window_reports(demo_store, report_id=demo_store.value(
        "select id from current_reports where source = 'ua_mod' and violations = 60 limit 1"))
    assert len(found) == 2
    winners = queries.revision_winners(found)
    assert winners["violations"] == found["id"].iloc[-1]
    assert winners["prohibited_weapons"] == found.loc[found["prohibited_weapons"].notna(), "id"].iloc[-1]
    text = str(pages["reports"].revisions(demo_store, found["id"].iloc[0], {}))
    assert "2 reports of this window; this one counts for prohibited weapons" in text


def test_the_form_notice_says_who_reported_the_window_and_who_wins(pages, demo_store: db.Store) -> None:
    window = {"source": "ua_mod", "accused_party": "separatists", "period_start": "2022-02-18 00:00",
              "period_end": "2022-02-18 17:00"}
    later = str(pages["entry"].revision_notice(demo_store, {**window, "reported_at": "2022-02-18 19:00"}))
    assert ("Ukraine MoD / JFO HQ reported 52 violations, 42 prohibited weapons at 2022-02-18 17:00 "
            "for this window") in later
    assert "storing makes a revision that wins by rule 3" in later
    earlier = str(pages["entry"].revision_notice(demo_store, {**window, "reported_at": "2022-02-18 16:00"}))
    assert "the stored figures still count, since they were reported later" in earlier
    assert pages["entry"].revision_notice(demo_store, {**window, "period_end": "2022-02-18 16:00"}) == ""
    assert pages["entry"].revision_notice(demo_store, {"source": "ua_mod", "period_start": "02/19/2022"}) == ""
