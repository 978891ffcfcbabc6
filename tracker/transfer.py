"""`tracker copy SRC DST`: move a store, with its whole history, between a DuckDB file and a shared lake.

Every table is copied row for row (every version of every report, the batches, the sources, the event
links), so the copy answers every question the original does, `--as-of` included. Copying is idempotent:
a row already in DST is not copied again, so an interrupted copy can simply be run again.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker import db
from tracker.db import DatabaseError

SKIPPED = {"schema_migrations"}  # each store records its own migrations
# Tables whose rows are the same thing when their key matches (built-in sources are seeded in every store
# with its own `added_at`); every other table is copied by whole rows.
KEYS: dict[str, tuple[str, ...]] = {
    "sources": ("key",), "accused_parties": ("key",), "regions": ("key",), "aliases": ("registry", "alias"),
    "store_settings": ("name",),
}
# Keyed tables whose SRC rows replace DST's of the same key: the zone of SRC's regions and its calendar zone
# are what SRC's daily series were read with (DST was only seeded with the defaults).
SRC_WINS = {"regions", "store_settings"}


def _missing(table: str, keys: tuple[str, ...]) -> str:
    """The rows of src.`table` whose key is not in `table`."""
    match = " and ".join(f"d.{k} is not distinct from s.{k}" for k in keys)
    return f"from src.{table} s where not exists (select 1 from {table} d where {match})"


@dataclass(frozen=True)
class TableCopy:
    table: str
    source_rows: int
    copied: int
    missing_after: int  # rows of SRC not in DST after the copy: 0 when verified


def copy_store(source: str, target: str) -> list[TableCopy]:
    """Copy every row of SRC's tables into DST (created and migrated if needed), then verify."""
    if source == target:
        raise DatabaseError("same store", "SRC and DST are the same store; name two different ones")
    db.open_store(source).close()  # migrate SRC to the same schema first, so the columns line up
    store = db.open_store(target)
    try:
        store.attach(source, "src", read_only=True)
        results: list[TableCopy] = []
        with store.transaction():
            for table in store.table_names("src"):
                if table in SKIPPED:
                    continue
                before = int(store.value(f"select count(*) from {table}"))
                if table in KEYS:
                    if table in SRC_WINS:
                        match = " and ".join(f"d.{k} is not distinct from s.{k}" for k in KEYS[table])
                        store.execute(f"delete from {table} d where exists (select 1 from src.{table} s where {match})")
                    store.execute(f"insert into {table} select s.* {_missing(table, KEYS[table])}")
                else:
                    store.execute(f"insert into {table} select * from src.{table} except select * from {table}")
                copied = int(store.value(f"select count(*) from {table}")) - before
                total = int(store.value(f"select count(*) from src.{table}"))
                results.append(TableCopy(table, total, copied, 0))
        verified = [
            TableCopy(r.table, r.source_rows, r.copied, int(store.value(
                f"select count(*) {_missing(r.table, KEYS[r.table])}" if r.table in KEYS else
                f"select count(*) from (select * from src.{r.table} except select * from {r.table})")))
            for r in results
        ]
        store.detach("src")
    finally:
        store.close()
    return verified
