-- The rows to store: of the hashed rows (hashed_rows.sql), the first of each content (a repeat of an
-- earlier row of the same batch is a duplicate) that is not stored yet (a row whose every canonical column
-- equals a stored version's, blank equal to blank, is a duplicate). Narrow: `line_no` and `content_hash`;
-- the insert takes the rest from the typed rows. Reads the relation named by `hashed_relation`.
with hashed as (
    select line_no, content_hash, period_start from query_table(getvariable('hashed_relation'))
),

first_in_batch as (
    select min(line_no) as line_no, content_hash, any_value(period_start) as period_start
    from hashed
    group by content_hash
),

stored as (
    -- the stored versions that can be the same: equal content starts at the same instant, so the scan of
    -- `reports` is bounded by the batch's window starts (a form entry reads the row groups of its day)
    select content_hash
    from reports
    semi join first_in_batch using (content_hash, period_start)
),

final as (
    select first_in_batch.line_no, first_in_batch.content_hash
    from first_in_batch
    anti join stored using (content_hash)
)

select * from final
