-- One step of the reach of a change to one source's daily rows (tracker/series.py `_reach`): the span
-- of time [lo, hi] that must be recomputed together, widened by the stored windows of the source that
-- could change a day it touches, or be changed by one. Repeated until it stops growing.
-- * A window's piece depends on the windows that overlap it (nesting and crossing, CONTRACT §3 rule 4):
--   every window that overlaps the span is in it.
-- * A piece of more than 24 hours is spread over the days it touches that have no shorter figure of
--   their own (rule 6), so a window of more than 24 hours on a day the span touches is in it, and then
--   so are all of its days. A calendar day lasts at most 25 hours: a window on a day that touches the
--   span overlaps it widened by 26 hours on each side.
-- Then the days the span touches are the days a change can reach; and, started from those whole days,
-- the span is every window those days are computed from (a window longer than 24 hours on them lies
-- inside it, and with it every window on its days, since those overlap the days).
-- Every stored version counts (edited, withdrawn, any as_of): the span is only ever larger than needed.
-- Parameters: $source; $lo, $hi (the span so far).
select
    least($lo::timestamptz, min(period_start)) as lo,
    greatest($hi::timestamptz, max(period_end)) as hi,
    count(*) as versions
from reports
where source = $source
  and period_start < $hi::timestamptz + interval 26 hours  -- both cases lie in these bounds (a filter on
  and period_end > $lo::timestamptz - interval 26 hours    -- the scan: row groups outside are skipped)
  and (
      (period_start < $hi::timestamptz and period_end > $lo::timestamptz)
      or period_end - period_start > interval 24 hours
  )
