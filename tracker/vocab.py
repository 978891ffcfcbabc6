"""Controlled vocabularies of a count report: the one place where the tracker's words are defined.

The pydantic model, the SQL checks of an import, the CLI and the dashboard all read these lists,
so a region, a party or a metric is spelled the same everywhere.
"""

from __future__ import annotations

import zoneinfo
from enum import StrEnum


class Region(StrEnum):
    """Where the figure applies. Blank (None) means the whole conflict zone."""

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


# Built-in sources: key -> (display name, counting). More are registered with `tracker sources add`.
BUILTIN_SOURCES: dict[str, tuple[str, Counting]] = {
    "ua_mod": ("Ukraine MoD / JFO HQ", Counting.cumulative),
    "osce_smm": ("OSCE SMM", Counting.cumulative),
    "dpr": ("DPR", Counting.cumulative),
    "lpr": ("LPR", Counting.cumulative),
    "ru_mod": ("Russian MoD", Counting.cumulative),
    "ucdp_ged": ("UCDP GED (events)", Counting.additive),
    "acled": ("ACLED (events)", Counting.additive),
}

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

# Timezone names that both Python and DuckDB (ICU) know. Older aliases are accepted as given.
TIMEZONES: frozenset[str] = frozenset(zoneinfo.available_timezones())
