-- The daily series (CONTRACT §3 and §4): one row per day, source and region that has a figure, for the
-- accused party chosen by the `accused` variable (unset = every party, the blank-party total winning).
-- It reads the derived table daily_rows when that answers the question (the store's calendar zone,
-- `calendar_tz`, no `as_of`, and `daily_live` not set: tracker.series sets it when the table is behind
-- the reports and cannot be refreshed); otherwise it computes the rows from the reports through
-- int_series_rows. The conditions are constants, so DuckDB plans only one of the two branches.
-- Parameters: tz, calendar_tz (the store's calendar zone, store_settings; unset = Europe/Kyiv), as_of,
-- accused, daily_live (and daily_sources, which narrows the computed branch).
with stored as (
    select *
    from daily_rows
    where coalesce(getvariable('tz'), getvariable('calendar_tz'), 'Europe/Kyiv') = coalesce(getvariable('calendar_tz'), 'Europe/Kyiv')
      and getvariable('as_of') is null
      and not coalesce(getvariable('daily_live'), false)
),

computed as (
    select *
    from int_series_rows
    where not (
        coalesce(getvariable('tz'), getvariable('calendar_tz'), 'Europe/Kyiv') = coalesce(getvariable('calendar_tz'), 'Europe/Kyiv')
        and getvariable('as_of') is null
        and not coalesce(getvariable('daily_live'), false)
    )
),

both_ways as (
    select * from stored
    union all
    select * from computed
),

final as (
    select * exclude (accused_filter)
    from both_ways
    where accused_filter = coalesce(getvariable('accused'), '')
)

select * from final
