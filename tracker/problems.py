"""Problems with input, and what an import did.

Every problem has a stable kebab-case code from `CATALOGUE`; its message says what is wrong and how to
fix it. The SQL checks of an import and the pydantic model of the form both report through this module,
so the CLI table, the upload page and the form show the same words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker import vocab

_METRIC_LIST = ", ".join(vocab.METRICS)

# code -> message template. Placeholders: {column}, {value}, {other}, {allowed}.
CATALOGUE: dict[str, str] = {
    # file-level
    "empty-file": "the file is empty; a CSV needs a header row and at least one report",
    "no-rows": "the file has a header but no reports; add at least one row under the header",
    "encoding": "the file is not UTF-8 ({other}); save it as UTF-8, or retry with --encoding {value}",
    "unknown-column": "unknown column '{value}'; rename it to one of: {allowed}, or remove it",
    "missing-column": "required column '{column}' is missing; add it to the header",
    "duplicate-column": "column '{value}' appears more than once in the header; keep one",
    "malformed-csv": (
        "{other}; a field with commas, quotes or line breaks must be in double quotes, "
        "with a quote inside it doubled (\"\")"
    ),
    "delimiter": "the file is not {value}-separated: {other}",
    "too-many-columns": "the header has {value} columns, {other}; remove the columns that are not needed",
    "ragged-row": (
        "this row has {value} fields but the header has {other}; "
        "put a field that contains a comma in double quotes, or add the missing fields"
    ),
    # row-level
    "missing-value": "{column} is required; fill it in",
    "unknown-source": (
        "unknown source '{value}'; use one of: {allowed}, "
        "or register it first with: tracker sources add {value} \"Display name\""
    ),
    "unknown-region": (
        "unknown region '{value}'; use one of: {allowed} (a key or an alias, any case), register it with: "
        "tracker regions add KEY \"Name\" --alias '{value}', or leave it blank for the whole zone"
    ),
    "unknown-party": "unknown accused party '{value}'; use one of: {allowed}, or leave it blank if not stated",
    "unknown-qualifier": "unknown qualifier '{value}'; use one of: {allowed}",
    "bad-timezone": (
        "unknown time zone '{value}'; use the IANA name of a place, such as Europe/Kyiv or Europe/Moscow, or UTC "
        "(a fixed offset goes with the time, e.g. 2022-02-18T09:00+02:00)"
    ),
    "nonexistent-local-time": "this local time ('{value}') does not exist in {other}; write the offset",
    "offset-out-of-range": (
        "'{value}' has the offset {other}, beyond ±14:00, which no place uses; check the offset "
        "(Kyiv is +02:00 in winter, +03:00 in summer)"
    ),
    "date-out-of-range": (
        "'{value}' is outside the days 1900-01-01 to 2199-12-31 (its local day in {other}); check the year"
    ),
    "window-too-long": (
        "the window from {other} to {value} is longer than 3 years; check both dates, or give the figure "
        "for shorter windows"
    ),
    "bad-date": (
        "'{value}' is not a valid date; write YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], "
        "optionally with an offset such as Z or +02:00"
    ),
    "window-order": (
        "{value} is not after period_start {other}; period_end must be later than period_start "
        "(a date-only end means the end of that day; OSCE windows run from evening to evening)"
    ),
    "not-an-integer": "'{value}' is not a whole number; counts are whole numbers, write for example 12",
    "not-a-number": "'{value}' is not a number; write a whole number, or leave it blank if the source gave none",
    "negative-count": "'{value}' is negative; a count is 0 or more (leave it blank if not reported)",
    "number-too-large": "'{value}' is too large to be a count; check the figure",
    "subset-exceeds-total": (
        "{column} {value} is more than violations {other}; it counts a subset of the violations, "
        "so it cannot exceed them; check both figures"
    ),
    "no-metric": f"no figure given; fill in at least one of: {_METRIC_LIST}",
    "bad-url": "'{value}' is not an http(s) address; give the link as https://...",
    "control-character": "the text contains a NUL or other control character; remove it",
    "text-too-long": "{column} has {value} characters, more than the {other} it takes (quote and notes take 5,000, "
                     "other texts 500); shorten it, and link to the full text with source_url",
    # rows of an event dataset (import profiles ucdp, acled)
    "event-dates": "date_end {value} is before date_start {other}; an event's last possible day cannot come "
                   "before its first; check both dates",
    "bad-precision": "time_precision '{value}' is not 1, 2 or 3 (ACLED: the actual day, a week, a month); "
                     "check the value",
    "duplicate-event": "event {value} appears more than once in the file (first on line {other}); a release "
                       "lists each event once, so keep one row",
    # an import that forgives (--valid-rows-only) with combine = sum: a part of one total is kept or left whole
    "combined-group-rejected": "left out with the other parts of its total (rows {value}): row {other} of them has "
                               "a problem, and a total is stored whole or not at all; fix that row",
}

FILE_LEVEL_CODES = frozenset(
    {"empty-file", "no-rows", "encoding", "delimiter", "unknown-column", "missing-column", "duplicate-column",
     "too-many-columns"}
)


def _short(value: object, limit: int = 60) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\n", "\\n").replace("\r", "\\r").replace("\x00", "\\0")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def allowed_values(code: str) -> str:
    """The list of accepted values that a message of this code offers as the fix."""
    if code == "unknown-column":
        return ", ".join(vocab.CANONICAL_COLUMNS)
    if code == "unknown-region":
        return ", ".join(vocab.Region)
    if code == "unknown-party":
        return ", ".join(vocab.AccusedParty)
    if code == "unknown-qualifier":
        return ", ".join(vocab.Qualifier)
    return ""


def message(code: str, column: str | None = None, value: object = None, other: object = None,
            allowed: str | None = None) -> str:
    """The human message of a problem, from the catalogue."""
    template = CATALOGUE[code]
    return template.format(
        column=column or "",
        value=_short(value),
        other=_short(other, 200),
        allowed=allowed if allowed is not None else allowed_values(code),
    )


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input. `row` is the file line on which the record starts (header = 1);
    None for a problem of the whole file."""

    row: int | None
    column: str | None
    code: str
    message: str

    def where(self, file: str | None = None) -> str:
        parts = [file] if file else []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(self.column)
        return ", ".join(parts)

    def describe(self, file: str | None = None) -> str:
        where = self.where(file)
        return f"{where}: {self.message}" if where else self.message


class InputError(Exception):
    """Input that cannot be stored; carries every problem found."""

    def __init__(self, problems: list[Problem], file: str | None = None):
        self.problems = sorted(problems, key=lambda p: (p.row or 0, p.column or "", p.code))
        self.file = file
        super().__init__("\n".join(p.describe(file) for p in self.problems[:20]))


@dataclass
class ImportReport:
    """What an import did (or, on a dry run, would do)."""

    file: str
    rows: int = 0
    inserted: int = 0
    duplicates: int = 0
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    batch_seq: int | None = None
    # an event dataset (import profiles ucdp, acled): `rows` are then the day reports made of its events
    events: int | None = None  # the file's event rows
    skipped: dict[str, int] = field(default_factory=dict)  # events outside the zone, by their adm_1/admin1
    other_events: dict[str, int] = field(default_factory=dict)  # events of kinds not counted, by kind
    notes: list[str] = field(default_factory=list)  # warnings that did not stop the import
    # an import that forgives (--valid-rows-only): the valid rows were stored, the rest written beside
    forgiving: bool = False
    file_problem: bool = False  # a problem of the file as a whole (its header, encoding): no row can be kept
    rejected_rows: int = 0  # rows left out (each has at least one problem)
    rejects_file: str | None = None  # <file>.rejects.csv: the rejected rows as they were
    problems_file: str | None = None  # <file>.problems.csv: their problems
    problem_values: dict[tuple[int, str], str] = field(default_factory=dict)  # (line, column) → the text there
    revisions: list[int] = field(default_factory=list)  # lines of rows that revise reports stored before
    # parts of one report added up (combine = sum): rows folded into others, and what the report says of them
    combined: int = 0
    combined_groups: list[str] = field(default_factory=list)
    held_back: bool = False  # a good file of an import that the problems of another file stopped
    counted_kinds: tuple[str, ...] | None = None  # ACLED: the sub-event types counted as violations
    regions_label: str = "Donetsk and Luhansk oblasts"  # where an event file's kept events are

    @property
    def rejected(self) -> int:
        """Rows with at least one problem (a file-level problem rejects every row)."""
        if self.file_problem or any(p.row is None or (p.row == 1 and p.column is not None and self.rows == 0)
                                    for p in self.problems):
            return self.rows
        return len({p.row for p in self.problems})

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_as_rows(self) -> list[tuple[int | None, str | None, str]]:
        return [(p.row, p.column, p.code) for p in self.problems]

    def summary(self) -> str:
        if self.forgiving and self.problems:
            if self.file_problem or any(p.row is None for p in self.problems):
                return f"{self.file}: nothing imported; the file itself has a problem (see below)"
            stored = "would store" if self.dry_run else "stored"
            written = (f"; the rejected rows are in {self.rejects_file}, their problems in {self.problems_file}"
                       if self.rejects_file else "")
            return (f"{self.file}: {stored} the valid rows: {self.inserted} new reports, {self.duplicates} already "
                    f"stored; {self.rejected_rows} of {self.rows} rows rejected, {len(self.problems)} problems"
                    f"{written}")
        if self.problems and self.rows == 0 and self.rejected == 0:  # the header itself (rows never read)
            return (f"{self.file}: nothing imported; its header does not fit, {len(self.problems)} problems "
                    "(fix them and import again)")
        if self.problems:
            return (f"{self.file}: nothing imported; {self.rejected} of {self.rows} rows rejected, "
                    f"{len(self.problems)} problems (fix them and import again)")
        made = f" (day reports made from {self.events} events)" if self.events is not None else ""
        if self.held_back:
            return (f"{self.file}: nothing imported: its {self.rows} rows have no problem, but another file of "
                    "this import has (all or nothing: import it again when the other is fixed, or on its own)")
        if self.events is not None and self.rows == 0:
            return (f"{self.file}: nothing to import: none of its {self.events} events is a counted event in "
                    f"{self.regions_label} (see below)")
        if self.dry_run:
            return (f"{self.file}: dry run, nothing written; would insert {self.inserted}, "
                    f"{self.duplicates} already stored{made}")
        if self.inserted == 0:
            return f"{self.file}: nothing new; all {self.duplicates} rows are already stored{made}"
        return f"{self.file}: imported {self.inserted} new reports; {self.duplicates} already stored{made}"

    def details(self) -> list[str]:
        """What else an event import has to say (not problems): events skipped outside the conflict zone,
        by place, and events of kinds that are not counted, by kind."""
        lines = []
        if self.skipped:
            places = ", ".join(f"{place} ({count})" for place, count in _by_count(self.skipped))
            lines.append(f"skipped {_events(sum(self.skipped.values()))} outside {self.regions_label} "
                         f"(not an error): {places}")
        if self.other_events:
            kinds = ", ".join(f"{kind} ({count})" for kind, count in _by_count(self.other_events))
            lines.append(f"not counted: {_events(sum(self.other_events.values()))} of other kinds: {kinds}")
        if self.counted_kinds is not None:
            lines.append(f"counted as violations: the events of kind {', '.join(self.counted_kinds)} "
                         "(--count-kind to count others)")
        lines.extend(self.combined_groups)
        if self.revisions:
            shown = ", ".join(map(str, self.revisions[:20])) + (" ..." if len(self.revisions) > 20 else "")
            rows = "1 row is a later revision" if len(self.revisions) == 1 else \
                f"{len(self.revisions)} rows are later revisions"
            lines.append(f"{rows} of stored reports of the same window (rows {shown}); rule 3 decides which "
                         "figure counts")
        return lines


def _events(count: int) -> str:
    return f"{count} event" if count == 1 else f"{count} events"


def _by_count(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
