"""A saved column mapping: any CSV → the canonical columns, so it imports like a canonical file.

`tracker import FILE --mapping M.toml` reads FILE like any CSV (rows.read_table), renames and converts its
columns in SQL as the mapping says, and stages the result as `mapped_rows`: the same checks and the same
write path as a canonical file follow (no second importer). `tracker mapping init FILE` writes a
starting mapping from the file's header. The format (docs/csv-format.md, "Column mappings"):

    encoding = "cp1251"          # optional: the file's encoding and delimiter (--encoding and
    delimiter = ";"              # --delimiter win over these)
    timezone = "Europe/Kyiv"     # optional: the time zone of every row (the timezone column)

    [columns]                    # canonical column = "their column"
    period_start = "Date"
    period_end = "Date"
    violations = "Shellings"

    [fixed]                      # canonical column = the same value on every row
    source = "ua_mod"

    [date_formats]               # their date format (strptime codes) for a date column, or a list of
    period_start = "%d.%m.%Y"    # formats tried in order
    period_end = ["%d.%m.%Y %H:%M", "%d.%m.%Y"]

    [values.region]              # their value = canonical value (compared case-blind)
    "Donetsk oblast" = "donetsk"

Two top-level options say how rows are read (issue 15): `combine = "sum"` adds up the rows that are the
same report in everything but their figures (one row per weapon model of a night); `zero_length = "day"`
reads a row whose end equals its start as the local day that holds it.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from tracker import rows, vocab
from tracker.db import Store
from tracker.problems import Problem
from tracker.rows import StagedFile

_TOP_KEYS = ("encoding", "delimiter", "timezone", "columns", "fixed", "date_formats", "values", "combine",
             "zero_length")
_TIME_CODES = ("%H", "%I", "%M", "%S", "%p", "%X", "%c", "%T", "%R")
_OFFSET_CODES = ("%z", "%Z")


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file, the key and the fix."""


@dataclass(frozen=True)
class Mapping:
    """Where each canonical column of a foreign CSV comes from."""

    path: str
    columns: dict[str, str] = field(default_factory=dict)        # canonical → their column
    fixed: dict[str, str] = field(default_factory=dict)          # canonical → one value for every row
    date_formats: dict[str, tuple[str, ...]] = field(default_factory=dict)  # date column → formats, tried in order
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical → {their value: ours}
    encoding: str | None = None
    delimiter: str | None = None
    combine: str | None = None      # "sum": rows that are parts of one report are added up
    zero_length: str | None = None  # "day": a row whose end equals its start is the local day holding it

    @property
    def name(self) -> str:
        return Path(self.path).name

    def header_problems(self, header: list[str]) -> list[Problem]:
        """Every column the mapping reads must be in the file's header."""
        present = {name.lower() for name in header}
        wanted: dict[str, list[str]] = {}
        for canonical, theirs in self.columns.items():
            if theirs.lower() not in present:
                wanted.setdefault(theirs, []).append(canonical)
        return [Problem(rows.HEADER_LINE, theirs, "missing-column",
                        f"column '{theirs}' is missing; the mapping {self.name} reads it for {' and '.join(used)}: "
                        "add it to the header, or change the mapping")
                for theirs, used in sorted(wanted.items())]

    def label(self, column: str | None) -> str | None:
        """How a problem names a canonical column: by the file's own column when it comes from one."""
        if column in self.columns:
            return f"{self.columns[column]} ({column})"
        if column in self.fixed:
            return f"{column} (fixed in {self.name})"
        return column

    def relabel(self, found: list[Problem], reported: list[Problem]) -> list[Problem]:
        """The problems of the canonical checks, named by the file's columns. A bad date in a column with
        a date format that the mapping's own check (stage_mapped, in `reported`) named is not told twice."""
        dates: dict[int | None, list[str]] = {}
        for q in reported:
            if q.code == "bad-date":
                dates.setdefault(q.row, []).append(q.column or "")

        def told(p: Problem) -> bool:
            theirs = self.columns.get(p.column or "")
            return p.code == "bad-date" and p.column in self.date_formats and any(
                label.startswith(f"{theirs} (") and p.column in label for label in dates.get(p.row, []))

        return [Problem(p.row, self.label(p.column), p.code, p.message) for p in found if not told(p)]


def _fail(path: str, text: str) -> MappingError:
    return MappingError(f"{path}: {text}")


def _canonical_key(path: str, table: str, key: str) -> str:
    if key not in vocab.CANONICAL_COLUMNS:
        raise _fail(path, f"[{table}] {key}: not a canonical column; use one of: {', '.join(vocab.CANONICAL_COLUMNS)}")
    return key


def _text(path: str, where: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, date, datetime)):
        raise _fail(path, f"{where}: give a text in double quotes (or a whole number)")
    text = value.isoformat() if isinstance(value, (date, datetime)) else str(value)
    if not text.strip():
        raise _fail(path, f"{where}: is blank; give a value or remove the line")
    return text


def load_mapping(path: str) -> Mapping:
    """Read and check a mapping file (TOML); a MappingError says what is wrong and how to fix it."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as error:
        raise FileNotFoundError(f"{path}: no such mapping file; write one with: tracker mapping init FILE") from error
    except tomllib.TOMLDecodeError as error:
        raise _fail(path, f"not valid TOML ({error})") from error
    for key in data:
        if key not in _TOP_KEYS:
            raise _fail(path, f"unknown key '{key}'; a mapping has: {', '.join(_TOP_KEYS)}")
    tables = {}
    for table in ("columns", "fixed", "date_formats", "values"):
        tables[table] = data.get(table, {})
        if not isinstance(tables[table], dict):
            raise _fail(path, f"'{table}' must be a table: write [{table}] on a line of its own")
    columns = {_canonical_key(path, "columns", k): _text(path, f"[columns] {k}", v)
               for k, v in tables["columns"].items()}
    fixed = {_canonical_key(path, "fixed", k): _text(path, f"[fixed] {k}", v) for k, v in tables["fixed"].items()}
    if "timezone" in data:
        zone = _text(path, "timezone", data["timezone"])
        if "timezone" in fixed or "timezone" in columns:
            raise _fail(path, "timezone is given twice (top-level and under [columns] or [fixed]); keep one")
        fixed["timezone"] = zone
    if "timezone" in fixed and fixed["timezone"] not in vocab.TIMEZONES:
        raise _fail(path, f"unknown time zone '{fixed['timezone']}'; use an IANA name such as Europe/Kyiv")
    both = sorted(set(columns) & set(fixed))
    if both:
        raise _fail(path, f"{', '.join(both)}: both under [columns] and [fixed]; keep one")
    for required in vocab.REQUIRED_COLUMNS:
        if required not in columns and required not in fixed:
            raise _fail(path, f"gives no {required}: map a column to it under [columns] "
                              f"(e.g. {required} = \"Date\") or give one value under [fixed]")
    if not any(metric in columns or metric in fixed for metric in vocab.METRICS):
        raise _fail(path, f"maps no figure: map at least one of {', '.join(vocab.METRICS)} under [columns]")
    date_formats = {}
    for key, value in tables["date_formats"].items():
        if key not in vocab.DATETIME_COLUMNS or key not in columns:
            raise _fail(path, f"[date_formats] {key}: a date format is for a date column mapped under [columns] "
                              f"({', '.join(c for c in vocab.DATETIME_COLUMNS if c in columns) or 'none is'})")
        listed = value if isinstance(value, list) else [value]
        if not listed:
            raise _fail(path, f"[date_formats] {key}: the list is empty; give at least one format")
        texts = []
        for index, item in enumerate(listed):
            where = f"[date_formats] {key}" + (f" (format {index + 1})" if isinstance(value, list) else "")
            text = _text(path, where, item)
            if "%" not in text:
                raise _fail(path, f"{where}: '{text}' has no % codes; "
                                  "write e.g. \"%d.%m.%Y\" or \"%d.%m.%Y %H:%M\"")
            texts.append(text)
        date_formats[key] = tuple(texts)
    values = {}
    for key, table in tables["values"].items():
        if key not in columns:
            raise _fail(path, f"[values.{key}]: translates the values of a column mapped under [columns]; "
                              f"map {key} first")
        if not isinstance(table, dict):
            raise _fail(path, f"values.{key} must be a table: write [values.{key}] and then \"their value\" = \"ours\"")
        values[key] = {_text(path, f"[values.{key}]", k): _text(path, f"[values.{key}] \"{k}\"", v)
                       for k, v in table.items()}
    encoding = _text(path, "encoding", data["encoding"]) if "encoding" in data else None
    if encoding is not None:
        try:
            rows.codec_name(encoding)
        except ValueError as error:
            raise _fail(path, str(error)) from error
    delimiter = _text(path, "delimiter", data["delimiter"]).replace("\\t", "\t") if "delimiter" in data else None
    if delimiter is not None and len(delimiter) != 1:
        raise _fail(path, f"delimiter '{delimiter}' must be one character, e.g. \";\" or \"\\t\"")
    combine = _text(path, "combine", data["combine"]) if "combine" in data else None
    if combine not in (None, "sum"):
        raise _fail(path, f"combine = \"{combine}\": the one way to combine rows is combine = \"sum\" (rows that are "
                          "the same report in everything but their figures are added up); or leave it out")
    zero_length = _text(path, "zero_length", data["zero_length"]) if "zero_length" in data else None
    if zero_length not in (None, "day"):
        raise _fail(path, f"zero_length = \"{zero_length}\": the one reading is zero_length = \"day\" (a row whose end "
                          "equals its start is the local day that holds it); or leave it out")
    if zero_length and not ("period_start" in columns and "period_end" in columns):
        raise _fail(path, "zero_length = \"day\" reads rows whose period_end equals their period_start: map both "
                          "under [columns]")
    return Mapping(str(path), columns, fixed, date_formats, values, encoding, delimiter, combine, zero_length)


def _out_format(fmt: str) -> str:
    return "%Y-%m-%dT%H:%M:%S" if any(code in fmt for code in _TIME_CODES) else "%Y-%m-%d"


def stage_mapped(store: Store, path: str, mapping: Mapping, *, encoding: str | None = None,
                 delimiter: str | None = None) -> StagedFile:
    """Read a foreign CSV and stage it in canonical columns as the temp table `mapped_rows` (the result's
    `canonical`), as the mapping says. Values reach SQL only as parameters; their column names only quoted."""
    staged = rows.read_table(store, path, encoding=encoding or mapping.encoding,
                             delimiter=delimiter or mapping.delimiter or ",",
                             header_problems=mapping.header_problems)
    if staged.text is None:
        return staged
    actual = {name.lower(): name for name in reversed(staged.header) if name}
    select: list[str] = []
    params: list[object] = []
    translated: dict[str, tuple[str, list[object]]] = {}  # a mapped column's value before any date format
    for canonical in vocab.CANONICAL_COLUMNS:
        used: list[object] = []  # the parameters of `expr`, in order (repeated when expr is)
        if canonical in mapping.columns:
            expr = f"trim({rows.quote_name(actual[mapping.columns[canonical].lower()])})"
            if canonical in mapping.values:
                table = mapping.values[canonical]
                expr = f"coalesce(list_extract(?, list_position(?, lower({expr}))), {expr})"
                used = [list(table.values()), [key.strip().lower() for key in table]]
            translated[canonical] = (expr, used)
            formats = mapping.date_formats.get(canonical, ())
            if formats:  # each format in order, the first that reads the value wins
                tried, tried_params = [], []
                for fmt in formats:
                    if any(code in fmt for code in _OFFSET_CODES):
                        tried.append(f"strftime(timezone('UTC', try_strptime({expr}, ?)), '%Y-%m-%dT%H:%M:%SZ')")
                    else:
                        tried.append(f"strftime(try_strptime({expr}, ?), '{_out_format(fmt)}')")
                    tried_params += [*used, fmt]
                expr = f"coalesce({', '.join(tried)}, {expr})"
                used = [*tried_params, *used]
        elif canonical in mapping.fixed:
            expr, used = "?::varchar", [mapping.fixed[canonical]]
        else:
            expr = "null::varchar"
        select.append(f"{expr} as {canonical}")
        params += used
    query = f"select {', '.join(select)}, line_no from {staged.text}"
    if mapping.zero_length == "day":  # a row whose end equals its start: the local day that holds it
        query = ("select * replace ("
                 "if(period_end = period_start, left(period_start, 10), period_start) as period_start, "
                 "if(period_end = period_start, left(period_end, 10), period_end) as period_end) "
                 f"from ({query})")
    store.execute(f"create or replace temp table mapped_rows as {query}", params)
    staged.canonical = rows.Staged("mapped_rows", nul=staged.nul)
    # every value of a date column with a format must fit it (the canonical check's bad-date is then left
    # out, see Mapping.relabel); columns read alike from one of theirs are checked once
    read_with: dict[tuple[str, tuple[str, ...], str], list[str]] = {}  # (their column, formats, translation)
    for canonical, formats in mapping.date_formats.items():
        read_with.setdefault((mapping.columns[canonical], formats, repr(translated[canonical])), []).append(canonical)
    for (theirs, formats, _), canonicals in read_with.items():
        value, used = translated[canonicals[0]]
        named = (f"the date format '{formats[0]}'" if len(formats) == 1 else
                 "any of the date formats " + ", ".join(f"'{f}'" for f in formats))
        for line, text in store.rows(
            f"select line_no, {value} from {staged.text} where nullif({value}, '') is not null "
            f"and try_strptime({value}, ?) is null order by line_no limit 1000", [*used, *used, *used, list(formats)],
        ):
            staged.problems.append(Problem(int(line), f"{theirs} ({', '.join(canonicals)})", "bad-date", (
                f"'{text}' does not match {named} of the mapping; correct the date, or the "
                f"format under [date_formats] in {mapping.name}")))
    return staged


# --- tracker mapping init ------------------------------------------------------------------------------

# Header names (lowercase, spaces and dashes as _) that obviously mean a canonical column.
# `source` is never guessed: a foreign column named "source" rarely holds source keys, so the mapping
# leaves it to the user (a comment names it).
GUESSES: dict[str, tuple[str, ...]] = {
    "channel": ("channel", "outlet", "publisher"),
    "reported_at": ("reported_at", "published", "published_at", "publication_date", "report_date", "date_published"),
    "period_start": ("period_start", "start", "start_date", "from", "date_from", "window_start", "begin"),
    "period_end": ("period_end", "end", "end_date", "to", "date_to", "window_end"),
    "timezone": ("timezone", "tz", "time_zone"),
    "region": ("region", "oblast", "admin1", "adm_1", "province", "область", "регион", "регіон"),
    "area": ("area", "sector"),
    "accused_party": ("accused_party", "accused", "blamed", "perpetrator"),
    "violations": ("violations", "ceasefire_violations", "cfv", "shellings", "incidents", "attacks",
                   "обстрелы", "обстрілів", "обстріли", "нарушения", "порушення"),
    "prohibited_weapons": ("prohibited_weapons", "banned_weapons", "prohibited"),
    "explosions": ("explosions", "explosion", "взрывы", "вибухи"),
    "killed": ("killed", "deaths", "dead", "fatalities", "military_killed", "kia", "погибли", "загиблі", "загиблих"),
    "wounded": ("wounded", "injured", "wia", "military_wounded", "ранены", "поранені", "поранених"),
    "civilians_killed": ("civilians_killed", "civilian_deaths", "civilian_killed", "civilians_dead"),
    "civilians_wounded": ("civilians_wounded", "civilian_injured", "civilians_injured", "civilian_wounded"),
    "settlements_shelled": ("settlements_shelled", "settlements", "localities_shelled"),
    "qualifier": ("qualifier",),
    "weapons": ("weapons", "weapon", "weapon_types"),
    "location": ("location", "place", "settlement", "locality"),
    "source_url": ("source_url", "url", "link", "source_link"),
    "quote": ("quote", "excerpt"),
    "notes": ("notes", "note", "comment", "comments", "remarks", "примітка", "примечание", "коментар"),
}
# A single date column of a daily file is both window edges.
DAY_COLUMNS: tuple[str, ...] = ("date", "day", "дата", "день", "event_date")
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
    "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d/%m/%Y", "%d/%m/%Y %H:%M", "%m/%d/%Y", "%d-%m-%Y", "%d %B %Y",
)
_ISO = ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")


def _norm(name: str) -> str:
    return re.sub(r"[\s\-./]+", "_", name.strip().lower())


def _date_format(samples: list[str]) -> tuple[str | None, list[str]]:
    """The first format that reads every sample, and any other that does too (an ambiguity to check)."""
    fitting = []
    for fmt in DATE_FORMATS:
        try:
            for sample in samples:
                datetime.strptime(sample, fmt)
        except ValueError:
            continue
        fitting.append(fmt)
    return (fitting[0], fitting[1:]) if fitting else (None, [])


def _date_formats(samples: list[str]) -> list[str]:
    """Formats that together read every sample, tried in order (those with a time of day first), or []."""
    def reads(fmt: str, sample: str) -> bool:
        try:
            datetime.strptime(sample, fmt)
        except ValueError:
            return False
        return True

    chosen: list[str] = []
    left = list(samples)
    for fmt in sorted(DATE_FORMATS, key=lambda f: not any(code in f for code in _TIME_CODES)):
        if any(reads(fmt, sample) for sample in left):
            chosen.append(fmt)
            left = [sample for sample in left if not reads(fmt, sample)]
        if not left:
            return chosen
    return []


def _toml(value: str | list[str]) -> str:
    return json.dumps(value, ensure_ascii=False)


def _read_sample(path: str, encoding: str | None,
                 delimiter: str | None) -> tuple[list[str], list[list[str]], str, str | None]:
    raw = Path(path).read_bytes()[: 1 << 20]
    if encoding:
        codec = rows.codec_name(encoding)
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError(f"{path}: the file is UTF-16; run again with --encoding utf-16")
    else:
        codec = "utf-8-sig"
    try:
        text = raw.decode(codec, errors="strict")
    except UnicodeDecodeError as error:
        if encoding:
            raise ValueError(f"{path}: the file is not valid {encoding} ({error.reason})") from error
        guess = rows.guess_encoding(raw)
        raise ValueError(f"{path}: the file is not UTF-8; it looks like {guess}: "
                         f"run again with --encoding {guess}") from error
    text = text[: text.rfind("\n") + 1] or text  # whole lines only
    used = delimiter or rows.guess_delimiter(text) or ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=used)
    header = [name.strip() for name in next(reader, [])]
    sample = list(itertools.islice(reader, 200))
    return header, sample, used, (encoding if encoding else None)


def init_mapping(path: str, *, encoding: str | None = None, delimiter: str | None = None) -> tuple[str, dict[str, str]]:
    """A starting mapping (TOML text) for a foreign CSV, from its header: obvious column names are
    mapped, date formats are guessed from the first rows, everything else is left as comments to fill
    in. Returns the text and what was detected (delimiter, date formats) for the user to see."""
    header, sample, used, encoding = _read_sample(path, encoding, delimiter)
    if not [name for name in header if name]:
        raise ValueError(f"{path}: no header row; the first line must name the columns")
    columns: dict[str, str] = {}
    taken: set[str] = set()
    for name in header:
        key = _norm(name)
        if not name or name in taken:
            continue
        if key in DAY_COLUMNS and "period_start" not in columns and "period_end" not in columns:
            columns["period_start"] = columns["period_end"] = name
            taken.add(name)
            continue
        for canonical, names in GUESSES.items():
            if canonical not in columns and key in names:
                columns[canonical] = name
                taken.add(name)
                break
    formats: dict[str, tuple[str | list[str], list[str]]] = {}
    for canonical in vocab.DATETIME_COLUMNS:
        if canonical in columns:
            index = header.index(columns[canonical])
            values = [r[index].strip() for r in sample if index < len(r) and r[index].strip()][:50]
            fmt, others = _date_format(values) if values else (None, [])
            if fmt and fmt not in _ISO:
                formats[canonical] = (fmt, others)
            elif fmt is None and values:  # a column that mixes forms (`20.04.2025`, `20.04.2025 0:00`)
                mixed = _date_formats(values)
                if mixed and not all(f in _ISO for f in mixed):
                    formats[canonical] = (mixed, [])
    detected = {"delimiter": rows.delimiter_name(used)}
    detected.update({f"date format of {c}": f if isinstance(f, str) else ", then ".join(f)
                     for c, (f, _) in formats.items()})

    lines = [f"# Column mapping for {Path(path).name}, written by `tracker mapping init`: check every line,",
             "# then import with: tracker import FILE --mapping THIS.toml   (docs/csv-format.md, Column mappings)"]
    if encoding:
        lines.append(f"encoding = {_toml(encoding)}")
    if used != ",":
        lines.append(f"delimiter = {_toml(used)}  # detected from the file")
    lines.append(f"# timezone = {_toml(vocab.DEFAULT_TIMEZONE)}  # the zone of dates and times without an offset")
    lines += ["", "[columns]  # canonical column = \"their column\""]
    for canonical in vocab.CANONICAL_COLUMNS:
        if canonical in columns:
            lines.append(f"{canonical} = {_toml(columns[canonical])}")
    unmapped = [name for name in header if name and name not in taken]
    if unmapped:
        lines.append("# their columns not mapped yet (map them, or leave them out):")
        lines += [f"# ? = {_toml(name)}" for name in unmapped]
    missing = [c for c in vocab.REQUIRED_COLUMNS if c not in columns]
    theirs = [name for name in header if _norm(name) in ("source", "source_key")]
    if theirs:
        lines.append(f"# source = {_toml(theirs[0])}  # only if their column holds source keys or aliases "
                     "(tracker sources); else give one under [fixed]")
    lines += ["", "[fixed]  # canonical column = one value for every row"]
    if "source" in missing:
        lines.append("# source = \"ua_mod\"  # required: the source key of every row (see: tracker sources)")
    for canonical in missing:
        if canonical != "source":
            lines.append(f"# {canonical} = \"2022-02-18\"  # required: no column of the file looks like it")
    if formats:
        lines += ["", "[date_formats]  # their date format, guessed from the first rows (strptime codes)"]
        for canonical, (written, others) in formats.items():
            note = f"  # the dates fit {', '.join(others)} too: check" if others else ""
            lines.append(f"{canonical} = {_toml(written)}{note}")
    if "region" in columns:
        index = header.index(columns["region"])
        seen = sorted({r[index].strip() for r in sample if index < len(r) and r[index].strip()})[:30]
        foreign = [value for value in seen if value.lower() not in {region.value for region in vocab.Region}]
        if foreign:
            lines += ["", "[values.region]  # their value = donetsk or luhansk (guessed from the name: check)"]
            for value in foreign:
                guess = _region_guess(value)
                lines.append(f"{_toml(value)} = {_toml(guess)}" if guess else
                             f"# {_toml(value)} = \"\"  # donetsk, luhansk, or leave it out")
    return "\n".join(lines) + "\n", detected


def _region_guess(value: str) -> str | None:
    name = value.lower()
    for stem, region in (("donets", "donetsk"), ("донец", "donetsk"), ("донеч", "donetsk"),
                         ("luhan", "luhansk"), ("lugan", "luhansk"), ("луган", "luhansk")):
        if stem in name:
            return region
    return None
