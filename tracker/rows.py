"""A CSV file → a staged relation: `read_table()` reads any CSV into the view `stage_text` (its columns as
text, plus `line_no`), named by the result's `text`; for the canonical format `stage_file()` then names
`stage_raw` (every canonical column as text, plus `line_no`) as the result's `canonical`, which the checks
read (tracker/validate.py).

This module checks what is wrong with the file as a whole (encoding, header, shape) and keeps every row's
file line, the header being line 1, so a problem can be pointed at the line an analyst sees in an editor
(a quoted field may span lines). The rules for the values themselves are in tracker/validate.py.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

from tracker import vocab
from tracker.db import InvalidInput, Store
from tracker.problems import Problem, message

CHUNK = 1 << 20
# Python's csv module re-reads files that DuckDB's reader found irregular; let it read a line as long as
# DuckDB's max_line_size (10 MB, in _read_rows) and more, so that it can find where such a line ends.
csv.field_size_limit(max(csv.field_size_limit(), 64 << 20))
HEADER_LINE = 1

# A canonical file has at most this many columns (there are 23 canonical ones); a file read through a mapping or an
# import profile (only its mapped columns are read) at most MAX_MAPPED_COLUMNS. Checked on the header line
# alone, before DuckDB reads the file (CONTRACT §2).
MAX_COLUMNS = 200
MAX_MAPPED_COLUMNS = 5_000

# Other spellings an analyst may type for the encodings of vocab.ENCODINGS (compared case-blind, _ as -).
ENCODING_SPELLINGS = {
    "utf8": "utf-8", "utf8-sig": "utf-8-sig", "utf16": "utf-16", "utf-16le": "utf-16-le", "utf-16be": "utf-16-be",
    "win-1251": "windows-1251", "win1251": "windows-1251", "koi8r": "koi8-r", "koi8u": "koi8-u",
    "latin1": "latin-1", "iso-8859-1": "latin-1", "iso8859-5": "iso-8859-5", "win-1252": "windows-1252",
}


@dataclass(frozen=True)
class Staged:
    """Rows ready for the checks: `relation` names a temp view or table of `line_no` and every canonical
    column as text. `nul` is False when the file has no NUL byte at all (then no cell can hold one)."""

    relation: str
    nul: bool = True


@dataclass
class StagedFile:
    """What staging found: the file's identity, its header, how many rows, and file-level problems."""

    path: str
    sha256: str = ""
    header: list[str] = field(default_factory=list)
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # warnings that do not stop the import
    text: str | None = None  # the relation of the file's own columns as text, once read (read_table)
    canonical: Staged | None = None  # the rows in canonical columns, once staged for the value checks
    nul: bool = True  # whether the file holds a NUL byte (read by _scan)

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    @property
    def staged(self) -> bool:
        """Whether the rows are staged in canonical columns and the value checks can run."""
        return self.canonical is not None


def encoding_key(encoding: str) -> str:
    """The name in vocab.ENCODINGS of an encoding the user typed (any case; `utf8`, `utf-16le` and the like
    accepted), or ValueError: only those text encodings are read, never another Python codec (bz2_codec
    would decompress, base64_codec or rot13 would turn the bytes into something else)."""
    key = encoding.strip().lower().replace("_", "-")
    key = ENCODING_SPELLINGS.get(key, key)
    if key in vocab.ENCODINGS:
        return key
    raise ValueError(f"encoding '{encoding}' is not one of the text encodings the tracker reads; use one of: "
                     f"{', '.join(vocab.ENCODINGS)}")


def codec_name(encoding: str) -> str:
    """The Python codec for an encoding name or alias (`windows-1251` → `cp1251`); UTF-8 with or without a
    byte order mark is `utf-8` (DuckDB reads both)."""
    codec = vocab.ENCODINGS[encoding_key(encoding)]
    return "utf-8" if codec in ("utf-8", "utf-8-sig") else codec


# The encodings the detector chooses among: those of Ukrainian and Russian sources, and Western ones.
# Left free, charset-normalizer takes short KOI8-R samples for Shift-JIS or Arabic code pages.
LIKELY_ENCODINGS = ["utf_8", "cp1251", "koi8_r", "koi8_u", "utf_16", "cp866", "iso8859_5", "mac_cyrillic",
                    "cp1252"]
DELIMITERS = (",", ";", "\t", "|")


def guess_encoding(sample: bytes) -> str:
    """The likely encoding of bytes that are not UTF-8, for the message that offers --encoding."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    best = from_bytes(sample, cp_isolation=LIKELY_ENCODINGS).best() or from_bytes(sample).best()
    if best is None:
        return "cp1251"
    name = best.encoding.lower().replace("_", "-")
    name = {"koi8-r": "koi8-r", "koi8-u": "koi8-u", "cp1251": "cp1251", "windows-1251": "cp1251",
            "utf-16": "utf-16", "mac-cyrillic": "cp1251", "cp866": "cp1251", "iso8859-5": "cp1251"}.get(name, name)
    try:
        return encoding_key(name)  # only ever suggest an encoding that --encoding accepts
    except ValueError:
        return "cp1251"


# Cyrillic single-byte families that read each other's bytes without error, into the wrong letters: when
# --encoding names one and the bytes look like the other, the import warns (KOI8-R and KOI8-U differ only
# in the Ukrainian letters, so they are one family here).
_CYRILLIC_FAMILIES = {"cp1251": "cp1251", "koi8-r": "koi8", "koi8-u": "koi8"}


def _other_family(guess: str, codec: str) -> bool:
    """Whether bytes read as `codec` look like another Cyrillic family (`guess`)."""
    try:
        ours, theirs = codecs.lookup(codec).name, codecs.lookup(guess).name
    except LookupError:
        return False
    return (ours in _CYRILLIC_FAMILIES and theirs in _CYRILLIC_FAMILIES
            and _CYRILLIC_FAMILIES[ours] != _CYRILLIC_FAMILIES[theirs])


def delimiter_name(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(delimiter, repr(delimiter))


def guess_delimiter(text: str) -> str | None:
    """The field separator of a CSV sample (csv.Sniffer, among , ; tab |), or None when it cannot tell."""
    lines = [line for line in text[:65536].splitlines() if line.strip()][:20]
    if not lines:
        return None
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:  # the sniffer wants consistent rows: fall back to the one that splits the header most
        pass
    counts = {}
    for candidate in DELIMITERS:
        try:
            counts[candidate] = len(next(csv.reader([lines[0]], delimiter=candidate)))
        except csv.Error:
            counts[candidate] = 0
    found = max(counts, key=lambda d: counts[d])
    return found if counts[found] >= 2 else None


def _encoding_problem(sample: bytes, where: str) -> Problem:
    guess = guess_encoding(sample)
    return Problem(None, None, "encoding", message("encoding", value=guess, other=f"{where}; it looks like {guess}"))


def _scan(path: str) -> tuple[str, int, bytes, bool]:
    """sha256, number of newline bytes, the first megabyte of the file, and whether it holds a NUL byte: one
    read of the file."""
    digest = hashlib.sha256()
    newlines = 0
    first = b""
    nul = False
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            if not first:
                first = chunk
            digest.update(chunk)
            newlines += chunk.count(b"\n")
            nul = nul or b"\x00" in chunk
    return digest.hexdigest(), newlines, first, nul


def _transcode(path: str, codec: str) -> str:
    """A UTF-8 copy of a file in another encoding (newlines kept, so line numbers stay true)."""
    out = tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False)
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    try:
        with open(path, "rb") as handle, out:
            while chunk := handle.read(CHUNK):
                out.write(decoder.decode(chunk).encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    except BaseException:  # not valid in that encoding: leave no copy behind
        os.unlink(out.name)
        raise
    return out.name


def _read_header(first: bytes, delimiter: str) -> list[str] | None:
    text = first.decode("utf-8-sig", errors="strict") if first else ""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    return next(reader, None)


def _header_problems(header: list[str]) -> list[Problem]:
    found: list[Problem] = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            found.append(Problem(HEADER_LINE, name, "duplicate-column", message("duplicate-column", value=name)))
        seen.add(name)
        if name not in vocab.CANONICAL_COLUMNS:
            found.append(Problem(HEADER_LINE, name or "(blank)", "unknown-column",
                                 message("unknown-column", value=name)))
    for name in vocab.REQUIRED_COLUMNS:
        if name not in seen:
            found.append(Problem(HEADER_LINE, name, "missing-column", message("missing-column", column=name)))
    return found


def _lines_at(path: str, positions: list[int]) -> dict[int, int]:
    """The file line (1-based) of each byte position."""
    wanted = sorted(set(positions))
    lines: dict[int, int] = {}
    newlines_before = 0
    offset = 0
    index = 0
    with open(path, "rb") as handle:
        while index < len(wanted) and (chunk := handle.read(CHUNK)):
            end = offset + len(chunk)
            while index < len(wanted) and wanted[index] < end:
                lines[wanted[index]] = newlines_before + chunk.count(b"\n", 0, wanted[index] - offset) + 1
                index += 1
            newlines_before += chunk.count(b"\n")
            offset = end
    for position in wanted[index:]:
        lines[position] = newlines_before + 1
    return lines


def _record_lines(path: str, delimiter: str, skip_lines: set[int]) -> list[int]:
    """The start line of every data record, read with Python's csv module (used when lines are irregular)."""
    starts: list[int] = []
    with open(path, encoding="utf-8-sig", newline="", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            next(reader, None)
            line = reader.line_num + 1
            for record in reader:
                if record and line not in skip_lines:
                    starts.append(line)
                line = reader.line_num + 1
        except csv.Error:  # a field beyond even the raised limit: the caller numbers rows by record
            return []
    return starts


def _malformed_line(path: str, delimiter: str) -> tuple[int | None, str]:
    with open(path, encoding="utf-8-sig", newline="", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=delimiter, strict=True)
        line = 1
        try:
            for _ in reader:
                line = reader.line_num + 1
        except csv.Error as error:
            return line, f"the CSV is malformed here ({error})"
    mixed = _other_line_ending(path)
    if mixed:  # DuckDB's reader takes one kind of line break per file
        line, ending, first = mixed
        return line, (f"this line ends with {_ENDINGS[ending]} but the header line with {_ENDINGS[first]}; "
                      "save the file again with one kind of line break")
    return None, "the CSV could not be parsed"


_ENDINGS = {b"\r\n": "CR LF (Windows)", b"\n": "LF (Unix)", b"\r": "a lone CR (old Mac)"}


def _other_line_ending(path: str) -> tuple[int, bytes, bytes] | None:
    """(line, its line break, the header's) for the first line that ends unlike the header line."""
    first: bytes | None = None
    line = 1
    carry = b""
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            data = carry + chunk
            carry = b""
            if chunk and data.endswith(b"\r"):  # a CR LF may be split between two chunks
                data, carry = data[:-1], b"\r"
            position = 0
            while True:
                found = min((i for i in (data.find(b"\r", position), data.find(b"\n", position)) if i >= 0),
                            default=-1)
                if found < 0:
                    break
                ending = b"\r\n" if data[found:found + 2] == b"\r\n" else data[found:found + 1]
                if first is None:
                    first = ending
                elif ending != first:
                    return line, ending, first
                line += 1
                position = found + len(ending)
            if not chunk:
                return None


def _reject_problems(store: Store, path: str, first: bytes) -> tuple[list[Problem], set[int]]:
    rejects = store.rows(
        "select distinct on (line_byte_position, error_type) line_byte_position, error_type, error_message, csv_line "
        "from stage_rejects order by line_byte_position"
    )
    if not rejects:
        return [], set()
    lines = _lines_at(path, [row[0] for row in rejects])
    found: list[Problem] = []
    bad_lines: set[int] = set()
    encoding_reported = False
    for position, error_type, error_message, _csv_line in rejects:
        line = lines[position]
        bad_lines.add(line)
        if error_type == "INVALID ENCODING":
            if not encoding_reported:
                found.append(_encoding_problem(first, f"invalid UTF-8 bytes first on line {line}"))
                encoding_reported = True
            continue
        if error_type in ("TOO MANY COLUMNS", "MISSING COLUMNS"):
            numbers = [int(n) for n in "".join(c if c.isdigit() else " " for c in error_message).split()]
            expected, got = (numbers + [0, 0])[:2]
            found.append(Problem(line, None, "ragged-row", message("ragged-row", value=got, other=expected)))
            continue
        detail = {"UNQUOTED VALUE": "a quote is not closed, or text follows a closing quote",
                  "LINE SIZE OVER MAXIMUM": "the line is longer than the reader's maximum line size"}.get(
            error_type, error_message)
        found.append(Problem(line, None, "malformed-csv", message("malformed-csv", other=detail)))
    return found, bad_lines


def stage_file(store: Store, path: str, *, encoding: str | None = None, delimiter: str = ",") -> StagedFile:
    """Read a canonical CSV and stage it as the temp view `stage_raw` (every canonical column as text, plus
    `line_no`), named by the result's `canonical`; report what is wrong with the file as a whole."""
    staged = read_table(store, path, encoding=encoding, delimiter=delimiter, header_problems=_header_problems,
                        max_columns=MAX_COLUMNS)
    if staged.problems and staged.header:
        from tracker.profiles import format_hint  # profiles reads files through this module

        hint = format_hint(staged.header, "tracker")
        if hint:
            staged.notes.append(hint)
    if staged.text is not None:
        present = set(staged.header)
        select = ", ".join(
            (quote_name(name) if name in present else "null::varchar") + f" as {name}"
            for name in vocab.CANONICAL_COLUMNS
        )
        store.execute(f"create or replace temp view stage_raw as select {select}, line_no from {staged.text}")
        staged.canonical = Staged("stage_raw", nul=staged.nul)
    return staged


def quote_name(name: str) -> str:
    """A column name as a SQL identifier (any text a header may hold)."""
    return '"' + name.replace('"', '""') + '"'


HeaderCheck = Callable[[list[str]], list[Problem]]


def read_table(store: Store, path: str, *, encoding: str | None = None, delimiter: str = ",",
               header_problems: HeaderCheck | None = None, max_columns: int = MAX_MAPPED_COLUMNS) -> StagedFile:
    """Read any CSV file into the temp view `stage_text`: each column of its header as text under its
    own name, plus `line_no` (the file line on which the record starts). Encoding, delimiter, header
    (`header_problems`) and shape problems are collected in the result; its `text` names the view once the
    rows are there (they may still have problems of their shape). A header of more than `max_columns` is
    refused before the rows are read. The canonical format and the import profiles both read files this way."""
    staged = StagedFile(path=str(path))
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: no such file; check the path")
    staged.sha256, newlines, first, staged.nul = _scan(path)
    if not first.strip(b" \t\r\n\xef\xbb\xbf"):
        staged.problems.append(Problem(None, None, "empty-file", message("empty-file")))
        return staged

    read_path = str(path)
    codec = codec_name(encoding) if encoding else "utf-8"
    if codec != "utf-8":
        try:
            read_path = _transcode(path, codec)
        except UnicodeError as error:  # also UTF-16 without a byte order mark, which is not a decode error
            reason = getattr(error, "reason", None) or str(error)
            staged.problems.append(Problem(None, None, "encoding", message(
                "encoding", value=guess_encoding(first), other=f"it is not valid {codec} either ({reason})")))
            return staged
        guess = guess_encoding(first)
        if _other_family(guess, codec):
            staged.notes.append(f"the file looks like {guess} rather than {encoding}; if names or notes come "
                                f"out garbled, import it again with --encoding {guess}")
        _, newlines, first, staged.nul = _scan(read_path)
    elif first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or first[:200].count(b"\x00") > 20:
        staged.problems.append(_encoding_problem(first, "it starts with a UTF-16 byte order mark"))
        return staged
    try:
        try:
            header = _read_header(first, delimiter)
        except UnicodeDecodeError:
            staged.problems.append(_encoding_problem(first, "the header has invalid UTF-8 bytes"))
            return staged
        staged.header = [name.strip() for name in header or []]
        if len(staged.header) <= 1:
            sensed = guess_delimiter(first.decode("utf-8-sig", errors="replace"))
            if sensed is not None and sensed != delimiter:
                columns = len(next(csv.reader([first.decode("utf-8-sig", errors="replace").splitlines()[0]],
                                              delimiter=sensed)))
                retry = ("without --delimiter (comma is the default)" if sensed == ","
                         else f"with --delimiter {_shell_delimiter(sensed)}")
                staged.problems.append(Problem(None, None, "delimiter", message(
                    "delimiter", value=delimiter_name(delimiter),
                    other=f"it is {delimiter_name(sensed)}-separated ({columns} columns); retry {retry}")))
                return staged
        if len(staged.header) > max_columns:
            staged.problems.append(_too_many_columns(staged.header, first, max_columns))
            return staged
        staged.problems.extend((header_problems or (lambda _header: []))(staged.header))
        if any(p.code in ("duplicate-column", "missing-column") for p in staged.problems):
            return staged
        _read_rows(store, staged, read_path, first, newlines, delimiter)
    finally:
        if read_path != str(path):
            os.unlink(read_path)
    return staged


def _too_many_columns(header: list[str], first: bytes, max_columns: int) -> Problem:
    whole = len(first) < CHUNK or b"\n" in first or b"\r" in first  # the header line ends in the first megabyte
    count = f"{len(header):,}" if whole else f"more than {len(header):,}"
    if max_columns == MAX_COLUMNS:
        canonical = len(vocab.CANONICAL_COLUMNS)
        limit = f"more than the {MAX_COLUMNS} a canonical file may have (it has {canonical} columns in all)"
    else:
        limit = f"more than the {max_columns:,} a file read through a mapping may have"
    return Problem(HEADER_LINE, None, "too-many-columns", message("too-many-columns", value=count, other=limit))


def _shell_delimiter(delimiter: str) -> str:
    return {"\t": "tab", ";": "';'", "|": "'|'"}.get(delimiter, repr(delimiter))


# DuckDB reads a path as a glob pattern (`a*.csv` would also read `ab.csv` beside it) and picks a
# decompression from its name (`.gz`, `.zst`); the text was checked as plain text above, so it is read as
# such (compression = 'none') from a name without pattern characters.
_PATTERN_CHARACTERS = frozenset("*?[")


@contextmanager
def _literal_path(path: str) -> Iterator[str]:
    """`path`, or, when its name holds a glob pattern character, a link to it from a private temp folder."""
    if not _PATTERN_CHARACTERS.intersection(path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="tracker-read-") as folder:
        link = os.path.join(folder, "file.csv")
        os.symlink(os.path.abspath(path), link)
        yield link


def _read_rows(store: Store, staged: StagedFile, path: str, first: bytes, newlines: int, delimiter: str) -> None:
    columns = {f"c{i}": "VARCHAR" for i in range(len(staged.header))}
    store.execute("drop view if exists stage_raw")
    store.execute("drop view if exists stage_text")
    store.execute("drop table if exists stage_read")
    store.execute("drop table if exists stage_rejects")
    store.execute("drop table if exists stage_scans")
    try:
        with _literal_path(path) as literal:
            store.execute(
                "create temp table stage_read as select * from read_csv(?, columns = ?, header = true, "
                "auto_detect = false, delim = ?, quote = '\"', escape = '\"', strict_mode = true, "
                "store_rejects = true, rejects_table = 'stage_rejects', rejects_scan = 'stage_scans', "
                "rejects_limit = 0, max_line_size = 10000000, parallel = true, compression = 'none')",
                [literal, columns, delimiter],
            )
    except InvalidInput as error:  # the reader gave up on the file: find the line with Python's csv module
        # (any other error is the machine's: a full disk, too little memory, an interrupt, a database
        # stopped by an earlier fatal error; it propagates as it is, tracker.db, never as a bad file)
        line, detail = _malformed_line(path, delimiter)
        if "encoding" in str(error).lower() or "unicode" in str(error).lower():
            staged.problems.append(_encoding_problem(first, "it has bytes that are not UTF-8"))
        else:
            staged.problems.append(Problem(line, None, "malformed-csv", message("malformed-csv", other=detail)))
        return
    reject_problems, bad_lines = _reject_problems(store, path, first)
    staged.problems.extend(reject_problems)
    read = store.value("select count(*) from stage_read")
    staged.rows = read + len(bad_lines)
    if staged.rows == 0:
        staged.problems.append(Problem(None, None, "no-rows", message("no-rows")))
        return
    if any(p.code == "encoding" for p in staged.problems) or read == 0:  # read == 0: every row was rejected
        return
    named: dict[str, tuple[str, int]] = {}  # DuckDB names are case-blind: `Notes` and `notes` are one name
    for index, name in enumerate(staged.header):  # a blank, repeated or NUL-holding name cannot be read by name
        if name and "\x00" not in name and name.lower() != "line_no" and name.lower() not in named:
            named[name.lower()] = (name, index)
    select = ", ".join(f"c{index} as {quote_name(name)}" for name, index in named.values())
    embedded = 0
    if not bad_lines and newlines not in (read, read + 1):
        embedded = store.value(
            "select sum(" + " + ".join(f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)"
                                       for i in range(len(staged.header))) + ") from stage_read"
        ) or 0
    # the first row's rowid (written in a transaction, a temp table numbers its rows from a large base)
    base = int(store.value("select min(rowid) from stage_read"))
    store.execute("drop table if exists stage_lines")
    if not bad_lines and newlines in (read, read + 1):  # one line per record: line = record number + 1
        line_no = f"rowid - {base} + 2"
    elif not bad_lines and newlines - embedded in (read, read + 1):  # quoted line breaks, no blank lines
        newline_sum = " + ".join(
            f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)" for i in range(len(staged.header)))
        store.execute(
            f"create temp table stage_lines as select rowid - {base} as rid, 2 + rowid - {base} + "
            f"coalesce(sum({newline_sum}) over (order by rowid rows between unbounded preceding and 1 preceding), 0) "
            "as line_no from stage_read"
        )
        line_no = f"(select line_no from stage_lines where rid = stage_read.rowid - {base})"
    else:  # blank lines or rejected rows: let Python's csv module find where each record starts
        starts = _record_lines(path, delimiter, bad_lines)
        if len(starts) != read:  # the two readers disagree on the records: number rows by record instead
            starts = list(range(2, 2 + read))
        store.execute("create temp table stage_lines as select unnest(range(?::bigint)) as rid, "
                      "unnest(?::bigint[]) as line_no", [read, starts])
        line_no = f"(select line_no from stage_lines where rid = stage_read.rowid - {base})"
    select = select + ", " if select else ""
    store.execute(f"create or replace temp view stage_text as select {select}{line_no} as line_no from stage_read")
    staged.text = "stage_text"
