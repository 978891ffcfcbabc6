"""The pydantic model on its own, and that it has not drifted from the table."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tracker import db, validate, vocab
from tracker.schema import CountReport, field_help

STORE_ONLY = {"id", "content_hash", "replaces", "root_id", "withdrawn", "withdraw_reason", "edit_reason",
              "batch_seq", "row_no", "stored_at", "recorded_by"}


def test_model_fields_equal_table_columns_minus_store_only(store: db.Store) -> None:
    columns = [row[0] for row in store.rows(
        "select column_name from information_schema.columns where table_name = 'reports' order by ordinal_position")]
    assert set(CountReport.model_fields) == set(columns) - STORE_ONLY
    assert set(columns) & STORE_ONLY == STORE_ONLY
    assert set(vocab.CANONICAL_COLUMNS) == set(CountReport.model_fields)


def test_every_field_has_a_description() -> None:
    assert all(text.strip() for text in field_help().values())


def _check(**data):  # noqa: ANN003, ANN202
    return validate.check_record(data, vocab.BUILTIN_SOURCES)


def test_a_good_report() -> None:
    report = _check(source="ua_mod", period_start="2022-02-18T00:00", period_end="2022-02-18T17:00",
                    violations="52", prohibited_weapons=42, wounded="")
    assert isinstance(report, CountReport)
    kyiv = timezone(timedelta(hours=2))
    assert report.period_start == datetime(2022, 2, 18, 0, 0, tzinfo=kyiv)
    assert report.period_end == datetime(2022, 2, 18, 17, 0, tzinfo=kyiv)
    assert report.metrics() == {"violations": 52, "prohibited_weapons": 42}
    assert report.wounded is None and report.qualifier == vocab.Qualifier.exact


def test_date_only_end_is_the_end_of_that_day_in_summer_time() -> None:
    report = _check(source="lpr", period_start="2022-06-17", period_end="2022-06-17", violations=1,
                    timezone="Europe/Moscow")
    assert report.period_end - report.period_start == timedelta(hours=24)
    assert report.period_start.utcoffset() == timedelta(hours=3)


@pytest.mark.parametrize(("data", "expected"), [
    ({"violations": "5", "period_end": "2022-02-17"}, [("period_end", "window-order")]),
    ({"violations": "5", "explosions": "9"}, [("explosions", "subset-exceeds-total")]),
    ({}, [("violations", "no-metric")]),
    ({"violations": "-1"}, [("violations", "negative-count")]),
    ({"violations": 2.5}, [("violations", "not-an-integer")]),
    ({"violations": True}, [("violations", "not-a-number")]),
    ({"violations": 3, "source_url": "javascript:alert(1)"}, [("source_url", "bad-url")]),
    ({"violations": 3, "colour": "red"}, [("colour", "unknown-column")]),
])
def test_rules(data: dict, expected: list) -> None:
    base = {"source": "ua_mod", "period_start": "2022-02-18", "period_end": "2022-02-18"}
    problems = _check(**{**base, **data})
    assert [(p.column, p.code) for p in problems] == expected


def test_registered_sources_are_accepted(store: db.Store) -> None:
    from tracker.sources import register_source

    register_source(store, "ukr_police", "National Police of Ukraine")
    sources = validate.registered_sources(store)
    report = validate.check_record({"source": "ukr_police", "period_start": "2022-02-18",
                                    "period_end": "2022-02-18", "civilians_killed": 1}, sources)
    assert isinstance(report, CountReport)
