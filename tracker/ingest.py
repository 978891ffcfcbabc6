"""The single write path. A CSV import and a form entry both end in `_store_new_rows()`, one transaction.

CSV file → rows.stage_file() → StagedFile.canonical (rows.Staged: the text) → validate.check_staged() →
  Checked (the rows typed, their problems) → [validate.combined_rows()] → _store_new_rows(): hashed_rows →
  new_reports → one insert into reports
  (a mapped CSV: mapping.stage_mapped(); a UCDP/ACLED file: profiles.stage_events(); each returns its own
  staged relation, and the rest is the same)
form / `tracker add` → CountReport → typed_rows (one row per entry) → new_reports → reports (entries submitted at the
  same moment are stored in one transaction: add_reports(), tracker/group_commit.py)
Each step is handed the relation the one before returned; the SQL reads it through a variable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from typing import Literal

from tracker import profiles, rejects, rows, series, validate, vocab
from tracker.db import DatabaseError, Store, retry_on_conflict, sql_text
from tracker.group_commit import GroupCommit
from tracker.mapping import Mapping, load_mapping, stage_mapped
from tracker.problems import ImportReport, Problem, message
from tracker.rows import StagedFile
from tracker.schema import CountReport

_COLUMNS = ", ".join(vocab.CANONICAL_COLUMNS)


class EditConflict(DatabaseError):
    """An edit of a version that is no longer the current one."""


@dataclass(frozen=True)
class Saved:
    """What storing one report did: `stored` (new), `duplicate` (already stored) or `unchanged` (an edit
    that changes nothing)."""

    status: Literal["stored", "duplicate", "unchanged"]
    id: str
    batch_seq: int | None = None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _next_batch(store: Store) -> int:
    return int(store.value("select coalesce(max(batch_seq), 0) + 1 from batches"))


def _record_batch(store: Store, batch_seq: int, kind: str, file_name: str | None, sha256: str | None,
                  offered: int, inserted: int, recorded_by: str, now: datetime) -> None:
    store.execute(
        "insert into batches values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [batch_seq, kind, file_name, sha256, offered, inserted, offered - inserted, now, recorded_by],
    )


def _hash_rows(store: Store, rows: str = "typed_rows") -> str:
    """The temp view `hashed_rows`: the typed rows of relation `rows` with their content_hash."""
    store.set_variable("typed_relation", rows)
    store.execute("create or replace temp view hashed_rows as " + sql_text("import/hashed_rows.sql"))
    return "hashed_rows"


def _store_new_rows(store: Store, batch_seq: int, recorded_by: str, now: datetime,
                    keep_beside: Callable[..., None] | None = None, *, typed: str = "typed_rows",
                    entries: bool = False) -> int:
    """Insert the typed rows of relation `typed` that are not stored yet, in one statement; returns how many.
    Inside the caller's transaction; an anti-join, not a constraint, keeps one row per content (CONTRACT §6).
    The rows to store are found first, narrow (`new_reports`: line_no, content_hash). `keep_beside(store,
    new_reports)` writes what an import profile keeps beside its new reports (their events), before they are
    stored. The rows of a file are batch `batch_seq`, row `line_no`, by `recorded_by`. With `entries` the
    rows are form entries (`_stage_entries`): each new one is a batch of its own, numbered from `batch_seq`
    in line order (_ENTRY_BATCH), its one row by the author in its column `recorded_by`."""
    store.set_variable("hashed_relation", _hash_rows(store, typed))
    store.execute("create or replace temp table new_reports as " + sql_text("import/new_reports.sql"))
    if keep_beside is not None:
        keep_beside(store, new_reports="new_reports")
    inserted = int(store.value("select count(*) from new_reports"))
    if inserted:
        batch, row_no, by = (_ENTRY_BATCH, "1", "typed.recorded_by") if entries else ("?", "line_no", "?")
        store.execute(
            f"insert into reports select new.content_hash, new.content_hash, null, new.content_hash, false, null, "
            f"{_COLUMNS}, {batch}, {row_no}, ?, {by}, null "  # the last: edit_reason (006), none for a first version
            f"from {typed} as typed join new_reports as new using (line_no) order by line_no",
            [batch_seq, now] if entries else [batch_seq, now, recorded_by],
        )
    return inserted


# --- CSV import ------------------------------------------------------------------------------------

@retry_on_conflict
def import_files(store: Store, paths: list[str], *, dry_run: bool = False, recorded_by: str = "cli",
                 encoding: str | None = None, delimiter: str | None = None,
                 on_step: Callable[[str, str], None] | None = None, fmt: str = "tracker",
                 release: str | None = None, mapping: str | None = None,
                 valid_rows_only: bool = False, combine: str | None = None,
                 count_kinds: tuple[str, ...] | None = None) -> list[ImportReport]:
    """Validate every file, then store all of them or nothing: one transaction for the lot. Files are
    stored in the order given, rows in file order (that order breaks revision ties). `on_step(step, file)`
    is told when reading, checking and writing of each file begin (for a progress display).

    `fmt` is the files' format: `tracker` (canonical CSV, or any CSV with a column `mapping` file), or an
    event dataset, `ucdp` or `acled`, whose `release` date is required (tracker/profiles.py). Every format
    is staged in canonical columns and then checked and stored the same way.

    `valid_rows_only` forgives on request: the valid rows of each file are stored, and its rejected rows
    are written exactly as they were to `<file>.rejects.csv` beside it, their problems to
    `<file>.problems.csv` (tracker/rejects.py), in the same transaction. A file with a problem of the
    file as a whole (its encoding, its header) stores nothing. Each report lists the rows that revise
    reports stored before (`revisions`).

    `combine="sum"` (or a mapping's `combine = "sum"`) adds up the rows of a file that are the same report
    in everything but their figures; without it such rows are revisions, and the report warns of them.
    `count_kinds` are the ACLED sub-event types counted (default profiles.ACLED_COUNTED_KINDS)."""
    plan = _plan(fmt, release, mapping, combine, count_kinds)
    if valid_rows_only and plan.events:
        raise ValueError(f"--valid-rows-only reads canonical and mapped files; "
                         f"{profiles.with_article(profiles.PROFILES[fmt].label)} file's rows are events, which become "
                         "day reports: fix the file and import it whole")
    step = on_step or (lambda _step, _file: None)
    reports: list[ImportReport] = []
    now = _now()
    try:
        # Files are read and checked outside the transaction until the first one is written; that begins
        # the one transaction of all of them, and later files are read and checked inside it. Reading and
        # checking write only temp tables of this connection (and, with valid_rows_only, the rejects
        # files, as before), and DuckDB scans a table written inside an open transaction on one thread:
        # checking 1M rows took 3.7 s inside it, 2.1 s before it. The store's write lock is held
        # throughout, so no other thread on this connection reuses the temp tables meanwhile.
        with store.exclusive(), _scratch(store), ExitStack() as write:
            writing = False
            sources = list(validate.registered_sources(store))
            for path in paths:
                step("reading", str(path))
                staged, report = _stage(store, str(path), plan, encoding=encoding, delimiter=delimiter)
                report.dry_run = dry_run
                reports.append(report)
                checked = None
                if staged.canonical is not None:
                    step("checking", str(path))
                    checked = validate.check_staged(store, staged.canonical, sources)
                    found = checked.problems
                    report.problems.extend(plan.mapping.relabel(found, report.problems) if plan.mapping else found)
                    if not report.problems:  # parts of one total: combined, or a warning naming them
                        groups = validate.breakdowns(store, checked)
                        report.combined = sum(len(g) - 1 for g in groups) if plan.combine else 0
                        note = validate.breakdown_note(groups, plan.combine)
                        (report.combined_groups if plan.combine else report.notes).extend([note] if note else [])
                if valid_rows_only:
                    report.forgiving = True
                    typed = (_keep_valid_rows(store, report, staged, checked, dry_run, encoding, delimiter,
                                              combine=plan.combine)
                             if report.problems else _typed_rows(store, checked, plan.combine))
                    if typed is None:
                        continue
                elif any(r.problems for r in reports):
                    continue
                else:
                    typed = _typed_rows(store, checked, plan.combine)
                step("writing", str(path))
                if not writing:  # the first file to write begins the one transaction of every file
                    write.enter_context(store.transaction())
                    writing = True
                report.batch_seq = _next_batch(store)
                keep = None
                if plan.events and staged.canonical is not None:  # the events each new report is made of
                    keep = partial(profiles.keep_events, fmt=fmt, staged=staged.canonical.relation)
                report.inserted = _store_new_rows(store, report.batch_seq, recorded_by, now, keep, typed=typed)
                report.duplicates = report.rows - report.rejected_rows - report.combined - report.inserted
                if report.inserted:  # a file with nothing new changes nothing, not even the batch list
                    _record_batch(store, report.batch_seq, "import", staged.name, staged.sha256,
                                  report.rows, report.inserted, recorded_by, now)
                    report.revisions = _revisions(store, report.batch_seq)
                else:
                    report.batch_seq = None
            if dry_run or (not valid_rows_only and any(r.problems for r in reports)):
                raise _Rollback()
            if any(r.inserted for r in reports):  # the days they reach, in the same transaction (CONTRACT §6)
                series.refresh_daily(store)
    except _Rollback:
        for report in reports:
            report.batch_seq = None
            if report.problems:
                report.inserted = report.duplicates = 0
            elif not dry_run:  # a good file of an import that another file's problems stopped
                report.held_back = True
                report.inserted = report.duplicates = 0
    return reports


def _temp_relations(store: Store) -> set[tuple[str, str]]:
    return set(store.rows("select table_name, table_type from information_schema.tables "
                          "where table_catalog = 'temp'"))


@contextmanager
def _scratch(store: Store) -> Iterator[None]:
    """Drop the temp tables and views an import makes (the staged file, its checks, its hashes) when it
    ends, written, dry run or refused: they hold the whole file, and a dashboard thread keeps its
    connection, and so them, for its life. Dropped after the transaction ended (a table created outside
    it and dropped inside would be kept for a rollback)."""
    before = _temp_relations(store)

    def drop() -> None:
        for name, kind in sorted(_temp_relations(store) - before, key=lambda found: found[1] != "VIEW"):
            store.execute(f"drop {'view' if kind == 'VIEW' else 'table'} if exists "
                          f"temp.main.{rows.quote_name(name)}")

    try:
        yield
    except BaseException:
        with suppress(DatabaseError):  # the error that stopped the import is the one to report
            drop()
        raise
    drop()


def _revisions(store: Store, batch_seq: int) -> list[int]:
    """The file lines of a batch's rows that revise current reports stored before it; the current reports
    are read only when an earlier version shares a window with the batch."""
    store.execute("create or replace temp table revision_candidates as "
                  + sql_text("import/revision_candidates.sql"), [batch_seq, batch_seq])
    if not store.value("select count(*) from revision_candidates"):
        return []
    store.set_variable("candidates_relation", "revision_candidates")
    return [row[0] for row in store.rows(sql_text("import/revised_reports.sql"))]


def _typed_rows(store: Store, checked: validate.Checked | None, combine: bool) -> str:
    """The relation of a checked file's rows as they are stored: the checked rows, or with `combine` the parts
    of one report added up."""
    if checked is None:  # staging stops only with a problem of the file, so a file without one has rows
        raise AssertionError("a file without problems was not checked")
    return validate.combined_rows(store, checked.relation) if combine else checked.relation


def _keep_valid_rows(store: Store, report: ImportReport, staged: StagedFile, checked: validate.Checked | None,
                     dry_run: bool, encoding: str | None, delimiter: str | None, *,
                     combine: bool = False) -> str | None:
    """The relation of the file's valid rows, and its rejects and problems written beside it (not on a dry
    run). None when nothing of the file can be stored (a problem of the whole file). With `combine`, a
    total made of several rows is kept or left out whole: a part of a total with a bad part is rejected."""
    if checked is None or staged.canonical is None or any(p.row is None for p in report.problems):
        report.file_problem = True
        return None
    bad = {p.row for p in report.problems if p.row is not None}
    if combine:
        kept_groups = []
        for lines in validate.breakdowns(store, checked):  # the groups of parts of one total (a few per file)
            hurt = sorted(bad.intersection(lines))
            if not hurt:
                kept_groups.append(lines)
                continue
            parts = ", ".join(map(str, lines))
            report.problems.extend(
                Problem(line, None, "combined-group-rejected",
                        message("combined-group-rejected", value=parts, other=hurt[0]))
                for line in lines if line not in bad)
            bad.update(lines)
        report.combined = sum(len(lines) - 1 for lines in kept_groups)
        report.problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    rejected = sorted(bad)
    report.rejected_rows = len(rejected)
    report.problem_values = _problem_values(store, staged.canonical, rejected)
    valid = validate.valid_rows(store, checked, rejected)
    if not dry_run:
        report.rejects_file = rejects.write_rejects(staged.path, rejected, encoding=encoding, delimiter=delimiter)
        report.problems_file = rejects.write_problems(staged.path, report.problems, report.problem_values)
    return validate.combined_rows(store, valid) if combine else valid


def _problem_values(store: Store, staged: rows.Staged, lines: list[int]) -> dict[tuple[int, str], str]:
    """(line, column) → the text the file has there, for the rows with problems (the problem grid and
    `<file>.problems.csv` show what was written)."""
    columns = [c for c in vocab.CANONICAL_COLUMNS]
    found = store.rows(f"select line_no, {', '.join(columns)} from {staged.relation} "
                       "where list_contains(?, line_no)", [lines])
    return {(int(row[0]), column): value for row in found for column, value in zip(columns, row[1:], strict=True)
            if value is not None}


class _Rollback(Exception):
    """Raised inside the transaction to undo a dry run or a failed import; never leaves this module."""


@dataclass(frozen=True)
class _Plan:
    """How the files of one import are staged: canonical, through a column mapping, or an event profile."""

    fmt: str
    release: str | None
    mapping: Mapping | None
    events: bool
    combine: bool = False  # add up the rows that are parts of one report
    count_kinds: tuple[str, ...] | None = None  # ACLED: the sub-event types counted


def _plan(fmt: str, release: str | None, mapping: str | None, combine: str | None = None,
          count_kinds: tuple[str, ...] | None = None) -> _Plan:
    """The import's options, checked before anything is read (errors say which option to fix)."""
    if fmt not in profiles.FORMATS:
        raise ValueError(f"unknown format '{fmt}'; use one of: {', '.join(profiles.FORMATS)}")
    if fmt in profiles.PROFILES:
        if mapping:
            raise ValueError(f"--mapping is for other CSV files; --format {fmt} reads {profiles.PROFILES[fmt].label} "
                             "files as they are published")
        if combine:
            raise ValueError(f"--combine is for canonical and mapped files; --format {fmt} already adds up the "
                             "events of a day")
        if count_kinds and fmt != "acled":
            raise ValueError(f"--count-kind is for --format acled (sub_event_type); --format {fmt} counts deaths")
        return _Plan(fmt, profiles.check_release(release, fmt), None, True, count_kinds=count_kinds or None)
    if release:
        raise ValueError("--release is for --format ucdp or acled; a canonical file gives reported_at per row, "
                         "and a mapping can give one for every row under [fixed]")
    if count_kinds:
        raise ValueError("--count-kind is for --format acled (the ACLED sub_event_type values counted)")
    if combine not in (None, "", "sum"):
        raise ValueError(f"--combine '{combine}': the one way to combine is sum (--combine sum)")
    loaded = load_mapping(mapping) if mapping else None
    return _Plan(fmt, None, loaded, False, combine == "sum" or bool(loaded and loaded.combine == "sum"))


def _stage(store: Store, path: str, plan: _Plan, *, encoding: str | None,
           delimiter: str | None) -> tuple[StagedFile, ImportReport]:
    """Stage one file the way the plan says (its `canonical` names the staged rows); its report so far."""
    if plan.events:
        found = profiles.stage_events(store, path, plan.fmt, plan.release or "", encoding=encoding,
                                      delimiter=delimiter or ",", kinds=plan.count_kinds)
        staged = found.staged
        report = ImportReport(file=path, rows=staged.rows, problems=list(staged.problems), events=found.events,
                              skipped=found.skipped or {}, other_events=found.other_events or {},
                              counted_kinds=found.counted_kinds, regions_label=found.regions_label)
    elif plan.mapping is not None:
        staged = stage_mapped(store, path, plan.mapping, encoding=encoding, delimiter=delimiter)
        report = ImportReport(file=path, rows=staged.rows, problems=list(staged.problems))
    else:
        staged = rows.stage_file(store, path, encoding=encoding, delimiter=delimiter or ",")
        report = ImportReport(file=path, rows=staged.rows, problems=list(staged.problems))
    report.notes = list(staged.notes)
    return staged, report


def import_csv(store: Store, path: str, **options: object) -> ImportReport:
    """Import one file (see import_files)."""
    return import_files(store, [path], **options)[0]


# --- one report: the form and `tracker add` ----------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One validated report to store, with who entered it and how (the batch's `kind`)."""

    report: CountReport
    recorded_by: str = "cli"
    kind: str = "form"


# the batch of each new entry of a group: numbered from the first free one (the parameter) in line order
_ENTRY_BATCH = "? + row_number() over (order by line_no) - 1"


def _stage_entries(store: Store, entries: list[Entry]) -> None:
    """The temp table `form_rows` (read as `typed_rows`): one row per entry, `line_no` 1, 2, ... in order, with
    the canonical columns and who entered it and how (`recorded_by`, `kind`)."""
    store.execute("drop table if exists form_rows")
    store.execute(f"create temp table form_rows as select 1::bigint as line_no, {_COLUMNS}, recorded_by, "
                  "''::varchar as kind from reports limit 0")
    values: list[object] = []
    for line_no, entry in enumerate(entries, 1):
        columns = [getattr(entry.report, name) for name in vocab.CANONICAL_COLUMNS]
        values += [line_no, *(v.value if isinstance(v, vocab.StrEnum) else v for v in columns),
                   entry.recorded_by, entry.kind]
    row = "(" + ", ".join("?" for _ in range(len(vocab.CANONICAL_COLUMNS) + 3)) + ")"
    store.execute(f"insert into form_rows values {', '.join(row for _ in entries)}", values)
    store.execute("create or replace temp view typed_rows as select * from form_rows")


def _store_entries(store: Store, entries: list[Entry], now: datetime) -> list[Saved]:
    """Store entries, each a batch of its own, inside the caller's transaction (no refresh): staged, checked
    for duplicates and inserted together, one statement each. One `Saved` per entry, in order."""
    if not entries:
        return []
    _stage_entries(store, entries)
    first_batch = _next_batch(store)
    if _store_new_rows(store, first_batch, "", now, entries=True):
        store.execute(
            f"insert into batches select {_ENTRY_BATCH}, kind, null, null, 1, 1, 0, ?, recorded_by "
            "from form_rows join new_reports using (line_no) order by line_no",
            [first_batch, now],
        )
    answers = store.rows("select hashed.content_hash, new.line_no is not null from hashed_rows as hashed "
                         "left join new_reports as new using (line_no) order by line_no")
    saved, batch_seq = [], first_batch
    for content_hash, is_new in answers:  # in line order, as _ENTRY_BATCH numbers them
        if is_new:
            saved.append(Saved("stored", content_hash, batch_seq))
            batch_seq += 1
        else:
            saved.append(Saved("duplicate", content_hash, None))
    return saved


@retry_on_conflict
def add_reports(store: Store, entries: list[Entry]) -> list[Saved]:
    """Store validated reports, each a batch of its own, in one transaction with one refresh of the daily
    rows they reach; one `Saved` per entry, in order. A report already stored (or entered twice here) is
    answered `duplicate`, not stored twice."""
    now = _now()
    with store.transaction():
        saved = _store_entries(store, entries, now)
        if any(one.status == "stored" for one in saved):
            series.refresh_daily(store)  # the derived daily rows, in the same transaction (CONTRACT §6)
    return saved


_ENTRY_GROUP = "entries"  # the key of the form's group commit among the store's shared state (db.Store.shared)
_entry_group_lock = threading.Lock()


def add_report(store: Store, report: CountReport, *, recorded_by: str = "cli", kind: str = "form") -> Saved:
    """Store one validated report; a report already stored is answered `duplicate`, not stored twice. Entries
    that arrive while another is being written through the same store (or its cursors: the dashboard's
    threads) are stored with the next group (tracker/group_commit.py)."""
    entry = Entry(report, recorded_by, kind)
    if store.in_transaction():  # inside a write of this thread: not behind another writer (it would wait on us)
        return add_reports(store, [entry])[0]
    with _entry_group_lock:
        group = store.shared.setdefault(_ENTRY_GROUP, GroupCommit(add_reports))
    return group.submit(store, entry)


def _head(store: Store, report_id: str) -> tuple[str, bool]:
    """(root_id, is current head) of a stored version; raises if there is no such version."""
    found = store.rows(
        "select root_id, exists (select 1 from int_report_heads h where h.id = v.id and h.is_winner) "
        "from stg_reports v where v.id = ?",
        [report_id],
    )
    if not found:
        raise DatabaseError("no such report", f"no stored report has id {report_id}; check the id")
    return found[0][0], bool(found[0][1])


@retry_on_conflict
def _store_version(store: Store, replaces: str, report: CountReport | None, *, withdrawn: bool,
                   reason: str | None, recorded_by: str, kind: str, edit_reason: str | None = None) -> Saved:
    now = _now()
    with store.transaction():
        root_id, is_head = _head(store, replaces)
        if not is_head:
            raise EditConflict(
                "edit conflict",
                f"report {replaces[:12]} has been changed by someone else since you opened it; "
                "reload it, then make your change again",
            )
        if report is None:  # withdrawing keeps the content of the version it withdraws
            store.execute("drop table if exists form_rows")
            store.execute(f"create temp table form_rows as select 1::bigint as line_no, {_COLUMNS} "
                          "from reports where id = ? limit 1", [replaces])
            store.execute("create or replace temp view typed_rows as select * from form_rows")
        else:
            _stage_entries(store, [Entry(report, recorded_by, kind)])
        _hash_rows(store)
        content_hash = store.value("select content_hash from hashed_rows")
        previous = store.value("select content_hash from reports where id = ? limit 1", [replaces])
        if content_hash == previous and not withdrawn:
            return Saved("unchanged", replaces)
        new_id = store.value(
            "select md5(concat_ws(chr(31), ?, ?, ?::varchar, coalesce(?, chr(0))))",
            [content_hash, replaces, withdrawn, reason if withdrawn else edit_reason],
        )
        batch_seq = _next_batch(store)
        store.execute(
            f"insert into reports select ?, content_hash, ?, ?, ?, ?, {_COLUMNS}, ?, 1, ?, ?, ? from hashed_rows",
            [new_id, replaces, root_id, withdrawn, reason, batch_seq, now, recorded_by, edit_reason],
        )
        series.refresh_daily(store)  # the derived daily rows, in the same transaction (CONTRACT §6)
        _record_batch(store, batch_seq, kind, None, None, 1, 1, recorded_by, now)
    return Saved("stored", new_id, batch_seq)


def edit_report(store: Store, replaces: str, report: CountReport, *, recorded_by: str = "cli",
                reason: str | None = None) -> Saved:
    """Correct a stored report: the new version replaces `replaces` everywhere; the old one stays in the
    history, with `reason` (why it was edited; the dashboard requires one). Refused with EditConflict when
    `replaces` is no longer the current version."""
    return _store_version(store, replaces, report, withdrawn=False, reason=None, recorded_by=recorded_by,
                          kind="edit", edit_reason=reason.strip() if reason and reason.strip() else None)


def withdraw_report(store: Store, report_id: str, reason: str, *, recorded_by: str = "cli") -> Saved:
    """Withdraw a report (an edit that marks it withdrawn, with a reason): it then counts nowhere."""
    if not reason or not reason.strip():
        raise DatabaseError("reason required", "say why the report is withdrawn")
    return _store_version(store, report_id, None, withdrawn=True, reason=reason.strip(),
                          recorded_by=recorded_by, kind="withdraw")


@retry_on_conflict
def withdraw_batch(store: Store, batch_seq: int, reason: str, *, recorded_by: str = "cli") -> int:
    """Undo an import: withdraw every current report that batch `batch_seq` stored (each as a withdrawal
    of its current version, with `reason`), in one transaction and one batch of kind `withdraw`. Returns
    how many were withdrawn; refuses a batch that does not exist or that stored nothing still current."""
    if not reason or not reason.strip():
        raise DatabaseError("reason required", "say why the import is withdrawn: --reason TEXT")
    now = _now()
    with store.transaction():
        kind = store.value("select kind from batches where batch_seq = ?", [batch_seq])
        if kind is None:
            raise DatabaseError("no such batch", f"there is no batch {batch_seq}; `tracker withdraw` lists the imports")
        store.execute("create or replace temp table withdrawn_heads as " + sql_text("import/batch_heads.sql"),
                      [batch_seq])
        count = int(store.value("select count(*) from withdrawn_heads"))
        if not count:
            raise DatabaseError("nothing to withdraw", f"batch {batch_seq} ({kind}) has no current report left: "
                                "it stored none, or they were withdrawn already")
        new_batch = _next_batch(store)
        # each withdrawal's id as _store_version makes it: its content, the version it replaces, the reason
        store.execute(
            f"insert into reports select md5(concat_ws(chr(31), content_hash, id, 'true', ?)), content_hash, id, "
            f"root_id, true, ?, {_COLUMNS}, ?, row_number() over (order by batch_seq, row_no), ?, ?, null "
            "from withdrawn_heads",  # the last: edit_reason (006); a withdrawal keeps its withdraw_reason
            [reason.strip(), reason.strip(), new_batch, now, recorded_by])
        series.refresh_daily(store)  # the derived daily rows, in the same transaction (CONTRACT §6)
        _record_batch(store, new_batch, "withdraw", f"batch {batch_seq}", None, count, count, recorded_by, now)
    return count

