-- The rows of one import batch (parameter 1: its batch_seq) that are revisions of reports stored before it:
-- another current report of the same source and window (region, area, accused party, period) from an
-- earlier batch. Rule 3 then decides which figure counts. One row per revising row: its line in the file.
with new_rows as (
    select row_no, source, region, area, accused_party, period_start, period_end
    from reports
    where batch_seq = ?
),

earlier as (
    select source, region, area, accused_party, period_start, period_end
    from current_reports
    where batch_seq < ?
),

final as (
    select distinct new_rows.row_no as line_no
    from new_rows
    semi join earlier
        on earlier.source = new_rows.source
        and earlier.period_start = new_rows.period_start
        and earlier.period_end = new_rows.period_end
        and earlier.region is not distinct from new_rows.region
        and earlier.area is not distinct from new_rows.area
        and earlier.accused_party is not distinct from new_rows.accused_party
)

select * from final order by line_no
