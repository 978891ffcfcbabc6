-- Staged text (`stage_raw`, every column VARCHAR) → each cell cleaned, and parsed where it is a date or a
-- count. A value that does not parse is null in its `*_value` column; check_rows.sql reports it.
-- Parameters (SET VARIABLE; their values come from tracker/schema.py and tracker/vocab.py):
-- datetime_pattern, integer_pattern, default_tz, tracker_timezones.
with raw as (
    select * from stage_raw
),

trimmed as (
    -- blank is null ("not reported"); surrounding whitespace is dropped
    select
        line_no,
        nullif(trim(source, ' ' || chr(9) || chr(10) || chr(13)), '') as source,
        nullif(trim(channel, ' ' || chr(9) || chr(10) || chr(13)), '') as channel,
        nullif(trim(reported_at, ' ' || chr(9) || chr(10) || chr(13)), '') as reported_at,
        nullif(trim(period_start, ' ' || chr(9) || chr(10) || chr(13)), '') as period_start,
        nullif(trim(period_end, ' ' || chr(9) || chr(10) || chr(13)), '') as period_end,
        nullif(trim(timezone, ' ' || chr(9) || chr(10) || chr(13)), '') as timezone,
        nullif(trim(region, ' ' || chr(9) || chr(10) || chr(13)), '') as region,
        nullif(trim(area, ' ' || chr(9) || chr(10) || chr(13)), '') as area,
        nullif(trim(accused_party, ' ' || chr(9) || chr(10) || chr(13)), '') as accused_party,
        nullif(trim(violations, ' ' || chr(9) || chr(10) || chr(13)), '') as violations,
        nullif(trim(prohibited_weapons, ' ' || chr(9) || chr(10) || chr(13)), '') as prohibited_weapons,
        nullif(trim(explosions, ' ' || chr(9) || chr(10) || chr(13)), '') as explosions,
        nullif(trim(killed, ' ' || chr(9) || chr(10) || chr(13)), '') as killed,
        nullif(trim(wounded, ' ' || chr(9) || chr(10) || chr(13)), '') as wounded,
        nullif(trim(civilians_killed, ' ' || chr(9) || chr(10) || chr(13)), '') as civilians_killed,
        nullif(trim(civilians_wounded, ' ' || chr(9) || chr(10) || chr(13)), '') as civilians_wounded,
        nullif(trim(settlements_shelled, ' ' || chr(9) || chr(10) || chr(13)), '') as settlements_shelled,
        nullif(trim(qualifier, ' ' || chr(9) || chr(10) || chr(13)), '') as qualifier,
        nullif(trim(weapons, ' ' || chr(9) || chr(10) || chr(13)), '') as weapons,
        nullif(trim(location, ' ' || chr(9) || chr(10) || chr(13)), '') as location,
        nullif(trim(source_url, ' ' || chr(9) || chr(10) || chr(13)), '') as source_url,
        nullif(trim(quote, ' ' || chr(9) || chr(10) || chr(13)), '') as quote,
        nullif(trim(notes, ' ' || chr(9) || chr(10) || chr(13)), '') as notes
    from raw
),

unescaped as (
    -- one leading ' that protects a formula-like text (spreadsheet safety, CONTRACT §2) is removed
    select
        * replace (
            if(regexp_matches(channel, '^''[=+\-@\t\r\n'']'), substr(channel, 2), channel) as channel,
            if(regexp_matches(area, '^''[=+\-@\t\r\n'']'), substr(area, 2), area) as area,
            if(regexp_matches(weapons, '^''[=+\-@\t\r\n'']'), substr(weapons, 2), weapons) as weapons,
            if(regexp_matches(location, '^''[=+\-@\t\r\n'']'), substr(location, 2), location) as location,
            if(regexp_matches(source_url, '^''[=+\-@\t\r\n'']'), substr(source_url, 2), source_url) as source_url,
            if(regexp_matches(quote, '^''[=+\-@\t\r\n'']'), substr(quote, 2), quote) as quote,
            if(regexp_matches(notes, '^''[=+\-@\t\r\n'']'), substr(notes, 2), notes) as notes
        ),
        case
            when timezone is null then getvariable('default_tz')
            when list_contains(getvariable('tracker_timezones'), timezone) then timezone
        end as zone
    from trimmed
),

split as (
    -- date, clock and offset of each date-time; a date-time without seconds gets ':00' (DuckDB's cast
    -- refuses it otherwise)
    select
        *,
        regexp_extract(reported_at, getvariable('datetime_pattern'), ['day', 'hhmm', 'ss', 'utc_offset']) as reported_at_parts,
        regexp_extract(period_start, getvariable('datetime_pattern'), ['day', 'hhmm', 'ss', 'utc_offset']) as period_start_parts,
        regexp_extract(period_end, getvariable('datetime_pattern'), ['day', 'hhmm', 'ss', 'utc_offset']) as period_end_parts
    from unescaped
),

local_times as (
    select
        *,
        try_cast(nullif(reported_at_parts.day, '') as date) as reported_at_day,
        try_cast(reported_at_parts.day || ' ' || nullif(reported_at_parts.hhmm, '') || coalesce(nullif(reported_at_parts.ss, ''), ':00') as timestamp) as reported_at_clock,
        try_cast(nullif(period_start_parts.day, '') as date) as period_start_day,
        try_cast(period_start_parts.day || ' ' || nullif(period_start_parts.hhmm, '') || coalesce(nullif(period_start_parts.ss, ''), ':00') as timestamp) as period_start_clock,
        try_cast(nullif(period_end_parts.day, '') as date) as period_end_day,
        try_cast(period_end_parts.day || ' ' || nullif(period_end_parts.hhmm, '') || coalesce(nullif(period_end_parts.ss, ''), ':00') as timestamp) as period_end_clock
    from split
),

parsed as (
    select
        *,
        case
            when reported_at_day is null then null
            when reported_at_parts.hhmm = '' then timezone(coalesce(zone, 'UTC'), reported_at_day::timestamp)
            when reported_at_parts.utc_offset = '' then timezone(coalesce(zone, 'UTC'), reported_at_clock)
            when reported_at_parts.utc_offset = 'Z' then timezone('UTC', reported_at_clock)
            else try_cast(strftime(reported_at_clock, '%Y-%m-%d %H:%M:%S') || reported_at_parts.utc_offset as timestamptz)
        end as reported_at_value,
        case
            when period_start_day is null then null
            when period_start_parts.hhmm = '' then timezone(coalesce(zone, 'UTC'), period_start_day::timestamp)
            when period_start_parts.utc_offset = '' then timezone(coalesce(zone, 'UTC'), period_start_clock)
            when period_start_parts.utc_offset = 'Z' then timezone('UTC', period_start_clock)
            else try_cast(strftime(period_start_clock, '%Y-%m-%d %H:%M:%S') || period_start_parts.utc_offset as timestamptz)
        end as period_start_value,
        case
            when period_end_day is null then null
            when period_end_parts.hhmm = '' then timezone(coalesce(zone, 'UTC'), period_end_day::timestamp + interval 1 day)
            when period_end_parts.utc_offset = '' then timezone(coalesce(zone, 'UTC'), period_end_clock)
            when period_end_parts.utc_offset = 'Z' then timezone('UTC', period_end_clock)
            else try_cast(strftime(period_end_clock, '%Y-%m-%d %H:%M:%S') || period_end_parts.utc_offset as timestamptz)
        end as period_end_value,
        if(regexp_full_match(violations, getvariable('integer_pattern')), try_cast(violations as bigint), null) as violations_value,
        if(regexp_full_match(prohibited_weapons, getvariable('integer_pattern')), try_cast(prohibited_weapons as bigint), null) as prohibited_weapons_value,
        if(regexp_full_match(explosions, getvariable('integer_pattern')), try_cast(explosions as bigint), null) as explosions_value,
        if(regexp_full_match(killed, getvariable('integer_pattern')), try_cast(killed as bigint), null) as killed_value,
        if(regexp_full_match(wounded, getvariable('integer_pattern')), try_cast(wounded as bigint), null) as wounded_value,
        if(regexp_full_match(civilians_killed, getvariable('integer_pattern')), try_cast(civilians_killed as bigint), null) as civilians_killed_value,
        if(regexp_full_match(civilians_wounded, getvariable('integer_pattern')), try_cast(civilians_wounded as bigint), null) as civilians_wounded_value,
        if(regexp_full_match(settlements_shelled, getvariable('integer_pattern')), try_cast(settlements_shelled as bigint), null) as settlements_shelled_value
    from local_times
),

final as (
    select * exclude (reported_at_parts, reported_at_day, reported_at_clock, period_start_parts, period_start_day, period_start_clock, period_end_parts, period_end_day, period_end_clock)
    from parsed
)

select * from final
