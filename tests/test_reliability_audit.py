"""The audit trail (issue 7, point 7): every write records who, when, and before/after, and replaying the
history in the order stored rebuilds exactly the current reports.

The history is made by the real CLI (`tracker import`, `tracker add`: recorded as "cli") and by the
library with logins (form entries, edits, withdrawals with reasons, edits refused as conflicts, repeats
answered as duplicates), then a seeded random mix of them. The replay is an independent reading of
CONTRACT §1/§6 in Python over the `audit_log` view: each version joins its chain; a version that replaces
another takes its place as a head; the current version of a chain is its latest-stored head, unless that
withdraws the report.
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_tracker

from tracker import db, ingest, vocab
from tracker.ingest import EditConflict
from tracker.schema import CountReport

SOURCES = list(vocab.BUILTIN_SOURCES)
CSV = """source,period_start,period_end,violations,prohibited_weapons,notes
ua_mod,2022-02-18T00:00,2022-02-18T17:00,52,42,JFO HQ evening
ua_mod,2022-02-17,2022-02-17,60,43,
osce_smm,2022-02-16T19:30+02:00,2022-02-17T19:30+02:00,648,,luhansk
lpr,2022-02-17,2022-02-17,29,,"the last day, by Ukraine"
"""


def _report(**values: object) -> CountReport:
    base = {"source": "dpr", "period_start": "2022-02-18", "period_end": "2022-02-18", "violations": 10}
    return CountReport.model_validate({**base, **values}, context={"sources": SOURCES})


def _content(store: db.Store, report_id: str) -> dict:
    row = store.df("select * from reports where id = ? limit 1", [report_id]).iloc[0]
    return {c: (None if pd.isna(row[c]) else row[c]) for c in vocab.CANONICAL_COLUMNS}


def replay(store: db.Store) -> set[str]:
    """The current report ids, rebuilt from the audit trail alone."""
    heads: dict[str, dict[str, tuple[int, int]]] = {}
    withdrawn: set[str] = set()
    seen: set[str] = set()
    rows = store.rows("select batch_seq, row_no, action, root_id, before_id, after_id from audit_log "
                      "where after_id is not null order by batch_seq, row_no")
    for batch_seq, row_no, action, root_id, before_id, after_id in rows:
        if after_id in seen:  # one version per id, however often it was inserted
            continue
        seen.add(after_id)
        chain = heads.setdefault(root_id, {})
        if before_id is not None:
            chain.pop(before_id, None)
        chain[after_id] = (batch_seq, row_no)
        if action == "withdraw":
            withdrawn.add(after_id)
    current = set()
    for chain in heads.values():
        if chain:
            latest = max(chain, key=chain.get)
            if latest not in withdrawn:
                current.add(latest)
    return current


def test_every_write_is_audited_and_replaying_the_history_gives_the_current_reports(tmp_path: Path,
                                                                                     db_path: Path) -> None:
    csv_path = tmp_path / "reports.csv"
    csv_path.write_text(CSV, encoding="utf-8")
    assert run_tracker("import", csv_path, db_path=db_path).returncode == 0
    added = run_tracker("add", "--source", "ru_mod", "--start", "2022-02-18", "--end", "2022-02-18",
                        "--violations", "7", db_path=db_path)
    assert added.returncode == 0, added.stderr

    store = db.open_store(str(db_path))
    try:
        ids = [row[0] for row in store.rows("select id from current_reports order by batch_seq, row_no")]
        form = ingest.add_report(store, _report(notes="entered on the form"), recorded_by="alice")
        assert ingest.add_report(store, _report(notes="entered on the form"), recorded_by="bob").status == "duplicate"
        edit = ingest.edit_report(store, ids[0], _report(source="ua_mod", period_start="2022-02-18T00:00",
                                                         period_end="2022-02-18T17:00", violations=53,
                                                         prohibited_weapons=42, notes="JFO HQ evening"),
                                  recorded_by="bob")
        with pytest.raises(EditConflict):  # bob's edit already replaced that version
            ingest.edit_report(store, ids[0], _report(violations=1), recorded_by="carol")
        withdrawal = ingest.withdraw_report(store, ids[3], "duplicate of the LPR morning statement",
                                            recorded_by="carol")
        back = ingest.edit_report(store, withdrawal.id, _report(source="lpr", violations=29), recorded_by="alice")

        rng = random.Random(7)  # then a seeded mix of every kind of write
        for step in range(20):
            current = [row[0] for row in store.rows("select id from current_reports order by id")]
            kind = rng.choice(["add", "add", "edit", "edit", "withdraw", "stale", "repeat"])
            user = rng.choice(["alice", "bob", "carol"])
            if kind == "add" or not current:
                ingest.add_report(store, _report(violations=rng.randint(0, 99), notes=f"step {step}"), recorded_by=user)
            elif kind == "edit":
                ingest.edit_report(store, rng.choice(current), _report(violations=rng.randint(100, 199),
                                                                       notes=f"edit {step}"), recorded_by=user)
            elif kind == "withdraw":
                ingest.withdraw_report(store, rng.choice(current), f"reason {step}", recorded_by=user)
            elif kind == "stale":
                stale = store.value("select id from reports where id not in (select id from int_report_heads) "
                                    "order by id limit 1")
                if stale:
                    with pytest.raises(EditConflict):
                        ingest.edit_report(store, stale, _report(violations=999), recorded_by=user)
            else:
                assert ingest.add_report(store, _report(notes="entered on the form"), recorded_by=user).status \
                    == "duplicate"

        audit = store.df("select * from audit_log")
        # every stored version appears once, in the write (batch) that stored it
        assert sorted(audit["after_id"].dropna()) == sorted(r[0] for r in store.rows("select id from reports"))
        assert audit["batch_seq"].nunique() == store.value("select count(*) from batches")
        # who and when, for every write
        assert audit["recorded_by"].notna().all() and audit["stored_at"].notna().all()
        assert audit["stored_at"].is_monotonic_increasing
        first = audit[audit["batch_seq"] <= 2]
        assert set(zip(first["kind"], first["recorded_by"], first["action"], strict=True)) == {("import", "cli", "add"),
                                                                                 ("cli", "cli", "add")}
        assert first["file_name"].tolist()[:4] == ["reports.csv"] * 4
        by_id = audit.set_index("after_id")
        assert tuple(by_id.loc[form.id, ["kind", "recorded_by", "action"]]) == ("form", "alice", "add")
        # before and after: an edit names the version it replaced and the columns it changed
        assert tuple(by_id.loc[edit.id, ["kind", "recorded_by", "action", "before_id"]]) == (
            "edit", "bob", "edit", ids[0])
        assert list(by_id.loc[edit.id, "changed_columns"]) == ["violations"]
        assert _content(store, ids[0])["violations"] == 52 and _content(store, edit.id)["violations"] == 53
        # a withdrawal keeps the content and says why; editing it back restores the report
        assert tuple(by_id.loc[withdrawal.id, ["kind", "recorded_by", "action", "before_id", "withdraw_reason"]]) \
            == ("withdraw", "carol", "withdraw", ids[3], "duplicate of the LPR morning statement")
        assert list(by_id.loc[withdrawal.id, "changed_columns"]) == []
        assert tuple(by_id.loc[back.id, ["action", "before_id"]]) == ("edit", withdrawal.id)
        # a refused edit left no trace: the first version was replaced once, by bob
        assert audit.loc[audit["before_id"] == ids[0], "recorded_by"].tolist() == ["bob"]

        # the replay gives exactly the current reports
        expected = store.df("select * from current_reports order by id").reset_index(drop=True)
        rebuilt_ids = replay(store)
        assert rebuilt_ids == set(expected["id"])
        rebuilt = store.df("select * from stg_reports where id in (select unnest(?::varchar[])) order by id",
                           [sorted(rebuilt_ids)]).reset_index(drop=True)
        pd.testing.assert_frame_equal(rebuilt[expected.columns], expected)
        assert len(rebuilt) >= 5
    finally:
        store.close()
