-- The events of a dataset (`event_rows`, made by ucdp_events.sql or acled_events.sql) → one count report
-- per window, region and (blank) accused party: the figures are the sums over the window's counted events
-- (CONTRACT §5). A window is the days an event may fall on: one day for most; events whose date is
-- coarser than a day make a longer window, and all events of one window add up in its report.
-- The region comes from the oblast (`admin`: UCDP adm_1, ACLED admin1): a registered region by key or
-- alias, any case, a trailing "oblast"/"region" ignored (macros.sql, import_oblast_region); in
-- the zone or not (a region outside the zone is its own series, never summed into `all`). An event with
-- no oblast is in the whole zone (region blank) when it is in Ukraine (or the row names no country).
-- Events elsewhere are not in a registered region: skipped_places lists them.
-- `line_no` is the file line of the window's first event, so a report is stored in file order.
-- Parameters: profile_timezone, and import_oblast_region's.
with events as (
    select * from event_rows where counted
),

placed as (
    select
        *,
        case
            when admin is null then if(country is null or lower(country) = 'ukraine', '', null)
            else import_oblast_region(admin)
        end as region_key
    from events
),

windows as (
    select
        first_day,
        last_day,
        region_key,
        min(line_no) as line_no,
        count(*) as events,
        sum(violations)::bigint as violations,
        sum(killed)::bigint as killed,
        sum(civilians_killed)::bigint as civilians_killed,
        sum(deaths_unknown)::bigint as deaths_unknown,
        sum(best_low)::bigint as best_low,
        sum(best_high)::bigint as best_high,
        list(event_id order by line_no) as event_ids
    from placed
    where region_key is not null
    group by first_day, last_day, region_key
),

final as (
    select
        line_no,
        first_day,
        last_day,
        nullif(region_key, '') as region,
        timezone(getvariable('profile_timezone'), first_day::timestamp) as period_start_value,
        timezone(getvariable('profile_timezone'), (last_day + 1)::timestamp) as period_end_value,
        events,
        violations,
        killed,
        civilians_killed,
        deaths_unknown,
        best_low,
        best_high,
        event_ids
    from windows
)

select * from final
