"""The rules of a count report, applied two ways that must agree (a test proves it on every catalogue file):

- `check_staged()`: a staged file (rows.Staged) → `Checked`: its rows typed and every problem, in one pass of
  sql/import/checked_rows.sql (the rules of one cell are macros, sql/import/macros.sql);
- `check_record()`: one record (a form entry, `tracker add`) against the pydantic `CountReport`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from tracker import problems, schema, vocab
from tracker.db import Store, sql_text
from tracker.problems import Problem
from tracker.schema import CountReport
from tracker.sources import lexicon

if TYPE_CHECKING:
    from tracker.rows import Staged


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


@dataclass(frozen=True)
class Checked:
    """A staged file, checked: `relation` names a temp table of `line_no` and the canonical columns in the
    store's types (and each row's `problems`); `problems` are every problem found (at most the limit)."""

    relation: str
    problems: list[Problem]


def define_macros(store: Store) -> None:
    """The rules of one cell as temp macros on this connection (sql/import/macros.sql)."""
    store.execute(sql_text("import/macros.sql"))


def check_staged(store: Store, staged: Staged, sources: list[str], limit: int = 100_000) -> Checked:
    """Type every row of `staged` and find every problem (at most `limit`), messages from the catalogue:
    one pass over the text, into the temp table `checked_rows`."""
    known = lexicon(store)
    set_check_variables(store, sources, known)
    define_macros(store)
    store.set_variable("staged_relation", staged.relation)
    store.set_variable("staged_nul", staged.nul)
    store.execute("create or replace temp table zone_days as " + sql_text("import/zone_days.sql"))
    store.set_variable("zone_days_relation", "zone_days")
    store.execute("create or replace temp table checked_rows as " + sql_text("import/checked_rows.sql"))
    store.set_variable("checked_relation", "checked_rows")
    found = store.rows(
        "select line_no, column_name, code, value, other from (" + sql_text("import/row_problems.sql") + ") "
        "order by line_no, column_name, code limit ?",
        [limit],
    )
    allowed_sources = ", ".join(sources)
    return Checked("checked_rows", [
        Problem(int(line), column, code, problems.message(
            code, column, value, schema.describe_gap(value, other) if code == "nonexistent-local-time" else other,
            allowed=_allowed(code, allowed_sources, known)))
        for line, column, code, value, other in found
    ])


def valid_rows(store: Store, checked: Checked, rejected: list[int]) -> str:
    """The relation of the checked rows without the `rejected` lines (an import that stores the valid rows)."""
    store.execute("create or replace temp table rejected_lines as select unnest(?::bigint[]) as line_no", [rejected])
    store.execute(f"create or replace temp view valid_rows as select * from {checked.relation} "
                  "anti join rejected_lines using (line_no)")
    return "valid_rows"


def combined_rows(store: Store, relation: str) -> str:
    """The relation of typed rows with the parts of one report added up (sql/import/combined_rows.sql)."""
    store.set_variable("typed_relation", relation)
    store.execute("create or replace temp table combined_rows as " + sql_text("import/combined_rows.sql"))
    return "combined_rows"


def breakdowns(store: Store, checked: Checked) -> list[list[int]]:
    """The file lines of each group of checked rows that are the same report in everything but their figures
    (sql/import/breakdown_rows.sql): parts of one total, unless they are meant as revisions."""
    store.set_variable("checked_relation", checked.relation)
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
            found.append(Problem(row, None if column is None else str(column), item["type"], item["msg"]))
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
