-- The local days a staged file's date-times without an offset fall on, in their zone: each with the zone's
-- UTC offset at its start, and whether its clocks change during it (a spring gap or an autumn fold). A
-- local time is then its day's offset away from UTC (one join, no time zone lookup a row: DuckDB's
-- timezone() with a zone that varies by row costs more than all the other checks), and only the few times
-- on a day that changes are read the slow way (macros.sql, import_moment_instant). Read from the text, each
-- distinct text once, before the rows are checked. Days outside the accepted range are refused anyway.
-- Reads the relation named by `staged_relation`. Parameters: as macros.sql.
with staged as (
    select * from query_table(getvariable('staged_relation'))
),

written as (
    select distinct timezone, reported_at as cell, false as is_end from staged
    union all
    select distinct timezone, period_start as cell, false as is_end from staged
    union all
    select distinct timezone, period_end as cell, true as is_end from staged
),

cells as (
    select coalesce(import_zone(import_cell(timezone)), 'UTC') as tz, import_moment_written(import_cell(cell)) as m,
           is_end
    from written
),

days as (
    -- a date-only end means the next midnight
    select distinct tz, try_cast(left(m.text, 10) as date) + if(is_end and not m.has_time, 1, 0) as day
    from cells
    where m.valid and m.utc_offset = ''
),

bounded as (
    select tz, day, day::timestamp as midnight
    from days
    where day between getvariable('earliest_day')::date - 2 and getvariable('latest_day')::date + 2
),

final as (
    select
        tz,
        day,
        midnight - timezone('UTC', timezone(tz, midnight)) as utc_offset,
        timezone(tz, midnight + interval 1 day) - timezone(tz, midnight) <> interval 24 hours
            or timezone(tz, midnight + interval 12 hours) - timezone(tz, midnight) <> interval 12 hours as changes
    from bounded
)

select * from final
