-- The figures kept beside each count report of an event dataset (events, and UCDP's deaths of unknown
-- status and low/high estimates), one row per report.
with stored as (
    select * from report_event_stats
),

final as (
    select *
    from stored
    qualify row_number() over (partition by report_id order by dataset) = 1
)

select * from final
