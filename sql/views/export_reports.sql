-- Every current report in the canonical CSV format (CONTRACT §2), in the order stored, so a re-import
-- keeps the order that breaks revision ties. Date-times are written in the row's own time zone with its
-- offset; an edge at local midnight is written as a date (a date-only end means the end of that day).
-- Text is not escaped here: tracker/export.py escapes formula-like cells for CSV only.
--
-- A time zone read from a column costs DuckDB (ICU) a zone lookup per row, the export's whole cost once;
-- so each distinct (zone, instant) of the three date-time columns is written once, in `written`, and the
-- rows are joined to it.
with current as (
    select * from current_reports
),

instants as (
    select timezone, period_start as instant from current
    union
    select timezone, period_end from current
    union
    select timezone, reported_at from current where reported_at is not null
),

local_times as (
    select timezone, instant, timezone(timezone, instant) as local_time
    from instants
),

offsets as (
    select *, date_diff('minute', timezone('UTC', instant), local_time) as offset_minutes
    from local_times
),

written as (
    select
        timezone,
        instant,
        local_time = date_trunc('day', local_time) as at_midnight,
        strftime(local_time, '%Y-%m-%d') as local_day,
        strftime(local_time - interval 1 day, '%Y-%m-%d') as day_before,
        strftime(local_time, '%Y-%m-%dT%H:%M:%S')
            || if(offset_minutes < 0, '-', '+')
            || lpad((abs(offset_minutes) // 60)::varchar, 2, '0') || ':'
            || lpad((abs(offset_minutes) % 60)::varchar, 2, '0') as local_time_with_offset
    from offsets
),

final as (
    select
        current.source,
        current.channel,
        if(reported.at_midnight, reported.local_day, reported.local_time_with_offset) as reported_at,
        if(started.at_midnight, started.local_day, started.local_time_with_offset) as period_start,
        if(ended.at_midnight, ended.day_before, ended.local_time_with_offset) as period_end,
        current.timezone,
        current.region,
        current.area,
        current.accused_party,
        current.violations,
        current.prohibited_weapons,
        current.explosions,
        current.killed,
        current.wounded,
        current.civilians_killed,
        current.civilians_wounded,
        current.settlements_shelled,
        current.qualifier,
        current.weapons,
        current.location,
        current.source_url,
        current.quote,
        current.notes
    from current
    left join written as reported on reported.timezone = current.timezone and reported.instant = current.reported_at
    left join written as started on started.timezone = current.timezone and started.instant = current.period_start
    left join written as ended on ended.timezone = current.timezone and ended.instant = current.period_end
    order by current.batch_seq, current.row_no
)

select * from final
