-- The earlier versions of the windows one import batch (parameter 1: its batch_seq) stored: versions from
-- earlier batches (parameter 2: the same batch_seq) of the same source and window (region, area, accused
-- party, period), each with the file line of the row of the batch that shares its window. Read from the
-- table, narrow; revised_reports.sql then keeps those that are current. Most imports of new data have none.
with new_rows as (
    select row_no, source, region, area, accused_party, period_start, period_end
    from reports
    where batch_seq = ?
),

final as (
    select reports.id, new_rows.row_no as line_no
    from reports
    join new_rows
        on reports.source = new_rows.source
        and reports.period_start = new_rows.period_start
        and reports.period_end = new_rows.period_end
        and reports.region is not distinct from new_rows.region
        and reports.area is not distinct from new_rows.area
        and reports.accused_party is not distinct from new_rows.accused_party
    where reports.batch_seq < ?
)

select * from final
