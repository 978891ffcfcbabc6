-- The rows of an ACLED export as events (CONTRACT §5). Reads `profile_text`: the file's columns as text
-- (a column the file lacks is null), plus line_no. Keeps each raw value for acled_problems.sql and adds
-- the parsed columns every event dataset shares (see event_reports.sql). Only shelling and clash events
-- (`acled_counted_kinds`, compared case-blind) are counted: each is one violation, and its fatalities are
-- `killed` (ACLED does not tell soldiers from civilians). The window is the day the event may fall on:
-- time_precision 1 (or blank) the event_date itself; 2 (a week) the week around it, event_date ± 3
-- days; 3 (a month) the calendar month of event_date.
-- Parameter: acled_counted_kinds (lowercase); counts are read by macros.sql's import_count.
with raw as (
    select * from profile_text
),

cleaned as (
    select
        line_no,
        nullif(trim(event_id_cnty), '') as event_id_cnty,
        nullif(trim(event_date), '') as event_date,
        nullif(trim(time_precision), '') as time_precision,
        nullif(trim(sub_event_type), '') as sub_event_type,
        nullif(trim(admin1), '') as admin1,
        nullif(trim(country), '') as country,
        nullif(trim(fatalities), '') as fatalities
    from raw
),

parsed as (
    -- ACLED has written event_date as 2022-02-17, 17 February 2022, 17-February-2022 and 17/02/2022
    select
        *,
        try_strptime(event_date, ['%Y-%m-%d', '%d %B %Y', '%d-%B-%Y', '%d %b %Y', '%d-%b-%Y', '%d/%m/%Y',
                                  '%d-%m-%Y', '%d.%m.%Y'])::date as day,
        case coalesce(time_precision, '1') when '1' then 1 when '2' then 2 when '3' then 3 end as precision,
        import_count(fatalities) as fatalities_value
    from cleaned
),

final as (
    select
        *,
        event_id_cnty as event_id,
        case precision
            when 1 then day
            when 2 then day - 3
            when 3 then date_trunc('month', day)::date
        end as first_day,
        case precision
            when 1 then day
            when 2 then day + 3
            when 3 then last_day(day)
        end as last_day,
        admin1 as admin,
        sub_event_type as kind,
        coalesce(list_contains(getvariable('acled_counted_kinds'), lower(sub_event_type)), false) as counted,
        1::bigint as violations,
        fatalities_value as killed,
        null::bigint as civilians_killed,
        null::bigint as deaths_unknown,
        null::bigint as best_low,
        null::bigint as best_high
    from parsed
)

select * from final
