"""The registry of regions (issue 15, CONTRACT §3 rule 7): where a figure applies, and which regions are the
zone, whose sum is region `all`.

A new store's zone is `donetsk` and `luhansk` (with their English, Ukrainian and Russian spellings). A
region registered outside the zone is stored and shown per region, never summed into `all`. Changing the
zone changes how `all` reads, never a report: the derived daily rows are recomputed in the same
transaction. Every change is recorded in the audit log (tracker.sources.record_change).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from tracker import series
from tracker.db import DatabaseError, Store
from tracker.sources import KEY_PATTERN, add_aliases, record_change


@dataclass(frozen=True)
class RegionEntry:
    key: str
    name: str
    in_zone: bool
    builtin: bool
    aliases: tuple[str, ...]


def list_regions(store: Store) -> list[RegionEntry]:
    """Every registered region, those of the zone first, with its aliases."""
    aliases: dict[str, list[str]] = {}
    for key, alias in store.rows("select key, alias from aliases where registry = 'region' "
                                 "order by builtin desc, added_at, alias"):
        aliases.setdefault(key, []).append(alias)
    return [RegionEntry(key, name, bool(in_zone), bool(builtin), tuple(aliases.get(key, ())))
            for key, name, in_zone, builtin in store.rows(
                "select key, name, in_zone, builtin from regions order by not in_zone, not builtin, key")]


def zone(store: Store) -> list[str]:
    """The regions whose sum is region `all`."""
    return [row[0] for row in store.rows("select key from regions where in_zone order by key")]


def region_keys(store: Store) -> list[str]:
    return [row[0] for row in store.rows("select key from regions order by not in_zone, key")]


def register_region(store: Store, key: str, name: str, *, aliases: tuple[str, ...] = (), in_zone: bool = False,
                    recorded_by: str = "cli") -> None:
    """Register a region key (outside the zone unless `in_zone`); an existing key is refused."""
    if not re.fullmatch(KEY_PATTERN, key) or key == "all":
        raise DatabaseError("bad region key", f"'{key}' is not a region key: use 2-32 lowercase letters, digits "
                            "or _, starting with a letter (not `all`), e.g. kharkiv")
    if not name.strip():
        raise DatabaseError("blank name", "give the region a display NAME, e.g. \"Kharkiv\"")
    with store.transaction():
        if store.value("select count(*) from regions where key = ?", [key]):
            raise DatabaseError("region exists", f"region '{key}' is already registered; see `tracker regions`")
        taken = store.value("select key from aliases where registry = 'region' and lower(alias) = lower(?)", [key])
        if taken:
            raise DatabaseError("alias taken", f"'{key}' already spells region '{taken}'; choose another key")
        store.execute("insert into regions values (?, ?, ?, false, ?)",
                      [key, name.strip(), in_zone, datetime.now(timezone.utc)])
        add_aliases(store, "region", key, aliases)
        where = "in the zone" if in_zone else "outside the zone"
        spelled = f"; aliases {', '.join(aliases)}" if aliases else ""
        record_change(store, "regions", "add", key, f"region {key} ({name.strip()}), {where}{spelled}", recorded_by)
        if in_zone:
            series.zone_changed(store)


def set_zone(store: Store, keys: list[str], *, recorded_by: str = "cli") -> list[str]:
    """Make `keys` (keys or aliases) the zone; returns the zone. The reports are not touched: the daily
    rows are recomputed, so region `all` reads the new zone's regions."""
    if not keys:
        raise DatabaseError("no region", "name the zone's regions: tracker regions zone KEY...")
    with store.transaction():
        known = {row[0] for row in store.rows("select key from regions")}
        spelled = dict(store.rows("select lower(alias), key from aliases where registry = 'region'"))
        chosen: list[str] = []
        for text in keys:
            key = text if text in known else spelled.get(text.strip().lower(), text.strip().lower())
            if key not in known:
                raise DatabaseError("unknown region", f"'{text}' is not a registered region; register it first with: "
                                    f"tracker regions add {text.strip().lower()} \"Name\"")
            if key not in chosen:
                chosen.append(key)
        before = [row[0] for row in store.rows("select key from regions where in_zone order by key")]
        if sorted(chosen) == before:
            return before
        store.execute("update regions set in_zone = list_contains(?, key)", [chosen])
        record_change(store, "zone", "zone", " ".join(sorted(chosen)),
                      f"zone {', '.join(sorted(chosen))} (was {', '.join(before) or 'empty'})", recorded_by)
        series.zone_changed(store)
    return sorted(chosen)
