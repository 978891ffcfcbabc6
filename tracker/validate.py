"""The rules of a count report, applied two ways that must agree (a test proves it on every catalogue file):

- `check_staged()`: the SQL checks of sql/import/check_rows.sql over a staged file, vectorised;
- `check_record()`: one record (a form entry, `tracker add`) against the pydantic `CountReport`.
"""

from __future__ import annotations

import csv
import re
from typing import Any

from pydantic import ValidationError

from tracker import problems, schema, vocab
from tracker.db import Store, sql_text
from tracker.problems import Problem
from tracker.schema import CountReport
from tracker.sources import lexicon


class Sources(dict):
    """The registered sources, key -> display name, carrying the store's `lexicon`: every spelling of every
    controlled value it accepts (so the form, `tracker add` and an import read the same words)."""

    lexicon: vocab.Lexicon
    regions: dict[str, str]  # region key -> display name, the zone's first (the form's choices)
    parties: dict[str, str]  # accused party key -> display name

    def __init__(self, names: dict[str, str], lexicon: vocab.Lexicon, regions: dict[str, str] | None = None,
                 parties: dict[str, str] | None = None):
        super().__init__(names)
        self.lexicon = lexicon
        self.regions = regions if regions is not None else dict(vocab.BUILTIN_REGIONS)
        self.parties = parties if parties is not None else {k: name for k, (name, _) in vocab.BUILTIN_PARTIES.items()}


def registered_sources(store: Store) -> Sources:
    return Sources(dict(store.rows("select key, name from sources order by key")), lexicon(store),
                   dict(store.rows("select key, name from regions order by not in_zone, not builtin, key")),
                   dict(store.rows("select key, name from accused_parties order by not builtin, key")))


def lexicon_of(sources: list[str] | dict[str, str]) -> vocab.Lexicon:
    """The lexicon that goes with `sources` (the store's, from registered_sources), else the built-in one."""
    return getattr(sources, "lexicon", None) or vocab.Lexicon.builtin(list(sources))


def set_check_variables(store: Store, sources: list[str], known: vocab.Lexicon | None = None) -> None:
    """The vocabularies and patterns that the import SQL reads through getvariable()."""
    known = known or lexicon(store)
    store.set_variable("tracker_sources", sources)
    store.set_variable("tracker_regions", known.keys("region"))
    store.set_variable("tracker_parties", known.keys("accused_party"))
    store.set_variable("tracker_qualifiers", [q.value for q in vocab.Qualifier])
    for column in vocab.CONTROLLED:  # spellings and their keys, position by position (parsed_rows.sql)
        names, keys = known.pairs(column)
        store.set_variable(f"{column}_spellings", names)
        store.set_variable(f"{column}_keys", keys)
    store.set_variable("tracker_timezones", sorted(vocab.TIMEZONES))
    store.set_variable("default_tz", vocab.DEFAULT_TIMEZONE)
    store.set_variable("datetime_pattern", schema.DATETIME_PATTERN)
    store.set_variable("integer_pattern", schema.INTEGER_PATTERN)
    store.set_variable("negative_pattern", schema.NEGATIVE_PATTERN)
    store.set_variable("decimal_pattern", schema.DECIMAL_PATTERN)
    store.set_variable("url_pattern", schema.URL_PATTERN)
    store.set_variable("text_limit_columns", list(vocab.TEXT_LIMITS))
    store.set_variable("text_limit_values", list(vocab.TEXT_LIMITS.values()))
    store.set_variable("earliest_day", schema.EARLIEST_DAY.isoformat())
    store.set_variable("latest_day", schema.LATEST_DAY.isoformat())
    store.set_variable("max_offset_minutes", schema.MAX_OFFSET_MINUTES)
    store.set_variable("max_window_years", schema.MAX_WINDOW_YEARS)


def check_staged(store: Store, sources: list[str], limit: int = 100_000, *, combine: bool = False) -> list[Problem]:
    """Every problem of the rows in `stage_raw` (at most `limit`), messages from the catalogue. `combine`:
    the rows that are parts of one report are added up into one when they are stored (typed_rows.sql)."""
    known = lexicon(store)
    set_check_variables(store, sources, known)
    store.set_variable("import_combine", combine)
    # parsed once into a table: the checks and the insert both read it
    store.execute("create or replace temp table parsed_rows as " + sql_text("import/parsed_rows.sql"))
    found = store.rows(
        "select line_no, column_name, code, value, other from (" + sql_text("import/check_rows.sql") + ") "
        "order by line_no, column_name, code limit ?",
        [limit],
    )
    allowed_sources = ", ".join(sources)
    return [
        Problem(int(line), column, code, problems.message(
            code, column, value, schema.describe_gap(value, other) if code == "nonexistent-local-time" else other,
            allowed=_allowed(code, allowed_sources, known)))
        for line, column, code, value, other in found
    ]


def breakdowns(store: Store) -> list[list[int]]:
    """The file lines of each group of checked rows (parsed_rows) that are the same report in everything but
    their figures (sql/import/breakdown_rows.sql): parts of one total, unless they are meant as revisions."""
    return [list(map(int, row[0])) for row in store.rows(sql_text("import/breakdown_rows.sql"))]


def breakdown_note(groups: list[list[int]], combined: bool) -> str | None:
    """What the import says of them: how many rows it combined, or the warning that names them."""
    if not groups:
        return None
    named = "; ".join("rows " + ", ".join(map(str, lines)) for lines in groups[:20])
    more = f" and {len(groups) - 20} more groups" if len(groups) > 20 else ""
    if combined:
        rows = sum(len(lines) for lines in groups)
        return (f"combined {rows} rows into {len(groups)} {'report' if len(groups) == 1 else 'reports'} "
                f"(combine = sum: their figures added up): {named}{more}")
    return (f"{named}{more}: the same source, channel, reported_at, window, region, area and accused party with "
            "other figures: these look like parts of one total; they are read as revisions (the later wins); "
            "use combine (combine = \"sum\" in the mapping, or tracker import --combine sum) to add them up")


def _allowed(code: str, sources: str, known: vocab.Lexicon) -> str | None:
    """The accepted keys that a message offers as the fix."""
    if code == "unknown-source":
        return sources
    column = {"unknown-region": "region", "unknown-party": "accused_party"}.get(code)
    return ", ".join(known.keys(column)) if column else None


_ESCAPED_AFTER_SEPARATOR = re.compile(";'([" + re.escape("".join(vocab.FORMULA_PREFIXES)) + "])")


def _unescape(value: Any) -> Any:
    """Undo the spreadsheet-safety escape of an exported text cell (CONTRACT §2): one leading ', and the '
    after each ; before a formula character."""
    if isinstance(value, str):
        value = value.strip(" \t\r\n")
        if len(value) >= 2 and value[0] == "'" and value[1] in vocab.FORMULA_PREFIXES:
            value = value[1:]
        if ";'" in value:
            value = _ESCAPED_AFTER_SEPARATOR.sub(r";\1", value)
    return value


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_record(data: dict[str, Any], sources: list[str] | dict[str, str], row: int | None = None,
                 *, from_csv: bool = False) -> CountReport | list[Problem]:
    """One record → a CountReport, or every problem with it (row number as given)."""
    unknown = [key for key in data if key not in CountReport.model_fields]
    found = [Problem(row, key, "unknown-column", problems.message("unknown-column", value=key)) for key in unknown]
    clean = {key: value for key, value in data.items() if key in CountReport.model_fields}
    if from_csv:
        clean = {key: _unescape(value) if key in vocab.TEXT_COLUMNS else value for key, value in clean.items()}
    try:
        report = CountReport.model_validate(clean, context={"sources": list(sources), "lexicon": lexicon_of(sources)})
    except ValidationError as error:
        for item in error.errors():
            column = (item.get("ctx") or {}).get("column") or (item["loc"][0] if item["loc"] else None)
            found.append(Problem(row, column, item["type"], item["msg"]))
        if all(_is_blank(clean.get(m)) for m in vocab.METRICS) and not any(p.code == "no-metric" for p in found):
            found.append(Problem(row, "violations", "no-metric", problems.message("no-metric")))
        return sorted(found)
    return sorted(found) if found else report


def check_file_with_model(path: str, sources: list[str] | dict[str, str]) -> list[Problem]:
    """The pydantic reading of a well-formed CSV file, record by record (for the agreement test and for
    readers who want the rules in Python); the import itself uses check_staged()."""
    found: list[Problem] = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        line = 2
        for record in reader:
            data = {key.strip(): value for key, value in record.items() if key is not None}
            result = check_record(data, sources, row=line, from_csv=True)
            if isinstance(result, list):
                found.extend(p for p in result if p.code != "unknown-column")
            line = reader.line_num + 1
    return sorted(found)
