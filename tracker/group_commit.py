"""Group commit: writes that arrive while another is being written are written together, in one transaction.

A form entry costs about the same whatever else it is stored with: most of its time is the transaction's
fixed part (the refresh of the daily rows it reaches, the commit), not the entry itself. So when analysts
submit at the same moment, the first becomes the writer and stores its entry; the entries that arrive
meanwhile wait, and the next writer stores all of them in one transaction (tracker.ingest.add_reports).
An entry alone is written at once, as before; each entry is still its own batch, with its own author.

If a group's write fails, each of its entries is written again alone, by the thread that submitted it, so
that one entry's error is never another's answer. Nothing is acknowledged before its transaction has
committed.

Analysts submitting steadily fall into step with the writes: while a group is written, the one who was
answered first submits again, finds no write under way and is written alone, and the rest come back just
after and wait for the next write; every other write then carries one entry. So, as PostgreSQL's
`commit_delay` does, a writer that follows a busy write waits a moment (at most GATHER_SECONDS after that
write ended) for as many entries as were in the system then: the group written and those waiting behind
it. A lone analyst, whose entry was the only one in the system, is never kept waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

GATHER_SECONDS = 0.1  # the longest a writer waits, after a busy write ended, for the entries to come back


class _Slot(Generic[T, R]):
    """One submitted item and, once its group is written, its result, its error, or `alone` (the group
    failed: write it again by itself)."""

    def __init__(self, item: T):
        self.item = item
        self.done = False
        self.alone = False
        self.value: R | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[T, R]):
    """`submit(store, item)` returns `write(store, [item, ...])`'s result for that item; the items submitted
    while a write is under way are written by one later call. `write` must return one result per item, in
    order, all or nothing (one transaction)."""

    def __init__(self, write: Callable[[Any, list[T]], list[R]], gather_seconds: float = GATHER_SECONDS):
        self._write = write
        self._gather_seconds = gather_seconds
        self._changed = threading.Condition()
        self._pending: list[_Slot[T, R]] = []
        self._writing = False
        self._busy = 0  # entries written or waiting when the last write ended, and when (time.monotonic())
        self._last_end = 0.0
        self.groups: list[int] = []  # the sizes of the last 100 groups written (for tests and benchmarks)

    def submit(self, store: Any, item: T) -> R:
        # Invariant: a slot is in `_pending` until a writer takes it, and every slot a writer takes is
        # `done` when that writer lets go (with its value, its error, or `alone`).
        slot: _Slot[T, R] = _Slot(item)
        with self._changed:
            self._pending.append(slot)
            self._changed.notify_all()  # a writer gathering a group counts the arrivals
            while self._writing and not slot.done:
                self._changed.wait()
            lead = not slot.done  # no write under way: this thread writes what is pending
            if lead:
                self._writing = True
                try:
                    self._gather()
                except BaseException:  # interrupted while gathering: this entry is not written, by anyone
                    self._pending.remove(slot)
                    self._writing = False
                    self._changed.notify_all()
                    raise
                group, self._pending = self._pending, []
        if lead:
            try:
                self._run(store, group)
            finally:
                with self._changed:
                    for other in group:
                        if not other.done:  # the write was cut short: each writes its own again
                            other.alone = other.done = True
                    self._writing = False
                    # the entries that may come back soon: those waiting, and those of this group unless
                    # the group failed (each of those is written again alone, outside the group)
                    again = 0 if any(other.alone for other in group) else len(group)
                    self._busy, self._last_end = again + len(self._pending), time.monotonic()
                    self._changed.notify_all()
        if slot.alone:
            return self._write(store, [item])[0]
        if slot.error is not None:
            raise slot.error
        return slot.value  # type: ignore[return-value]

    def _gather(self) -> None:
        """Called by a new writer, holding the lock: after a busy write, wait until as many entries are
        pending as were in the system when it ended, or `gather_seconds` have passed since. After a write
        that was the only entry in the system, nobody waits (this writer is the one pending)."""
        deadline = self._last_end + self._gather_seconds
        while len(self._pending) < self._busy and (left := deadline - time.monotonic()) > 0:
            self._changed.wait(left)

    def _run(self, store: Any, group: list[_Slot[T, R]]) -> None:
        self.groups = [*self.groups[-99:], len(group)]
        try:
            values = self._write(store, [slot.item for slot in group])
        except Exception as error:
            for slot in group:
                slot.alone = len(group) > 1
                slot.error = None if slot.alone else error
                slot.done = True
            return
        # (an interrupt of the writing thread is its own: the others' slots are left to the `finally`)
        if len(values) != len(group):
            raise RuntimeError(f"a group write returned {len(values)} results for {len(group)} items")
        for slot, value in zip(group, values, strict=True):
            slot.value, slot.done = value, True
