"""What an import that forgives (`tracker import --valid-rows-only`, the Import page's "import the valid
rows") leaves beside its input: the rejected rows exactly as they were, and their problems.

- `<input>.rejects.csv`: the file's header and each rejected record, byte for byte as in the input (same
  encoding, delimiter, quoting and line ends), so the same command re-imports it once it is fixed;
- `<input>.problems.csv`: one row per problem: `row` (the line of the record in the input), `column`,
  `code`, `message`, `value` (UTF-8).

Records are found with the csv module (a quoted field may span lines); this runs only when rows were
rejected, over the input once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from tracker import rows
from tracker.problems import Problem


def beside(path: str, suffix: str) -> str:
    """`data/x.csv` → `data/x.csv.rejects.csv` (or `.problems.csv`)."""
    return f"{path}.{suffix}.csv"


def record_lines(text: str, delimiter: str = ",") -> list[tuple[int, int]]:
    """(first line, last line) of every record of a CSV text, 1-based, header first."""
    spans: list[tuple[int, int]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    first = 1
    for _ in reader:  # one step per record: the csv module knows where a quoted field ends
        spans.append((first, reader.line_num))
        first = reader.line_num + 1
    return spans


def write_rejects(path: str, rejected: Iterable[int], *, encoding: str | None = None,
                  delimiter: str | None = None) -> str:
    """Write the header and the records starting on the `rejected` lines of `path` to `<path>.rejects.csv`,
    as they were; returns the file written."""
    raw = Path(path).read_bytes()
    codec = rows.codec_name(encoding) if encoding else "utf-8"
    bom = raw.startswith(b"\xef\xbb\xbf") and codec == "utf-8"
    text = raw[3:].decode(codec) if bom else raw.decode(codec)
    lines = text.splitlines(keepends=True)
    wanted = set(rejected)
    spans = record_lines(text, delimiter or ",")
    kept = [spans[0]] + [span for span in spans[1:] if span[0] in wanted]
    out = "".join("".join(lines[first - 1:last]) for first, last in kept)
    if kept and not out.endswith(("\n", "\r")):
        out += "\r\n" if "\r\n" in text else "\n"
    target = beside(path, "rejects")
    Path(target).write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.encode(codec))
    return target


def write_problems(path: str, problems: Iterable[Problem], values: dict[tuple[int, str], str] | None = None) -> str:
    """Write the problems of `path` to `<path>.problems.csv`; returns the file written."""
    target = beside(path, "problems")
    values = values or {}
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["row", "column", "code", "message", "value"])
        for problem in problems:
            writer.writerow(["" if problem.row is None else problem.row, problem.column or "", problem.code,
                             problem.message, values.get((problem.row or 0, problem.column or ""), "")])
    return target
