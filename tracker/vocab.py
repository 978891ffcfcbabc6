"""Controlled vocabularies of a count report: the one place where the tracker's words are defined.

The pydantic model, the SQL checks of an import, the CLI and the dashboard all read these lists,
so a region, a party or a metric is spelled the same everywhere.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple


class Region(StrEnum):
    """The built-in regions (a store registers more: tracker/regions.py). Blank (None) means the whole zone."""

    donetsk = "donetsk"
    luhansk = "luhansk"

    @property
    def label(self) -> str:
        return {"donetsk": "Donetsk", "luhansk": "Luhansk"}[self.value]


class AccusedParty(StrEnum):
    """Whom the source blames. Blank (None) means the source did not say."""

    ukraine = "ukraine"
    separatists = "separatists"
    russia = "russia"
    unknown = "unknown"


class Qualifier(StrEnum):
    """How exact the figures of a report are; applies to every figure in the row."""

    exact = "exact"
    at_least = "at_least"
    about = "about"


class Counting(StrEnum):
    """How a source's windows combine: `cumulative` windows nest as running totals (CONTRACT §3 rule 4);
    `additive` windows count distinct events and add up (event datasets, CONTRACT §5)."""

    cumulative = "cumulative"
    additive = "additive"


class Role(StrEnum):
    """What a source is in the comparison (CONTRACT §7): a `party` to the conflict (with a side), a neutral
    `monitor`, an event `dataset` (additive counts), or `other` (compared in pairs, never in a verdict)."""

    party = "party"
    monitor = "monitor"
    dataset = "dataset"
    other = "other"


class BuiltinSource(NamedTuple):
    name: str
    counting: Counting
    role: Role
    side: str | None  # a party's side: one of the sides of the accused parties below


# Built-in sources. More are registered with `tracker sources add`.
BUILTIN_SOURCES: dict[str, BuiltinSource] = {
    "ua_mod": BuiltinSource("Ukraine MoD / JFO HQ", Counting.cumulative, Role.party, "ukraine"),
    "osce_smm": BuiltinSource("OSCE SMM", Counting.cumulative, Role.monitor, None),
    "dpr": BuiltinSource("DPR", Counting.cumulative, Role.party, "russia"),
    "lpr": BuiltinSource("LPR", Counting.cumulative, Role.party, "russia"),
    "ru_mod": BuiltinSource("Russian MoD", Counting.cumulative, Role.party, "russia"),
    "ucdp_ged": BuiltinSource("UCDP GED (events)", Counting.additive, Role.dataset, None),
    "acled": BuiltinSource("ACLED (events)", Counting.additive, Role.dataset, None),
}

# Built-in accused parties: key -> (display name, side). A side groups the parties of one side of the
# conflict; a party's source accuses the other side (CONTRACT §7). `unknown` belongs to no side.
BUILTIN_PARTIES: dict[str, tuple[str, str | None]] = {
    "ukraine": ("Ukraine", "ukraine"),
    "separatists": ("the Russia-backed separatists", "russia"),
    "russia": ("Russia", "russia"),
    "unknown": ("unknown", None),
}

# Built-in regions: key -> display name. A new store's zone (the regions whose sum is region `all`, CONTRACT
# §3 rule 7) is these two; more are registered with `tracker regions add`, in the zone or outside it.
BUILTIN_REGIONS: dict[str, str] = {"donetsk": "Donetsk", "luhansk": "Luhansk"}

# Built-in aliases of the controlled values (CONTRACT §2): the English, Ukrainian and Russian spellings an
# import, a mapping or the form may give; each is read case-insensitively and stored as its key. More are
# registered with `--alias` on `tracker regions add`, `tracker parties add` and `tracker sources add`.
BUILTIN_REGION_ALIASES: dict[str, tuple[str, ...]] = {
    "donetsk": ("Donetsk", "Donetsk oblast", "Donetsk region", "Donetska oblast", "Донецька", "Донецька область",
                "Донецкая", "Донецкая область", "Донеччина"),
    "luhansk": ("Luhansk", "Lugansk", "Luhansk oblast", "Lugansk oblast", "Luhansk region", "Luhanska oblast",
                "Луганська", "Луганська область", "Луганская", "Луганская область", "Луганщина"),
}
BUILTIN_PARTY_ALIASES: dict[str, tuple[str, ...]] = {
    "ukraine": ("Україна", "Украина", "ЗСУ", "ВСУ", "AFU", "Ukrainian forces", "Ukrainian armed forces"),
    "separatists": ("ДНР", "ЛНР", "DPR", "LPR", "сепаратисты", "сепаратисти", "Russia-backed separatists"),
    "russia": ("Росія", "Россия", "Russian forces", "Russian armed forces", "ЗС РФ", "ВС РФ", "RF"),
    "unknown": ("невідомо", "неизвестно"),
}
BUILTIN_QUALIFIER_ALIASES: dict[str, tuple[str, ...]] = {
    "exact": (),
    "at_least": ("at least", "at-least", "more than", "не менее", "щонайменше"),
    "about": ("approximately", "approx", "around", "около", "близько"),
}
BUILTIN_SOURCE_ALIASES: dict[str, tuple[str, ...]] = {}

# How each side is named in sentences ("Ukraine MoD / JFO HQ accuses the Russia-backed side of ...").
SIDE_NAMES: dict[str, str] = {"ukraine": "Ukraine", "russia": "the Russia-backed side"}

# Metrics that accuse the other side; casualty metrics are a party's own losses (CONTRACT §7).
ACCUSATION_METRICS: tuple[str, ...] = ("violations", "prohibited_weapons", "explosions", "settlements_shelled")

# The metrics, in canonical column order, with what each counts.
METRICS: dict[str, str] = {
    "violations": "Ceasefire violations as the source counts them (its own unit).",
    "prohibited_weapons": "Of the violations, those with weapons banned by the Minsk agreements.",
    "explosions": "Of the violations, explosions (OSCE style).",
    "killed": "Military personnel killed in the window.",
    "wounded": "Military personnel wounded in the window.",
    "civilians_killed": "Civilians killed in the window.",
    "civilians_wounded": "Civilians wounded in the window.",
    "settlements_shelled": "Number of settlements the source says were hit.",
}

# Metrics that are a subset of `violations` (each must not exceed it when both are given).
SUBSET_METRICS: tuple[str, ...] = ("prohibited_weapons", "explosions")

# Free-text columns (spreadsheet-escaped on export, unescaped on import).
TEXT_COLUMNS: tuple[str, ...] = ("channel", "area", "weapons", "location", "source_url", "quote", "notes")

# The longest text each free-text column takes, in characters (the form and the CSV alike): a quote or a note
# up to 5,000, other texts up to 500. A longer text is refused with its column, never cut.
TEXT_LIMITS: dict[str, int] = {column: 5000 if column in ("quote", "notes") else 500 for column in TEXT_COLUMNS}

# The canonical CSV columns, in the order `tracker export` writes them.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "source",
    "channel",
    "reported_at",
    "period_start",
    "period_end",
    "timezone",
    "region",
    "area",
    "accused_party",
    *METRICS,
    "qualifier",
    "weapons",
    "location",
    "source_url",
    "quote",
    "notes",
)

REQUIRED_COLUMNS: tuple[str, ...] = ("source", "period_start", "period_end")
DATETIME_COLUMNS: tuple[str, ...] = ("reported_at", "period_start", "period_end")

DEFAULT_TIMEZONE = "Europe/Kyiv"

# First characters that make a spreadsheet read a cell as a formula (CONTRACT §2, spreadsheet safety).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n", "'")

# Zones that are not a place (or UTC): the system's own `localtime`, tzdata's `Factory`, the fixed offsets
# Etc/GMT±N (write the offset instead) and the old rule-only zones. DuckDB (ICU) does not know `localtime`.
NOT_PLACES: frozenset[str] = frozenset({
    "Factory", "localtime", "posixrules", "CET", "CST6CDT", "EET", "EST", "EST5EDT", "HST", "MET", "MST",
    "MST7MDT", "PST8PDT", "WET",
})
_UTC_NAMES = frozenset({"Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0",
                        "Etc/GMT-0", "Etc/Greenwich"})

# Time zones a row may name: the IANA zones of places, their links (Europe/Kiev -> Europe/Kyiv) and UTC,
# which both Python and DuckDB (ICU) know.
TIMEZONES: frozenset[str] = frozenset(
    name for name in zoneinfo.available_timezones()
    if name not in NOT_PLACES and (not name.startswith("Etc/") or name in _UTC_NAMES)
)


# --- file encodings (CONTRACT §4) -------------------------------------------------------------------
# The text encodings `tracker import --encoding` and the upload page accept, and nothing else (no
# decompressing or binary codecs such as bz2_codec or base64_codec): name -> Python codec.
ENCODINGS: dict[str, str] = {
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "utf-16": "utf-16",
    "utf-16-le": "utf-16-le",
    "utf-16-be": "utf-16-be",
    "cp1251": "cp1251",
    "windows-1251": "cp1251",
    "koi8-r": "koi8_r",
    "koi8-u": "koi8_u",
    "cp866": "cp866",
    "iso-8859-5": "iso8859_5",
    "cp1252": "cp1252",
    "windows-1252": "cp1252",
    "latin-1": "latin_1",
}


# --- reading controlled values by key or alias (CONTRACT §2) -----------------------------------------

CONTROLLED: tuple[str, ...] = ("source", "region", "accused_party", "qualifier")


_BLANKS = re.compile(r"[\t\n\f\r ]+")  # what RE2's \s matches: the SQL trims and collapses the same characters


def spelling(text: str) -> str:
    """How a key or alias is compared: case-blind, surrounding and repeated blanks ignored, exactly as
    sql/import/parsed_rows.sql does (`lower(regexp_replace(trimmed, '\\s+', ' ', 'g'))`)."""
    return _BLANKS.sub(" ", text).strip("\t\n\f\r ").lower()


@dataclass(frozen=True)
class Lexicon:
    """Every spelling of every controlled value a store accepts: column -> {spelling: key}. The import SQL
    and the pydantic model both read a value through it, so both accept the same words."""

    spellings: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def builtin(cls, sources: Iterable[str] = BUILTIN_SOURCES) -> Lexicon:
        """The lexicon of a new store (the given source keys, the built-in regions, parties, qualifiers)."""
        return cls.of({
            "source": {key: BUILTIN_SOURCE_ALIASES.get(key, ()) for key in sources},
            "region": BUILTIN_REGION_ALIASES,
            "accused_party": BUILTIN_PARTY_ALIASES,
            "qualifier": BUILTIN_QUALIFIER_ALIASES,
        })

    @classmethod
    def of(cls, aliases: Mapping[str, Mapping[str, Iterable[str]]]) -> Lexicon:
        """From column -> {key: its aliases}; a key always reads as itself."""
        spellings: dict[str, dict[str, str]] = {}
        for column, keys in aliases.items():
            table: dict[str, str] = {}
            for key, names in keys.items():
                for name in names:
                    table.setdefault(spelling(name), key)
            for key in keys:  # a key wins over another key's alias
                table[spelling(key)] = key
            spellings[column] = table
        return cls(spellings)

    def keys(self, column: str) -> list[str]:
        return sorted(set(self.spellings.get(column, {}).values()))

    def key(self, column: str, text: object) -> str | None:
        """The key that `text` spells in `column`, or None when it spells none."""
        if text is None:
            return None
        return self.spellings.get(column, {}).get(spelling(str(text)))

    def pairs(self, column: str) -> tuple[list[str], list[str]]:
        """(spellings, keys), position by position, for the SQL (SET VARIABLE lists)."""
        table = self.spellings.get(column, {})
        names = sorted(table)
        return names, [table[name] for name in names]
