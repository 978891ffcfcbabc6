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
    select coalesce(import_zone(import_cell(timezone)), 'UTC') as tz, import_cell(cell) as cell, is_end
    from written
),

days as (
    -- a date-only end means the next midnight
    select distinct tz, try_cast(left(cell, 10) as date) + if(is_end and strlen(cell) = 10, 1, 0) as day
    from cells
    where import_moment_valid(cell) and import_moment_offset(cell) = ''
),

instants as (
    -- the instants of the day's midnight and the next in its zone
    select
        tz,
        day,
        day::timestamp as midnight,
        timezone(tz, day::timestamp) as starts,
        timezone(tz, day::timestamp + interval 1 day) as ends
    from days
    where day between getvariable('earliest_day')::date - 2 and getvariable('latest_day')::date + 2
),

final as (
    select
        tz,
        day,
        midnight - timezone('UTC', starts) as utc_offset,
        ends - starts <> interval 24 hours as changes
    from instants
)

select * from final
