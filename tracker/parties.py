"""The registry of accused parties (CONTRACT §7): whom a source blames, and the side each belongs to.

Built in: `ukraine` (side ukraine), `separatists` and `russia` (side russia), `unknown` (no side), with
their English, Ukrainian and Russian spellings (tracker.vocab). `tracker parties add KEY NAME --side S`
registers another; a new side may be named (a theatre has its own). Changes go to the audit log.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from tracker.db import DatabaseError, Store
from tracker.sources import KEY_PATTERN, add_aliases, record_change


def list_parties(store: Store) -> list[tuple[str, str, str | None, bool, tuple[str, ...]]]:
    """(key, name, side, builtin, aliases), the built-in ones first."""
    aliases: dict[str, list[str]] = {}
    for key, alias in store.rows("select key, alias from aliases where registry = 'accused_party' "
                                 "order by builtin desc, added_at, alias"):
        aliases.setdefault(key, []).append(alias)
    return [(key, name, side, bool(builtin), tuple(aliases.get(key, ())))
            for key, name, side, builtin in store.rows(
                "select key, name, side, builtin from accused_parties order by not builtin, key")]


def register_party(store: Store, key: str, name: str, side: str | None, *, aliases: tuple[str, ...] = (),
                   recorded_by: str = "cli") -> None:
    """Register an accused party with its side (a side key such as `ukraine`, or a new one)."""
    if not re.fullmatch(KEY_PATTERN, key):
        raise DatabaseError("bad party key", f"'{key}' is not a party key: use 2-32 lowercase letters, digits or _, "
                            "starting with a letter, e.g. hamas")
    if not side or not re.fullmatch(KEY_PATTERN, side):
        raise DatabaseError("side needed", "an accused party needs its side: --side S (2-32 lowercase letters, "
                            "digits or _; a side of this store, e.g. ukraine or russia, or a new one)")
    with store.transaction():
        if store.value("select count(*) from accused_parties where key = ?", [key]):
            raise DatabaseError("party exists", f"accused party '{key}' is already registered; see `tracker parties`")
        taken = store.value("select key from aliases where registry = 'accused_party' and lower(alias) = lower(?)",
                            [key])
        if taken:
            raise DatabaseError("alias taken", f"'{key}' already spells accused party '{taken}'; choose another key")
        store.execute("insert into accused_parties values (?, ?, ?, false, ?)",
                      [key, name.strip(), side, datetime.now(timezone.utc)])
        add_aliases(store, "accused_party", key, aliases)
        spelled = f"; aliases {', '.join(aliases)}" if aliases else ""
        record_change(store, "parties", "add", key, f"accused party {key} ({name.strip()}), side {side}{spelled}",
                      recorded_by)
