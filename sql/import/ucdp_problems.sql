-- The problems of the events of a UCDP GED file that are its own (ucdp_events.sql, kept in `event_rows`),
-- as (line_no, column_name, code, value, other); event_problems.sql adds those every dataset shares.
-- Counts are judged by macros.sql's import_count_problem.
with rows as (
    select * from event_rows
),

missing as (
    select line_no, 'id' as column_name, 'missing-value' as code, null as value, null as other
    from rows where id is null
    union all
    select line_no, 'date_start', 'missing-value', null, null from rows where date_start is null
    union all
    select line_no, 'date_end', 'missing-value', null, null from rows where date_end is null
    union all
    select line_no, 'deaths_a', 'missing-value', null, null from rows where deaths_a is null
    union all
    select line_no, 'deaths_b', 'missing-value', null, null from rows where deaths_b is null
    union all
    select line_no, 'deaths_civilians', 'missing-value', null, null from rows where deaths_civilians is null
),

dates as (
    select line_no, 'date_start', 'bad-date', date_start, null
    from rows where date_start is not null and first_day is null
    union all
    select line_no, 'date_end', 'bad-date', date_end, null
    from rows where date_end is not null and last_day is null
    union all
    select line_no, 'date_end', 'event-dates', date_end, date_start
    from rows where last_day < first_day
),

counts as (
    unpivot (
        select
            line_no,
            {'text': deaths_a, 'value': deaths_a_value} as deaths_a,
            {'text': deaths_b, 'value': deaths_b_value} as deaths_b,
            {'text': deaths_civilians, 'value': deaths_civilians_value} as deaths_civilians,
            {'text': deaths_unknown_text, 'value': deaths_unknown_value} as deaths_unknown,
            {'text': low, 'value': low_value} as low,
            {'text': high, 'value': high_value} as high
        from rows
    )
    on deaths_a, deaths_b, deaths_civilians, deaths_unknown, low, high
    into name column_name value cell
),

bad_counts as (
    select line_no, column_name, import_count_problem(cell.text, cell.value), cell.text, null
    from counts
    where import_count_problem(cell.text, cell.value) is not null
),

final as (
    select * from missing
    union all select * from dates
    union all select * from bad_counts
)

select * from final
