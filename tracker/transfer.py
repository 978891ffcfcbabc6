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
KEYS = {"sources": "key", "accused_parties": "key"}


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
                    key = KEYS[table]
                    store.execute(f"insert into {table} select * from src.{table} s "
                                  f"where s.{key} not in (select {key} from {table})")
                else:
                    store.execute(f"insert into {table} select * from src.{table} except select * from {table}")
                copied = int(store.value(f"select count(*) from {table}")) - before
                total = int(store.value(f"select count(*) from src.{table}"))
                results.append(TableCopy(table, total, copied, 0))
        verified = [
            TableCopy(r.table, r.source_rows, r.copied, int(store.value(
                f"select count(*) from src.{r.table} s where s.{KEYS[r.table]} not in (select {KEYS[r.table]} "
                f"from {r.table})" if r.table in KEYS else
                f"select count(*) from (select * from src.{r.table} except select * from {r.table})")))
            for r in results
        ]
        store.detach("src")
    finally:
        store.close()
    return verified
