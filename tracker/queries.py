"""Reads for the CLI and the dashboard: DataFrames from the output views, never from the tables."""

from __future__ import annotations

import pandas as pd

from tracker.db import Store


def count_reports(store: Store) -> int:
    """How many current reports (edits applied, withdrawn left out) the store holds."""
    return int(store.value("select count(*) from current_reports"))


def report_history(store: Store, report_id: str) -> pd.DataFrame:
    """Every version of the report that `report_id` is a version of, oldest first."""
    return store.df(
        "select * from report_history where root_id = (select root_id from report_history where id = ? limit 1) "
        "order by version",
        [report_id],
    )
