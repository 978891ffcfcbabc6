"""`tracker template` and the Import page's template download: the canonical CSV header with example rows
made of the store's own sources, regions and accused parties, so a new file starts from values the
import accepts (a test imports the template as it is)."""

from __future__ import annotations

import csv
import io

from tracker import vocab
from tracker.db import Store
from tracker.sources import registry


def _regions(store: Store) -> list[str]:
    """The store's regions, those of the zone first (the regions registry, when the store has one)."""
    tables = {row[0] for row in store.rows("select table_name from duckdb_tables() where schema_name = 'main'")}
    if "regions" in tables:
        found = [row[0] for row in store.rows("select key from regions order by not in_zone, key")]
        if found:
            return found
    return [region.value for region in vocab.Region]


def example_rows(store: Store) -> list[dict[str, str]]:
    """Three example reports: a party's count of one day, its intraday snapshot, and the monitor's
    evening-to-evening window in one region."""
    found = registry(store)
    party = next(iter(found.parties), None) or next(iter(found.names))
    monitor = next(iter(found.monitors), None) or party
    side = found.sides.get(party)
    accused = next((key for key, other in sorted(found.party_sides.items()) if side and other != side), "")
    region = (_regions(store) or [""])[0]
    url = "https://example.org/statement"
    return [
        {"source": party, "channel": "press service", "reported_at": "2022-02-18T09:00", "period_start": "2022-02-17",
         "period_end": "2022-02-17", "timezone": vocab.DEFAULT_TIMEZONE, "accused_party": accused,
         "violations": "60", "prohibited_weapons": "43", "qualifier": "exact", "source_url": url,
         "quote": "60 violations on Thursday, 43 with weapons banned by the Minsk agreements",
         "notes": "example row: a whole day (a date-only end is the end of that day); replace it"},
        {"source": party, "channel": "press service", "reported_at": "2022-02-18T17:00",
         "period_start": "2022-02-18T00:00", "period_end": "2022-02-18T17:00", "timezone": vocab.DEFAULT_TIMEZONE,
         "accused_party": accused, "violations": "52", "qualifier": "at_least", "source_url": url,
         "quote": "52 violations since midnight as of 17:00",
         "notes": "example row: an intraday snapshot, the day so far (a date-time end is exclusive); replace it"},
        {"source": monitor, "channel": "daily report", "reported_at": "2022-02-18",
         "period_start": "2022-02-16T19:30+02:00", "period_end": "2022-02-17T19:30+02:00", "region": region,
         "violations": "648", "explosions": "519", "qualifier": "exact", "source_url": url,
         "notes": "example row: an evening-to-evening window with its offset; replace it"},
    ]


def template_csv(store: Store) -> str:
    """The canonical header (CONTRACT §2, the export's column order) and the example rows."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(vocab.CANONICAL_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(example_rows(store))
    return out.getvalue()
