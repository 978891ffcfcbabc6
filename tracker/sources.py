"""The registry of sources: who publishes counts, how their windows combine, and what each is in the
comparison (CONTRACT §7: a party with its side, a monitor, an event dataset, or other)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from tracker import vocab
from tracker.db import DatabaseError, Store
from tracker.vocab import Counting, Role

KEY_PATTERN = r"[a-z][a-z0-9_]{1,31}"


@dataclass(frozen=True)
class Registry:
    """What the analysis needs to know of every registered source and accused party."""

    names: dict[str, str]  # source key -> display name
    roles: dict[str, str]  # source key -> party, monitor, dataset or other
    sides: dict[str, str]  # party source key -> its side
    party_sides: dict[str, str]  # accused party key -> its side (parties of no side are absent)

    @classmethod
    def builtin(cls) -> Registry:
        """The registry of a new store: the built-in sources and accused parties of tracker.vocab."""
        return cls(
            names={key: source.name for key, source in vocab.BUILTIN_SOURCES.items()},
            roles={key: source.role.value for key, source in vocab.BUILTIN_SOURCES.items()},
            sides={key: source.side for key, source in vocab.BUILTIN_SOURCES.items() if source.side},
            party_sides={key: side for key, (_, side) in vocab.BUILTIN_PARTIES.items() if side},
        )

    def only(self, sources: list[str]) -> Registry:
        """The registry narrowed to some sources (the accused parties' sides stay)."""
        keep = set(sources)
        return Registry(names=self.names, roles={k: v for k, v in self.roles.items() if k in keep},
                        sides={k: v for k, v in self.sides.items() if k in keep}, party_sides=self.party_sides)

    @property
    def monitors(self) -> list[str]:
        return sorted(key for key, role in self.roles.items() if role == Role.monitor)

    @property
    def parties(self) -> list[str]:
        return sorted(key for key, role in self.roles.items() if role == Role.party)

    def side_of(self, source: str) -> str:
        """A party's side, else its role (`tracker compare`'s `side` column)."""
        return self.sides.get(source) or self.roles.get(source, Role.other.value)


def record_change(store: Store, registry: str, action: str, key: str, detail: str,
                  recorded_by: str = "cli") -> None:
    """Record a registry change in the audit log (a batch of kind `registry` and its registry_changes row),
    inside the caller's transaction."""
    now = datetime.now(timezone.utc)
    batch_seq = int(store.value("select coalesce(max(batch_seq), 0) + 1 from batches"))
    store.execute("insert into batches values (?, 'registry', null, null, 0, 0, 0, ?, ?)",
                  [batch_seq, now, recorded_by])
    store.execute("insert into registry_changes values (?, ?, ?, ?, ?, ?, ?)",
                  [batch_seq, registry, action, key, detail, now, recorded_by])


def add_aliases(store: Store, registry: str, key: str, aliases: list[str] | tuple[str, ...]) -> None:
    """Register other spellings of `key` (inside the caller's transaction). An alias that already spells
    another key of the same registry, or another key itself, is refused with the fix."""
    taken = dict(store.rows("select lower(alias), key from aliases where registry = ?", [registry]))
    table = {"source": "sources", "region": "regions", "accused_party": "accused_parties"}[registry]
    keys = {row[0] for row in store.rows(f"select key from {table}")}
    seen: set[str] = set()
    for alias in aliases:
        text = " ".join(alias.split())
        spelled = vocab.spelling(text)
        if not text:
            raise DatabaseError("blank alias", "an --alias is blank; give a spelling or leave the option out")
        if spelled in keys and spelled != key:
            raise DatabaseError("alias taken", f"'{text}' is the key of another {registry.replace('_', ' ')}; "
                                "choose another alias")
        if spelled in taken and taken[spelled] != key:
            raise DatabaseError("alias taken", f"'{text}' already spells {registry.replace('_', ' ')} "
                                f"'{taken[spelled]}'; choose another alias")
        if spelled in taken or spelled in seen or spelled == key:
            continue
        seen.add(spelled)
        store.execute("insert into aliases values (?, ?, ?, false, ?)",
                      [registry, text, key, datetime.now(timezone.utc)])


def lexicon(store: Store) -> vocab.Lexicon:
    """Every spelling of every controlled value this store accepts (keys and aliases; CONTRACT §2)."""
    tables = {"source": "sources", "region": "regions", "accused_party": "accused_parties"}
    aliases: dict[str, dict[str, list[str]]] = {}
    for column, table in tables.items():
        aliases[column] = {row[0]: [] for row in store.rows(f"select key from {table}")}
    aliases["qualifier"] = {q.value: [] for q in vocab.Qualifier}
    for registry, alias, key in store.rows("select registry, alias, key from aliases order by builtin desc, added_at"):
        if registry in aliases and key in aliases[registry]:
            aliases[registry][key].append(alias)
    return vocab.Lexicon.of(aliases)


def known_sides(store: Store) -> list[str]:
    return [row[0] for row in store.rows(
        "select distinct side from accused_parties where side is not null order by side")]


def registry(store: Store) -> Registry:
    sources = store.rows("select key, name, coalesce(role, 'other'), side from sources order by key")
    parties = store.rows("select key, side from accused_parties where side is not null")
    return Registry(
        names={key: name for key, name, _, _ in sources},
        roles={key: role for key, _, role, _ in sources},
        sides={key: side for key, _, role, side in sources if role == Role.party and side},
        party_sides=dict(parties),
    )


def register_source(store: Store, key: str, name: str, counting: Counting = Counting.cumulative,
                    role: str | None = None, side: str | None = None, aliases: tuple[str, ...] = (),
                    recorded_by: str = "cli") -> None:
    """Register a new source key; an existing key is refused (the registry is never overwritten).

    An additive source is a `dataset` unless said otherwise; a party needs its side (one of the sides of
    the registered accused parties). Without a role a cumulative source is `other` here; the CLI asks for
    the role (CONTRACT §7). Each refusal says the fix."""
    if not re.fullmatch(KEY_PATTERN, key):
        raise DatabaseError("bad source key", f"'{key}' is not a source key: use 2-32 lowercase letters, digits "
                            "or _, starting with a letter, e.g. ua_gs")
    roles = [r.value for r in Role]
    if role is None:
        role = Role.dataset.value if counting == Counting.additive else Role.other.value
    if role not in roles:
        raise DatabaseError("unknown role", f"'{role}' is not a role; use one of {', '.join(roles)}")
    sides = known_sides(store)
    if role == Role.party:
        if not side:
            raise DatabaseError("side needed", f"a party needs its side: --side {'|'.join(sides)}")
        if side not in sides:
            raise DatabaseError("unknown side", f"'{side}' is not a side of this store; use one of "
                                f"{', '.join(sides)}")
    elif side:
        raise DatabaseError("side of a non-party", f"only a party has a side; leave out --side {side} "
                            f"or register '{key}' with --role party")
    with store.transaction():
        if store.value("select count(*) from sources where key = ?", [key]):
            raise DatabaseError("source exists", f"source '{key}' is already registered; see `tracker sources`")
        store.execute("insert into sources (key, name, counting, role, side, builtin, added_at) "
                      "values (?, ?, ?, ?, ?, false, ?)",
                      [key, name, counting.value, role, side, datetime.now(timezone.utc)])
        add_aliases(store, "source", key, aliases)
        spelled = f"; aliases {', '.join(aliases)}" if aliases else ""
        record_change(store, "sources", "add", key, f"source {key} ({name}): {counting.value}, {role}"
                      f"{f', side {side}' if side else ''}{spelled}", recorded_by)


def list_sources(store: Store) -> list[tuple[str, str, str, str, str | None, bool]]:
    """(key, name, counting, role, side, builtin), the built-in ones first."""
    return store.rows("select key, name, counting, coalesce(role, 'other'), side, builtin from sources "
                      "order by not builtin, key")
