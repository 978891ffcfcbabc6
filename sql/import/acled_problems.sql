-- The problems of the events of an ACLED export that are its own (acled_events.sql, kept in `event_rows`),
-- as (line_no, column_name, code, value, other); event_problems.sql adds those every dataset shares.
-- Counts are judged by macros.sql's import_count_problem.
with rows as (
    select * from event_rows
),

missing as (
    select line_no, 'event_id_cnty' as column_name, 'missing-value' as code, null as value, null as other
    from rows where event_id_cnty is null
    union all
    select line_no, 'event_date', 'missing-value', null, null from rows where event_date is null
    union all
    select line_no, 'sub_event_type', 'missing-value', null, null from rows where sub_event_type is null
    union all
    select line_no, 'fatalities', 'missing-value', null, null from rows where fatalities is null
),

values_ as (
    select line_no, 'event_date', 'bad-date', event_date, null
    from rows where event_date is not null and day is null
    union all
    select line_no, 'time_precision', 'bad-precision', time_precision, null
    from rows where precision is null
    union all
    select line_no, 'fatalities', import_count_problem(fatalities, fatalities_value), fatalities, null
    from rows where import_count_problem(fatalities, fatalities_value) is not null
),

final as (
    select * from missing
    union all select * from values_
)

select * from final
