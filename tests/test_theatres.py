"""Real files and other theatres (issue 15): registries of regions (and the zone), accused parties and
aliases; the store's calendar zone; breakdown rows; the formats people export; qualifiers in the series.
Everything through the real CLI in process (click's CliRunner) on real DuckDB files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import DATA

from tracker import db, ingest, series, validate
from tracker.cli import main

TRUCES = DATA / "truces2025"
ACLED_OBLASTS = DATA / "acled" / "acled_oblasts_invented.csv"
NIGHT = DATA / "breakdown" / "night_launches_invented.csv"


def tracker(*args: object, ok: bool = True) -> tuple[str, str]:
    """`tracker ARGS` in process: (stdout, stderr); exit code 0 unless `ok` is False."""
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout, result.stderr


def daily_rows(db_path: Path, *args: object) -> list[dict[str, str]]:
    out, _ = tracker("daily", "--db", db_path, "--format", "csv", *args)
    return list(csv.DictReader(io.StringIO(out)))


def pick(rows: list[dict[str, str]], *columns: str) -> list[tuple[str, ...]]:
    return [tuple(row[c] for c in columns) for row in rows]


# --- the store of another theatre: the spring 2025 truces, built through the CLI only ------------------

def build_truce_store(db_path: Path) -> None:
    tracker("init", "--db", db_path, "--calendar-tz", "Europe/Moscow")
    for key, name, *aliases in (("zaporizhzhia", "Zaporizhzhia", "Запорізька", "Zaporizhia"),
                                ("kherson", "Kherson", "Херсонська", "Kherson oblast"),
                                ("kharkiv", "Kharkiv", "Харківська")):
        tracker("regions", "add", key, name, *(x for a in aliases for x in ("--alias", a)), "--db", db_path)
    tracker("regions", "add", "kursk", "Kursk (Russia)", "--alias", "Курская", "--db", db_path)  # outside
    tracker("regions", "zone", "donetsk", "luhansk", "Запорізька", "kherson", "kharkiv", "--db", db_path)
    tracker("parties", "add", "ru_army", "the Russian army", "--side", "russia", "--alias", "російська армія",
            "--db", db_path)
    tracker("sources", "add", "ua_gs", "Ukraine: President / General Staff", "--role", "party", "--side",
            "ukraine", "--alias", "ЗСУ ГШ", "--db", db_path)
    tracker("sources", "add", "kherson_ova", "Kherson Oblast Military Administration", "--role", "party",
            "--side", "ukraine", "--db", db_path)
    out, err = tracker("import", TRUCES / "ru_mod_and_kherson.csv", "--db", db_path)
    assert "imported 4 new reports" in out, (out, err)
    out, err = tracker("import", TRUCES / "ua_claims.csv", "--mapping", TRUCES / "ua_claims.mapping.toml",
                       "--db", db_path)
    assert "imported 2 new reports" in out, (out, err)


def test_a_store_for_another_theatre_built_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "truces.duckdb"
    build_truce_store(path)
    out, _ = tracker("init", "--db", path)
    assert out.endswith("ready (6 current reports); calendar days in Europe/Moscow\n")
    regions, _ = tracker("regions", "--db", path)
    assert [line.split()[:3] for line in regions.splitlines()] == [
        ["donetsk", "Donetsk", "in"], ["luhansk", "Luhansk", "in"], ["kharkiv", "Kharkiv", "in"],
        ["kherson", "Kherson", "in"], ["zaporizhzhia", "Zaporizhzhia", "in"], ["kursk", "Kursk", "(Russia)"]]
    assert "outside" in regions.splitlines()[-1]
    listed, _ = tracker("sources", "--db", path)
    assert [line for line in listed.splitlines() if line.startswith("ua_gs ")] == [
        "ua_gs        Ukraine: President / General Staff cumulative party    ukraine  registered ЗСУ ГШ"]
    parties, _ = tracker("parties", "--db", path)
    assert "ru_army        the Russian army                 russia     registered російська армія" in parties

    # the stored reports hold the keys, whatever spelling the files gave
    with db.open_store(str(path)) as store:
        stored = store.rows("select source, region, accused_party, qualifier, violations, civilians_killed "
                            "from current_reports order by period_start, period_end, source")
    assert stored == [
        ("ru_mod", None, "ukraine", "at_least", 1300, None), ("ru_mod", None, "ukraine", "exact", 4900, None),
        ("ua_gs", None, "ru_army", "exact", 2935, None), ("kherson_ova", "kherson", "ru_army", "exact", None, 3),
        ("ua_gs", None, "ru_army", "exact", 734, None), ("ru_mod", None, "ukraine", "at_least", 488, None)]

    # daily, in the store's calendar (Moscow): 4,900 over the whole truce contains the first 24 hours'
    # "more than 1,300"; the remaining 3,600 (20 Apr 18:00-24:00) and the 1,300 both fall on 20 April
    rows = daily_rows(path, "--from", "2025-04-19", "--to", "2025-05-08")
    assert pick(rows, "day", "source", "region", "violations", "civilians_killed", "coverage", "partial",
                "qualifiers") == [
        ("2025-04-20", "kherson_ova", "all", "", "3", "1", "civilians_killed civilians_wounded", ""),
        ("2025-04-20", "ru_mod", "all", "4900", "", "1", "", "at_least"),
        ("2025-04-20", "ua_gs", "all", "2935", "", "1", "", ""),
        ("2025-05-08", "ru_mod", "all", "488", "", "1", "", "at_least"),
        ("2025-05-08", "ua_gs", "all", "734", "", "0.5", "", ""),
    ]
    assert pick(daily_rows(path, "--region", "Херсонська", "--from", "2025-04-20", "--to", "2025-04-20"),
                "source", "region", "civilians_killed") == [("kherson_ova", "kherson", "3")]
    accused = daily_rows(path, "--accused", "російська армія")
    assert pick(accused, "day", "source", "violations", "civilians_killed") == [
        ("2025-04-20", "kherson_ova", "", "3"), ("2025-04-20", "ua_gs", "2935", ""), ("2025-05-08", "ua_gs", "734", "")]
    out, _ = tracker("daily", "--db", path, "--format", "json", "--source", "ru_mod", "--to", "2025-04-30")
    assert json.loads(out)[0]["qualifiers"] == ["at_least"]

    # compare: each side's claim, by the registry's sides
    out, _ = tracker("compare", "--db", path, "--from", "2025-04-20", "--to", "2025-05-08", "--format", "csv")
    found = pd.read_csv(io.StringIO(out), keep_default_na=False)
    assert found[["day", "side", "source", "value"]].values.tolist() == [
        ["2025-04-20", "russia", "ru_mod", 4900], ["2025-04-20", "ukraine", "ua_gs", 2935],
        ["2025-05-08", "russia", "ru_mod", 488], ["2025-05-08", "ukraine", "ua_gs", 734]]
    assert set(found["reading"]) == {"unclear"}  # no side has a baseline yet

    # the registry's changes are in the audit log
    with db.open_store(str(path)) as store:
        changes = [row[0] for row in store.rows("select registry_change from audit_log where kind = 'registry' "
                                                "order by batch_seq")]
    assert changes[0] == "calendar zone Europe/Moscow (was Europe/Kyiv)"
    assert "region kursk (Kursk (Russia)), outside the zone; aliases Курская" in changes
    assert "zone donetsk, kharkiv, kherson, luhansk, zaporizhzhia (was donetsk, luhansk)" in changes
    assert changes[-2:] == ["source ua_gs (Ukraine: President / General Staff): cumulative, party, side ukraine; "
                            "aliases ЗСУ ГШ",
                            "source kherson_ova (Kherson Oblast Military Administration): "
                            "cumulative, party, side ukraine"]


@pytest.fixture
def truce_app(tmp_path: Path):
    """The dashboard on the truce store; the components' store is put back afterwards."""
    path = tmp_path / "truces.duckdb"
    build_truce_store(path)
    from dashboards import components
    from dashboards.app import create_app

    previous = components._app_store
    app = create_app(str(path))
    yield app
    components.set_store(previous)
    app.server.config["TRACKER_STORE"].close()


def test_the_overview_of_another_theatre(truce_app) -> None:
    from dashboards import components

    app = truce_app
    from dashboards.pages import compare, overview

    store = app.server.config["TRACKER_STORE"]
    components.set_store(store)
    assert list(overview.REGIONS) == [
        ("all", "All (whole zone)"), ("donetsk", "Donetsk"), ("luhansk", "Luhansk"), ("kharkiv", "Kharkiv"),
        ("kherson", "Kherson"), ("zaporizhzhia", "Zaporizhzhia"), ("kursk", "Kursk (Russia) (outside the zone)")]
    assert "kursk" in dict(compare.REGIONS)
    assert [o["value"] for o in components.choices("region", validate.registered_sources(store))][1:] == [
        "donetsk", "luhansk", "kharkiv", "kherson", "zaporizhzhia", "kursk"]
    assert "ru_army" in [o["value"] for o in components.choices("accused_party", validate.registered_sources(store))]
    fig, _, error = overview.update("all", "2025-04-19", "2025-05-10", ["ru_mod", "ua_gs"], "violations", "raw")
    assert error == ""
    points = {(trace.customdata[i][3], str(x)[:10]): (y, trace.customdata[i][2])
              for trace in fig.data if trace.customdata is not None and len(trace.customdata)
              for i, (x, y) in enumerate(zip(trace.x, trace.y, strict=True)) if y is not None}
    assert points[("ru_mod", "2025-04-20")] == (4900, "<br>as reported: at least 4,900")
    assert points[("ua_gs", "2025-04-20")][0] == 2935 and points[("ua_gs", "2025-04-20")][1] == ""
    assert fig.layout.xaxis.title.text == "day (Europe/Moscow)" or any(
        getattr(fig.layout, f"xaxis{k}").title.text == "day (Europe/Moscow)" for k in range(2, 4)
        if getattr(fig.layout, f"xaxis{k}", None) is not None)
    assert "Days (Europe/Moscow)" in str(overview.layout())
    # the Compare page's mirrored claims say it in the hover too
    from dashboards import readings_figures
    from tracker import analysis

    found = analysis.compare_report(store, date_from="2025-04-20", date_to="2025-04-20")
    claims = readings_figures.mirrored_figure(found)
    said = {(row[3], row[0]): row[4] for trace in claims["data"] for row in trace.get("customdata") or []}
    assert said[("ru_mod", 4900)] == "<br>as reported: at least 4,900" and said[("ua_gs", 2935)] == ""
    assert all("%{customdata[4]}" in trace["hovertemplate"] for trace in claims["data"] if trace.get("customdata"))
    assert "Days (Europe/Moscow)" in str(compare.layout())


# --- ACLED with oblasts outside the zone ----------------------------------------------------------------

def test_acled_keeps_registered_oblasts_outside_the_zone_per_day(tmp_path: Path) -> None:
    path = tmp_path / "acled.duckdb"
    out, err = tracker("import", ACLED_OBLASTS, "--format", "acled", "--release", "2022-06-01", "--db", path)
    assert out.splitlines()[1:4] == [
        "  skipped 7 events outside Donetsk and Luhansk oblasts (not an error): Dnipropetrovsk (2), "
        "Dnipropetrovsk Oblast (1), Kharkiv (1), Kharkiv Oblast (1), Zaporizhia (1), kharkiv (1)",
        "  not counted: 1 event of other kinds: Air/drone strike (1)",
        "  counted as violations: the events of kind Shelling/artillery/missile attack, Armed clash "
        "(--count-kind to count others)",
    ]
    assert "tracker regions add dnipropetrovsk \"Dnipropetrovsk\"" in err
    tracker("regions", "add", "kharkiv", "Kharkiv", "--db", path)
    tracker("regions", "add", "dnipropetrovsk", "Dnipropetrovsk", "--alias", "Дніпропетровська", "--db", path)
    out, _ = tracker("import", ACLED_OBLASTS, "--format", "acled", "--release", "2022-06-02", "--db", path)
    assert "skipped 1 event outside the registered regions (Donetsk, Luhansk, Dnipropetrovsk, Kharkiv) " \
           "(not an error): Zaporizhia (1)" in out
    # hand-counted from the file: Kharkiv 1 May: UKR9101 shelling + UKR9102 clash (3 killed), UKR9103 (a
    # drone strike) not counted; 2 May: UKR9104 (1 killed). Dnipropetrovsk 1 May: UKR9105; 2 May: UKR9106
    # (2 killed) + UKR9107. Donetsk 1 May: UKR9108 (Донецька), UKR9109 (DONETSK, 1 killed), UKR9110
    # (Donetsk oblast). Luhansk 1 May: UKR9111.
    rows = daily_rows(path, "--source", "acled", "--region", "all", "--region", "donetsk", "--region", "luhansk",
                      "--region", "kharkiv", "--region", "Дніпропетровська")
    assert pick(rows, "day", "region", "violations", "killed") == [
        ("2022-05-01", "all", "4", "1"), ("2022-05-01", "dnipropetrovsk", "1", "0"),
        ("2022-05-01", "donetsk", "3", "1"), ("2022-05-01", "kharkiv", "2", "3"), ("2022-05-01", "luhansk", "1", "0"),
        ("2022-05-02", "dnipropetrovsk", "2", "2"), ("2022-05-02", "kharkiv", "1", "1"),
    ]  # `all` is the zone's (Donetsk, Luhansk): the oblasts outside it are never summed into it
    # counting drone strikes too: a new release with one more Kharkiv event on 1 May
    out, _ = tracker("import", ACLED_OBLASTS, "--format", "acled", "--release", "2022-06-03", "--count-kind",
                     "Shelling/artillery/missile attack", "--count-kind", "Armed clash", "--count-kind",
                     "Air/drone strike", "--db", path)
    assert "counted as violations: the events of kind Shelling/artillery/missile attack, Armed clash, " \
           "Air/drone strike" in out
    assert pick(daily_rows(path, "--region", "kharkiv", "--to", "2022-05-01"), "violations") == [("3",)]
    # moving Kharkiv into the zone changes how `all` reads, never a report
    with db.open_store(str(path)) as store:
        before = store.rows("select id from current_reports order by id")
    tracker("regions", "zone", "donetsk", "luhansk", "kharkiv", "--db", path)
    assert pick(daily_rows(path, "--to", "2022-05-01"), "region", "violations", "killed") == [("all", "7", "4")]
    with db.open_store(str(path)) as store:
        assert store.rows("select id from current_reports order by id") == before


def test_oblast_spellings_read_as_donetsk(store: db.Store, tmp_path: Path) -> None:
    report = ingest.import_csv(store, str(ACLED_OBLASTS), fmt="acled", release="2022-06-01")
    assert report.ok
    assert store.rows("select region, violations from current_reports where region = 'donetsk'") == [("donetsk", 3)]
    assert set(store.rows("select unnest(event_ids) from report_event_details where report_id in "
                          "(select id from current_reports where region = 'donetsk')")) == {
        ("UKR9108",), ("UKR9109",), ("UKR9110",)}


def test_a_wrong_format_is_named_from_the_header(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    out, err = tracker("import", ACLED_OBLASTS, "--db", path, ok=False)
    assert out.startswith(f"{ACLED_OBLASTS}: nothing imported; ")
    assert f"warning: {ACLED_OBLASTS}: the header looks like an ACLED file: import it with --format acled " \
           "--release YYYY-MM-DD" in err
    out, err = tracker("import", ACLED_OBLASTS, "--format", "ucdp", "--release", "2022-06-01", "--db", path, ok=False)
    assert out.splitlines()[0] == (f"{ACLED_OBLASTS}: nothing imported; its header does not fit, 10 problems "
                                   "(fix them and import again) (inserted 0, duplicate 0, rejected 0)")
    assert "the header looks like an ACLED file: import it with --format acled" in err
    _, err = tracker("import", ACLED_OBLASTS, "--format", "acled", "--db", path, ok=False)
    assert "--release is required with --format acled: an ACLED file carries no release date" in err


def test_summaries_of_files_with_nothing_to_store(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    outside = tmp_path / "outside.csv"
    lines = ACLED_OBLASTS.read_text(encoding="utf-8").splitlines()
    outside.write_text("\n".join([lines[0], lines[-1]]) + "\n", encoding="utf-8")  # only Zaporizhia
    out, _ = tracker("import", outside, "--format", "acled", "--release", "2022-06-01", "--db", path)
    assert out.splitlines()[0] == (f"{outside}: nothing to import: none of its 1 events is a counted event in "
                                   "Donetsk and Luhansk oblasts (see below) (inserted 0, duplicate 0, rejected 0)")
    bad = DATA / "bad" / "negative_count.csv"
    good = DATA / "good" / "columns_reordered.csv"
    out, _ = tracker("import", good, bad, "--db", path, ok=False)
    assert out.splitlines()[0].startswith(f"{good}: nothing imported: its 2 rows have no problem, but another "
                                          "file of this import has")


# --- breakdown rows ---------------------------------------------------------------------------------------

def test_breakdown_rows_warn_without_combine_and_add_up_with_it(tmp_path: Path) -> None:
    path = tmp_path / "night.duckdb"
    tracker("sources", "add", "ua_af", "Ukraine Air Force", "--role", "party", "--side", "ukraine", "--db", path)
    out, err = tracker("import", NIGHT, "--mapping", DATA / "breakdown" / "night.mapping.toml", "--db", path,
                       "--dry-run")
    assert f"warning: {NIGHT}: rows 2, 3, 4, 5: the same source, channel, reported_at, window, region, area and " \
           "accused party with other figures: these look like parts of one total; they are read as revisions " \
           "(the later wins); use combine" in err
    assert "would insert 5" in out
    out, err = tracker("import", NIGHT, "--mapping", DATA / "breakdown" / "night_combined.mapping.toml", "--db", path)
    assert out.splitlines() == [
        f"{NIGHT}: imported 2 new reports; 0 already stored (inserted 2, duplicate 0, rejected 0)",
        "  combined 4 rows into 1 report (combine = sum: their figures added up): rows 2, 3, 4, 5",
    ]
    assert f"note: {NIGHT}: stored as batch 2; to undo: tracker withdraw --batch 2 --reason TEXT" in err
    assert "look like parts" not in err
    with db.open_store(str(path)) as store:
        stored = store.rows("select row_no, violations, weapons, notes, "
                            "strftime(timezone('Europe/Kyiv', period_start), "
                            "'%Y-%m-%d %H:%M'), strftime(timezone('Europe/Kyiv', period_end), '%Y-%m-%d %H:%M') "
                            "from current_reports order by row_no")
    assert stored == [
        (2, 72, "Iskander-M; Kalibr; Kh-101; Shahed-136", "the sum of file rows 2, 3, 4, 5 (combine = sum)",
         "2023-05-15 21:00", "2023-05-16 03:30"),
        (6, 4, "Shahed-136", None, "2023-05-18 00:00", "2023-05-19 00:00"),  # zero_length = "day"
    ]
    assert pick(daily_rows(path), "day", "violations") == [("2023-05-16", "72"), ("2023-05-18", "4")]


def test_canonical_breakdown_rows_with_combine_sum(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    file = tmp_path / "parts.csv"
    file.write_text("source,period_start,period_end,violations,qualifier,channel\n"
                    "ua_mod,2022-02-18,2022-02-18,2,,\n"
                    "ua_mod,2022-02-18,2022-02-18,68,at least,\n"
                    "ua_mod,2022-02-18,2022-02-18,1,,\n"
                    "ua_mod,2022-02-18,2022-02-18,1,,\n"
                    "ua_mod,2022-02-18,2022-02-18,5,,other channel\n", encoding="utf-8")
    _, err = tracker("import", file, "--dry-run", "--db", path)
    assert "rows 2, 3, 4, 5: the same source" in err and "6" not in err.split("rows ")[1].split(":")[0]
    out, _ = tracker("import", file, "--combine", "sum", "--db", path)
    assert "combined 4 rows into 1 report" in out
    with db.open_store(str(path)) as store:
        assert store.rows("select row_no, violations, qualifier, channel from current_reports order by row_no") == [
            (2, 72, "at_least", None), (6, 5, "exact", "other channel")]
    # the other channel's report of the window is a revision (CONTRACT §3): the later stored shows
    assert pick(daily_rows(path, "--source", "ua_mod"), "violations", "reports", "qualifiers") == [("5", "2", "")]


def test_the_seed_channels_of_17_february_are_revisions_without_a_warning(store: db.Store) -> None:
    report = ingest.import_csv(
        store, str(Path(__file__).resolve().parent.parent / "data" / "demo" / "seed_figures.csv"))
    assert report.ok and not [n for n in report.notes if "parts of one total" in n]


# --- formats people export ----------------------------------------------------------------------------------

def test_whole_counts_with_zero_decimals_and_one_digit_hours(store: db.Store, tmp_path: Path) -> None:
    file = tmp_path / "exported.csv"
    file.write_text("source,period_start,period_end,violations,killed,region,accused_party,qualifier\n"
                    "ua_mod,2023-05-16 3:30,2023-05-16 9:30,2.0,68.00,DONETSK,ЗСУ,About\n"
                    "ua_mod,2023-05-17,2023-05-17,2.5,,Donetsk oblast,,\n", encoding="utf-8")
    sources = validate.registered_sources(store)
    model = validate.check_file_with_model(str(file), sources)
    sql = ingest.import_csv(store, str(file), dry_run=True).problems
    assert [(p.row, p.column, p.code) for p in sql] == [(p.row, p.column, p.code) for p in model] == [
        (3, "violations", "not-an-integer")]
    record = validate.check_record({"source": "UA_MOD", "period_start": "2023-05-16 3:30",
                                    "period_end": "2023-05-16 9:30", "violations": "2.0", "killed": "68.00",
                                    "region": "донецька", "accused_party": "всу", "qualifier": "at least"}, sources)
    assert (record.source, record.violations, record.killed, record.region, record.accused_party,
            record.qualifier.value, record.period_start.hour) == ("ua_mod", 2, 68, "donetsk", "ukraine", "at_least", 3)


def test_the_form_and_tracker_add_read_registered_regions_by_alias(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    tracker("regions", "add", "kharkiv", "Kharkiv", "--alias", "Харківська", "--db", path)
    out, _ = tracker("add", "--source", "ua_mod", "--start", "2022-05-01", "--end", "2022-05-01",
                     "--violations", "3.0", "--region", "ХАРКІВСЬКА", "--db", path)
    assert out.startswith("stored report ")
    _, err = tracker("add", "--source", "ua_mod", "--start", "2022-05-01", "--end", "2022-05-01",
                     "--violations", "3", "--region", "Poltava", "--db", path, ok=False)
    assert ("error: --region: unknown region 'Poltava'; use one of: donetsk, kharkiv, luhansk (a key or an alias, "
            "any case), register it with: tracker regions add KEY \"Name\" --alias 'Poltava', or leave it blank "
            "for the whole zone") in err
    rows = daily_rows(path, "--region", "kharkiv")
    assert pick(rows, "region", "violations") == [("kharkiv", "3")]
    assert daily_rows(path) == []  # outside the zone: never in `all`


def test_registry_refusals_say_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    _, err = tracker("regions", "add", "kharkiv", "Kharkiv", "--alias", "Donetsk", "--db", path, ok=False)
    assert "error: alias taken: 'Donetsk' is the key of another region; choose another alias" in err
    _, err = tracker("regions", "add", "kharkiv", "Kharkiv", "--alias", "Донецька", "--db", path, ok=False)
    assert "error: alias taken: 'Донецька' already spells region 'donetsk'; choose another alias" in err
    _, err = tracker("regions", "zone", "donetsk", "poltava", "--db", path, ok=False)
    assert "'poltava' is not a registered region; register it first with: tracker regions add poltava" in err
    _, err = tracker("parties", "add", "hamas", "Hamas", "--db", path, ok=False)
    assert "Missing option '--side'" in err
    tracker("init", "--db", path)
    file = tmp_path / "one.csv"
    file.write_text("source,period_start,period_end,violations\nua_mod,2022-02-18,2022-02-18,1\n", encoding="utf-8")
    tracker("import", file, "--db", path)
    _, err = tracker("init", "--calendar-tz", "Asia/Tokyo", "--db", path, ok=False)
    assert "the calendar zone is chosen when a store is created" in err


def test_the_calendar_zone_decides_the_days(tmp_path: Path) -> None:
    """A window of 20:00-23:00 Kyiv time is 18 Feb in Kyiv and 19 Feb in Tokyo (03:00-06:00)."""
    file = tmp_path / "evening.csv"
    file.write_text("source,period_start,period_end,violations\nua_mod,2022-02-18T20:00,2022-02-18T23:00,5\n",
                    encoding="utf-8")
    kyiv, tokyo = tmp_path / "kyiv.duckdb", tmp_path / "tokyo.duckdb"
    tracker("init", "--db", tokyo, "--calendar-tz", "Asia/Tokyo")
    for path in (kyiv, tokyo):
        tracker("import", file, "--db", path)
    assert pick(daily_rows(kyiv), "day", "violations") == [("2022-02-18", "5")]
    assert pick(daily_rows(tokyo), "day", "violations") == [("2022-02-19", "5")]
    assert pick(daily_rows(tokyo, "--tz", "Europe/Kyiv"), "day") == [("2022-02-18",)]
    with db.open_store(str(tokyo)) as store:
        assert series.calendar_tz(store) == "Asia/Tokyo"
        assert store.value("select count(*) from daily_rows where day = '2022-02-19' and accused_filter = ''") == 1


def test_daily_csv_writes_whole_shares_as_whole_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    file = tmp_path / "long.csv"
    file.write_text("source,period_start,period_end,violations\nua_mod,2022-02-01,2022-02-02,24\n", encoding="utf-8")
    tracker("import", file, "--db", path)
    assert pick(daily_rows(path), "day", "violations", "estimated") == [
        ("2022-02-01", "12", "violations"), ("2022-02-02", "12", "violations")]


def test_mapping_init_leaves_a_foreign_source_column_to_the_user(tmp_path: Path) -> None:
    table = tmp_path / "press.csv"
    table.write_text("date,source,shellings\n2022-02-18,Ukrinform,52\n", encoding="utf-8")
    tracker("mapping", "init", table)
    text = (tmp_path / "press.mapping.toml").read_text(encoding="utf-8")
    assert 'source = "source"' not in text.splitlines()
    assert '# source = "source"  # only if their column holds source keys or aliases (tracker sources); else give ' \
           'one under [fixed]' in text


@pytest.mark.parametrize("text, message", [
    ('combine = "max"\n', 'combine = "max": the one way to combine rows is combine = "sum"'),
    ('zero_length = "hour"\n', 'zero_length = "hour": the one reading is zero_length = "day"'),
    ('[date_formats]\nperiod_start = []\n', "[date_formats] period_start: the list is empty"),
    ('[date_formats]\nperiod_start = ["%Y-%m-%d", "day"]\n',
     "[date_formats] period_start (format 2): 'day' has no % codes"),
])
def test_a_bad_mapping_option_says_what_to_fix(tmp_path: Path, text: str, message: str) -> None:
    mapping = tmp_path / "m.toml"
    base = '[columns]\nperiod_start = "from"\nperiod_end = "to"\nviolations = "n"\n[fixed]\nsource = "ua_mod"\n'
    mapping.write_text(text + base if not text.startswith("[") else base.replace("[fixed]", text + "[fixed]"),
                       encoding="utf-8")
    _, err = tracker("import", NIGHT, "--mapping", mapping, "--db", tmp_path / "t.duckdb", ok=False)
    assert message in err


def test_a_theatre_on_the_shared_store_and_copied_back(lake_url: str, tmp_path: Path) -> None:
    """The registries are plain keyed tables (DuckLake), copied with the store; a zone change on the lake
    leaves the daily rows to the first reader, which reads the new zone."""
    path = tmp_path / "acled.duckdb"
    tracker("init", "--db", path, "--calendar-tz", "Europe/Kyiv")
    tracker("regions", "add", "kharkiv", "Kharkiv", "--alias", "Харківська", "--db", path)
    tracker("import", ACLED_OBLASTS, "--format", "acled", "--release", "2022-06-01", "--db", path)
    tracker("copy", path, lake_url)
    regions, _ = tracker("regions", "--db", lake_url)
    assert "kharkiv          Kharkiv                  outside  registered Харківська" in regions
    assert pick(daily_rows(lake_url, "--to", "2022-05-01"), "region", "violations") == [("all", "4")]
    tracker("regions", "zone", "donetsk", "luhansk", "Харківська", "--db", lake_url)
    assert pick(daily_rows(lake_url, "--to", "2022-05-01"), "region", "violations") == [("all", "6")]
    back = tmp_path / "back.duckdb"
    tracker("copy", lake_url, back)
    assert pick(daily_rows(back, "--to", "2022-05-01"), "region", "violations") == [("all", "6")]
    with db.open_store(str(back)) as store:
        assert series.calendar_tz(store) == "Europe/Kyiv"
        assert store.value("select count(*) from registry_changes") == 2


def test_mapping_init_offers_several_date_formats_for_a_mixed_column(tmp_path: Path, db_path: Path) -> None:
    table = tmp_path / "claims.csv"
    table.write_text("date_from,date_to,shellings\n20.04.2025,21.04.2025 0:00,2935\n"
                     "08.05.2025 0:00,08.05.2025 12:00,734\n", encoding="utf-8")
    out, _ = tracker("mapping", "init", table)
    assert "date format of period_start: %d.%m.%Y %H:%M, then %d.%m.%Y" in out
    text = (tmp_path / "claims.mapping.toml").read_text(encoding="utf-8")
    assert 'period_start = ["%d.%m.%Y %H:%M", "%d.%m.%Y"]' in text.splitlines()
    assert 'period_end = "%d.%m.%Y %H:%M"' in text.splitlines()
    mapping = tmp_path / "claims.mapping.toml"
    mapping.write_text(text.replace('# source = "ua_mod"', 'source = "ua_mod"'), encoding="utf-8")
    out, _ = tracker("import", table, "--mapping", mapping, "--db", db_path)
    assert "imported 2 new reports" in out
    with db.open_store(str(db_path)) as store:
        assert store.rows("select strftime(timezone('Europe/Kyiv', period_start), '%Y-%m-%d %H:%M') from "
                          "current_reports order by row_no") == [("2025-04-20 00:00",), ("2025-05-08 00:00",)]


def test_sql_and_model_agree_on_a_stores_own_registries(tmp_path: Path) -> None:
    """tests/test_agreement.py proves it on the built-in registries; here on registered ones."""
    path = tmp_path / "t.duckdb"
    tracker("regions", "add", "kharkiv", "Kharkiv", "--alias", "Харківська", "--db", path)
    tracker("parties", "add", "ru_army", "the Russian army", "--side", "russia", "--alias", "російська армія",
            "--db", path)
    tracker("sources", "add", "ua_gs", "Ukraine: General Staff", "--role", "party", "--side", "ukraine", "--alias",
            "ЗСУ ГШ", "--db", path)
    file = tmp_path / "own.csv"
    file.write_text("source,period_start,period_end,region,accused_party,violations\n"
                    "зсу гш,2022-05-01,2022-05-01,ХАРКІВСЬКА,Російська армія,3\n"
                    "ua_gs,2022-05-01,2022-05-01,Poltava,ru_army,3\n"
                    "UA_GS,2022-05-01,2022-05-01,kharkiv,Russian army,3\n"
                    "Ukraine GS,2022-05-01,2022-05-01,,,3\n", encoding="utf-8")
    with db.open_store(str(path)) as store:
        sources = validate.registered_sources(store)
        model = validate.check_file_with_model(str(file), sources)
        sql = ingest.import_csv(store, str(file), dry_run=True).problems
        assert [(p.row, p.column, p.code, p.message) for p in sql] == \
            [(p.row, p.column, p.code, p.message) for p in model]
        assert [(p.row, p.column, p.code) for p in sql] == [
            (3, "region", "unknown-region"), (4, "accused_party", "unknown-party"), (5, "source", "unknown-source")]
        first = validate.check_record({"source": "зсу гш", "period_start": "2022-05-01", "period_end": "2022-05-01",
                                       "region": "ХАРКІВСЬКА", "accused_party": "Російська армія",
                                       "violations": "3"}, sources)
        assert (first.source, first.region, first.accused_party) == ("ua_gs", "kharkiv", "ru_army")
