-- The rows of `hashed_rows` that are not stored yet. A row whose every canonical column equals a stored
-- version (blank equal to blank) is a duplicate; so is a repeat of an earlier row of the same batch.
with hashed as (
    select * from hashed_rows
),

first_in_batch as (
    select *
    from hashed
    qualify row_number() over (partition by content_hash order by line_no) = 1
),

stored as (
    select distinct content_hash from reports
),

final as (
    select first_in_batch.*
    from first_in_batch
    anti join stored using (content_hash)
)

select * from final
