-- Every problem of the events of an ACLED export (acled_events.sql, kept in `event_rows`), as
-- (line_no, column_name, code, value, other) like check_rows.sql. Parameters: negative_pattern,
-- decimal_pattern, integer_pattern.
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
    select
        line_no, 'fatalities',
        case
            when regexp_full_match(fatalities, getvariable('integer_pattern')) then 'number-too-large'
            when regexp_full_match(fatalities, getvariable('negative_pattern')) then 'negative-count'
            when regexp_full_match(fatalities, getvariable('decimal_pattern')) then 'not-an-integer'
            else 'not-a-number'
        end,
        fatalities, null
    from rows where fatalities is not null and fatalities_value is null
),

repeated as (
    select line_no, 'event_id_cnty', 'duplicate-event', event_id_cnty,
           (min(line_no) over (partition by event_id_cnty))::varchar
    from rows
    where event_id_cnty is not null
    qualify line_no > min(line_no) over (partition by event_id_cnty)
),

final as (
    select * from missing
    union all select * from values_
    union all select * from repeated
)

select * from final
