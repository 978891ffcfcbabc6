"""The one DuckDB boundary: connect, migrate, run the SQL files, and turn duckdb errors into ours.

No other module imports duckdb. Everything above this module sees `Store` and `DatabaseError`.

Two backends, one schema: a DuckDB file (the default, one analyst), or a DuckLake store whose catalog is in
PostgreSQL and whose data are Parquet files under a shared path (a team): `--db
ducklake:postgres:dbname=D host=H port=P user=U` with `--data-path DIR` when it is created. The lake is
attached and made the default catalog; nothing above this module knows which backend it runs on.
"""

from __future__ import annotations

import graphlib
import hashlib
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb

from tracker import vocab

if TYPE_CHECKING:
    import pandas as pd  # imported by DuckDB when a DataFrame is asked for (Store.df): the CLI starts without it

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
DEFAULT_DB = Path("data/tracker.duckdb")
LAKE_PREFIX = "ducklake:"
LAKE_ALIAS = "lake"
WRITE_ATTEMPTS = 8
# DuckLake 1.5.5 was seen (once, in a backup drill) to return a wrong value from a sorted scan of rows it
# had inlined into the catalog (small writes); not reproduced in isolation, so every write goes to Parquet
# files instead, which takes inlining out of the picture.
LAKE_OPTIONS = "data_inlining_row_limit 0"
T = TypeVar("T")

# Views are named by layer: staging (stg_) reads tables, intermediate (int_) reads staging and other
# intermediate views, the rest are output views that the Python reads. They are created in the order of
# what each reads (`_view_files`), so any view may read any other that does not read it.
_VIEW_READS = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)


class DatabaseError(Exception):
    """A database problem, with a short title and a message that says what to do."""

    def __init__(self, title: str, message: str):
        self.title = title
        self.message = message
        super().__init__(f"{title}: {message}")


class DatabaseInUse(DatabaseError):
    """Another process holds the DuckDB file for writing."""


def default_path() -> str:
    return os.environ.get("TRACKER_DB") or str(DEFAULT_DB)


def sql_text(name: str) -> str:
    """The text of a SQL file under sql/, e.g. `import/typed_rows.sql`."""
    return (SQL_DIR / name).read_text(encoding="utf-8")


def _holder_description(pid: int) -> str:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        cmdline = ""
    if " serve" in cmdline or " demo" in cmdline:
        return f"tracker serve (PID {pid})"
    return f"another process (PID {pid})"


class WriteConflict(DatabaseError):
    """A commit that lost a race with another writer of a shared store; retried, then reported."""


class NotADatabase(DatabaseError):
    """--db names an existing file that is not a DuckDB database (a CSV, a Parquet file, ...)."""


class NewerStore(DatabaseError):
    """A store made by a newer tracker: it holds a migration this code does not have."""


class DiskFull(DatabaseError):
    """DuckDB could not write: no space left on the device."""


class OutOfMemory(DatabaseError):
    """DuckDB needed more memory than TRACKER_MEMORY_LIMIT lets it hold (and what it held could not spill)."""


class InvalidInput(DatabaseError):
    """DuckDB refused what it was given to read (a CSV its reader cannot parse, a value it cannot convert):
    the input, not the machine. Any other error of a read (an interrupt, a failed disk, a database stopped
    by an earlier fatal error) is the machine's, and must not be reported as a fault of the user's file."""


def is_lake(path: str | None) -> bool:
    return bool(path) and str(path).startswith(LAKE_PREFIX)


def redact(text: str) -> str:
    """A connection string or message with any password taken out (credentials are never printed)."""
    return re.sub(r"(password\s*=\s*)\S+", r"\1***", text, flags=re.IGNORECASE)


def _translate(error: duckdb.Error, path: str | None = None) -> DatabaseError:
    text = redact(str(error))
    path = redact(path) if path else path
    if isinstance(error, duckdb.TransactionException) and "conflict" in text.lower():
        return WriteConflict("write conflict", f"another writer changed the store at the same moment: {text}")
    lock = re.search(r"Conflicting lock is held in .*?\(PID (\d+)\)", text)
    if lock:
        holder = _holder_description(int(lock.group(1)))
        return DatabaseInUse(
            f"database in use by {holder}",
            f"{path} is open for writing in that process, and DuckDB allows one writing process. "
            "Use the dashboard's import, export and backup instead; or stop that process and retry; "
            "or, for a team, use a shared store (--db ducklake:...).",
        )
    lowered = text.lower()
    if "has been invalidated because of a previous fatal error" in lowered:
        return DatabaseError("database stopped", "an earlier write failed fatally (e.g. a full disk), so DuckDB "
                                                 "closed the database for this process; nothing more was written; "
                                                 "restart the command (or tracker serve) to open it again")
    if "no space left on device" in lowered or "disk quota exceeded" in lowered:
        written = re.search(r'write file "([^"]+)"', text)
        place = f" ({redact(written.group(1))})" if written else (f" ({path})" if path and not is_lake(path) else "")
        return DiskFull("disk full", f"the disk is full{place}: the write was not completed and nothing of it was "
                                     "kept; free some space (or use another disk) and retry")
    if is_lake(path) and any(sign in lowered for sign in _CATALOG_GONE):
        return DatabaseError("catalog unreachable", "the shared store's catalog (PostgreSQL) stopped answering "
                                                    "during the write; nothing was written; check the server and retry")
    if isinstance(error, duckdb.OutOfMemoryException):
        said = text.splitlines()[0]
        return OutOfMemory("out of memory", f"DuckDB needed more memory than its limit allows ({said}); nothing "
                                            "was written; set TRACKER_MEMORY_LIMIT higher (e.g. 4GB) and retry")
    zone = re.search(r"Unknown TimeZone '([^']*)'", text)
    if zone:
        return DatabaseError("unknown time zone", f"DuckDB does not know the time zone '{zone.group(1)}'; use the "
                                                  "IANA name of a place, such as Europe/Kyiv, or UTC")
    title = type(error).__name__.replace("Exception", " error").replace("Error", " error").strip()
    refused = isinstance(error, (duckdb.InvalidInputException, duckdb.ConversionException))
    kind = InvalidInput if refused else DatabaseError
    return kind(title or "database error", text.splitlines()[0] if text else "unknown error")


# What DuckDB's postgres extension says when the catalog's server went away in the middle of a statement.
_CATALOG_GONE = ("attempting to fetch from an unsuccessful query result", "server closed the connection",
                 "terminating connection", "connection refused", "could not connect to server",
                 "no connection to the server", "connection to server", "ssl syscall error")


# DuckDB deprecated the arrow lambda `x -> ...` (2.0 refuses it): the SQL here is written `lambda x: ...`,
# and every connection refuses the arrow, so that none comes back
_LAMBDAS = "set lambda_syntax = 'DISABLE_SINGLE_ARROW'"


class Store:
    """One connection to the tracker's store. Thread-safe for writes (one writer at a time)."""

    def __init__(self, path: str | None = None, *, read_only: bool = False, _con: Any = None,
                 _lock: threading.RLock | None = None, _shared: dict[str, Any] | None = None):
        self.path = str(path or default_path())
        self.read_only = read_only
        if _con is not None:
            self._con = _con
        else:
            try:
                self._con = _connect_lake(self.path) if is_lake(self.path) else _connect_file(self.path, read_only)
                _limit_resources(self._con, None if is_lake(self.path) else self.path)
                self._con.execute("set TimeZone = 'UTC'")
                self._con.execute("set enable_progress_bar = false")  # never DuckDB's own bar on stdout
                self._con.execute(_LAMBDAS)
            except duckdb.Error as error:
                raise _translate(error, self.path) from error
        self._lock = _lock or threading.RLock()
        # what this store and its cursors share beside the write lock (tracker.ingest: the form's group commit)
        self.shared: dict[str, Any] = {} if _shared is None else _shared

    # --- connections ----------------------------------------------------------------------------

    def cursor(self) -> Store:
        """A connection of its own for another thread, sharing this store and its write lock."""
        con = self._con.cursor()
        if is_lake(self.path):
            con.execute(f"use {LAKE_ALIAS}")
        con.execute("set TimeZone = 'UTC'")
        con.execute(_LAMBDAS)
        return Store(self.path, read_only=self.read_only, _con=con, _lock=self._lock, _shared=self.shared)

    def attach(self, path: str, alias: str, *, read_only: bool = True) -> None:
        """Attach another store (a DuckDB file or a lake) to this connection under `alias`."""
        if not re.fullmatch(r"[a-z_]+", alias):
            raise ValueError(f"bad alias {alias!r}")
        target = str(path).replace("'", "''")
        with self._errors():
            if is_lake(path):
                _load_extension(self._con, "ducklake")
                _load_extension(self._con, "postgres")
                options = [LAKE_OPTIONS] + (["read_only"] if read_only else [])
                self._con.execute(f"attach '{target}' as {alias} ({', '.join(options)})")
            else:
                check_database_file(str(path))
                self._con.execute(f"attach '{target}' as {alias}{' (read_only)' if read_only else ''}")

    def detach(self, alias: str) -> None:
        with self._errors():
            self._con.execute(f"detach {alias}")

    def table_names(self, catalog: str | None = None) -> list[str]:
        """The base tables of this store (or of an attached one), in name order."""
        return [row[0] for row in self.rows(
            "select table_name from duckdb_tables() where database_name = coalesce(?, current_database()) "
            "and schema_name = 'main' and not temporary order by table_name", [catalog])]

    @property
    def backend(self) -> str:
        return "ducklake" if is_lake(self.path) else "duckdb"

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- running SQL ------------------------------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except duckdb.Error as error:
            raise _translate(error, self.path) from error

    def execute(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> None:
        with self._errors():
            self._con.execute(query, params)

    def rows(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[tuple]:
        with self._errors():
            return self._con.execute(query, params).fetchall()

    def value(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        found = self.rows(query, params)
        return found[0][0] if found else None

    def df(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        with self._errors():
            return self._con.execute(query, params).df()

    def copy_to(self, query: str, out: str, options: str) -> int:
        """COPY (query) TO out; `options` is a fixed option list chosen by the caller, never user text.
        Returns how many rows were written."""
        with self._errors():
            written = self._con.execute(f"copy ({query}) to '{_quote_path(out)}' ({options})").fetchall()
        return int(written[0][0]) if written else 0

    def track_progress(self) -> None:
        """Let query_progress() report (DuckDB tracks progress only when its progress bar is on)."""
        self.execute("set enable_progress_bar = true")
        self.execute("set enable_progress_bar_print = false")
        self.execute("set progress_bar_time = 0")

    def query_progress(self) -> float:
        """Percent done of the query running on this connection (-1 when none); safe from another thread."""
        try:
            return float(self._con.query_progress())
        except duckdb.Error:
            return -1.0

    def set_variable(self, name: str, value: Any) -> None:
        """Parameters reach the views through SET VARIABLE (CONTRACT §6)."""
        if not re.fullmatch(r"[a-z_]+", name):
            raise ValueError(f"bad variable name {name!r}")
        with self._errors():
            if value is None:
                self._con.execute(f"reset variable {name}")
            else:
                self._con.execute(f"set variable {name} = ?", [value])

    def in_transaction(self) -> bool:
        """Whether this thread holds the store's write lock (inside `transaction()` or `exclusive()` of this
        store or of one of its cursors): a write of this thread there must not wait for another writer, who
        waits for this lock."""
        return bool(self._lock._is_owned())  # type: ignore[attr-defined]  # (CPython's RLock, C or Python)

    @contextmanager
    def exclusive(self) -> Iterator[Store]:
        """The write lock without a transaction: steps that need this connection's temp tables to stay
        theirs (an import's staging and checks) before the write itself begins."""
        with self._lock:
            yield self

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One write, all or nothing: BEGIN … COMMIT, rolled back on any error."""
        with self._lock:
            with self._errors():
                self._con.execute("begin transaction")
            try:
                yield self
                with self._errors():
                    self._con.execute("commit")
            except BaseException:
                try:
                    self._con.execute("rollback")
                except duckdb.Error:
                    pass
                raise

    def register(self, name: str, frame: pd.DataFrame) -> None:
        with self._errors():
            self._con.register(name, frame)

    def unregister(self, name: str) -> None:
        with self._errors():
            self._con.unregister(name)


def _quote_path(path: str) -> str:
    return str(path).replace("'", "''")


def retry_on_conflict(fn: Callable[..., T]) -> Callable[..., T]:
    """Run a write (one transaction) again when it lost a commit race on a shared store: up to
    WRITE_ATTEMPTS times with exponential backoff and jitter, then fail with a clear message and nothing
    written (the transaction was rolled back)."""

    def wrapper(*args: Any, **kwargs: Any) -> T:
        for attempt in range(WRITE_ATTEMPTS):
            try:
                return fn(*args, **kwargs)
            except WriteConflict as conflict:
                if attempt == WRITE_ATTEMPTS - 1:
                    raise WriteConflict(
                        "write conflict",
                        f"gave up after {WRITE_ATTEMPTS} attempts; nothing was written. Try again. "
                        f"({conflict.message})",
                    ) from conflict
                time.sleep(min(2.0, 0.02 * 2**attempt) * (0.5 + random.random()))
        raise AssertionError("unreachable")

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapper


# How much memory DuckDB may hold, and where it spills the rest (CONTRACT §6; README, Configuration). Without a
# limit DuckDB takes up to 80 % of the machine's memory, and a bulk import of 10M rows took 13 GB.
MEMORY_LIMIT_VARIABLE = "TRACKER_MEMORY_LIMIT"
TEMP_DIRECTORY_VARIABLE = "TRACKER_TEMP_DIR"
MEMORY_SHARE = 20  # a twentieth of the machine's memory ...
MEMORY_BOUNDS = (1 << 30, 4 << 30)  # ... but at least 1 GiB and at most 4 GiB


def memory_limit() -> str:
    """DuckDB's memory limit: $TRACKER_MEMORY_LIMIT as DuckDB reads it (`2GB`, `800MB`), else a twentieth of
    the machine's memory between 1 and 4 GiB (1.2 GiB on a machine of 24 GiB). DuckDB's process peaks some
    0.5-0.8 GB above it: a 10M-row import peaked at 1.65 GB under 1.2 GiB (2.2 GB under 1.4 GiB;
    bench/import_speed.py). 1 GiB was too little for a live read of a whole 1M history (`tracker daily
    --as-of T` without --from/--to, bench/write_speed.py). Beyond it DuckDB spills to the temp directory, so
    an import of any size runs in bounded memory; the daily refresh works in parts that fit
    (series.REFRESH_PART_VERSIONS)."""
    given = os.environ.get(MEMORY_LIMIT_VARIABLE, "").strip()
    if given:
        return given
    try:
        machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (OSError, ValueError):  # a platform without sysconf: the lower bound
        machine = 0
    low, high = MEMORY_BOUNDS
    return f"{min(max(machine // MEMORY_SHARE, low), high) >> 20}MiB"


def temp_directory(path: str | None) -> str:
    """Where DuckDB spills what does not fit in its memory limit: $TRACKER_TEMP_DIR, else beside the DuckDB
    file (`FILE.tmp`, DuckDB's own choice), else (an in-memory store, a lake's local engine) a folder of the
    system's temp directory."""
    given = os.environ.get(TEMP_DIRECTORY_VARIABLE, "").strip()
    if given:
        return given
    if path and path != ":memory:":
        return str(Path(path).resolve()) + ".tmp"
    import tempfile

    return os.path.join(tempfile.gettempdir(), f"tracker-duckdb-{os.getuid() if hasattr(os, 'getuid') else 0}")


def _literal(text: str) -> str:
    """A SQL string literal of `text` (quotes doubled), for a SET statement that cannot take a parameter cheaply."""
    return "'" + text.replace("'", "''") + "'"


def _limit_resources(con: Any, path: str | None) -> None:
    """Set the memory limit and the temp directory on a new connection (they hold for its database)."""
    limit, folder = memory_limit(), temp_directory(path)
    try:
        # as literals, quoted: DuckDB's Python client imports pandas to bind any parameter (0.5 s of start-up)
        con.execute(f"set memory_limit = {_literal(limit)}")
        con.execute(f"set temp_directory = {_literal(folder)}")
    except duckdb.Error as error:
        raise DatabaseError("bad setting", f"the memory limit '{limit}' or the temp directory '{folder}' is not "
                                           f"usable ({str(error).splitlines()[0]}); set ${MEMORY_LIMIT_VARIABLE} "
                                           f"to a size such as 2GB, ${TEMP_DIRECTORY_VARIABLE} to a folder") from error


def _connect_file(path: str, read_only: bool) -> Any:
    if path != ":memory:":
        check_database_file(path)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(path, read_only=read_only)


# Every DuckDB database file has these bytes at offset 8 (its main header).
DUCKDB_MAGIC = b"DUCK"
_WRONG_DB_FIX = "`--db` takes a DuckDB file; `tracker import` reads CSV"


def check_database_file(path: str) -> None:
    """Refuse, before connecting, a path whose existing file is not a DuckDB database: DuckDB 1.5 would open
    some such files as an empty in-memory database, and every write would vanish. A missing file is a new
    store. An empty file is refused too (DuckDB refuses it, and removing it could race with a process that is
    just creating that database)."""
    target = Path(path)
    if target.is_dir():
        raise NotADatabase("wrong --db", f"{path} is a directory, not a tracker database; {_WRONG_DB_FIX}")
    if not target.exists():
        return
    try:
        with open(target, "rb") as handle:
            head = handle.read(4096)
    except OSError as error:
        raise NotADatabase("cannot read --db",
                           f"{path}: {error.strerror}; check the path and its permissions") from error
    if not head:
        raise NotADatabase("wrong --db", f"{path} is an empty file, not a tracker database; remove it and run "
                                         "`tracker init` to create the store there, or give another --db")
    if head[8:12] == DUCKDB_MAGIC:
        return
    raise NotADatabase("wrong --db", f"{path} is {describe_file(head)}, not a tracker database; {_WRONG_DB_FIX}")


_SIGNATURES = (
    (b"PAR1", "a Parquet file"), (b"SQLite format 3\x00", "an SQLite database"), (b"\x1f\x8b", "a gzip file"),
    (b"PK\x03\x04", "a zip file (an .xlsx workbook is one)"), (b"PK\x05\x06", "a zip file"),
    (b"BZh", "a bzip2 file"), (b"\xfd7zXZ\x00", "an xz file"), (b"\x28\xb5\x2f\xfd", "a zstd file"),
    (b"%PDF", "a PDF file"), (b"\xd0\xcf\x11\xe0", "an old Office document (.xls, .doc)"),
    (b"ARROW1", "an Arrow file"), (b"Obj\x01", "an Avro file"), (b"ORC", "an ORC file"),
)


def describe_file(head: bytes) -> str:
    """What the first bytes of a file look like, for a message ("a Parquet file", "a CSV file")."""
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    text = _as_text(head)
    if text is None or not text.strip():
        return "a file of another kind (it lacks DuckDB's header)"
    if text.lstrip("\ufeff \t\r\n")[:1] in ("{", "["):
        return "a JSON or other text file"
    first_line = text.lstrip("\ufeff").splitlines()[0]
    return "a CSV file" if any(c in first_line for c in ",;\t|") else "a text file"


def _as_text(head: bytes) -> str | None:
    """The bytes as text (UTF-8, or UTF-16 with its byte order mark), or None if they are binary."""
    encoding = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    try:
        text = head.decode(encoding)
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the end of the sample
            return None
        text = head[:error.start].decode(encoding)
    return None if "\x00" in text else text


def _load_extension(con: Any, name: str) -> None:
    """Install an extension from its pinned pip wheel (never from the network), then load it."""
    os.environ.setdefault("HOME", str(Path.home()))
    import duckdb_extensions

    duckdb_extensions.import_extension(name, con=con)
    con.execute(f"load {name}")


def _connect_lake(url: str) -> Any:
    """An in-memory DuckDB with the lake attached as the default catalog."""
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")  # not even while a slow ATTACH of the lake runs
    _load_extension(con, "ducklake")
    _load_extension(con, "postgres")
    data_path = os.environ.get("TRACKER_DATA_PATH")
    if data_path:
        Path(data_path).mkdir(parents=True, exist_ok=True)
        data_path = str(Path(data_path).resolve()) + "/"
    try:
        # ATTACH takes no parameters for its target: the URL is the user's own connection string
        target = url.replace("'", "''")
        options = [LAKE_OPTIONS]
        if data_path:
            options.append(f"data_path '{data_path.replace(chr(39), chr(39) * 2)}'")
        con.execute(f"attach '{target}' as {LAKE_ALIAS} ({', '.join(options)})")
    except duckdb.Error as error:
        text = str(error)
        if "data_path" in text.lower() or "DATA_PATH" in text:
            raise DatabaseError(
                "no data path",
                "this lake does not exist yet: give --data-path DIR (or $TRACKER_DATA_PATH) to create it",
            ) from error
        raise
    con.execute(f"use {LAKE_ALIAS}")
    return con


# --- migrations ----------------------------------------------------------------------------------

def _view_files() -> list[Path]:
    """The view files in an order that creates each view after the views it reads (found in its SQL,
    outside comments, after `from` or `join`); views that do not depend on each other by name."""
    paths = {path.stem: path for path in sorted((SQL_DIR / "views").glob("*.sql"))}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for name, path in paths.items():
        code = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
        sorter.add(name, *sorted({read for read in _VIEW_READS.findall(code) if read in paths and read != name}))
    order: list[str] = []
    sorter.prepare()  # raises graphlib.CycleError naming the views that read each other
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(ready)
        sorter.done(*ready)
    return [paths[name] for name in order]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _seed_registries(store: Store, now: datetime) -> None:
    """The built-in sources (with their roles and sides), accused parties, regions (the zone of a new store)
    and aliases, and the default calendar zone, in every store."""
    known = {row[0]: row[1] for row in store.rows("select key, role from sources")}
    for key, source in vocab.BUILTIN_SOURCES.items():
        values = [key, source.name, source.counting.value, source.role.value, source.side, now]
        if key not in known:
            store.execute("insert into sources (key, name, counting, role, side, builtin, added_at) "
                          "values (?, ?, ?, ?, ?, true, ?)", values)
        elif known[key] is None:  # a store made before roles existed (migration 004)
            store.execute("update sources set role = ?, side = ? where key = ?",
                          [source.role.value, source.side, key])
    parties = {row[0] for row in store.rows("select key from accused_parties")}
    for key, (name, side) in vocab.BUILTIN_PARTIES.items():
        if key not in parties:
            store.execute("insert into accused_parties (key, name, side, builtin, added_at) "
                          "values (?, ?, ?, true, ?)", [key, name, side, now])
    regions = {row[0] for row in store.rows("select key from regions")}
    for key, name in vocab.BUILTIN_REGIONS.items():
        if key not in regions:
            store.execute("insert into regions (key, name, in_zone, builtin, added_at) values (?, ?, true, true, ?)",
                          [key, name, now])
    builtin_aliases = [(registry, alias, key) for registry, table in (
        ("region", vocab.BUILTIN_REGION_ALIASES), ("accused_party", vocab.BUILTIN_PARTY_ALIASES),
        ("qualifier", vocab.BUILTIN_QUALIFIER_ALIASES), ("source", vocab.BUILTIN_SOURCE_ALIASES))
        for key, names in table.items() for alias in names]
    known_aliases = set(store.rows("select registry, alias, key from aliases where builtin"))
    missing = [row for row in builtin_aliases if row not in known_aliases]
    if missing:
        store.execute("insert into aliases (registry, alias, key, builtin, added_at) select registry, alias, key, "
                      "true, ? from (select unnest(?) as registry, unnest(?) as alias, unnest(?) as key)",
                      [now, [r[0] for r in missing], [r[1] for r in missing], [r[2] for r in missing]])
    if not store.value("select count(*) from store_settings where name = 'calendar_tz'"):
        store.execute("insert into store_settings values ('calendar_tz', ?, ?)", [vocab.DEFAULT_TIMEZONE, now])


@retry_on_conflict
def migrate(store: Store) -> list[str]:
    """Apply the schema migrations not applied yet, seed the built-in sources, and (re)create the views
    when their SQL changed. Returns what it did."""
    done: list[str] = []
    with store.transaction():
        store.execute(
            "create table if not exists schema_migrations (name varchar, sha256 varchar, applied_at timestamptz)"
        )
        applied = dict(store.rows("select name, sha256 from schema_migrations"))
        check_not_newer(store, applied)
        now = datetime.now(timezone.utc)
        for path in sorted((SQL_DIR / "schema").glob("*.sql")):
            if path.name in applied:
                continue
            text = path.read_text(encoding="utf-8")
            store.execute(text)
            store.execute("insert into schema_migrations values (?, ?, ?)", [path.name, _sha256(text), now])
            done.append(path.name)
        _seed_registries(store, now)
        views = _view_files()
        digest = _sha256("".join(p.name + p.read_text(encoding="utf-8") for p in views))
        if applied.get("views") != digest:
            for path in reversed(views):
                store.execute(f"drop view if exists {path.stem}")
            for path in views:
                body = path.read_text(encoding="utf-8")
                store.execute(f"create or replace view {path.stem} as\n{body}")
            store.execute("delete from schema_migrations where name = 'views'")
            store.execute("insert into schema_migrations values ('views', ?, ?)", [digest, now])
            done.append(f"views ({len(views)})")
    return done


def check_not_newer(store: Store, applied: dict[str, Any] | None = None, *, catalog: str | None = None) -> None:
    """Refuse a store made by a newer tracker: one of its migrations is not in this code's sql/schema (it
    may have columns or tables this code would misread). `applied` is its schema_migrations by name."""
    if applied is None:
        if "schema_migrations" not in store.table_names(catalog):
            return
        table = f"{catalog}.schema_migrations" if catalog else "schema_migrations"
        applied = dict(store.rows(f"select name, sha256 from {table}"))
    known = {path.name for path in (SQL_DIR / "schema").glob("*.sql")} | {"views"}
    unknown = sorted(name for name in applied if name not in known)
    if unknown:
        migration = unknown[-1].removesuffix(".sql")
        raise NewerStore("made by a newer tracker", f"{redact(store.path)} was made by a newer version of the tracker "
                                                    f"(migration {migration}); upgrade the tracker to open it")


def open_store(path: str | None = None, *, read_only: bool = False) -> Store:
    """Open (creating if needed) and migrate the store at `path`."""
    store = Store(path, read_only=read_only)
    try:
        if read_only:
            check_not_newer(store)
        else:
            migrate(store)
    except BaseException:
        store.close()
        raise
    return store
