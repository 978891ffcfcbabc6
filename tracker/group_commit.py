"""Group commit: writes that arrive while another is being written are written together, in one transaction.

A form entry costs about the same whatever else it is stored with: most of its time is the transaction's
fixed part (the refresh of the daily rows it reaches, the commit), not the entry itself. So when analysts
submit at the same moment, the first becomes the writer and stores its entry; the entries that arrive
meanwhile wait, and the next writer stores all of them in one transaction (tracker.ingest.add_reports).
An entry alone is written at once, as before; each entry is still its own batch, with its own author.

If a group's write fails, each of its entries is written again alone, by the thread that submitted it, so
that one entry's error is never another's answer. Nothing is acknowledged before its transaction has
committed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


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

    def __init__(self, write: Callable[[Any, list[T]], list[R]]):
        self._write = write
        self._changed = threading.Condition()
        self._pending: list[_Slot[T, R]] = []
        self._writing = False
        self.groups: list[int] = []  # the sizes of the last 100 groups written (for tests and benchmarks)

    def submit(self, store: Any, item: T) -> R:
        # Invariant: a slot is in `_pending` until a writer takes it, and every slot a writer takes is
        # `done` when that writer lets go (with its value, its error, or `alone`).
        slot: _Slot[T, R] = _Slot(item)
        with self._changed:
            self._pending.append(slot)
            while self._writing and not slot.done:
                self._changed.wait()
            lead = not slot.done  # no write under way: this thread writes what is pending
            if lead:
                self._writing = True
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
                    self._changed.notify_all()
        if slot.alone:
            return self._write(store, [item])[0]
        if slot.error is not None:
            raise slot.error
        return slot.value  # type: ignore[return-value]

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
