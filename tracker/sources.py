"""The registry of sources: who publishes counts, and how their windows combine."""

from __future__ import annotations

from datetime import datetime, timezone

from tracker.db import DatabaseError, Store
from tracker.vocab import Counting


def register_source(store: Store, key: str, name: str, counting: Counting = Counting.cumulative) -> None:
    """Register a new source key; an existing key is refused (the registry is never overwritten)."""
    with store.transaction():
        if store.value("select count(*) from sources where key = ?", [key]):
            raise DatabaseError("source exists", f"source '{key}' is already registered; see `tracker sources`")
        store.execute("insert into sources values (?, ?, ?, false, ?)",
                      [key, name, counting.value, datetime.now(timezone.utc)])


def list_sources(store: Store) -> list[tuple[str, str, str, bool]]:
    return store.rows("select key, name, counting, builtin from sources order by not builtin, key")
