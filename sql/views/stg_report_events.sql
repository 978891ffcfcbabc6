-- The events behind each count report of an event dataset, one row per (report, event) even when two
-- racing writers both inserted it.
with stored as (
    select * from report_events
),

final as (
    select distinct report_id, dataset, event_id
    from stored
)

select * from final
