"""Backups: the whole store with its history (every version, batch and audit row), and restoring it.

A backup is a directory: one Parquet file per table of the store, copied inside one read transaction (a
consistent snapshot, taken while other threads of the same process keep writing), and `manifest.json`
with each table's columns, row count and sha256. It is written under a temporary name and renamed when
complete, so an interrupted backup never looks like a finished one.

Why not DuckDB's `EXPORT DATABASE` / `IMPORT DATABASE`: its schema.sql creates views in name order, and
`IMPORT DATABASE` fails on views that read other views (`current_reports` reads `int_report_heads`;
DuckDB 1.5.5). Views are code, not data: a restore re-creates them from sql/views (and applies any newer
migration), so a backup taken by an older tracker restores into the current one.

A restore checks the backup first (every file present, every checksum equal; not made by a newer tracker),
refuses a store that holds reports unless told to replace it (and then backs that store up beside it
first), and replaces the tables in one transaction, in which it checks what it restored: the column types
against this tracker's schema, and every stored version by the import's own checks (vocabularies, counts,
subset ≤ total, window order, URL scheme; not the limits added later, `RESTORE_EXEMPT`), refusing the
backup with the problems listed (a checksum proves only that the files match their manifest): a restore
that fails or is killed leaves the store as it was, or holds the whole backup. The views are made
afterwards by migrate(); if that step is cut short, the next command that opens the store makes them
(the restore removes the views' hash in its transaction).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from tracker import db, validate, vocab
from tracker.db import DatabaseError, Store
from tracker.rows import Staged

FORMAT = "tracker-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
REQUIRED_TABLES = ("reports", "batches", "sources", "schema_migrations")
_NAME = re.compile(r"[a-z_][a-z0-9_]*")
# Limits of an import added after backups may have been made (issue 14): a restored version is not held to
# them. Every other check of an import applies.
RESTORE_EXEMPT = frozenset({"date-out-of-range", "window-too-long"})
SHOWN_PROBLEMS = 20


class BackupError(DatabaseError):
    """A backup that cannot be written, read or restored; the message says why and what to do."""


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds (or a restore brought back)."""

    path: str
    versions: int  # rows of `reports`: every stored version
    current: int  # current reports (edits applied, withdrawn left out)
    batches: int
    last_batch: int
    tables: dict[str, int]  # rows per table
    safety_copy: str | None = None  # restore --force: where the replaced store was backed up first

    def describe(self) -> str:
        return (f"{self.current} current reports ({self.versions} stored versions, {self.batches} batches, "
                f"last batch {self.last_batch}; {len(self.tables)} tables)")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _tables(store: Store) -> list[str]:
    return [row[0] for row in store.rows(
        "select table_name from duckdb_tables() where database_name = current_database() "
        "and schema_name = current_schema() and not temporary order by table_name")]


def _columns(store: Store, table: str) -> list[list[str]]:
    return [[name, kind] for name, kind in store.rows(
        "select column_name, data_type from duckdb_columns() where database_name = current_database() "
        "and schema_name = current_schema() and table_name = ? order by column_index", [table])]


def _check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError("backup exists", f"{out} already exists and is not an empty directory; "
                                           "give a new directory name (a backup never overwrites another)")


def backup_store(store: Store, out: str | os.PathLike) -> BackupSummary:
    """Write a backup of `store` to the directory `out` (new or empty). Safe while other threads write
    through the same store: it reads one snapshot and takes no write lock."""
    target = Path(out)
    _check_out(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    snapshot = store.cursor()
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        snapshot.execute("begin transaction")
        try:
            tables = _tables(snapshot)
            missing = [name for name in REQUIRED_TABLES if name not in tables]
            if missing:
                raise BackupError("not a tracker store", f"{store.path} has no table {', '.join(missing)}; "
                                                        "run `tracker init` on it, or check --db")
            entries = []
            for table in tables:
                if not _NAME.fullmatch(table):
                    raise BackupError("unexpected table", f"table name {table!r} is not one the tracker makes")
                file = work / f"{table}.parquet"
                snapshot.copy_to(f'select * from "{table}"', str(file), "format parquet, compression zstd")
                entries.append({"name": table, "file": file.name, "columns": _columns(snapshot, table),
                                "rows": int(snapshot.value(f'select count(*) from "{table}"')),
                                "sha256": _sha256(file)})
            current = int(snapshot.value("select count(*) from current_reports"))
            last_batch = int(snapshot.value("select coalesce(max(batch_seq), 0) from batches"))
        finally:
            try:
                snapshot.execute("rollback")  # a read: nothing to commit
            except DatabaseError:
                pass
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "created_at": datetime.now(timezone.utc).isoformat(), "source": db.redact(store.path),
            "backend": store.backend, "current_reports": current, "last_batch": last_batch, "tables": entries,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        for path in work.iterdir():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        _fsync_dir(work)
        if target.exists():
            target.rmdir()  # empty, checked above
        os.replace(work, target)
        _fsync_dir(target.parent)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        snapshot.close()
    return _summary(str(target), manifest)


def _summary(path: str, manifest: dict, safety_copy: str | None = None) -> BackupSummary:
    rows = {entry["name"]: int(entry["rows"]) for entry in manifest["tables"]}
    return BackupSummary(path=path, versions=rows.get("reports", 0), current=int(manifest["current_reports"]),
                         batches=rows.get("batches", 0), last_batch=int(manifest["last_batch"]), tables=rows,
                         safety_copy=safety_copy)


def read_manifest(backup: str | os.PathLike) -> dict:
    """The manifest of a backup directory, after checking that every file is there and unchanged."""
    folder = Path(backup)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise BackupError("not a backup", f"{folder} has no {MANIFEST}; give a directory written by "
                                          "`tracker backup` (an interrupted backup is never renamed to its name)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError("damaged backup", f"{manifest_path} cannot be read ({error})") from error
    if manifest.get("format") != FORMAT:
        raise BackupError("not a backup", f"{manifest_path} is not a tracker backup manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError("unknown backup version", f"{folder} is backup format version "
                                                    f"{manifest.get('format_version')}; this tracker reads version "
                                                    f"{FORMAT_VERSION}; restore it with the tracker that wrote it")
    names = [entry.get("name", "") for entry in manifest.get("tables", [])]
    missing = [name for name in REQUIRED_TABLES if name not in names]
    if missing:
        raise BackupError("damaged backup", f"{folder} lacks the table(s) {', '.join(missing)}")
    for entry in manifest["tables"]:
        name = entry["name"]
        if not _NAME.fullmatch(name) or entry.get("file") != f"{name}.parquet":
            raise BackupError("damaged backup", f"{manifest_path} names an unexpected table {name!r}")
        file = folder / entry["file"]
        if not file.is_file():
            raise BackupError("damaged backup", f"{file} is missing; the backup is incomplete")
        if _sha256(file) != entry["sha256"]:
            raise BackupError("damaged backup", f"{file} does not match its checksum; the file was changed or "
                                                "damaged after the backup; use another backup")
    return manifest


def _held(store: Store) -> tuple[int, int]:
    """(stored versions, batches) of a store; (0, 0) for a new or empty one."""
    tables = set(_tables(store))
    return tuple(int(store.value(f"select count(*) from {table}")) if table in tables else 0  # type: ignore[return-value]
                 for table in ("reports", "batches"))


def restore_store(backup: str | os.PathLike, path: str, *, replace: bool = False) -> BackupSummary:
    """Restore the backup directory `backup` into the store at `path` (created if missing).

    A store that holds reports is replaced only with `replace=True`, and then backed up first, beside it.
    The tables are replaced in one transaction; views and newer migrations come from this tracker."""
    manifest = read_manifest(backup)
    if db.is_lake(path):
        raise BackupError("not for a shared store", "restore into a DuckDB file, then move it onto the lake "
                                                   "with `tracker copy FILE ducklake:...`")
    folder = Path(backup)
    _check_not_newer(folder, manifest)
    store = db.open_store(path)  # migrated: also completes a restore killed before its views were made
    try:
        safety_copy = None
        versions, batches = _held(store)
        if (versions or batches) and not replace:
            raise BackupError(
                "store not empty",
                f"{path} already holds {versions} stored report versions in {batches} batches; restoring "
                "would replace them. Restore into a new file with --db, or give --force to replace them "
                "(the store is backed up beside itself first).")
        if versions or batches:
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
            safety_copy = backup_store(store, f"{path}.before-restore-{stamp}").path
        schema = {name: dict(_columns(store, name)) for name in _tables(store)}
        with store.transaction():
            for name, in store.rows("select view_name from duckdb_views() where database_name = current_database() "
                                    "and schema_name = current_schema() and not internal and not temporary"):
                store.execute(f'drop view if exists "{name}"')
            for name in _tables(store):
                store.execute(f'drop table "{name}"')
            for entry in manifest["tables"]:
                name = entry["name"]
                store.execute(f'create table "{name}" as select * from read_parquet(?)',
                              [str(folder / entry["file"])])
                restored = int(store.value(f'select count(*) from "{name}"'))
                columns = _columns(store, name)
                if restored != entry["rows"] or columns != entry["columns"]:
                    raise BackupError("damaged backup", f"table {name}: the backup says {entry['rows']} rows "
                                                        f"but {restored} were read, or its columns differ")
            problems = _type_problems(store, schema) or _report_problems(store)
            if problems:
                shown = problems[:SHOWN_PROBLEMS]
                more = f"\n... and {len(problems) - SHOWN_PROBLEMS} more" if len(problems) > SHOWN_PROBLEMS else ""
                raise BackupError("backup fails its checks", f"{folder} holds data the tracker would not store "
                                  f"({len(problems)} problem{'s' if len(problems) != 1 else ''}); nothing was "
                                  "restored; use another backup:\n" + "\n".join(shown) + more)
            # views are re-created by migrate() from this tracker's sql/views
            store.execute("delete from schema_migrations where name = 'views'")
        db.migrate(store)
        return _summary(str(path), {**manifest, "current_reports": store.value(
            "select count(*) from current_reports")}, safety_copy)
    finally:
        store.close()


def _check_not_newer(folder: Path, manifest: dict) -> None:
    """Refuse a backup of a store made by a newer tracker (a migration this code does not have)."""
    entry = next(entry for entry in manifest["tables"] if entry["name"] == "schema_migrations")
    scratch = Store(":memory:")
    try:
        applied = dict(scratch.rows("select name, sha256 from read_parquet(?)", [str(folder / entry["file"])]))
        scratch.path = str(folder)
        try:
            db.check_not_newer(scratch, applied)
        except db.NewerStore as error:
            message = error.message.replace("upgrade the tracker to open it", "upgrade the tracker to restore it")
            raise BackupError("made by a newer tracker", message) from error
    finally:
        scratch.close()


def _type_problems(store: Store, schema: dict[str, dict[str, str]]) -> list[str]:
    """Restored columns whose type differs from this tracker's schema, and canonical columns missing."""
    found = []
    for table, expected in schema.items():
        if table not in set(_tables(store)):
            continue
        restored = dict(_columns(store, table))
        for column, kind in restored.items():
            if column in expected and expected[column] != kind:
                found.append(f"table {table}, column {column}: type {kind}, the tracker stores {expected[column]}")
    reports = dict(_columns(store, "reports"))
    found += [f"table reports: column {column} is missing"
              for column in vocab.CANONICAL_COLUMNS if column not in reports]
    return found


def _report_problems(store: Store) -> list[str]:
    """Every stored version of the restored `reports`, through the checks of an import: each is written as a
    canonical row (date-times in UTC) and checked by validate.check_staged()."""
    texts = []
    for column in vocab.CANONICAL_COLUMNS:
        if column in vocab.DATETIME_COLUMNS:
            texts.append(f"strftime({column}, '%Y-%m-%dT%H:%M:%S') || 'Z' as {column}")
        else:
            texts.append(f"{column}::varchar as {column}")
    store.execute("create or replace temp table restored_rows as select row_number() over (order by batch_seq, row_no, "
                  f"id) + 1 as line_no, id, batch_seq, row_no, {', '.join(texts)} from reports")
    store.execute("create or replace temp view stage_raw as "
                  "select * exclude (id, batch_seq, row_no) from restored_rows")
    sources = [key for key, in store.rows("select key from sources")]
    where = {line: (report_id, batch, row) for line, report_id, batch, row in
             store.rows("select line_no, id, batch_seq, row_no from restored_rows")}
    found = []
    for problem in validate.check_staged(store, Staged("stage_raw"), sources).problems:
        if problem.code in RESTORE_EXEMPT:
            continue
        report_id, batch, row = where[problem.row]
        found.append(f"report {str(report_id)[:12]} (batch {batch}, row {row}), {problem.column}: {problem.code}: "
                     f"{problem.message}")
    store.execute("drop view if exists stage_raw")
    store.execute("drop table if exists restored_rows")
    return found
