"""Group commit (tracker/group_commit.py): entries submitted while another is being written are stored
together, in one transaction with one refresh of the daily rows; each is still a batch of its own, by its
own author; a failing group is written again entry by entry, so that one entry's error is only its own."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter

import pandas as pd
import pytest

from tracker import db, ingest, series, vocab
from tracker.group_commit import GroupCommit
from tracker.schema import CountReport

SOURCES = list(vocab.BUILTIN_SOURCES)


def report(day: int, **values: object) -> CountReport:
    base = {"source": "ua_mod", "period_start": f"2022-02-{day:02d}T00:00", "period_end": f"2022-02-{day:02d}T17:00",
            "region": "donetsk", "violations": 10 + day}
    return CountReport.model_validate({**base, **values}, context={"sources": SOURCES})


def _wait_until(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


class HeldWrite:
    """A write function whose first call waits until released, recording every group it is given."""

    def __init__(self, fail_on: object = None):
        self.calls: list[list[object]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, store: object, items: list[object]) -> list[object]:
        self.calls.append(list(items))
        if len(self.calls) == 1:
            self.entered.set()
            assert self.release.wait(10)
        if self.fail_on in items:
            raise ValueError(f"cannot write {self.fail_on}")
        return [f"wrote {item} with {store}" for item in items]


def _submit_while_held(group: GroupCommit, write: HeldWrite, first: object, later: list[object]) -> dict:
    """Submit `first`, and `later` from threads of their own while its write is held; the answers by item."""
    answers: dict[object, object] = {}

    def submit(item: object, store: str) -> None:
        try:
            answers[item] = group.submit(store, item)
        except BaseException as error:  # noqa: BLE001 - the answer under test (an interrupt too)
            answers[item] = error

    threads = [threading.Thread(target=submit, args=(first, "store 0"))]
    threads[0].start()
    assert write.entered.wait(10)
    threads += [threading.Thread(target=submit, args=(item, f"store {n + 1}")) for n, item in enumerate(later)]
    for thread in threads[1:]:
        thread.start()
    _wait_until(lambda: len(group._pending) == len(later))
    write.release.set()
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()
    return answers


def test_items_submitted_during_a_write_are_written_together_by_one_later_call() -> None:
    write = HeldWrite()
    group = GroupCommit(write)
    answers = _submit_while_held(group, write, "a", ["b", "c", "d"])
    assert write.calls[0] == ["a"]
    assert len(write.calls) == 2 and sorted(write.calls[1]) == ["b", "c", "d"]  # one group, one write
    assert group.groups == [1, 3]
    assert answers["a"] == "wrote a with store 0"
    writer = answers["b"].split(" with ")[1]  # the group was written by one of its submitters' stores
    assert {answers[item] for item in "bcd"} == {f"wrote {item} with {writer}" for item in "bcd"}
    assert group.submit("store 9", "e") == "wrote e with store 9"  # alone: written at once
    assert group.groups == [1, 3, 1]


def test_a_failing_group_is_written_again_item_by_item_each_by_its_own_submitter() -> None:
    write = HeldWrite(fail_on="bad")
    group = GroupCommit(write)
    answers = _submit_while_held(group, write, "a", ["b", "bad", "d"])
    assert sorted(write.calls[1]) == ["b", "bad", "d"]
    assert sorted(map(tuple, write.calls[2:])) == [("b",), ("bad",), ("d",)]
    assert answers["b"] == "wrote b with store 1" and answers["d"] == "wrote d with store 3"
    assert isinstance(answers["bad"], ValueError) and str(answers["bad"]) == "cannot write bad"
    assert answers["a"] == "wrote a with store 0"
    assert group.submit("store 9", "e") == "wrote e with store 9"  # a failed group leaves no write under way


def test_an_interrupted_group_write_is_the_writers_alone_the_others_write_their_own() -> None:
    class Interrupted(HeldWrite):
        def __call__(self, store: object, items: list[object]) -> list[object]:
            if len(items) > 1:
                self.calls.append(list(items))
                raise KeyboardInterrupt
            return super().__call__(store, items)

    write = Interrupted()
    group = GroupCommit(write)
    answers = _submit_while_held(group, write, "a", ["b", "c", "d"])
    interrupted = [item for item in "bcd" if isinstance(answers[item], KeyboardInterrupt)]
    assert len(interrupted) == 1  # the thread that wrote the group, only
    assert {answers[item] for item in "bcd" if item not in interrupted} == {
        f"wrote {item} with store {n}" for n, item in enumerate("bcd", 1) if item not in interrupted}
    assert group.submit("store 9", "e") == "wrote e with store 9"


def test_add_reports_stores_each_entry_as_its_own_batch_in_one_transaction(store: db.Store,
                                                                          monkeypatch) -> None:
    refreshes = []
    real = series.refresh_daily
    monkeypatch.setattr(series, "refresh_daily", lambda s: (refreshes.append(1), real(s)))
    entries = [ingest.Entry(report(18), "alice"), ingest.Entry(report(18), "bob"),
               ingest.Entry(report(19, violations=7), "carol", "cli")]
    saved = ingest.add_reports(store, entries)
    assert [s.status for s in saved] == ["stored", "duplicate", "stored"]
    assert [s.batch_seq for s in saved] == [1, None, 2]
    assert refreshes == [1]  # one refresh for the group
    assert store.rows("select batch_seq, kind, rows, inserted, recorded_by from batches order by 1") == [
        (1, "form", 1, 1, "alice"), (2, "cli", 1, 1, "carol")]
    assert store.rows("select recorded_by, violations from reports order by batch_seq") == [("alice", 28), ("carol", 7)]
    assert series.is_fresh(store)
    daily = series.daily(store, regions=["donetsk"])
    assert daily[["violations"]].to_dict("list") == {"violations": [28.0, 7.0]}


def test_form_entries_from_threads_at_once_are_stored_in_groups(store: db.Store, held_refresh) -> None:
    """Eight analysts submit while the first entry's refresh is under way: the seven are stored by one
    transaction, each once, each its own batch by its own author, and the daily rows hold all of them."""
    entered, held = held_refresh
    saved: dict[int, ingest.Saved] = {}

    def enter(n: int) -> None:
        cursor = store.cursor()
        try:
            saved[n] = ingest.add_report(cursor, report(1 + n, channel=f"analyst {n}"), recorded_by=f"user{n}")
        finally:
            cursor.close()

    threads = [threading.Thread(target=enter, args=(n,)) for n in range(8)]
    threads[0].start()
    assert entered.wait(10)
    for thread in threads[1:]:
        thread.start()
    group = store.shared["entries"]  # one group commit for the store and its cursors
    _wait_until(lambda: len(group._pending) == 7)
    held.set()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive()
    assert group.groups[-2:] == [1, 7]
    assert Counter(s.status for s in saved.values()) == {"stored": 8}
    assert sorted(s.batch_seq for s in saved.values()) == list(range(1, 9))
    assert dict(store.rows("select recorded_by, count(*) from batches group by 1")) == {f"user{n}": 1 for n in range(8)}
    assert series.is_fresh(store)
    stored = series.daily(store, regions=["donetsk"])
    live = series.daily(store, regions=["donetsk"], as_of="2100-01-01")
    pd.testing.assert_frame_equal(stored, live)
    assert stored["violations"].tolist() == [float(11 + n) for n in range(8)]


def test_an_entry_added_inside_a_write_of_its_own_thread_is_not_queued_behind_a_waiting_writer(
        store: db.Store) -> None:
    """Thread B writes (and waits for the store's lock, held by A's transaction); A, inside that transaction,
    adds a report: it must not wait for B (which waits for A). It is refused at once, as a nested
    transaction always was, and B's entry is stored once A's transaction ends."""
    done: dict[str, object] = {}

    def other() -> None:
        cursor = store.cursor()
        try:
            done["b"] = ingest.add_report(cursor, report(20), recorded_by="b")
        finally:
            cursor.close()

    b = threading.Thread(target=other)
    with pytest.raises(db.DatabaseError, match="transaction"):
        with store.transaction():
            b.start()
            _wait_until(lambda: store.shared.get("entries") is not None and store.shared["entries"]._writing)
            ingest.add_report(store, report(21), recorded_by="a")
    b.join(30)
    assert not b.is_alive()
    assert done["b"].status == "stored"
    assert store.rows("select recorded_by from reports") == [("b",)]


def test_after_a_busy_write_the_next_writer_waits_for_the_entries_that_come_back() -> None:
    """Analysts answered together come back one after another: the first back waits for the others (as many
    as were written and waiting when the busy write ended) instead of being written alone, every other write
    then carrying one entry. A write that was not busy is followed at once."""
    write = HeldWrite()
    group = GroupCommit(write)
    _submit_while_held(group, write, "a", ["b", "c", "d"])  # b, c, d wait for "a" to come back, in vain
    assert group.groups == [1, 3]
    group._gather_seconds = 30  # longer than any wait below: only the count of entries back ends it
    answers: dict[str, object] = {}
    threads = []
    for item in "efg":  # back one after another, each after the one before has begun to wait
        threads.append(threading.Thread(target=lambda item=item: answers.update({item: group.submit("s", item)})))
        threads[-1].start()
        _wait_until(lambda item=item: item in [slot.item for slot in group._pending] + write.calls[-1])
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()
    assert group.groups == [1, 3, 3] and sorted(write.calls[-1]) == ["e", "f", "g"]
    assert answers == {item: f"wrote {item} with s" for item in "efg"}

    lone = GroupCommit(HeldWrite(), gather_seconds=30)
    lone._write.release.set()  # type: ignore[attr-defined]
    assert lone.submit("s", "x") == "wrote x with s"
    after = threading.Thread(target=lambda: answers.update(y=lone.submit("s", "y")))
    after.start()
    _wait_until(lambda: "y" in answers)  # written at once after a write of one (not after 30 s)
    after.join(10)
    assert lone.groups == [1, 1]


def test_an_interrupt_while_gathering_writes_nothing_of_that_entry_and_leaves_no_write_under_way() -> None:
    write = HeldWrite()
    write.release.set()
    group = GroupCommit(write, gather_seconds=1.0)
    group._busy, group._last_end = 3, time.monotonic()  # as after a busy write: the next writer gathers
    answers: dict[str, object] = {}
    behind = threading.Thread(target=lambda: answers.update(b=group.submit("s", "b")))

    def interrupt(*_args: object) -> None:
        behind.start()  # a submission waiting behind the gathering writer
        _wait_until(lambda: len(group._pending) == 2)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.1)
        with pytest.raises(KeyboardInterrupt):
            group.submit("s", "main")  # this thread gathers, and is interrupted while it waits
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    behind.join(10)
    assert not behind.is_alive()  # the one behind was not left waiting for a writer that is gone
    assert answers == {"b": "wrote b with s"} and write.calls == [["b"]]  # "main" written by nobody
    assert not group._writing and group._pending == []


def test_no_entries_store_nothing(tmp_path) -> None:
    with db.open_store(str(tmp_path / "none.duckdb")) as store:
        assert ingest.add_reports(store, []) == []
        assert store.value("select count(*) from batches") == 0
