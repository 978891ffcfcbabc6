-- One step of the reach of a change to one source's daily rows (tracker/series.py `_reach`): the span
-- of time [lo, hi] that must be computed together, widened by the stored windows of the source that
-- could change a day it touches, or be changed by one. Repeated until it stops growing.
-- * A window's piece depends on the windows that overlap it (nesting and crossing, CONTRACT §3 rule 4):
--   every window that overlaps the span is in it.
-- * A piece of more than 24 hours is spread over the days it touches that have no shorter figure of their
--   own (rule 6). So a window of more than 24 hours on a day the span touches is in it; and so is every
--   window on a day that such a window touches, even one that overlaps neither it nor the span (a short
--   figure after a long window's end on its last day takes that day out of its shares). A calendar day
--   lasts at most 25 hours: a window on a day that an instant t touches overlaps [t - 26 h, t + 26 h].
-- The days the span touches are then the days a change can reach; and, started from whole days, the span
-- holds every window those days are computed from, whichever days are computed.
-- Every stored version counts (edited, withdrawn, any as_of): the span is only ever larger than needed.
-- Parameters: $source; $lo, $hi (the span so far); $long_lo, $long_hi (the span of its windows of more
-- than 24 hours; null while it has none).
with near as (
    select period_start, period_end, period_end - period_start > interval 24 hours as long
    from reports
    where source = $source
      -- every case below lies in these bounds (a filter on the scan: row groups outside are skipped)
      and period_start < greatest($hi::timestamptz, $long_hi::timestamptz) + interval 26 hours
      and period_end > least($lo::timestamptz, $long_lo::timestamptz) - interval 26 hours
      and (
          (period_start < $hi::timestamptz and period_end > $lo::timestamptz)
          or (period_end - period_start > interval 24 hours
              and period_start < $hi::timestamptz + interval 26 hours
              and period_end > $lo::timestamptz - interval 26 hours)
          or (period_start < $long_hi::timestamptz + interval 26 hours
              and period_end > $long_lo::timestamptz - interval 26 hours)
      )
)

select
    least($lo::timestamptz, min(period_start)) as lo,
    greatest($hi::timestamptz, max(period_end)) as hi,
    least($long_lo::timestamptz, min(period_start) filter (where long)) as long_lo,
    greatest($long_hi::timestamptz, max(period_end) filter (where long)) as long_hi,
    count(*) as versions
from near
