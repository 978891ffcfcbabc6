-- The rows to store: of the hashed rows (hashed_rows.sql), the first of each content (a repeat of an
-- earlier row of the same batch is a duplicate) that is not stored yet (a row whose every canonical column
-- equals a stored version's, blank equal to blank, is a duplicate). Narrow: `line_no` and `content_hash`;
-- the insert takes the rest from the typed rows. Reads the relation named by `hashed_relation`.
with hashed as (
    select line_no, content_hash from query_table(getvariable('hashed_relation'))
),

first_in_batch as (
    select min(line_no) as line_no, content_hash
    from hashed
    group by content_hash
),

stored as (
    select content_hash from reports
),

final as (
    select first_in_batch.*
    from first_in_batch
    anti join stored using (content_hash)
)

select * from final
