"""Column mappings, encodings and delimiters (issue 8, points 3 and 4): a CSV in another layout imports
through a TOML mapping and the one import path; files in cp1251, KOI8-R/U and UTF-16 (real bytes, written
here with Python's codecs) and with other delimiters are read when told, and refused with the right
suggestion when not. The table in tests/data/mapping/ is invented (see its README)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, run_tracker

from tracker import db, ingest
from tracker.mapping import MappingError, load_mapping

TABLE = DATA / "mapping" / "daily_invented.csv"
MAPPING = DATA / "mapping" / "daily_invented.mapping.toml"
CANONICAL_RU = ("source,period_start,period_end,region,violations,notes\n"
                "lpr,2022-02-17,2022-02-17,luhansk,29,\"Обстрел Станицы Луганской, повреждена школа\"\n")


def _stored(store: db.Store) -> list[tuple]:
    return store.rows(
        "select row_no, source, channel, strftime(timezone(timezone, period_start), '%Y-%m-%d %H:%M'), "
        "strftime(timezone(timezone, period_end), '%Y-%m-%d %H:%M'), region, violations, killed, wounded, notes "
        "from current_reports order by row_no")


EXPECTED_TABLE = [
    (2, "ua_mod", "invented test data", "2022-02-17 00:00", "2022-02-18 00:00", "donetsk", 41, 0, 1, None),
    (3, "ua_mod", "invented test data", "2022-02-17 00:00", "2022-02-18 00:00", "luhansk", 19, 0, 0,
     "Станиця Луганська; школа"),
    (4, "ua_mod", "invented test data", "2022-02-18 00:00", "2022-02-19 00:00", "donetsk", 38, 1, 2, None),
]


def test_mapped_file_imports_as_canonical_reports(store: db.Store) -> None:
    report = ingest.import_csv(store, str(TABLE), mapping=str(MAPPING))
    assert (report.ok, report.rows, report.inserted) == (True, 3, 3)
    assert _stored(store) == EXPECTED_TABLE
    assert ingest.import_csv(store, str(TABLE), mapping=str(MAPPING)).duplicates == 3


def test_mapped_file_problems_are_named_by_their_columns(tmp_path: Path, store: db.Store) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("Дата;Область;Обстріли;Загиблі;Поранені;Примітка\n"
                    "31.02.2022;Донецька;41;0;1;\n"
                    "17.02.2022;Харківська;x;0;0;\n", encoding="utf-8")
    report = ingest.import_csv(store, str(path), mapping=str(MAPPING))
    assert report.problems_as_rows() == [
        (2, "Дата (period_start, period_end)", "bad-date"),
        (3, "Область (region)", "unknown-region"),
        (3, "Обстріли (violations)", "not-a-number"),
    ]
    assert report.problems[0].message == (
        "'31.02.2022' does not match the date format '%d.%m.%Y' of the mapping; correct the date, or the format "
        "under [date_formats] in daily_invented.mapping.toml")
    assert store.value("select count(*) from reports") == 0
    (tmp_path / "no_date.csv").write_text("Day;Обстріли\n17.02.2022;4\n", encoding="utf-8")
    report = ingest.import_csv(store, str(tmp_path / "no_date.csv"), mapping=str(MAPPING))
    assert report.problems_as_rows()[0] == (1, "Дата", "missing-column")
    assert report.problems[0].message == ("column 'Дата' is missing; the mapping daily_invented.mapping.toml reads "
                                          "it for period_start and period_end: add it to the header, "
                                          "or change the mapping")


def test_values_are_translated_before_the_date_format_and_every_edge_is_checked(tmp_path: Path,
                                                                                 store: db.Store) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\nperiod_start = "when"\nperiod_end = "when"\nviolations = "n"\n'
                       '[fixed]\nsource = "ua_mod"\n[date_formats]\nperiod_start = "%d %b %Y"\n'
                       'period_end = "%d %b %Y"\n[values.period_start]\n"Yesterday" = "17 Feb 2022"\n',
                       encoding="utf-8")
    table = tmp_path / "t.csv"
    table.write_text("when,n\n18 Feb 2022,3\nyesterday,4\n", encoding="utf-8")
    report = ingest.import_csv(store, str(table), mapping=str(mapping))
    assert report.problems_as_rows() == [(3, "when (period_end)", "bad-date")]  # period_end has no translation
    with open(mapping, "a", encoding="utf-8") as handle:
        handle.write('[values.period_end]\n"yesterday" = "17 Feb 2022"\n')
    assert ingest.import_csv(store, str(table), mapping=str(mapping)).inserted == 2
    assert store.rows("select strftime(timezone('Europe/Kyiv', period_start), '%Y-%m-%d'), violations "
                      "from current_reports order by row_no") == [("2022-02-18", 3), ("2022-02-17", 4)]


@pytest.mark.parametrize(("text", "error"), [
    ("[columns]\nperiod_start = 'd'\nperiod_end = 'd'\nviolatons = 'v'\n[fixed]\nsource = 'ua_mod'\n",
     "[columns] violatons: not a canonical column; use one of: source, channel, reported_at"),
    ("[columns]\nperiod_start = 'd'\nperiod_end = 'd'\nviolations = 'v'\n",
     "gives no source: map a column to it under [columns] (e.g. source = \"Date\") or give one value under [fixed]"),
    ("[columns]\nperiod_start = 'd'\nperiod_end = 'd'\n[fixed]\nsource = 'ua_mod'\n",
     "maps no figure: map at least one of violations"),
    ("timezone = 'Kyiv'\n[columns]\nperiod_start = 'd'\nperiod_end = 'd'\nviolations = 'v'\n[fixed]\nsource = 'x'\n",
     "unknown time zone 'Kyiv'; use an IANA name such as Europe/Kyiv"),
    ("[columns]\nperiod_start = 'd'\nperiod_end = 'd'\nviolations = 'v'\n[fixed]\nsource = 'x'\n"
     "[date_formats]\nperiod_start = 'dd.mm.yyyy'\n",
     "[date_formats] period_start: 'dd.mm.yyyy' has no % codes; write e.g. \"%d.%m.%Y\""),
    ("colums = 1\n", "unknown key 'colums'; a mapping has: encoding, delimiter, timezone, columns, fixed"),
    ("[columns\n", "not valid TOML"),
])
def test_a_bad_mapping_says_what_to_fix(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as raised:
        load_mapping(str(path))
    assert str(raised.value).startswith(f"{path}: ")
    assert error in str(raised.value)


def test_mapping_init_guesses_the_columns_and_the_import_then_works(tmp_path: Path, db_path: Path) -> None:
    table = tmp_path / "daily.csv"
    table.write_bytes(TABLE.read_bytes())
    made = run_tracker("mapping", "init", table)
    assert made.returncode == 0, made.stderr
    out = tmp_path / "daily.mapping.toml"
    assert made.stdout.startswith(f"wrote {out} (delimiter: semicolon; date format of period_start: %d.%m.%Y;")
    text = out.read_text(encoding="utf-8")
    for line in ['delimiter = ";"  # detected from the file', 'period_start = "Дата"', 'period_end = "Дата"',
                 'region = "Область"', 'violations = "Обстріли"', 'killed = "Загиблі"', 'wounded = "Поранені"',
                 'notes = "Примітка"', 'period_start = "%d.%m.%Y"', '"Донецька" = "donetsk"',
                 '"Луганська" = "luhansk"',
                 '# source = "ua_mod"  # required: the source key of every row (see: tracker sources)']:
        assert line in text.splitlines()
    with pytest.raises(MappingError, match="gives no source: map a column to it under"):
        load_mapping(str(out))  # the source is left for the user to fill in
    out.write_text(text.replace('# source = "ua_mod"', 'source = "ua_mod"'), encoding="utf-8")
    done = run_tracker("import", table, "--mapping", out, db_path=db_path)
    assert done.returncode == 0, done.stderr
    assert "imported 3 new reports" in done.stdout
    again = run_tracker("mapping", "init", table)
    assert again.returncode == 2 and "exists; choose another --out, or --force to replace it" in again.stderr


# --- encodings and delimiters -------------------------------------------------------------------------

@pytest.mark.parametrize(("codec", "option"), [("cp1251", "windows-1251"), ("koi8_r", "koi8-r"),
                                               ("utf-16", "utf-16")])
def test_an_encoded_file_is_refused_with_its_encoding_named_then_read_with_it(
        tmp_path: Path, store: db.Store, codec: str, option: str) -> None:
    path = tmp_path / f"{codec}.csv"
    path.write_bytes(CANONICAL_RU.encode(codec))
    refused = ingest.import_csv(store, str(path))
    assert refused.problems_as_rows() == [(None, None, "encoding")]
    named = option.replace("windows-1251", "cp1251")
    assert refused.problems[0].message.endswith(f"save it as UTF-8, or retry with --encoding {named}")
    report = ingest.import_csv(store, str(path), encoding=option)
    assert (report.ok, report.inserted, report.notes) == (True, 1, [])
    assert store.value("select notes from current_reports") == "Обстрел Станицы Луганской, повреждена школа"


def test_a_mapped_file_in_cp1251_koi8_u_or_utf16_reads_with_encoding(tmp_path: Path, store: db.Store) -> None:
    text = TABLE.read_text(encoding="utf-8")
    for number, codec in enumerate(("cp1251", "koi8-u", "utf-16")):
        path = tmp_path / f"table_{codec}.csv"
        path.write_bytes(text.replace("41", str(41 + number)).encode(codec))
        report = ingest.import_csv(store, str(path), mapping=str(MAPPING), encoding=codec)
        # only the changed row is new: the others decode to exactly the reports already stored
        assert (report.ok, report.inserted, report.duplicates) == ((True, 3, 0) if number == 0 else (True, 1, 2)), codec
    assert store.rows("select violations, notes from current_reports where region = 'luhansk' order by row_no") == [
        (19, "Станиця Луганська; школа")]  # the same row from each file: stored once


@pytest.mark.parametrize(("written", "read", "named"), [("koi8_r", "cp1251", "koi8-r"), ("cp1251", "koi8-r", "cp1251")])
def test_the_wrong_cyrillic_encoding_is_read_but_warned_about(tmp_path: Path, store: db.Store, written: str,
                                                              read: str, named: str) -> None:
    path = tmp_path / "cyrillic.csv"
    path.write_bytes(CANONICAL_RU.encode(written))
    report = ingest.import_csv(store, str(path), encoding=read)
    assert report.ok
    assert report.notes == [f"the file looks like {named} rather than {read}; if names or notes come out garbled, "
                            f"import it again with --encoding {named}"]


@pytest.mark.parametrize(("delimiter", "option", "name"), [(";", "';'", "semicolon"), ("\t", "tab", "tab")])
def test_another_delimiter_is_refused_with_the_one_to_use(tmp_path: Path, store: db.Store, delimiter: str,
                                                          option: str, name: str) -> None:
    path = tmp_path / "other.csv"
    path.write_text("source,period_start,period_end,violations\nua_mod,2022-02-18,2022-02-18,52\n"
                    "ua_mod,2022-02-17,2022-02-17,60\n".replace(",", delimiter), encoding="utf-8")
    refused = ingest.import_csv(store, str(path))
    assert refused.problems_as_rows() == [(None, None, "delimiter")]
    assert refused.problems[0].message == (
        f"the file is not comma-separated: it is {name}-separated (4 columns); retry with --delimiter {option}")
    assert ingest.import_csv(store, str(path), delimiter=delimiter).inserted == 2


def test_a_comma_file_read_with_another_delimiter_is_pointed_back_to_commas(tmp_path: Path, store: db.Store) -> None:
    path = tmp_path / "commas.csv"
    path.write_text("source,period_start,period_end,violations\nua_mod,2022-02-18,2022-02-18,52\n", encoding="utf-8")
    refused = ingest.import_csv(store, str(path), delimiter=";")
    assert refused.problems[0].message == ("the file is not semicolon-separated: it is comma-separated (4 columns); "
                                           "retry without --delimiter (comma is the default)")


def test_cli_reads_delimiter_names(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "tabs.csv"
    path.write_text("source\tperiod_start\tperiod_end\tviolations\nua_mod\t2022-02-18\t2022-02-18\t52\n")
    done = run_tracker("import", path, "--delimiter", "tab", db_path=db_path)
    assert done.returncode == 0 and "imported 1 new reports" in done.stdout
