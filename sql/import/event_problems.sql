-- Every problem of the events of a dataset (`event_rows`, made by ucdp_events.sql or acled_events.sql), as
-- (line_no, column_name, code, value, other): the dataset's own (ucdp_problems.sql or acled_problems.sql,
-- named by `profile_problems_relation`), and those every dataset shares: an event id given twice (its
-- column named by `profile_id_column`).
with rows as (
    select * from event_rows
),

own as (
    select * from query_table(getvariable('profile_problems_relation'))
),

repeated as (
    select line_no, getvariable('profile_id_column') as column_name, 'duplicate-event' as code, event_id as value,
           (min(line_no) over (partition by event_id))::varchar as other
    from rows
    where event_id is not null
    qualify line_no > min(line_no) over (partition by event_id)
),

final as (
    select * from own
    union all
    select * from repeated
)

select * from final
