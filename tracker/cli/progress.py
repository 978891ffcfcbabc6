"""A progress display for long imports: shown on a terminal for files over a few MB, silent when piped."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from tracker.db import Store

SHOW_ABOVE_BYTES = 5_000_000


@contextmanager
def import_progress(store: Store, files: list[str]) -> Iterator:
    """Yields an `on_step(step, file)` callback for ingest.import_files; a rich bar follows DuckDB's own
    progress of the running query."""
    big = sum(os.path.getsize(f) for f in files if os.path.isfile(f)) > SHOW_ABOVE_BYTES
    if not (big and sys.stderr.isatty()):
        yield None
        return
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(), transient=True)
    task = progress.add_task("starting", total=100)
    stop = threading.Event()

    def follow() -> None:
        while not stop.wait(0.2):
            done = store.query_progress()
            if done >= 0:
                progress.update(task, completed=done)

    def on_step(step: str, file: str) -> None:
        progress.update(task, description=f"{step} {os.path.basename(file)}", completed=0)

    store.track_progress()
    watcher = threading.Thread(target=follow, daemon=True)
    with progress:
        watcher.start()
        try:
            yield on_step
        finally:
            stop.set()
            watcher.join()
