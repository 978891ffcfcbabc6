"""Import profiles for event datasets: a UCDP GED or ACLED file → count reports (CONTRACT §5).

An event dataset holds one row per incident. A profile reads the file like any CSV (rows.read_table: the
same encoding, delimiter and shape checks, file line numbers), checks its rows in SQL, and turns them,
in SQL, into one count report per window, region and (blank) accused party, with `reported_at` the
release date. The reports are staged in canonical columns (`event_stage`, the result's `canonical`), as a
canonical file is, so the same checks (validate.check_staged) and the same write path (ingest) store them:
there is no second importer.
What a report is made of (its event ids; UCDP's deaths of unknown status and low/high estimates) is kept
beside it in report_events and report_event_stats, written by `keep_events()` in the import's transaction.

    file → stage_text → profile_text → event_rows (ucdp_events.sql | acled_events.sql; their problems:
         ucdp_problems.sql | acled_problems.sql, and event_problems.sql for what they share)
         → event_reports (+ vanished_reports) → event_stage → the canonical checks and ingest
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from tracker import problems, rows, validate, vocab
from tracker.db import Store, sql_text
from tracker.problems import Problem
from tracker.rows import StagedFile

FORMATS: tuple[str, ...] = ("tracker", "ucdp", "acled")

# Oblast names as UCDP (adm_1) and ACLED (admin1) write them are read as the store's regions: by key or
# alias, any case, a trailing "oblast" or "region" ignored (tracker.sources.lexicon; built in: Donetsk and
# Luhansk in their spellings). Any other oblast or country is not registered: its events are skipped and
# listed in the import report, with the hint to register the region (`tracker regions add`).

# ACLED sub-event types that are ceasefire violations, by default: each counts as one violation. An import
# may count others (`tracker import --format acled --count-kind "Air/drone strike" ...`).
ACLED_COUNTED_KINDS: tuple[str, ...] = ("Shelling/artillery/missile attack", "Armed clash")

_RELEASE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class EventProfile:
    """How one event dataset becomes count reports."""

    name: str                      # the --format value
    source: str                    # the source key of its reports
    label: str                     # how its reports' notes name it
    required: tuple[str, ...]      # columns the file must have (names compared case-blind)
    optional: tuple[str, ...]      # columns read when present
    metrics: tuple[str, ...]       # the metrics its reports give (a zero report has 0 for each)
    estimates: bool                # whether it gives deaths of unknown status and low/high estimates
    id_column: str                 # the column of its event ids (each given once)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    def header_problems(self, header: list[str]) -> list[Problem]:
        present = [name.lower() for name in header]
        found = [Problem(rows.HEADER_LINE, name, "duplicate-column", problems.message("duplicate-column", value=name))
                 for name in self.columns if present.count(name) > 1]
        found += [Problem(rows.HEADER_LINE, name, "missing-column", problems.message("missing-column", column=name))
                  for name in self.required if name not in present]
        return found


PROFILES: dict[str, EventProfile] = {
    "ucdp": EventProfile(
        name="ucdp", source="ucdp_ged", label="UCDP GED",
        required=("id", "date_start", "date_end", "adm_1", "deaths_a", "deaths_b", "deaths_civilians",
                  "deaths_unknown", "low", "high"),
        optional=("country",),
        metrics=("killed", "civilians_killed"), estimates=True, id_column="id",
    ),
    "acled": EventProfile(
        name="acled", source="acled", label="ACLED",
        required=("event_id_cnty", "event_date", "sub_event_type", "admin1", "fatalities"),
        optional=("time_precision", "country"),
        metrics=("violations", "killed"), estimates=False, id_column="event_id_cnty",
    ),
}


# The columns that tell each format apart in a header (compared case-blind).
_SIGNATURES: dict[str, tuple[str, ...]] = {
    "acled": ("event_id_cnty", "event_date", "sub_event_type", "admin1"),
    "ucdp": ("id", "date_start", "date_end", "adm_1", "deaths_a"),
    "tracker": ("source", "period_start", "period_end"),
}


def with_article(label: str) -> str:
    """"an ACLED", "a UCDP GED": the article as the name is spoken (letter by letter)."""
    return ("an " if label[:1] in "AEFHILMNORSX" else "a ") + label


def looks_like(header: list[str]) -> str | None:
    """The format a header looks like (`acled`, `ucdp`, `tracker`), or None."""
    present = {name.strip().lower() for name in header}
    for fmt, columns in _SIGNATURES.items():
        if all(column in present for column in columns):
            return fmt
    return None


def format_hint(header: list[str], fmt: str) -> str | None:
    """When a file's header does not fit the format asked for but looks like another: how to import it."""
    other = looks_like(header)
    if other is None or other == fmt:
        return None
    if other == "tracker":
        return "the header looks like the tracker's canonical CSV: import it without --format (or --format tracker)"
    return (f"the header looks like {with_article(PROFILES[other].label)} "
            f"file: import it with --format {other} --release YYYY-MM-DD")


def check_release(release: str | None, fmt: str) -> str:
    """The release date of an event dataset, checked: `--release YYYY-MM-DD` is required (the files
    carry no release date, and it becomes the reports' `reported_at`)."""
    if not release:
        label = PROFILES[fmt].label
        raise ValueError(
            f"--release is required with --format {fmt}: {with_article(label)} file carries no release date, and the "
            f"reports made from it are dated by it; give the date of the release, e.g. --release 2022-06-01")
    if not _RELEASE.fullmatch(release.strip()):
        raise ValueError(f"--release '{release}' is not a date; write YYYY-MM-DD, e.g. --release 2022-06-01")
    try:
        date.fromisoformat(release.strip())
    except ValueError as error:
        raise ValueError(f"--release '{release}' is not a valid date ({error}); write YYYY-MM-DD") from error
    return release.strip()


@dataclass
class EventImport:
    """What staging an event file found, for the import report."""

    staged: StagedFile
    events: int = 0
    skipped: dict[str, int] | None = None
    other_events: dict[str, int] | None = None
    counted_kinds: tuple[str, ...] | None = None  # ACLED: the sub-event types counted
    regions_label: str = "Donetsk and Luhansk oblasts"  # the registered regions, as the report names them


def _set_variables(store: Store, profile: EventProfile, release: str, kinds: tuple[str, ...]) -> None:
    sources = validate.registered_sources(store)
    validate.set_check_variables(store, list(sources), sources.lexicon)
    names, keys = sources.lexicon.pairs("region")
    zone = vocab.DEFAULT_TIMEZONE
    store.set_variable("profile_source", profile.source)
    store.set_variable("profile_label", profile.label)
    store.set_variable("profile_release", release)
    store.set_variable("profile_release_at", datetime.combine(date.fromisoformat(release), datetime.min.time(),
                                                              tzinfo=ZoneInfo(zone)))
    store.set_variable("profile_timezone", zone)
    store.set_variable("profile_metrics", list(profile.metrics))
    store.set_variable("profile_estimates", profile.estimates)
    store.set_variable("oblast_names", names)
    store.set_variable("oblast_regions", keys)
    store.set_variable("acled_counted_kinds", [kind.strip().lower() for kind in kinds])
    store.set_variable("profile_id_column", profile.id_column)
    validate.define_macros(store)  # the count and oblast rules (sql/import/macros.sql)


def stage_events(store: Store, path: str, fmt: str, release: str, *, encoding: str | None = None,
                 delimiter: str = ",", kinds: tuple[str, ...] | None = None) -> EventImport:
    """Read an event file and stage its count reports as `event_stage` (canonical columns as text, and what
    is kept beside them), named by the result's `staged.canonical`. Problems of the file or of its events are
    in the result's `staged.problems`; `staged.staged` is True only when the reports are staged and the
    canonical checks can run. `kinds` are the ACLED sub-event types counted (default ACLED_COUNTED_KINDS)."""
    profile = PROFILES[fmt]
    kinds = tuple(k for k in (kinds or ACLED_COUNTED_KINDS) if k.strip())
    staged = rows.read_table(store, path, encoding=encoding, delimiter=delimiter,
                             header_problems=profile.header_problems)
    result = EventImport(staged=staged, events=staged.rows, counted_kinds=kinds if fmt == "acled" else None)
    hint = format_hint(staged.header, fmt) if staged.problems else None
    if hint:
        staged.notes.append(hint)
    names = [row[0] for row in store.rows("select name from regions order by not in_zone, not builtin, key")]
    if names != ["Donetsk", "Luhansk"]:
        result.regions_label = f"the registered regions ({', '.join(names)})"
    if staged.text is None:
        return result
    present = {name.lower(): name for name in reversed(staged.header) if name}
    select = ", ".join(
        (rows.quote_name(present[column]) if column in present else "null::varchar") + f" as {column}"
        for column in profile.columns
    )
    store.execute(f"create or replace temp view profile_text as select {select}, line_no from {staged.text}")
    _set_variables(store, profile, release, kinds)
    store.execute("create or replace temp table event_rows as " + sql_text(f"import/{fmt}_events.sql"))
    store.execute(f"create or replace temp view profile_problems as {sql_text(f'import/{fmt}_problems.sql')}")
    store.set_variable("profile_problems_relation", "profile_problems")
    found = store.rows(
        "select line_no, column_name, code, value, other from (" + sql_text("import/event_problems.sql") + ") "
        "order by line_no, column_name, code limit 100000"
    )
    if found:
        staged.problems.extend(
            Problem(int(line), column, code, problems.message(code, column, value, other))
            for line, column, code, value, other in found)
        return result
    store.execute("create or replace temp table event_reports as " + sql_text("import/event_reports.sql"))
    store.execute("create or replace temp table vanished_reports as " + sql_text("import/vanished_reports.sql"))
    store.execute("create or replace temp table event_stage as " + sql_text("import/event_stage.sql"))
    skipped = dict(store.rows("select place, events from (" + sql_text("import/skipped_places.sql") + ")"))
    result.skipped = skipped
    if skipped:
        place = max(skipped, key=lambda name: (skipped[name], name))
        key = re.sub(r"[^a-z0-9_]+", "_", re.sub(r"\s+(oblast|region)$", "", place.lower())).strip("_")[:32]
        staged.notes.append(f"to keep the events of a skipped place, register it as a region and import again, e.g. "
                            f"tracker regions add {key if re.fullmatch(r'[a-z][a-z0-9_]{1,31}', key) else 'KEY'} "
                            f"\"{place}\" (add --in-zone to sum it into region all)")
    result.other_events = dict(store.rows(
        "select coalesce(kind, '(blank)'), count(*) from event_rows where not counted group by all"))
    staged.rows = int(store.value("select count(*) from event_stage"))
    staged.canonical = rows.Staged("event_stage", nul=staged.nul)
    return result


def keep_events(store: Store, *, fmt: str, new_reports: str, staged: str) -> None:
    """Write, beside the reports about to be stored (relation `new_reports`: line_no, content_hash), the events
    each is made of and the figures kept with it, from the staged reports (relation `staged`, event_stage).
    Called by ingest inside the import's transaction, before the reports are inserted."""
    dataset = PROFILES[fmt].source
    store.execute(
        "insert into report_events (report_id, dataset, event_id) select new.content_hash, ?, unnest(stage.event_ids) "
        f"from {new_reports} as new join {staged} as stage using (line_no)",
        [dataset],
    )
    store.execute(
        "insert into report_event_stats (report_id, dataset, events, deaths_unknown, best_low, best_high) "
        "select new.content_hash, ?, stage.events, stage.deaths_unknown, stage.best_low, stage.best_high "
        f"from {new_reports} as new join {staged} as stage using (line_no)",
        [dataset],
    )


def event_details(store: Store, report_id: str) -> pd.DataFrame:
    """The events a stored report (any version of it) was made of and the figures kept beside it, for the
    report's detail: one row with dataset, events, event_ids, deaths_unknown, best_low, best_high; empty
    when the report was not made from an event dataset."""
    return store.df("select * from report_event_details where report_id = ?", [report_id])
