"""The bundled demo data (data/demo/, see its PROVENANCE.md) and the fresh demo database built from it."""

from __future__ import annotations

import os
from pathlib import Path

from tracker import db, ingest
from tracker.db import DatabaseError
from tracker.problems import ImportReport

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
# The seed document's figures and the OSCE SMM's counts: the core that the counting rules are shown on
SEED_FILES = ("seed_figures.csv", "osce_smm_2022.csv")
# the parties' published claims of 10-23 Feb 2022 (CONTRACT §7: every party in the comparison)
CLAIM_FILES = ("party_claims_2022.csv",)
DEMO_FILES = SEED_FILES + CLAIM_FILES
DEFAULT_DEMO_DB = "data/demo.duckdb"


def demo_files() -> list[str]:
    """The seed document's figures and the OSCE SMM's counts."""
    return [str(DEMO_DIR / name) for name in SEED_FILES]


def claim_files() -> list[str]:
    """The parties' published claims of 10-23 Feb 2022 (data/demo/PROVENANCE.md)."""
    return [str(DEMO_DIR / name) for name in CLAIM_FILES]


def _holds_only_demo(path: str) -> bool:
    store = db.Store(path, read_only=True)
    try:
        tables = {row[0] for row in store.rows("select table_name from information_schema.tables")}
        if "batches" not in tables:
            return not tables or tables <= {"schema_migrations"}
        names = {row[0] for row in store.rows("select distinct coalesce(file_name, kind) from batches")}
        return names <= set(DEMO_FILES)
    finally:
        store.close()


def build_demo(path: str) -> list[ImportReport]:
    """A fresh demo database at `path`. Refuses to replace a database that holds other reports."""
    if os.path.exists(path) and not _holds_only_demo(path):
        raise DatabaseError(
            "not a demo database",
            f"{path} holds reports that are not the demo's; the demo would replace them. "
            "Give the demo another file with --db, or move that database away.",
        )
    for suffix in ("", ".wal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    store = db.open_store(path)
    try:
        reports = ingest.import_files(store, demo_files() + claim_files(), recorded_by="demo")
    finally:
        store.close()
    return reports
