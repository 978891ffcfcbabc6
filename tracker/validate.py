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


def registered_sources(store: Store) -> dict[str, str]:
    return dict(store.rows("select key, name from sources order by key"))


def set_check_variables(store: Store, sources: list[str]) -> None:
    """The vocabularies and patterns that the import SQL reads through getvariable()."""
    store.set_variable("tracker_sources", sources)
    store.set_variable("tracker_regions", [r.value for r in vocab.Region])
    store.set_variable("tracker_parties", [p.value for p in vocab.AccusedParty])
    store.set_variable("tracker_qualifiers", [q.value for q in vocab.Qualifier])
    store.set_variable("tracker_timezones", sorted(vocab.TIMEZONES))
    store.set_variable("default_tz", vocab.DEFAULT_TIMEZONE)
    store.set_variable("datetime_pattern", schema.DATETIME_PATTERN)
    store.set_variable("integer_pattern", schema.INTEGER_PATTERN)
    store.set_variable("negative_pattern", schema.NEGATIVE_PATTERN)
    store.set_variable("decimal_pattern", schema.DECIMAL_PATTERN)
    store.set_variable("url_pattern", schema.URL_PATTERN)
    store.set_variable("earliest_day", schema.EARLIEST_DAY.isoformat())
    store.set_variable("latest_day", schema.LATEST_DAY.isoformat())
    store.set_variable("max_offset_minutes", schema.MAX_OFFSET_MINUTES)
    store.set_variable("max_window_years", schema.MAX_WINDOW_YEARS)


def check_staged(store: Store, sources: list[str], limit: int = 100_000) -> list[Problem]:
    """Every problem of the rows in `stage_raw` (at most `limit`), messages from the catalogue."""
    set_check_variables(store, sources)
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
            allowed=allowed_sources if code == "unknown-source" else None))
        for line, column, code, value, other in found
    ]


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
        report = CountReport.model_validate(clean, context={"sources": list(sources)})
    except ValidationError as error:
        for item in error.errors():
            column = (item.get("ctx") or {}).get("column") or (item["loc"][0] if item["loc"] else None)
            found.append(Problem(row, column, item["type"], item["msg"]))
        if all(_is_blank(clean.get(m)) for m in vocab.METRICS) and not any(p.code == "no-metric" for p in found):
            found.append(Problem(row, "violations", "no-metric", problems.message("no-metric")))
        return sorted(found)
    return sorted(found) if found else report


def check_file_with_model(path: str, sources: list[str]) -> list[Problem]:
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
