"""Hostile CSV (issue 7, point 3): whatever bytes a file holds, `ingest.import_csv` returns a report within
a time limit, never raises, never writes part of a file, and names every rejected row by its file line
(and, for a problem of one cell, its column).

Files are built by hypothesis from a mostly valid header and rows, then spoiled: a BOM, NUL bytes, stray
quotes, ragged rows, mixed line endings, very long lines, another delimiter, cp1251 / koi8-r / UTF-16
bytes, invalid UTF-8, truncation, empty and header-only files, huge numbers. A few hundred cases run in CI;
`pytest -m stress` runs thousands (bench/stress.py).
"""

from __future__ import annotations

import codecs
import json
import os
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tracker import db, ingest, vocab
from tracker.problems import CATALOGUE, FILE_LEVEL_CODES, ImportReport

TIME_LIMIT_S = 30.0  # per file, generous for a loaded CI machine; a typical case takes ~0.1 s
CI_EXAMPLES = 100
STRESS_EXAMPLES = 3000

# problems of the header: row 1 and the column named
HEADER_CODES = {"unknown-column", "missing-column", "duplicate-column"}
# problems of the whole file (empty, no rows, encoding, delimiter): no row
FILE_CODES = set(FILE_LEVEL_CODES) - HEADER_CODES
# problems of a row's shape: the row, no column
SHAPE_CODES = {"ragged-row", "malformed-csv"}

# --- building hostile files ------------------------------------------------------------------------

_WINDOWS = [("2022-02-17", "2022-02-17"), ("2022-02-16T19:30+02:00", "2022-02-17T19:30+02:00"),
            ("2022-02-18 00:00", "2022-02-18 17:00"), ("2022-02-17T09:00:00Z", "2022-02-19T09:00:00Z")]
_good_values = {
    "source": st.sampled_from(["ua_mod", "osce_smm", "dpr", "lpr", "ru_mod"]),
    "reported_at": st.sampled_from(["", "2022-02-18", "2022-02-18T17:00+02:00"]),
    "timezone": st.sampled_from(["", "Europe/Kyiv", "Europe/Moscow", "UTC"]),
    "region": st.sampled_from(["", "donetsk", "luhansk"]),
    "accused_party": st.sampled_from(["", "ukraine", "separatists", "russia", "unknown"]),
    "qualifier": st.sampled_from(["", "exact", "at_least", "about"]),
    "source_url": st.sampled_from(["", "https://example.org/a?b=1", "http://x.test/"]),
    "violations": st.integers(100, 10**6).map(str),
    **{metric: st.one_of(st.just(""), st.integers(0, 99).map(str))
       for metric in vocab.METRICS if metric != "violations"},
}
# text an analyst may well paste: any character but NUL (and lone surrogates, which no file can hold)
_good_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
_bad_numbers = st.sampled_from([
    "9223372036854775807", "9223372036854775808", "99999999999999999999999999999999999999", "1e308",
    "-9223372036854775809", "-1", "+5", "1,000", "0x10", "NaN", "inf", "１２", "٣", "5.0", ".5", " 7 ",
])
_hostile_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from([
        "", "\x00", "a\x00b", '"', '""', 'say "hi"', "a,b", "line\nbreak", "cr\ronly", "crlf\r\nx", "=1+2",
        "'=cmd|' /C calc'!A0", "@SUM(A1)", "-2", "+3", "\ttab", "'", "''", "Привет, мир", "🙂🔥", "\ufeff",
        "\u2028", "\x1b[31m", "<script>alert(1)</script>", "javascript:alert(1)", "\\", "\\N", "NULL",
        "2022-02-30", "2022-02-17T25:00", "Europe/Atlantis",
        # issue 14: impossible local times, offsets, zones and dates; the escape after a ;
        "2022-03-27T03:30", "2022-10-30T03:30", "2022-02-17T10:00+25:00", "2022-02-17T10:00-14:30", "Factory",
        "localtime", "Etc/GMT-3", "0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01", "a;=cmd|' /C calc'!A0",
        "a;'=b", "2022-02-17T24:00",
    ]),
)


@st.composite
def csv_texts(draw: st.DrawFn, rate: int) -> tuple[str, str]:
    """(text, delimiter used) of a CSV file; each way of spoiling it is taken with `rate` % chance, so
    rate 0 gives a valid file (with Cyrillic, emoji, quotes, commas and line breaks in its texts)."""
    def spoil() -> bool:
        return draw(st.integers(0, 99)) < rate

    extra = draw(st.lists(st.sampled_from(vocab.CANONICAL_COLUMNS), max_size=6, unique=not spoil()))
    columns = list(vocab.REQUIRED_COLUMNS) + ["violations"] + extra
    if not spoil():
        columns = list(dict.fromkeys(columns))
    if spoil():
        columns.remove(draw(st.sampled_from(vocab.REQUIRED_COLUMNS)))
    if spoil():
        columns.append(draw(st.sampled_from(["violatons", "", " notes ", "Source", "extra", "line_no"])))
    columns = draw(st.permutations(columns))
    delimiter = draw(st.sampled_from([";", "\t", "|"])) if spoil() else ","
    endings = [draw(st.sampled_from(["\n", "\r\n", "\r"]))]
    if spoil():
        endings.append(draw(st.sampled_from(["\n", "\r\n", "\r"])))  # mixed line endings
    rows = [list(columns)]
    for _ in range(draw(st.integers(0 if spoil() else 1, 6))):
        start, end = draw(st.sampled_from(_WINDOWS))
        row = []
        for column in columns:
            if spoil():
                row.append(draw(st.one_of(_bad_numbers, _hostile_text) if column in vocab.METRICS else _hostile_text))
            elif column == "period_start":
                row.append(start)
            elif column == "period_end":
                row.append(end)
            else:
                row.append(draw(_good_values.get(column, _good_text)))
        if spoil():  # ragged: a cell too many or too few
            row = row[:-1] if draw(st.booleans()) and row else row + [draw(_hostile_text)]
        rows.append(row)
    if len(rows) > 1 and spoil():
        rows[1][-1] = "x" * draw(st.sampled_from([70_000, 1_100_000]))  # a very long line
    lines = []
    for row in rows:
        cells = []
        for cell in row:
            quoting = draw(st.sampled_from(["always", "never", "stray"])) if spoil() else "minimal"
            needs = any(c in cell for c in (delimiter, '"', "\n", "\r")) or cell != cell.strip()
            if quoting == "always" or (quoting == "minimal" and needs):
                cells.append('"' + cell.replace('"', '""') + '"')
            elif quoting == "stray":
                cells.append(cell + '"' if draw(st.booleans()) else '"' + cell)
            else:
                cells.append(cell)
        lines.append(delimiter.join(cells))
        if spoil():
            lines.append("")  # a blank line
    text = "".join(line + draw(st.sampled_from(endings)) for line in lines)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # no line break at the end
    return text, delimiter


@st.composite
def hostile_files(draw: st.DrawFn) -> tuple[bytes, dict]:
    """(bytes of a file, import options) for import_csv: a quarter valid, a quarter a little spoiled,
    half thoroughly; and now and then no CSV at all."""
    kind = draw(st.sampled_from(["csv"] * 12 + ["empty", "blank", "bom-only", "header-only", "binary"]))
    rate = draw(st.sampled_from([0, 4, 30, 30]))
    encoding = "utf-8"
    if kind == "empty":
        data, delimiter = b"", ","
    elif kind == "blank":
        data, delimiter = draw(st.sampled_from([b"\n", b"\r\n\r\n", b"   \t\n", b"\x00"])), ","
    elif kind == "bom-only":
        data, delimiter = codecs.BOM_UTF8, ","
    elif kind == "header-only":
        data, delimiter = ",".join(vocab.REQUIRED_COLUMNS).encode() + draw(st.sampled_from([b"", b"\n", b"\r\n"])), ","
    elif kind == "binary":
        data, delimiter = draw(st.binary(max_size=400)), ","
    else:
        text, delimiter = draw(csv_texts(rate))
        if rate and draw(st.integers(0, 99)) < rate:
            encoding = draw(st.sampled_from(["cp1251", "koi8_r", "utf-16", "utf-16-le", "utf-16-be"]))
        else:
            encoding = draw(st.sampled_from(["utf-8", "utf-8-sig"]))
        data = text.encode(encoding, errors="replace")
        while rate and draw(st.integers(0, 99)) < rate:  # spoil some bytes
            spot = draw(st.integers(0, len(data)))
            data = (data[:spot] + draw(st.sampled_from([b"\x00", b"\xff", b"\xc3", b'"', b"\r", b"\xef\xbb\xbf"]))
                    + data[spot:])
        if rate and draw(st.integers(0, 99)) < rate // 3:
            data = data[: draw(st.integers(0, len(data)))]  # truncated
    options: dict = {}
    named = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "cp1251": "windows-1251", "koi8_r": "koi8-r", "utf-16": "utf-16",
             "utf-16-le": "utf-16le", "utf-16-be": "utf-16be"}
    if encoding not in ("utf-8", "utf-8-sig") and draw(st.booleans()):
        options["encoding"] = named[encoding]  # the right --encoding
    elif draw(st.integers(0, 9)) == 0:
        options["encoding"] = draw(st.sampled_from(["utf-8", "cp1251", "windows-1251", "koi8-r", "utf-16"]))
    if delimiter != "," and draw(st.booleans()):
        options["delimiter"] = delimiter  # the right --delimiter
    return data, options


# --- running one file ------------------------------------------------------------------------------

def _import_with_limit(store: db.Store, path: Path, options: dict) -> tuple[ImportReport, float]:
    """import_csv in a worker thread (its own connection) with a time limit; re-raises what it raised."""
    outcome: dict = {}

    def work() -> None:
        cursor = store.cursor()
        try:
            outcome["report"] = ingest.import_csv(cursor, str(path), recorded_by="fuzz", **options)
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            outcome["error"] = error
        finally:
            cursor.close()

    started = time.perf_counter()
    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(TIME_LIMIT_S)
    elapsed = time.perf_counter() - started
    if worker.is_alive():
        pytest.fail(f"import of {path} did not finish within {TIME_LIMIT_S} s (options {options})")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["report"], elapsed


def _line_count(data: bytes, options: dict) -> int:
    """Lines in the decoded file, counting \\r\\n, \\r and \\n as one break each."""
    codec = options.get("encoding") or "utf-8"
    text = data.decode({"windows-1251": "cp1251"}.get(codec, codec), errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1


def _counts(store: db.Store) -> tuple[int, int]:
    return store.rows("select (select count(*) from reports), (select count(*) from batches)")[0]


def check_one_file(store: db.Store, folder: Path, data: bytes, options: dict) -> ImportReport:
    path = folder / "hostile.csv"
    path.write_bytes(data)
    before = _counts(store)
    try:
        report, elapsed = _import_with_limit(store, path, options)
    except Exception as error:  # a crash: keep the file to reproduce it
        keep = folder / f"crash-{int(time.time() * 1000)}.csv"
        keep.write_bytes(data)
        raise AssertionError(f"import_csv raised {error!r} on {keep} with {options}: {data[:2000]!r}") from error
    after = _counts(store)
    assert isinstance(report, ImportReport)
    lines = _line_count(data, options)
    for problem in report.problems:
        assert problem.code in CATALOGUE, problem
        assert problem.message, problem
        if problem.code in FILE_CODES:
            continue
        assert problem.row is not None, f"{problem} has no row ({options})"
        assert 1 <= problem.row <= lines, f"{problem}: row outside the file's {lines} lines"
        if problem.code in HEADER_CODES:
            assert problem.row == 1 and problem.column is not None, problem
        elif problem.code not in SHAPE_CODES:
            assert problem.row >= 2 and problem.column is not None, f"{problem} names no column"
    _TALLY["files"] += 1
    _TALLY["refused" if report.problems else "accepted"] += 1
    _TALLY["rows_stored"] += report.inserted
    _TALLY["slowest_s"] = max(_TALLY["slowest_s"], round(elapsed, 2))
    if report.problems:  # all or nothing: nothing of a refused file is stored
        assert after == before, f"a refused file changed the store: {before} -> {after}"
        assert (report.inserted, report.duplicates, report.batch_seq) == (0, 0, None)
    else:
        assert report.inserted + report.duplicates == report.rows
        assert after == (before[0] + report.inserted, before[1] + (1 if report.inserted else 0))
    return report


_TALLY = {"files": 0, "accepted": 0, "refused": 0, "rows_stored": 0, "slowest_s": 0.0}


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("fuzz")
    store = db.open_store(str(folder / "fuzz.duckdb"))
    yield store, folder
    store.close()
    # reached only when every file passed: no crash, no hang, no partial write
    print("FIGURE " + json.dumps({"test": "hostile CSV fuzz", **_TALLY, "crashes": 0, "hangs": 0,
                                  "partial_writes": 0}))


# The hostile corpus of issue 14 (a DST gap, offsets and zones that cannot be, dates of year 1 and 9999,
# a window of 8,000 years, a header wider than a canonical file may be, the escape after a ;), and the
# catalogue files made for it.
_HARDENING = [
    (b"source,period_start,period_end,violations\nua_mod,2022-03-27T03:30,2022-03-27T17:00,5\n", {}),
    (b"source,period_start,period_end,violations\nua_mod,2022-02-17T10:00+25:00,2022-02-18,5\n", {}),
    (b"source,period_start,period_end,timezone,violations\nua_mod,2022-02-17T10:00,2022-02-18,Factory,5\n"
     b"ua_mod,2022-02-17T10:00,2022-02-18,localtime,5\n", {}),
    (b"source,period_start,period_end,violations\nua_mod,0001-01-01,9999-12-31,1\n", {}),
    (b"source,period_start,period_end,violations\n" + b"ua_mod,2022-02-17,2022-02-17,5\n" * 3, {}),
    (",".join(["source", "period_start", "period_end", "violations"] + [f"c{i}" for i in range(100_000)]).encode()
     + b"\nua_mod,2022-02-17,2022-02-17,5\n", {}),
    (b"source,period_start,period_end,violations,notes\n"
     b"ua_mod,2022-02-17,2022-02-17,5,\"a;'=cmd|' /C calc'!A0\"\n", {}),
    *((path.read_bytes(), {}) for path in sorted((Path(__file__).parent / "data" / "bad").glob("*.csv"))
      if path.stem in ("dst_gap", "offset_out_of_range", "timezone_not_a_place", "date_out_of_range",
                       "window_too_long", "too_many_columns")),
]

_EXAMPLES = [
    *_HARDENING,
    (b"", {}),
    (codecs.BOM_UTF8 + b"source,period_start,period_end,violations\r\nua_mod,2022-02-17,2022-02-17,5\r\n", {}),
    (b"source,period_start,period_end,violations\nua_mod,2022-02-17,2022-02-17,5\x00\n", {}),
    (b'source,period_start,period_end,violations\nua_mod,"2022-02-17,2022-02-17,5\n', {}),
    (b"source,period_start,period_end,violations\nua_mod,2022-02-17\nua_mod,2022-02-17,2022-02-17,5,6\n", {}),
    (b"source;period_start;period_end;violations\nua_mod;2022-02-17;2022-02-17;5\n", {}),
    (b"source;period_start;period_end;violations\nua_mod;2022-02-17;2022-02-17;5\n", {"delimiter": ";"}),
    ("source,period_start,period_end,violations,notes\nua_mod,2022-02-17,2022-02-17,5,Привет\n".encode("cp1251"), {}),
    ("source,period_start,period_end,violations,notes\nua_mod,2022-02-17,2022-02-17,5,Привет\n".encode("koi8_r"),
     {"encoding": "koi8-r"}),
    ("source,period_start,period_end,violations\nua_mod,2022-02-17,2022-02-17,5\n".encode("utf-16"), {}),
    ("source,period_start,period_end,violations\nua_mod,2022-02-17,2022-02-17,5\n".encode("utf-16"),
     {"encoding": "utf-16"}),
    (b"source,period_start,period_end,violations\n", {}),
    (b"source,period_start,period_end,violations\nua_mod,2022-02-17,2022-02-17,99999999999999999999999\n", {}),
    (b"source,period_start,period_end,violations\r\n"
     b"ua_mod,2022-02-17,2022-02-17,1\rua_mod,2022-02-18,2022-02-18,2\n", {}),
    (b"source,period_start,period_end,violations,notes\nua_mod,2022-02-17,2022-02-17,1,"
     + b"y" * 2_000_000 + b"\n", {}),
]


def _with_examples(test):  # noqa: ANN001, ANN202
    for data, options in _EXAMPLES:
        test = example(case=(data, options))(test)
    return test


@settings(max_examples=CI_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@_with_examples
@given(case=hostile_files())
def test_hostile_csv_never_crashes_hangs_or_writes_partially(fuzz_store, case: tuple[bytes, dict]) -> None:
    store, folder = fuzz_store
    check_one_file(store, folder, *case)


@pytest.mark.stress
@pytest.mark.timeout(3 * 3600)
@settings(max_examples=STRESS_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=hostile_files())
def test_hostile_csv_stress(fuzz_store, case: tuple[bytes, dict]) -> None:
    store, folder = fuzz_store
    check_one_file(store, folder, *case)


# Files that crashed the import before this suite found them (tracker/rows.py was fixed for each): what
# the import says about them now.
REGRESSIONS = {
    "every row rejected by the reader": (
        b'source,period_start,period_end,violations\nua_mod,"2022-02-17,2022-02-17,5\n', {},
        [(2, None, "malformed-csv")]),
    "mixed line endings": (
        b"source,period_start,period_end,violations\r\nua_mod,2022-02-17,2022-02-17,1\rua_mod,2022-02-18,2022-02-18,2\n",
        {}, [(2, None, "malformed-csv")]),
    "UTF-16 without a byte order mark, read as utf-16": (
        "source,period_start,period_end,violations\n".encode("utf-16-le"), {"encoding": "utf-16"},
        [(None, None, "encoding")]),
    "a NUL byte in a header name": (
        b"\x00source,source,period_start,period_end,violations\n,ua_mod,2022-02-17,2022-02-17,5\n", {},
        [(1, "\x00source", "unknown-column")]),
}


@pytest.mark.parametrize("name", REGRESSIONS)
def test_files_that_once_crashed_the_import(fuzz_store, name: str) -> None:
    store, folder = fuzz_store
    data, options, expected = REGRESSIONS[name]
    report = check_one_file(store, folder, data, options)
    assert report.problems_as_rows() == expected


def test_mixed_line_endings_are_named_with_the_line(fuzz_store) -> None:
    store, folder = fuzz_store
    data, options, _ = REGRESSIONS["mixed line endings"]
    report = check_one_file(store, folder, data, options)
    assert report.problems[0].message.startswith(
        "this line ends with a lone CR (old Mac) but the header line with CR LF (Windows); "
        "save the file again with one kind of line break")


def test_line_longer_than_the_reader_allows_is_refused_with_its_row(fuzz_store) -> None:
    store, folder = fuzz_store
    data = (b"source,period_start,period_end,violations,notes\nua_mod,2022-02-17,2022-02-17,1,ok\n"
            b"ua_mod,2022-02-18,2022-02-18,1," + b"z" * 10_500_000 + b"\n")
    report = check_one_file(store, folder, data, {})
    assert report.problems_as_rows() == [(3, None, "malformed-csv")]
    assert "longer than" in report.problems[0].message
    os.remove(folder / "hostile.csv")
