-- The derived daily rows as stored (sql/schema/002_daily_rows.sql), every accused filter: what
-- tracker.series reads when the rows are current and the calendar is the default one. A plain view, so
-- a read plans in a few milliseconds, where daily_series (which can also compute the rows) plans the
-- whole window algebra first.
select * from daily_rows
