"""An import that forgives on request (issue 16): `tracker import --valid-rows-only` stores the valid rows
and writes the rejected ones exactly as they were beside the input, with their problems; the fixed file
re-imports with the same command. Also: the rows that revise stored reports are named, an import is
undone as a whole (`tracker withdraw --batch`), and `tracker template` imports as it is."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from tracker import db, ingest, series
from tracker.cli import main

GOOD_BAD = (
    "source,period_start,period_end,violations,notes\r\n"
    "ua_mod,2022-02-10,2022-02-10,5,ok\r\n"
    'ua_mod,2022-02-11,2022-02-11,-3,"a note over\r\ntwo lines"\r\n'
    "osce_smm,2022-02-12,2022-02-11,7,bad window\r\n"
    "ua_mod,2022-02-13,2022-02-13,9,ok\r\n"
)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def count(path: Path) -> int:
    with db.open_store(str(path)) as store:
        return int(store.value("select count(*) from current_reports"))


def test_valid_rows_only_stores_the_valid_rows_and_writes_the_rest_as_they_were(tmp_path: Path):
    source = tmp_path / "claims.csv"
    source.write_bytes(b"\xef\xbb\xbf" + GOOD_BAD.encode())
    store = tmp_path / "t.duckdb"
    code, out = run("import", "--db", str(store), "--valid-rows-only", str(source))
    assert code == 0, out
    assert (f"{source}: stored the valid rows: 2 new reports, 0 already stored; 2 of 4 rows rejected, 2 problems; "
            f"the rejected rows are in {source}.rejects.csv, their problems in {source}.problems.csv") in out
    assert count(store) == 2
    rejects = Path(f"{source}.rejects.csv").read_bytes()
    assert rejects == b"\xef\xbb\xbf" + (  # the header and the two records, byte for byte (BOM, CRLF, quoting)
        b"source,period_start,period_end,violations,notes\r\n"
        b'ua_mod,2022-02-11,2022-02-11,-3,"a note over\r\ntwo lines"\r\n'
        b"osce_smm,2022-02-12,2022-02-11,7,bad window\r\n")
    with open(f"{source}.problems.csv", encoding="utf-8", newline="") as handle:
        problems = list(csv.DictReader(handle))
    assert [(p["row"], p["column"], p["code"], p["value"]) for p in problems] == [
        ("3", "violations", "negative-count", "-3"), ("5", "period_end", "window-order", "2022-02-11")]

    fixed = Path(f"{source}.rejects.csv")
    fixed.write_bytes(rejects.replace(b",-3,", b",3,").replace(b"2022-02-12,2022-02-11", b"2022-02-11,2022-02-12"))
    code, out = run("import", "--db", str(store), "--valid-rows-only", str(fixed))
    assert code == 0 and "imported 2 new reports" in out, out
    assert count(store) == 4
    code, out = run("import", "--db", str(store), "--valid-rows-only", str(source))  # a retry is safe
    assert code == 0 and count(store) == 4 and "0 new reports, 2 already stored" in out


def test_valid_rows_only_exits_1_when_no_row_is_stored_and_refuses_a_broken_file(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("source,period_start,period_end,violations\nua_mod,2022-02-10,2022-02-10,x\n", encoding="utf-8")
    store = tmp_path / "t.duckdb"
    code, out = run("import", "--db", str(store), "--valid-rows-only", str(bad))
    assert code == 1 and "no row was stored" in out and Path(f"{bad}.rejects.csv").exists()
    header = tmp_path / "header.csv"
    header.write_text("source,period_start,nonsense\nua_mod,2022-02-10,1\n", encoding="utf-8")
    code, out = run("import", "--db", str(store), "--valid-rows-only", str(header))
    assert code == 1 and "nothing imported; the file itself has a problem" in out
    assert not Path(f"{header}.rejects.csv").exists() and count(store) == 0
    code, out = run("import", "--db", str(store), "--valid-rows-only", "--format", "acled", "--release",
                    "2024-01-01", str(bad))
    assert code == 2 and "--valid-rows-only reads canonical and mapped files" in out


def test_without_the_option_one_bad_row_still_stores_nothing(tmp_path: Path):
    source = tmp_path / "claims.csv"
    source.write_text(GOOD_BAD, encoding="utf-8")
    code, out = run("import", "--db", str(tmp_path / "t.duckdb"), str(source))
    assert code == 1 and "nothing was imported" in out
    assert count(tmp_path / "t.duckdb") == 0 and not Path(f"{source}.rejects.csv").exists()


def test_an_import_that_revises_stored_reports_says_how_many_and_which(tmp_path: Path):
    store = tmp_path / "t.duckdb"
    first = tmp_path / "first.csv"
    first.write_text("source,period_start,period_end,violations\nua_mod,2022-02-10,2022-02-10,5\n"
                     "ua_mod,2022-02-11,2022-02-11,6\n", encoding="utf-8")
    assert run("import", "--db", str(store), str(first))[0] == 0
    later = tmp_path / "later.csv"
    later.write_text("source,reported_at,period_start,period_end,violations\n"
                     "ua_mod,2022-02-12,2022-02-10,2022-02-10,7\nua_mod,2022-02-12,2022-02-12,2022-02-12,1\n"
                     "ua_mod,2022-02-12,2022-02-11,2022-02-11,8\n", encoding="utf-8")
    code, out = run("import", "--db", str(store), str(later))
    assert code == 0
    assert ("2 rows are later revisions of stored reports of the same window (rows 2, 4); rule 3 decides which "
            "figure counts") in out


def test_withdrawing_a_batch_undoes_the_import_and_is_recorded_like_any_withdrawal(tmp_path: Path):
    path = tmp_path / "t.duckdb"
    first = tmp_path / "first.csv"
    first.write_text("source,period_start,period_end,violations\nua_mod,2022-02-10,2022-02-10,5\n"
                     "ua_mod,2022-02-11,2022-02-11,6\n", encoding="utf-8")
    code, out = run("import", "--db", str(path), str(first))
    assert "stored as batch 1; to undo: tracker withdraw --batch 1 --reason TEXT" in out  # a note on stderr
    second = tmp_path / "second.csv"
    second.write_text("source,period_start,period_end,violations\nosce_smm,2022-02-10,2022-02-10,50\n",
                      encoding="utf-8")
    run("import", "--db", str(path), str(second))
    code, out = run("withdraw", "--db", str(path))
    assert code == 0 and [line.split()[0] for line in out.splitlines()[1:]] == ["2", "1"]
    assert run("withdraw", "--db", str(path), "--batch", "1")[0] == 2  # a reason is required
    code, out = run("withdraw", "--db", str(path), "--batch", "1", "--reason", "the wrong file")
    assert (code, out) == (0, "withdrew 2 reports of batch 1: they count nowhere now; each report's history keeps "
                              "them\n")
    with db.open_store(str(path)) as store:
        assert series.daily(store)["source"].tolist() == ["osce_smm"]
        assert store.rows("select count(*), min(withdraw_reason) from reports where withdrawn") == [
            (2, "the wrong file")]
        assert store.rows("select kind, file_name, inserted from batches where batch_seq = 3") == [
            ("withdraw", "batch 1", 2)]
    code, out = run("withdraw", "--db", str(path), "--batch", "1", "--reason", "again")
    assert code == 1 and "has no current report left" in out
    code, out = run("withdraw", "--db", str(path), "--batch", "7", "--reason", "x")
    assert code == 1 and "there is no batch 7" in out


def test_the_template_imports_as_it_is_with_the_stores_own_values(tmp_path: Path):
    path = tmp_path / "t.duckdb"
    code, out = run("template", "--db", str(path))
    assert code == 0
    rows = list(csv.DictReader(out.splitlines()))
    assert out.splitlines()[0].startswith("source,channel,reported_at,period_start,period_end,timezone,region")
    assert {r["source"] for r in rows} == {"dpr", "osce_smm"} and rows[2]["region"] == "donetsk"
    template = tmp_path / "template.csv"
    template.write_text(out, encoding="utf-8")
    with db.open_store(str(path)) as store:
        (report,) = ingest.import_files(store, [str(template)])
        assert report.ok and report.inserted == 3


def test_valid_rows_and_undoing_an_import_on_both_backends(store_url: str, tmp_path: Path):
    source = tmp_path / "claims.csv"
    source.write_text(GOOD_BAD, encoding="utf-8")
    store = db.open_store(store_url)
    try:
        (report,) = ingest.import_files(store, [str(source)], valid_rows_only=True)
        assert (report.inserted, report.rejected_rows) == (2, 2) and Path(f"{source}.rejects.csv").exists()
        assert ingest.withdraw_batch(store, report.batch_seq, "a test") == 2
        assert int(store.value("select count(*) from current_reports")) == 0
        assert int(store.value("select current from import_batches where batch_seq = ?", [report.batch_seq])) == 0
    finally:
        store.close()


def test_a_combined_total_with_a_bad_part_is_rejected_whole(tmp_path: Path):
    # two totals of breakdown rows (one row per weapon model): the first has a bad part
    source = tmp_path / "night.csv"
    source.write_text(
        "source,channel,reported_at,period_start,period_end,weapons,violations\n"
        "ua_mod,air force,2023-05-16T09:00,2023-05-15T18:00,2023-05-16T06:00,Kinzhal,2\n"
        "ua_mod,air force,2023-05-16T09:00,2023-05-15T18:00,2023-05-16T06:00,Shahed,6x8\n"
        "ua_mod,air force,2023-05-16T09:00,2023-05-15T18:00,2023-05-16T06:00,Kalibr,1\n"
        "ua_mod,air force,2023-05-17T09:00,2023-05-16T18:00,2023-05-17T06:00,Kinzhal,3\n"
        "ua_mod,air force,2023-05-17T09:00,2023-05-16T18:00,2023-05-17T06:00,Shahed,9\n", encoding="utf-8")
    store = tmp_path / "t.duckdb"
    code, out = run("import", "--db", str(store), "--valid-rows-only", "--combine", "sum", str(source))
    assert code == 0, out
    with db.open_store(str(store)) as opened:
        assert opened.rows("select violations from current_reports") == [(12,)]  # 3 + 9, the good total only
    rejects = Path(f"{source}.rejects.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[5] for line in rejects[1:]] == ["Kinzhal", "Shahed", "Kalibr"]
    with open(f"{source}.problems.csv", encoding="utf-8", newline="") as handle:
        problems = [(p["row"], p["code"]) for p in csv.DictReader(handle)]
    assert problems == [("2", "combined-group-rejected"), ("3", "not-a-number"), ("4", "combined-group-rejected")]


def test_text_limits_are_the_same_on_the_form_and_the_command_line(tmp_path: Path):
    from tracker import validate, vocab

    assert vocab.TEXT_LIMITS["quote"] == vocab.TEXT_LIMITS["notes"] == 5000 and vocab.TEXT_LIMITS["channel"] == 500
    record = {"source": "ua_mod", "period_start": "2022-02-10", "period_end": "2022-02-10", "violations": "5"}
    problems = validate.check_record(record | {"notes": "n" * 5001}, ["ua_mod"])
    assert [(p.column, p.code) for p in problems] == [("notes", "text-too-long")]
    assert problems[0].message.startswith("notes has 5001 characters, more than the 5000 it takes")
    assert not isinstance(validate.check_record(record | {"notes": "n" * 5000}, ["ua_mod"]), list)
    code, out = run("add", "--db", str(tmp_path / "t.duckdb"), "--source", "ua_mod", "--start", "2022-02-10",
                    "--end", "2022-02-10", "--violations", "5", "--channel", "c" * 501)
    assert code == 1 and "--channel: channel has 501 characters" in out
