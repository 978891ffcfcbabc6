"""The one DuckDB boundary: connect, migrate, run the SQL files, and turn duckdb errors into ours.

No other module imports duckdb. Everything above this module sees `Store` and `DatabaseError`.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from tracker import vocab

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
DEFAULT_DB = Path("data/tracker.duckdb")

# Views are created in layers: staging (stg_) reads tables, intermediate (int_) reads staging, the rest
# are output views that the Python reads.
_LAYERS = ("stg_", "int_")


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


def _translate(error: duckdb.Error, path: str | None = None) -> DatabaseError:
    text = str(error)
    lock = re.search(r"Conflicting lock is held in .*?\(PID (\d+)\)", text)
    if lock:
        holder = _holder_description(int(lock.group(1)))
        return DatabaseInUse(
            f"database in use by {holder}",
            f"{path} is open for writing in that process, and DuckDB allows one writing process. "
            "Use the dashboard's import, export and backup instead; or stop that process and retry; "
            "or, for a team, use a shared store (--db ducklake:...).",
        )
    title = type(error).__name__.replace("Exception", " error").replace("Error", " error").strip()
    return DatabaseError(title or "database error", text.splitlines()[0] if text else "unknown error")


class Store:
    """One connection to the tracker's store. Thread-safe for writes (one writer at a time)."""

    def __init__(self, path: str | None = None, *, read_only: bool = False, _con: Any = None,
                 _lock: threading.RLock | None = None):
        self.path = str(path or default_path())
        self.read_only = read_only
        if _con is not None:
            self._con = _con
        else:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            try:
                self._con = duckdb.connect(self.path, read_only=read_only)
                self._con.execute("set TimeZone = 'UTC'")
            except duckdb.Error as error:
                raise _translate(error, self.path) from error
        self._lock = _lock or threading.RLock()

    # --- connections ----------------------------------------------------------------------------

    def cursor(self) -> Store:
        """A connection of its own for another thread, sharing this store and its write lock."""
        return Store(self.path, read_only=self.read_only, _con=self._con.cursor(), _lock=self._lock)

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

    def copy_to(self, query: str, out: str, options: str) -> None:
        """COPY (query) TO out; `options` is a fixed option list chosen by the caller, never user text."""
        with self._errors():
            self._con.execute(f"copy ({query}) to '{_quote_path(out)}' ({options})")

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


# --- migrations ----------------------------------------------------------------------------------

def _view_files() -> list[Path]:
    def layer(path: Path) -> tuple[int, str]:
        for rank, prefix in enumerate(_LAYERS):
            if path.name.startswith(prefix):
                return rank, path.name
        return len(_LAYERS), path.name

    return sorted((SQL_DIR / "views").glob("*.sql"), key=layer)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def migrate(store: Store) -> list[str]:
    """Apply the schema migrations not applied yet, seed the built-in sources, and (re)create the views
    when their SQL changed. Returns what it did."""
    done: list[str] = []
    with store.transaction():
        store.execute(
            "create table if not exists schema_migrations (name varchar, sha256 varchar, applied_at timestamptz)"
        )
        applied = dict(store.rows("select name, sha256 from schema_migrations"))
        now = datetime.now(timezone.utc)
        for path in sorted((SQL_DIR / "schema").glob("*.sql")):
            if path.name in applied:
                continue
            text = path.read_text(encoding="utf-8")
            store.execute(text)
            store.execute("insert into schema_migrations values (?, ?, ?)", [path.name, _sha256(text), now])
            done.append(path.name)
        known = {row[0] for row in store.rows("select key from sources")}
        for key, (name, counting) in vocab.BUILTIN_SOURCES.items():
            if key not in known:
                store.execute("insert into sources values (?, ?, ?, true, ?)", [key, name, counting.value, now])
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


def open_store(path: str | None = None, *, read_only: bool = False) -> Store:
    """Open (creating if needed) and migrate the store at `path`."""
    store = Store(path, read_only=read_only)
    if not read_only:
        migrate(store)
    return store
