"""Commands that create and fill the store: init, import (and mapping init), add, sources, export, demo.

The library is imported inside each command (see tracker/cli/__init__.py)."""

from __future__ import annotations

import os
import re
import sys

import click

from tracker import vocab
from tracker.cli import main
from tracker.cli.options import check_encoding, console, db_option, open_existing, open_store
from tracker.problems import ImportReport, InputError, Problem

# The choices of --format, written here so that the command line is built without importing the importer
# or the export (tests/test_output.py checks that they are tracker.profiles.FORMATS and tracker.export.FORMATS).
IMPORT_FORMATS = ("tracker", "ucdp", "acled")
EXPORT_FORMATS = ("csv", "parquet")


@main.command()
@click.option("--calendar-tz", metavar="Z", default=None,
              help="The IANA time zone of the store's calendar days (default Europe/Kyiv): the days of its daily "
                   "series and of every reading without --tz. Chosen when the store is created (it holds no "
                   "report yet), e.g. --calendar-tz Asia/Jerusalem for another theatre.")
@db_option
def init(calendar_tz: str | None, db_path: str | None) -> None:
    """Create the database, or migrate it to the current schema."""
    from tracker import queries, series

    store = open_store(db_path)
    if calendar_tz:
        series.set_calendar_tz(store, calendar_tz.strip())
    click.echo(f"{store.path}: ready ({queries.count_reports(store)} current reports); calendar days in "
               f"{series.calendar_tz(store)}")


def _print_problems(reports: list[ImportReport]) -> None:
    out = console(err=True)
    from rich.table import Table

    table = Table("file", "row", "column", "code", "message", show_lines=False, box=None, pad_edge=False)
    shown = 0
    for report in reports:
        for problem in report.problems:
            if shown < 1000:
                table.add_row(report.file, "" if problem.row is None else str(problem.row),
                              problem.column or "", problem.code, problem.message)
            shown += 1
    out.print(table)
    if shown > 1000:
        out.print(f"... and {shown - 1000} more problems")


def _delimiter(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    value = {"tab": "\t", "\\t": "\t"}.get(value.lower(), value)
    if len(value) != 1:
        raise click.BadParameter("give one character, e.g. ';' or tab")
    return value


_encoding_option = click.option(
    "--encoding", metavar="E", default=None, callback=check_encoding,
    help="The files' encoding if not UTF-8, one of: " + ", ".join(vocab.ENCODINGS) + ".")
_delimiter_option = click.option(
    "--delimiter", metavar="C", default=None, callback=_delimiter,
    help="The field separator: ',' (default), ';', tab or '|'. A file that looks separated by another is "
         "refused with the one to use.")


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate everything and say what would be stored; write nothing.")
@click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS), default="tracker", show_default=True,
              help="tracker: the canonical CSV (or any CSV with --mapping); ucdp: a UCDP GED file; acled: an ACLED "
                   "export. Event files become one count report per day and oblast.")
@_encoding_option
@_delimiter_option
@click.option("--mapping", metavar="M.toml", default=None, type=click.Path(dir_okay=False),
              help="A column mapping for a CSV in another layout (write one with `tracker mapping init FILE`).")
@click.option("--release", metavar="D", default=None,
              help="With --format ucdp or acled (required): the dataset release's date, YYYY-MM-DD; it becomes "
                   "the reports' reported_at.")
@click.option("--combine", type=click.Choice(["sum"]), default=None,
              help="sum: add up the rows of a file that are the same report in everything but their figures (one row "
                   "per weapon model of a night) into one report; without it they are revisions (the later wins), "
                   "and the import warns, naming them. A mapping says it with combine = \"sum\".")
@click.option("--count-kind", "count_kinds", multiple=True, metavar="KIND",
              help="With --format acled: an ACLED sub_event_type counted as a violation; repeat for each (default: "
                   "\"Shelling/artillery/missile attack\" and \"Armed clash\"; e.g. add \"Air/drone strike\").")
@click.option("--valid-rows-only", is_flag=True,
              help="Store the valid rows and write the rejected ones, exactly as they were, to FILE.rejects.csv "
                   "beside the input (their problems to FILE.problems.csv): fix that file and import it with the "
                   "same command. Exit 0 when any row is stored (now or before), 1 when every row was rejected.")
@db_option
def import_(files: tuple[str, ...], dry_run: bool, fmt: str, encoding: str | None, delimiter: str | None,
            mapping: str | None, release: str | None, combine: str | None, count_kinds: tuple[str, ...],
            valid_rows_only: bool, db_path: str | None) -> None:
    """Import CSV files, all or nothing: canonical files, files in another layout with --mapping, or
    UCDP GED and ACLED event files with --format and --release.

    Every file is checked first; if any row of any file has a problem, nothing is written and every
    problem is listed with its file, row (the file line, header = 1), column and the fix. With
    --valid-rows-only the valid rows are stored and the rest written beside each file.
    """
    from tracker import ingest, profiles
    from tracker.cli.progress import import_progress

    if valid_rows_only and fmt in profiles.PROFILES:
        raise click.UsageError(f"--valid-rows-only reads canonical and mapped files, not --format {fmt} "
                               "(event rows become day reports: fix the file and import it whole)")
    if fmt in profiles.PROFILES:
        if mapping:
            raise click.UsageError(f"--mapping is for CSV files in other layouts; --format {fmt} needs none")
        try:
            profiles.check_release(release, fmt)
        except ValueError as error:
            raise click.UsageError(str(error)) from error
    elif release:
        raise click.UsageError("--release is for --format ucdp or acled (a mapping can give reported_at "
                               "under [fixed])")
    store = open_store(db_path)
    with import_progress(store, list(files)) as on_step:
        reports = ingest.import_files(store, list(files), dry_run=dry_run, encoding=encoding, delimiter=delimiter,
                                      on_step=on_step, fmt=fmt, release=release, mapping=mapping,
                                      valid_rows_only=valid_rows_only, combine=combine,
                                      count_kinds=count_kinds or None)
    for report in reports:
        click.echo(f"{report.summary()} (inserted {report.inserted}, duplicate {report.duplicates}, "
                   f"rejected {report.rejected})")
        for line in report.details():
            click.echo(f"  {line}")
        if report.batch_seq and not dry_run:  # on stderr, like the warnings: stdout stays the import's report
            click.echo(f"note: {report.file}: stored as batch {report.batch_seq}; to undo: tracker withdraw --batch "
                       f"{report.batch_seq} --reason TEXT", err=True)
        for note in report.notes:
            click.echo(f"warning: {report.file}: {note}", err=True)
    if any(r.problems for r in reports):
        _print_problems(reports)
        if not valid_rows_only:
            click.echo("error: nothing was imported; fix the problems above and import again", err=True)
            sys.exit(1)
        if not dry_run and not any(r.rows > r.rejected for r in reports):  # valid rows already stored count
            click.echo("error: no row was stored; fix the rejected rows and import them again", err=True)
            sys.exit(1)


@main.group("mapping")
def mapping_group() -> None:
    """Column mappings: import a CSV in another layout with `tracker import FILE --mapping M.toml`."""


@mapping_group.command("init")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "-o", metavar="M.toml", default=None, type=click.Path(dir_okay=False),
              help="Where to write the mapping. Default: beside FILE, its extension replaced by .mapping.toml.")
@_encoding_option
@click.option("--delimiter", metavar="C", default=None, callback=_delimiter,
              help="The field separator (one character, or tab); detected from the file when not given.")
@click.option("--force", is_flag=True, help="Replace the mapping file if it exists.")
def mapping_init(file: str, out: str | None, encoding: str | None, delimiter: str | None, force: bool) -> None:
    """Write a starting column mapping (TOML) from FILE's header: obvious column names are mapped and date
    formats guessed from the first rows; check it, fill in what is left, then import with --mapping."""
    from tracker import mapping as mappings

    target = out or os.path.splitext(file)[0] + ".mapping.toml"
    if os.path.exists(target) and not force:
        raise click.UsageError(f"{target} exists; choose another --out, or --force to replace it")
    text, detected = mappings.init_mapping(file, encoding=encoding, delimiter=delimiter)
    with open(target, "w", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(f"wrote {target} ({'; '.join(f'{k}: {v}' for k, v in detected.items())}); check it, then: "
               f"tracker import {file} --mapping {target}")


# `tracker add`: one flag per canonical column; the window edges are --start and --end.
_FLAG_OF = {"period_start": "start", "period_end": "end"}


def _flag(column: str) -> str:
    return "--" + _FLAG_OF.get(column, column).replace("_", "-")


class _FieldOption(click.Option):
    """An option of `tracker add` whose help is its field's description in the pydantic model, read when
    the help is shown: building the command line does not import pydantic."""

    @property
    def help(self) -> str:
        from tracker.schema import field_help

        return field_help().get(self.name or "", "")

    @help.setter
    def help(self, _value: str | None) -> None:
        pass


def _add_options(fn):  # noqa: ANN001, ANN202
    for column in reversed(vocab.CANONICAL_COLUMNS):
        required = column in vocab.REQUIRED_COLUMNS
        fn = click.option(_flag(column), column, metavar="N" if column in vocab.METRICS else "TEXT",
                          required=required, cls=_FieldOption)(fn)
    return fn


@main.command()
@_add_options
@db_option
def add(db_path: str | None, **values: str | None) -> None:
    """Add one report from the command line, checked by the same rules as the form.

    Example: tracker add --source ua_mod --start 2022-02-18T00:00 --end 2022-02-18T17:00 --violations 52
    """
    from tracker import ingest, validate

    store = open_store(db_path)
    sources = validate.registered_sources(store)
    result = validate.check_record({k: v for k, v in values.items() if v is not None}, sources)
    if isinstance(result, list):
        raise InputError([Problem(None, _flag(p.column) if p.column else None, p.code, p.message) for p in result])
    saved = ingest.add_report(store, result, recorded_by="cli", kind="cli")
    if saved.status == "duplicate":
        click.echo(f"already stored: report {saved.id} has exactly these values; nothing added")
    else:
        click.echo(f"stored report {saved.id}")


@main.group(invoke_without_command=True)
@db_option
@click.pass_context
def sources(ctx: click.Context, db_path: str | None) -> None:
    """List the registered sources with their counting, role and side, or register one with `sources add`."""
    ctx.obj = db_path
    if ctx.invoked_subcommand is None:
        from tracker.sources import list_sources

        store = open_store(db_path)
        aliases: dict[str, list[str]] = {}
        for key, alias in store.rows("select key, alias from aliases where registry = 'source' order by added_at"):
            aliases.setdefault(key, []).append(alias)
        for key, name, counting, role, side, builtin in list_sources(store):
            click.echo(f"{key:<12} {name:<28} {counting:<10} {role:<8} {side or '':<8} "
                       f"{'built-in' if builtin else 'registered'}"
                       + (f" {', '.join(aliases[key])}" if key in aliases else ""))


@sources.command("add")
@click.argument("key")
@click.argument("name")
@click.option("--additive", is_flag=True,
              help="An event-count source whose windows add up (like UCDP, ACLED), not running totals.")
@click.option("--role", type=click.Choice([r.value for r in vocab.Role]), default=None,
              help="What the source is in the comparison: a party to the conflict, a neutral monitor, an event "
                   "dataset, or other (compared in pairs, never in a day's verdict). Required unless --additive "
                   "(then: dataset).")
@click.option("--side", default=None, metavar="S",
              help="A party's side: one of the sides of the accused parties (built in: ukraine, russia).")
@click.option("--alias", "aliases", multiple=True, metavar="TEXT",
              help="Another spelling of the key that files may give (any case), e.g. --alias \"ЗСУ ГШ\"; repeat "
                   "for more. Stored as the key.")
@db_option
@click.pass_context
def sources_add(ctx: click.Context, key: str, name: str, additive: bool, role: str | None, side: str | None,
                aliases: tuple[str, ...], db_path: str | None) -> None:
    """Register a source KEY (lowercase letters, digits, _) with its display NAME, role and side."""
    from tracker.sources import KEY_PATTERN, register_source

    if not re.fullmatch(KEY_PATTERN, key):
        raise click.BadParameter("use 2-32 lowercase letters, digits or _, starting with a letter", param_hint="KEY")
    if role is None and not additive:
        raise click.UsageError(f"say what '{key}' is: --role party|monitor|dataset|other (a party also needs "
                               "--side), or --additive for an event dataset")
    store = open_store(db_path or ctx.obj)
    register_source(store, key, name, vocab.Counting.additive if additive else vocab.Counting.cumulative,
                    role=role, side=side, aliases=aliases)
    described = role or "dataset"
    click.echo(f"registered source {key} ({name}): {described}{f', side {side}' if side else ''}")


@main.command("template")
@db_option
def template(db_path: str | None) -> None:
    """Print a canonical CSV header with example rows made of this store's own sources, regions and
    accused parties: a file to start from (replace the example rows; `tracker import` reads it as it is)."""
    from tracker.template import template_csv

    click.echo(template_csv(open_store(db_path)), nl=False)


@main.command("withdraw")
@click.option("--batch", "batch_seq", type=int, default=None, metavar="N",
              help="The import to undo: its batch number (the import's summary and the list below give it).")
@click.option("--reason", default=None, metavar="TEXT", help="Why it is withdrawn (required with --batch).")
@db_option
def withdraw(batch_seq: int | None, reason: str | None, db_path: str | None) -> None:
    """Undo an import: withdraw every report that import batch N stored, with one reason, recorded like
    any withdrawal (the reports then count nowhere; their history keeps them). Without --batch, list the
    latest imports with how many of their reports still count."""
    from tracker import ingest, queries

    store = open_store(db_path)
    if batch_seq is None:
        found = queries.import_batches(store)
        if found.empty:
            click.echo("no import has stored reports yet")
            return
        click.echo(f"{'batch':>6}  {'stored (UTC)':<16}  {'reports':>7}  {'current':>7}  by          file")
        for row in found.itertuples():  # printing only
            click.echo(f"{row.batch_seq:>6}  {row.stored_at:%Y-%m-%d %H:%M}  {row.inserted:>7}  {row.current:>7}  "
                       f"{row.recorded_by or '':<10}  {row.file_name or ''}")
        return
    if not reason or not reason.strip():
        raise click.UsageError("say why the import is withdrawn: --reason TEXT")
    count = ingest.withdraw_batch(store, batch_seq, reason, recorded_by="cli")
    click.echo(f"withdrew {count} reports of batch {batch_seq}: they count nowhere now; each report's history "
               "keeps them")


@main.command("export")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="csv", show_default=True,
              help="csv (canonical, re-importable, spreadsheet-safe) or parquet.")
@db_option
def export_(out: str, fmt: str, db_path: str | None) -> None:
    """Write every current report (edits applied, withdrawn ones left out) to OUT."""
    from tracker import export

    store = open_existing(db_path)
    count = export.export_reports(store, out, fmt)
    click.echo(f"exported {count} reports to {out}")


@main.command("demo")
@click.option("--port", default=8050, show_default=True, help="Port of the dashboard on 127.0.0.1.")
@click.option("--no-serve", is_flag=True, help="Build the demo database and stop (do not serve the dashboard).")
@db_option
def demo_(port: int, no_serve: bool, db_path: str | None) -> None:
    """Build a fresh demo database from the bundled data (the 18 Feb 2022 seed figures and the OSCE SMM
    counts of Jan-Feb 2022) and serve the dashboard on 127.0.0.1.

    Uses --db / $TRACKER_DB when given, else data/demo.duckdb; refuses to replace a database that
    holds reports other than the demo's.
    """
    from tracker import demo

    path = db_path or demo.DEFAULT_DEMO_DB
    for report in demo.build_demo(path):
        click.echo(report.summary())
    click.echo(f"demo database: {path}")
    if no_serve:
        return
    from tracker.cli.serve import serve_dashboard

    serve_dashboard(path, host="127.0.0.1", port=port)


@main.command("copy")
@click.argument("source", metavar="SRC")
@click.argument("target", metavar="DST")
@click.option("--data-path", metavar="DIR", envvar="TRACKER_DATA_PATH", expose_value=False,
              callback=lambda _c, _p, v: os.environ.__setitem__("TRACKER_DATA_PATH", v) if v else None,
              help="Where a new lake (DST) keeps its Parquet data files.")
def copy_(source: str, target: str) -> None:
    """Copy a store with its whole history (every version, batches, sources) from SRC to DST: a DuckDB
    file to a shared lake (ducklake:postgres:...) or back. Idempotent; counts are printed and verified."""
    from tracker import db
    from tracker.transfer import copy_store

    results = copy_store(source, target)
    for result in results:
        click.echo(f"{result.table:<24} {result.source_rows:>9} rows in SRC, {result.copied:>9} copied, "
                   f"{'verified' if result.missing_after == 0 else f'{result.missing_after} MISSING'}")
    if any(r.missing_after for r in results):
        click.echo("error: the copy is incomplete; run it again", err=True)
        sys.exit(1)
    click.echo(f"copied {db.redact(source)} -> {db.redact(target)}")
