"""Issue 14, the store and CLI side: each test performs the attack (a crafted file, the real CLI in process
with click's CliRunner, a forged backup, a dying PostgreSQL, a full disk) and asserts the refusal, its words,
and that nothing was stored. The import's own refusals (points 3 and 4) are in the bad-input catalogue
(tests/test_import_catalogue.py, tests/test_agreement.py); docs/reliability.md lists them all."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import os
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import DATA, run_tracker_process

from tracker import backup, db, ingest, vocab
from tracker.cli import main

GOOD = DATA / "good" / "columns_reordered.csv"
WRONG_DB = "not a tracker database; `--db` takes a DuckDB file; `tracker import` reads CSV"


def tracker(*args: str | os.PathLike, env: dict | None = None):  # noqa: ANN201
    """The real CLI, in process; $TRACKER_DB unset unless `env` sets it."""
    return CliRunner().invoke(main, [str(a) for a in args], env={"TRACKER_DB": None, **(env or {})},
                              catch_exceptions=False)


def _reports(path: Path) -> int:
    store = db.open_store(str(path))
    try:
        return int(store.value("select count(*) from reports"))
    finally:
        store.close()


# --- point 1: --db naming a file that is not a DuckDB database ----------------------------------------

def _write_kinds(folder: Path) -> dict[str, tuple[Path, str]]:
    """Files of other kinds, each with what the refusal says it looks like."""
    kinds: dict[str, tuple[Path, str]] = {}
    parquet = folder / "exp.parquet"
    pq.write_table(pa.table({"source": ["ua_mod"], "violations": [5]}), parquet)
    kinds["parquet"] = (parquet, "a Parquet file")
    csv_file = folder / "exp.csv"
    csv_file.write_text(GOOD.read_text(encoding="utf-8"), encoding="utf-8")
    kinds["csv"] = (csv_file, "a CSV file")
    text = folder / "notes.txt"
    text.write_text("Обстріл поблизу Золотого\n", encoding="utf-8")
    kinds["text"] = (text, "a text file")
    lite = folder / "old.sqlite"
    with sqlite3.connect(lite) as con:
        con.execute("create table t (x)")
    kinds["sqlite"] = (lite, "an SQLite database")
    gz = folder / "exp.csv.gz"
    gz.write_bytes(gzip.compress(GOOD.read_bytes()))
    kinds["gzip"] = (gz, "a gzip file")
    zipped = folder / "exp.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("exp.csv", GOOD.read_text(encoding="utf-8"))
    kinds["zip"] = (zipped, "a zip file (an .xlsx workbook is one)")
    binary = folder / "random.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    kinds["binary"] = (binary, "a file of another kind (it lacks DuckDB's header)")
    return kinds


@pytest.mark.parametrize("kind", ["parquet", "csv", "text", "sqlite", "gzip", "zip", "binary"])
def test_db_that_is_another_kind_of_file_is_refused_before_connecting(tmp_path: Path, kind: str) -> None:
    path, looks = _write_kinds(tmp_path)[kind]
    before = path.read_bytes()
    result = tracker("import", GOOD, "--db", path)
    assert result.exit_code == 1
    assert result.stderr == f"error: wrong --db: {path} is {looks}, {WRONG_DB}\n"
    assert "imported" not in result.stdout
    assert path.read_bytes() == before, "the file is left as it was"
    assert not Path(f"{path}.wal").exists()


def test_the_issue_example_through_tracker_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`TRACKER_DB=exp.parquet tracker import x.csv` printed "imported 1 new reports" and wrote nothing."""
    _write_kinds(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = tracker("import", GOOD, env={"TRACKER_DB": "exp.parquet"})
    assert result.exit_code == 1
    assert result.stderr == ("error: wrong --db: exp.parquet is a Parquet file, not a tracker database; "
                             "`--db` takes a DuckDB file; `tracker import` reads CSV\n")
    for command in (["daily"], ["export", tmp_path / "out.csv"], ["backup", tmp_path / "b"], ["init"]):
        again = tracker(*command, env={"TRACKER_DB": "exp.parquet"})
        assert again.exit_code == 1 and "is a Parquet file" in again.stderr, command
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "b").exists()


def test_empty_file_and_directory_are_refused_and_memory_and_new_files_are_not(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    empty.write_bytes(b"")
    result = tracker("init", "--db", empty)
    assert result.exit_code == 1
    assert result.stderr == (f"error: wrong --db: {empty} is an empty file, not a tracker database; remove it and "
                             "run `tracker init` to create the store there, or give another --db\n")
    assert empty.read_bytes() == b""
    folder = tmp_path / "folder"
    folder.mkdir()
    assert "is a directory, not a tracker database" in tracker("init", "--db", folder).stderr
    new = tmp_path / "new" / "tracker.duckdb"
    assert tracker("import", GOOD, "--db", new).exit_code == 0  # a new file is a new store
    assert _reports(new) == 2
    assert db.Store(":memory:").value("select 42") == 42  # the library's scratch connections are unaffected


def test_copy_from_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path, _ = _write_kinds(tmp_path)["csv"]
    result = tracker("copy", path, tmp_path / "target.duckdb")
    assert result.exit_code == 1
    assert f"{path} is a CSV file, {WRONG_DB}" in result.stderr


# --- point 5: restore re-checks what it restores; a newer store is refused at open -------------------------

def _backup_with_reports(tmp_path: Path) -> Path:
    live = tmp_path / "live.duckdb"
    store = db.open_store(str(live))
    assert ingest.import_csv(store, str(DATA / "good" / "every_column.csv")).ok
    assert ingest.import_csv(store, str(GOOD)).ok
    backup.backup_store(store, tmp_path / "backup")
    store.close()
    return tmp_path / "backup"


def _forge(folder: Path, table: str, change) -> None:  # noqa: ANN001
    """Rewrite one table's Parquet file and give the manifest its new checksum (so the checksums match)."""
    file = folder / f"{table}.parquet"
    pq.write_table(change(pq.read_table(file)), file)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["tables"]:
        if entry["name"] == table:
            entry["sha256"] = hashlib.sha256(file.read_bytes()).hexdigest()
            entry["rows"] = pq.read_metadata(file).num_rows
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _set(table: pa.Table, column: str, row: int, value: object) -> pa.Table:
    values = table.column(column).to_pylist()
    values[row] = value
    index = table.schema.get_field_index(column)
    return table.set_column(index, table.schema.field(index), pa.array(values, type=table.schema.field(index).type))


def test_forged_backup_is_refused_with_its_problems_and_nothing_restored(tmp_path: Path) -> None:
    folder = _backup_with_reports(tmp_path)
    order = pq.read_table(folder / "reports.parquet").column("row_no").to_pylist()
    first = order.index(min(order))

    def spoil(table: pa.Table) -> pa.Table:
        table = _set(table, "violations", first, -5)
        table = _set(table, "source_url", first, "javascript:alert(document.cookie)")
        table = _set(table, "region", first, "crimea")
        last = len(order) - 1 if first != len(order) - 1 else 0
        table = _set(table, "prohibited_weapons", last, 10**6)
        return _set(table, "period_end", last, table.column("period_start").to_pylist()[last])

    _forge(folder, "reports", spoil)
    target = tmp_path / "restored.duckdb"
    result = tracker("restore", folder, "--db", target)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == (f"error: backup fails its checks: {folder} holds data the tracker would not store "
                        "(5 problems); nothing was restored; use another backup:")
    problems = " ".join(lines[1:])
    for code in ("negative-count", "bad-url", "unknown-region", "subset-exceeds-total", "window-order"):
        assert code in problems
    assert "violations: negative-count: '-5' is negative" in problems
    assert "source_url: bad-url: 'javascript:alert(document.cookie)' is not an http(s) address" in problems
    assert lines[1].startswith("report ") and "(batch " in lines[1]
    assert _reports(target) == 0


def test_forged_column_type_is_refused(tmp_path: Path) -> None:
    folder = _backup_with_reports(tmp_path)

    def as_text(table: pa.Table) -> pa.Table:
        index = table.schema.get_field_index("violations")
        column = pa.array([None if v is None else str(v) for v in table.column("violations").to_pylist()])
        return table.set_column(index, "violations", column)

    _forge(folder, "reports", as_text)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))  # the forger edits it to match
    for entry in manifest["tables"]:
        entry["columns"] = [[name, "VARCHAR" if name == "violations" and entry["name"] == "reports" else kind]
                            for name, kind in entry["columns"]]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(backup.BackupError) as refused:
        backup.restore_store(folder, str(tmp_path / "restored.duckdb"))
    assert "table reports, column violations: type VARCHAR, the tracker stores BIGINT" in refused.value.message
    assert _reports(tmp_path / "restored.duckdb") == 0


def test_an_honest_backup_still_restores(tmp_path: Path) -> None:
    folder = _backup_with_reports(tmp_path)
    restored = backup.restore_store(folder, str(tmp_path / "restored.duckdb"))
    assert restored.current == _reports(tmp_path / "restored.duckdb") > 0


def test_store_made_by_a_newer_tracker_is_refused_at_open(tmp_path: Path) -> None:
    path = tmp_path / "newer.duckdb"
    store = db.open_store(str(path))
    store.execute("insert into schema_migrations values ('999_future.sql', 'abc', now())")
    store.close()
    message = (f"error: made by a newer tracker: {path} was made by a newer version of the tracker "
               "(migration 999_future); upgrade the tracker to open it\n")
    for command in (["daily"], ["import", GOOD], ["init"], ["export", tmp_path / "out.csv"]):
        result = tracker(*command, "--db", path)
        assert result.exit_code == 1, command
        assert result.stderr == message, command
    with pytest.raises(db.NewerStore):
        db.open_store(str(path), read_only=True)
    store = db.Store(str(path))
    assert store.value("select count(*) from reports") == 0
    assert "999_future.sql" in {row[0] for row in store.rows("select name from schema_migrations")}
    store.close()


def test_backup_of_a_newer_store_is_refused_before_the_store_is_touched(tmp_path: Path) -> None:
    folder = _backup_with_reports(tmp_path)
    _forge(folder, "schema_migrations", lambda table: pa.concat_tables([table, pa.table(
        {"name": ["999_future.sql"], "sha256": ["abc"], "applied_at": table.column("applied_at").to_pylist()[:1]},
        schema=table.schema)]))
    result = tracker("restore", folder, "--db", tmp_path / "restored.duckdb")
    assert result.exit_code == 1
    assert result.stderr == (f"error: made by a newer tracker: {folder} was made by a newer version of the tracker "
                             "(migration 999_future); upgrade the tracker to restore it\n")
    assert not (tmp_path / "restored.duckdb").exists()


# --- point 7: --encoding takes the text encodings of vocab.ENCODINGS only -------------------------------------

@pytest.mark.parametrize("codec", ["bz2_codec", "rot13", "hex_codec", "base64_codec", "zlib_codec", "idna"])
def test_encodings_other_than_text_are_refused_without_reading(tmp_path: Path, db_path: Path, codec: str) -> None:
    bomb = tmp_path / "bomb.csv"  # 785 bytes that bz2_codec would expand to a gibibyte
    bomb.write_bytes(bz2.compress(b"source,period_start,period_end,violations\n" + b"x" * (1 << 24)))
    result = tracker("import", "--encoding", codec, bomb, "--db", db_path)
    assert result.exit_code == 2
    assert (f"Invalid value for '--encoding': encoding '{codec}' is not one of the text encodings the tracker "
            "reads; use one of: " + ", ".join(vocab.ENCODINGS)) in result.stderr
    assert "Traceback" not in result.output
    assert not db_path.exists()
    store = db.open_store(str(db_path))
    with pytest.raises(ValueError, match="not one of the text encodings"):
        ingest.import_csv(store, str(bomb), encoding=codec)
    assert store.value("select count(*) from reports") == 0
    store.close()


def test_every_listed_encoding_reads_and_aliases_are_kept(db_path: Path) -> None:
    assert list(vocab.ENCODINGS) == ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1251",
                                     "windows-1251", "koi8-r", "koi8-u", "cp866", "iso-8859-5", "cp1252",
                                     "windows-1252", "latin-1"]
    result = tracker("import", "--encoding", "Windows-1251", DATA / "bad" / "cp1251.csv", "--db", db_path)
    assert result.exit_code == 0, result.output
    assert tracker("import", "--encoding", "utf8", GOOD, "--db", db_path).exit_code == 0


def test_mapping_with_a_decompressing_encoding_is_refused(tmp_path: Path, db_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text('encoding = "bz2_codec"\n[columns]\nperiod_start = "d"\nperiod_end = "d"\n'
                       'violations = "v"\n[fixed]\nsource = "ua_mod"\n', encoding="utf-8")
    result = tracker("import", GOOD, "--mapping", mapping, "--db", db_path)
    assert result.exit_code == 1
    assert "encoding 'bz2_codec' is not one of the text encodings the tracker reads" in result.stderr
    assert "Traceback" not in result.output


# --- point 8: the spreadsheet escape after every ; ---------------------------------------------------------

def test_formula_after_a_semicolon_is_escaped_in_the_exported_bytes(tmp_path: Path, db_path: Path) -> None:
    attack = "a;=cmd|' /C calc'!A0"
    source = tmp_path / "in.csv"
    source.write_text("source,period_start,period_end,violations,notes,quote,channel\n"
                      f"ua_mod,2022-02-17,2022-02-17,5,\"{attack}\",=1;@2;'3,x;;+y\n", encoding="utf-8")
    assert tracker("import", source, "--db", db_path).exit_code == 0
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    assert tracker("export", first, "--db", db_path).exit_code == 0
    data = first.read_bytes().decode("utf-8")
    assert "a;'=cmd|' /C calc'!A0" in data and ",'=1;'@2;''3," in data and ",x;;'+y" in data
    assert ";=" not in data and ";@" not in data and ";+" not in data
    again = tmp_path / "again.duckdb"
    assert tracker("import", first, "--db", again).exit_code == 0
    store = db.open_store(str(again))
    assert store.rows("select notes, quote, channel from current_reports") == [(attack, "=1;@2;'3", "x;;+y")]
    store.close()
    assert tracker("export", second, "--db", again).exit_code == 0
    assert second.read_bytes() == first.read_bytes()


# --- point 10: raw engine errors become one line that says what to do ---------------------------------------

def test_export_to_a_full_disk_says_so(db_path: Path) -> None:
    """/dev/full answers every write with ENOSPC: DuckDB's real "No space left on device" error."""
    assert tracker("import", GOOD, "--db", db_path).exit_code == 0
    result = tracker("export", "/dev/full", "--db", db_path)
    assert result.exit_code == 1
    assert result.stderr == ("error: disk full: the disk is full (/dev/full): the write was not completed and "
                             "nothing of it was kept; free some space (or use another disk) and retry\n")


def test_translation_of_the_engine_errors_seen() -> None:
    """The messages DuckDB gave in the adversarial run, through db._translate on DuckDB's own exception types
    (the live cases are the tests around this one)."""
    import duckdb  # noqa: PLC0415 - the tests may build DuckDB's own errors; the library imports it in db.py only

    lake = "ducklake:postgres:dbname=t host=h port=1 user=u password=secret"
    gone = db._translate(duckdb.InvalidInputException(
        "Invalid Input Error: Attempting to fetch from an unsuccessful query result\nError: FATAL: terminating "
        "connection due to administrator command"), lake)
    assert (gone.title, gone.message) == ("catalog unreachable", "the shared store's catalog (PostgreSQL) stopped "
                                          "answering during the write; nothing was written; check the server and retry")
    full = db._translate(duckdb.IOException('IO Error: Could not write file "/data/t.duckdb.wal": No space left on '
                                            'device'), "/data/t.duckdb")
    assert isinstance(full, db.DiskFull) and full.message.startswith("the disk is full (/data/t.duckdb.wal): ")
    zone = db._translate(duckdb.NotImplementedException("Not implemented Error: Unknown TimeZone 'localtime'!"))
    assert zone.message.startswith("DuckDB does not know the time zone 'localtime'; use the IANA name of a place")


def test_zone_localtime_on_the_command_line_is_refused(db_path: Path) -> None:
    assert tracker("import", GOOD, "--db", db_path).exit_code == 0
    result = tracker("daily", "--tz", "localtime", "--db", db_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: unknown time zone 'localtime'")
    assert "NotImplemented" not in result.output


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 4 MB tmpfs (needs root and mount(2)); skipped where it cannot be made."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_import_onto_a_full_disk_says_so_and_stores_nothing(tiny_disk: Path, tmp_path: Path) -> None:
    """In subprocesses: after a fatal write error DuckDB closes the database for the rest of the process."""
    path = tiny_disk / "tracker.duckdb"
    assert run_tracker_process("import", GOOD, db_path=path).returncode == 0
    big = tmp_path / "big.csv"
    lines = ["source,period_start,period_end,violations,notes"]
    lines += [f"ua_mod,2022-02-{1 + i % 28:02d},2022-02-{1 + i % 28:02d},{i},note {i} {'x' * 60}"
              for i in range(60_000)]
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_tracker_process("import", big, db_path=path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: disk full: the disk is full (")
    assert result.stderr.endswith("nothing of it was kept; free some space (or use another disk) and retry\n")
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    subprocess.run(["mount", "-o", "remount,size=64m", str(tiny_disk)], check=True)
    after = run_tracker_process("export", tmp_path / "after.csv", db_path=path)
    assert after.stdout == f"exported 2 reports to {tmp_path / 'after.csv'}\n", after.stderr


def test_postgres_dying_mid_import_says_so_and_stores_nothing(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from postgres_cluster import pg_bin, start_cluster, stop_cluster

    cluster = start_cluster()
    data = cluster.folder / "data"
    try:
        monkeypatch.setenv("TRACKER_DATA_PATH", str(tmp_path / "lake-data"))
        url = cluster.lake_url(cluster.create_database())
        store = db.open_store(url)
        assert ingest.import_csv(store, str(GOOD)).ok

        def kill_at_write(step: str, _file: str) -> None:
            if step == "writing":
                subprocess.run([*cluster.as_postgres, pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                                "stop"], capture_output=True, check=True)

        with pytest.raises(db.DatabaseError) as died:
            ingest.import_files(store, [str(DATA / "good" / "every_column.csv")], on_step=kill_at_write)
        assert (died.value.title, died.value.message) == (
            "catalog unreachable", "the shared store's catalog (PostgreSQL) stopped answering during the write; "
                                   "nothing was written; check the server and retry")
        store.close()
        options = f"-p {cluster.port} -k {cluster.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run([*cluster.as_postgres, pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l",
                        str(cluster.folder / "log"), "-w", "start"], capture_output=True, check=True)
        again = db.open_store(url)
        assert again.value("select count(*) from reports") == 2, "nothing of the dying import was stored"
        again.close()
    finally:
        stop_cluster(cluster)


# --- point 11: read commands never create a store; --version ------------------------------------------------

@pytest.mark.parametrize("command", [["daily"], ["check"], ["export", "out.csv"]])
def test_read_command_on_a_missing_store_says_how_to_make_one(tmp_path: Path, command: list[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = tracker(*command)
    assert result.exit_code == 1
    assert result.stderr == ("error: no database at data/tracker.duckdb; create one with `tracker init`, or use "
                             "`--db data/demo.duckdb` for the demo\n")
    assert not (tmp_path / "data").exists() and not (tmp_path / "out.csv").exists()
    elsewhere = tmp_path / "nowhere" / "x.duckdb"
    result = tracker(*command, "--db", elsewhere)
    assert result.exit_code == 1 and result.stderr.startswith(f"error: no database at {elsewhere}; ")
    assert not elsewhere.parent.exists()


def test_read_command_on_an_existing_store_works(db_path: Path, tmp_path: Path) -> None:
    assert tracker("init", "--db", db_path).exit_code == 0
    assert tracker("daily", "--db", db_path).exit_code == 0
    assert (tracker("export", tmp_path / "out.csv", "--db", db_path).stdout
            == f"exported 0 reports to {tmp_path / 'out.csv'}\n")


def test_version() -> None:
    from importlib.metadata import version

    result = tracker("--version")
    assert result.exit_code == 0 and result.stdout == f"tracker {version('ceasefire-tracker')}\n"


def test_readme_says_how_to_reach_tracker() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.index("| command | does |")
    assert "source .venv/bin/activate" in readme[:table]


# --- the machine, not the file: too little memory is said as it is ------------------------------------------

def test_an_import_beyond_the_memory_limit_says_so_and_stores_nothing(tmp_path: Path) -> None:
    """DuckDB's CSV reader alone needs a block of some 150 MiB: under a 60MB limit the import cannot start.
    The error names the limit and the variable that raises it, never "malformed CSV"; nothing is stored."""
    store = tmp_path / "tracker.duckdb"
    assert tracker("init", "--db", store).exit_code == 0
    result = tracker("import", GOOD, "--db", store, env={"TRACKER_MEMORY_LIMIT": "60MB"})
    assert result.exit_code == 1
    assert result.stderr.startswith("error: out of memory: DuckDB needed more memory than its limit allows (Out "
                                    "of Memory Error: ")
    assert result.stderr.endswith("nothing was written; set TRACKER_MEMORY_LIMIT higher (e.g. 4GB) and retry\n")
    assert "malformed" not in result.stderr
    assert _reports(store) == 0
    assert tracker("import", GOOD, "--db", store).exit_code == 0  # with the default limit it imports
    assert _reports(store) == 2


@pytest.mark.parametrize(("failure", "said"), [
    ("IOException", "error: IO error: IO Error: Could not read from file: Input/output error\n"),
    ("InterruptException", "error: Interrupt error: INTERRUPT Error: Interrupted!\n"),
])
def test_a_machine_error_while_reading_a_file_is_said_as_it_is_not_as_a_bad_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str, said: str) -> None:
    """Only DuckDB's refusal of the file's text (InvalidInput) reads as a malformed CSV: a failing disk or an
    interrupt while the reader runs is the machine's, and is reported as it is, with nothing stored (an
    analyst once would have been told to fix a good file)."""
    import duckdb

    store = tmp_path / "tracker.duckdb"
    assert tracker("init", "--db", store).exit_code == 0
    execute = db.Store.execute
    message = {"IOException": "IO Error: Could not read from file: Input/output error",
               "InterruptException": "INTERRUPT Error: Interrupted!"}[failure]

    def failing_read(self: db.Store, query: str, params: object = None) -> None:
        if query.startswith("create temp table stage_read as select * from read_csv("):
            raise db._translate(getattr(duckdb, failure)(message), self.path)
        execute(self, query, params)

    monkeypatch.setattr(db.Store, "execute", failing_read)
    result = tracker("import", GOOD, "--db", store)
    assert (result.exit_code, result.stderr) == (1, said)
    assert "malformed" not in result.output
    monkeypatch.setattr(db.Store, "execute", execute)
    assert _reports(store) == 0
    assert tracker("import", GOOD, "--db", store).exit_code == 0  # the same file, read on a sound machine
    assert _reports(store) == 2


@pytest.mark.parametrize("name", ["a*.csv", "a?.csv", "a[b].csv"])
def test_a_file_name_with_pattern_characters_reads_that_file_alone(tmp_path: Path, name: str) -> None:
    """DuckDB reads a path as a glob pattern: `a*.csv` also read the rows of `ab.csv` beside it, and
    `a[b].csv` read `ab.csv` instead of itself. The file named is read, and only it."""
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / name).write_bytes(GOOD.read_bytes())  # 2 reports
    for other in ("ab.csv", "ac.csv"):  # 7 reports each, which a pattern would take in
        (folder / other).write_bytes((DATA / "good" / "every_column.csv").read_bytes())
    store = tmp_path / "tracker.duckdb"
    result = tracker("import", folder / name, "--db", store)
    assert result.exit_code == 0, result.output
    assert _reports(store) == 2


@pytest.mark.parametrize("name", ["plain.csv.gz", "plain.csv.zst"])
def test_a_plain_csv_named_like_a_compressed_one_is_read_as_the_text_it_is(tmp_path: Path, name: str) -> None:
    """The file is checked as text before DuckDB reads it; DuckDB, choosing a decompression from the name,
    said "Input is not a GZIP stream" (an I/O error, the machine's since the reader tells them apart)."""
    path = tmp_path / name
    path.write_bytes(GOOD.read_bytes())
    store = tmp_path / "tracker.duckdb"
    result = tracker("import", path, "--db", store)
    assert result.exit_code == 0, result.output
    assert _reports(store) == 2


def test_a_failing_query_of_the_series_reports_its_own_error_not_the_aborted_transaction(tmp_path: Path) -> None:
    """A statement that fails inside a write's transaction aborts it; putting the views' variables back
    then fails too, and must not hide the first error (an out-of-memory refresh was once reported as
    "Current transaction is aborted")."""
    from tracker import series

    store = db.open_store(str(tmp_path / "tracker.duckdb"))
    try:
        with pytest.raises(db.DatabaseError) as raised:
            with store.transaction():
                with series._variables(store, tz="UTC", daily_sources=["ua_mod"]):
                    store.execute("select error('the refresh ran out of memory')")
        assert "the refresh ran out of memory" in raised.value.message
        assert store.value("select getvariable('tz')") is None  # put back once the transaction is over
    finally:
        store.close()
