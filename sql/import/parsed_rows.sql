-- Staged text (`stage_raw`, every column VARCHAR) → each cell cleaned, and parsed where it is a date or a
-- count. A value that does not parse is null in its `*_value` column; check_rows.sql reports it.
-- A date-time with a problem (bad-date, offset-out-of-range, nonexistent-local-time, date-out-of-range) is
-- null in `*_value`, its code in `*_problem` and the message's other part in `*_problem_other`; the same
-- rules, in the same order, as tracker.schema.read_moment.
-- Parameters (SET VARIABLE; their values come from tracker/schema.py and tracker/vocab.py):
-- datetime_pattern, integer_pattern, default_tz, tracker_timezones, earliest_day, latest_day,
-- max_offset_minutes; and for each controlled column C (source, region, accused_party, qualifier)
-- C_spellings and C_keys, position by position (tracker.validate.set_check_variables).
-- A one-digit hour is read with a leading zero (3:30 is 03:30); a count with only zeros after the point
-- (2.0) is that whole number.
with raw as (
    select * from stage_raw
),

trimmed as (
    -- blank is null ("not reported"); surrounding whitespace is dropped (only looked for where there is some)
    select
        line_no,
        nullif(if(regexp_matches(source, '^\s|\s$'), regexp_replace(source, '^\s+|\s+$', '', 'g'), source), '') as source,
        nullif(if(regexp_matches(channel, '^\s|\s$'), regexp_replace(channel, '^\s+|\s+$', '', 'g'), channel), '') as channel,
        nullif(if(regexp_matches(reported_at, '^\s|\s$'), regexp_replace(reported_at, '^\s+|\s+$', '', 'g'), reported_at), '') as reported_at,
        nullif(if(regexp_matches(period_start, '^\s|\s$'), regexp_replace(period_start, '^\s+|\s+$', '', 'g'), period_start), '') as period_start,
        nullif(if(regexp_matches(period_end, '^\s|\s$'), regexp_replace(period_end, '^\s+|\s+$', '', 'g'), period_end), '') as period_end,
        nullif(if(regexp_matches(timezone, '^\s|\s$'), regexp_replace(timezone, '^\s+|\s+$', '', 'g'), timezone), '') as timezone,
        nullif(if(regexp_matches(region, '^\s|\s$'), regexp_replace(region, '^\s+|\s+$', '', 'g'), region), '') as region,
        nullif(if(regexp_matches(area, '^\s|\s$'), regexp_replace(area, '^\s+|\s+$', '', 'g'), area), '') as area,
        nullif(if(regexp_matches(accused_party, '^\s|\s$'), regexp_replace(accused_party, '^\s+|\s+$', '', 'g'), accused_party), '') as accused_party,
        nullif(if(regexp_matches(violations, '^\s|\s$'), regexp_replace(violations, '^\s+|\s+$', '', 'g'), violations), '') as violations,
        nullif(if(regexp_matches(prohibited_weapons, '^\s|\s$'), regexp_replace(prohibited_weapons, '^\s+|\s+$', '', 'g'), prohibited_weapons), '') as prohibited_weapons,
        nullif(if(regexp_matches(explosions, '^\s|\s$'), regexp_replace(explosions, '^\s+|\s+$', '', 'g'), explosions), '') as explosions,
        nullif(if(regexp_matches(killed, '^\s|\s$'), regexp_replace(killed, '^\s+|\s+$', '', 'g'), killed), '') as killed,
        nullif(if(regexp_matches(wounded, '^\s|\s$'), regexp_replace(wounded, '^\s+|\s+$', '', 'g'), wounded), '') as wounded,
        nullif(if(regexp_matches(civilians_killed, '^\s|\s$'), regexp_replace(civilians_killed, '^\s+|\s+$', '', 'g'), civilians_killed), '') as civilians_killed,
        nullif(if(regexp_matches(civilians_wounded, '^\s|\s$'), regexp_replace(civilians_wounded, '^\s+|\s+$', '', 'g'), civilians_wounded), '') as civilians_wounded,
        nullif(if(regexp_matches(settlements_shelled, '^\s|\s$'), regexp_replace(settlements_shelled, '^\s+|\s+$', '', 'g'), settlements_shelled), '') as settlements_shelled,
        nullif(if(regexp_matches(qualifier, '^\s|\s$'), regexp_replace(qualifier, '^\s+|\s+$', '', 'g'), qualifier), '') as qualifier,
        nullif(if(regexp_matches(weapons, '^\s|\s$'), regexp_replace(weapons, '^\s+|\s+$', '', 'g'), weapons), '') as weapons,
        nullif(if(regexp_matches(location, '^\s|\s$'), regexp_replace(location, '^\s+|\s+$', '', 'g'), location), '') as location,
        nullif(if(regexp_matches(source_url, '^\s|\s$'), regexp_replace(source_url, '^\s+|\s+$', '', 'g'), source_url), '') as source_url,
        nullif(if(regexp_matches(quote, '^\s|\s$'), regexp_replace(quote, '^\s+|\s+$', '', 'g'), quote), '') as quote,
        nullif(if(regexp_matches(notes, '^\s|\s$'), regexp_replace(notes, '^\s+|\s+$', '', 'g'), notes), '') as notes
    from raw
),

resolved as (
    -- a controlled value is read by key or alias, any case (CONTRACT §2): its key when it spells one, else
    -- as written (check_rows.sql reports it); the spellings and keys come from tracker.sources.lexicon()
    select
        * replace (
            if(source is null or list_contains(getvariable('source_keys'), source), source, coalesce(list_extract(getvariable('source_keys'), list_position(getvariable('source_spellings'), lower(regexp_replace(source, '\s+', ' ', 'g')))), source)) as source,
            if(region is null or list_contains(getvariable('region_keys'), region), region, coalesce(list_extract(getvariable('region_keys'), list_position(getvariable('region_spellings'), lower(regexp_replace(region, '\s+', ' ', 'g')))), region)) as region,
            if(accused_party is null or list_contains(getvariable('accused_party_keys'), accused_party), accused_party, coalesce(list_extract(getvariable('accused_party_keys'), list_position(getvariable('accused_party_spellings'), lower(regexp_replace(accused_party, '\s+', ' ', 'g')))), accused_party)) as accused_party,
            if(qualifier is null or list_contains(getvariable('qualifier_keys'), qualifier), qualifier, coalesce(list_extract(getvariable('qualifier_keys'), list_position(getvariable('qualifier_spellings'), lower(regexp_replace(qualifier, '\s+', ' ', 'g')))), qualifier)) as qualifier
        )
    from trimmed
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
    from resolved
),

separators_unescaped as (
    -- and so is the ' after a ; before the same characters (a spreadsheet whose list separator is ; starts
    -- a cell there)
    select
        * replace (
            if(contains(channel, ';'''), regexp_replace(channel, ';''([=+\-@\t\r\n''])', ';\1', 'g'), channel) as channel,
            if(contains(area, ';'''), regexp_replace(area, ';''([=+\-@\t\r\n''])', ';\1', 'g'), area) as area,
            if(contains(weapons, ';'''), regexp_replace(weapons, ';''([=+\-@\t\r\n''])', ';\1', 'g'), weapons) as weapons,
            if(contains(location, ';'''), regexp_replace(location, ';''([=+\-@\t\r\n''])', ';\1', 'g'), location) as location,
            if(contains(source_url, ';'''), regexp_replace(source_url, ';''([=+\-@\t\r\n''])', ';\1', 'g'), source_url) as source_url,
            if(contains(quote, ';'''), regexp_replace(quote, ';''([=+\-@\t\r\n''])', ';\1', 'g'), quote) as quote,
            if(contains(notes, ';'''), regexp_replace(notes, ';''([=+\-@\t\r\n''])', ';\1', 'g'), notes) as notes
        )
    from unescaped
),

split as (
    -- date, clock and offset of each date-time; a date-time without seconds gets ':00' (DuckDB's cast
    -- refuses it otherwise)
    select
        *,
        regexp_extract(reported_at, getvariable('datetime_pattern'), ['day', 'hhmm', 'ss', 'utc_offset']) as reported_at_parts,
        regexp_extract(period_start, getvariable('datetime_pattern'), ['day', 'hhmm', 'ss', 'utc_offset']) as period_start_parts,
        regexp_extract(period_end, getvariable('datetime_pattern'), ['day', 'hhmm', 'ss', 'utc_offset']) as period_end_parts
    from separators_unescaped
),

local_times as (
    -- the written day, the written clock (null for a date), the local time meant (a date-only end: the next
    -- midnight) and the offset in minutes
    select
        *,
        try_cast(nullif(reported_at_parts.day, '') as date) as reported_at_day,
        try_cast(reported_at_parts.day || ' ' || lpad(nullif(reported_at_parts.hhmm, ''), 5, '0') || coalesce(nullif(reported_at_parts.ss, ''), ':00') as timestamp) as reported_at_clock,
        if(reported_at_parts.utc_offset in ('', 'Z'), 0, try_cast(substr(reported_at_parts.utc_offset, 2, 2) as integer) * 60 + try_cast(substr(reported_at_parts.utc_offset, 5, 2) as integer)) as reported_at_offset_minutes,
        try_cast(nullif(period_start_parts.day, '') as date) as period_start_day,
        try_cast(period_start_parts.day || ' ' || lpad(nullif(period_start_parts.hhmm, ''), 5, '0') || coalesce(nullif(period_start_parts.ss, ''), ':00') as timestamp) as period_start_clock,
        if(period_start_parts.utc_offset in ('', 'Z'), 0, try_cast(substr(period_start_parts.utc_offset, 2, 2) as integer) * 60 + try_cast(substr(period_start_parts.utc_offset, 5, 2) as integer)) as period_start_offset_minutes,
        try_cast(nullif(period_end_parts.day, '') as date) as period_end_day,
        try_cast(period_end_parts.day || ' ' || lpad(nullif(period_end_parts.hhmm, ''), 5, '0') || coalesce(nullif(period_end_parts.ss, ''), ':00') as timestamp) as period_end_clock,
        if(period_end_parts.utc_offset in ('', 'Z'), 0, try_cast(substr(period_end_parts.utc_offset, 2, 2) as integer) * 60 + try_cast(substr(period_end_parts.utc_offset, 5, 2) as integer)) as period_end_offset_minutes
    from split
),

local_moments as (
    select
        *,
        coalesce(zone, 'UTC') as tz,
        if(reported_at_parts.hhmm = '', reported_at_day::timestamp, reported_at_clock) as reported_at_local,
        if(period_start_parts.hhmm = '', period_start_day::timestamp, period_start_clock) as period_start_local,
        if(period_end_parts.hhmm = '', period_end_day::timestamp + interval 1 day, period_end_clock) as period_end_local
    from local_times
),

change_days as (
    -- the local days of the rows' local times (without an offset) on which their zone's clocks change, as one
    -- list: only times on those days need the slow reading below (most files hold few such days)
    select coalesce(list(distinct day), []) as days
    from (
        select distinct tz, reported_at_local::date as day from local_moments where reported_at_parts.utc_offset = '' and reported_at_local is not null
        union all
        select distinct tz, period_start_local::date as day from local_moments where period_start_parts.utc_offset = '' and period_start_local is not null
        union all
        select distinct tz, period_end_local::date as day from local_moments where period_end_parts.utc_offset = '' and period_end_local is not null
    )
    where timezone(tz, day::timestamp + interval 1 day) - timezone(tz, day::timestamp) <> interval 24 hours
),

on_change_days as (
    select
        *,
        reported_at_parts.utc_offset = '' and reported_at_local::date in (select unnest(days) from change_days) as reported_at_on_change,
        period_start_parts.utc_offset = '' and period_start_local::date in (select unnest(days) from change_days) as period_start_on_change,
        period_end_parts.utc_offset = '' and period_end_local::date in (select unnest(days) from change_days) as period_end_on_change
    from local_moments
),

instants as (
    -- a local time without an offset, in the row's zone; on a day the clocks change, in an autumn fold the
    -- first occurrence (DuckDB takes the second: the instant with the offset of a day earlier is tried first)
    select
        *,
        case
            when reported_at_day is null then null
            when reported_at_parts.utc_offset = '' and not reported_at_on_change then timezone(tz, reported_at_local)
            when reported_at_parts.utc_offset = '' then if(
                timezone(tz, timezone(tz, reported_at_local - interval 1 day) + interval 1 day) = reported_at_local,
                least(timezone(tz, reported_at_local - interval 1 day) + interval 1 day, timezone(tz, reported_at_local)),
                timezone(tz, reported_at_local))
            when reported_at_parts.utc_offset = 'Z' then timezone('UTC', reported_at_clock)
            else try_cast(strftime(reported_at_clock, '%Y-%m-%d %H:%M:%S') || reported_at_parts.utc_offset as timestamptz)
        end as reported_at_instant,
        case
            when period_start_day is null then null
            when period_start_parts.utc_offset = '' and not period_start_on_change then timezone(tz, period_start_local)
            when period_start_parts.utc_offset = '' then if(
                timezone(tz, timezone(tz, period_start_local - interval 1 day) + interval 1 day) = period_start_local,
                least(timezone(tz, period_start_local - interval 1 day) + interval 1 day, timezone(tz, period_start_local)),
                timezone(tz, period_start_local))
            when period_start_parts.utc_offset = 'Z' then timezone('UTC', period_start_clock)
            else try_cast(strftime(period_start_clock, '%Y-%m-%d %H:%M:%S') || period_start_parts.utc_offset as timestamptz)
        end as period_start_instant,
        case
            when period_end_day is null then null
            when period_end_parts.utc_offset = '' and not period_end_on_change then timezone(tz, period_end_local)
            when period_end_parts.utc_offset = '' then if(
                timezone(tz, timezone(tz, period_end_local - interval 1 day) + interval 1 day) = period_end_local,
                least(timezone(tz, period_end_local - interval 1 day) + interval 1 day, timezone(tz, period_end_local)),
                timezone(tz, period_end_local))
            when period_end_parts.utc_offset = 'Z' then timezone('UTC', period_end_clock)
            else try_cast(strftime(period_end_clock, '%Y-%m-%d %H:%M:%S') || period_end_parts.utc_offset as timestamptz)
        end as period_end_instant
    from on_change_days
),

moment_problems as (
    -- the local day is read only near the ends of the range (elsewhere no zone or offset can move it out)
    select
        *,
        case
            when reported_at is null then null
            when reported_at_day is null or year(reported_at_day) < 1 or (reported_at_parts.hhmm <> '' and (reported_at_clock is null or substr(lpad(reported_at_parts.hhmm, 5, '0'), 1, 2)::integer > 23)) then 'bad-date'
            when reported_at_parts.utc_offset not in ('', 'Z') and substr(reported_at_parts.utc_offset, 5, 2)::integer > 59 then 'bad-date'
            when reported_at_offset_minutes > getvariable('max_offset_minutes') then 'offset-out-of-range'
            when reported_at_day not between getvariable('earliest_day')::date - 1 and getvariable('latest_day')::date + 1 then 'date-out-of-range'
            when reported_at_instant is null then 'bad-date'
            when reported_at_on_change and reported_at_parts.hhmm <> '' and timezone(tz, reported_at_instant) <> reported_at_clock then 'nonexistent-local-time'
            when reported_at_day between getvariable('earliest_day')::date + 3 and getvariable('latest_day')::date - 3 then null
            when timezone(tz, reported_at_instant)::date not between getvariable('earliest_day')::date and getvariable('latest_day')::date then 'date-out-of-range'
        end as reported_at_problem,
        case
            when period_start is null then null
            when period_start_day is null or year(period_start_day) < 1 or (period_start_parts.hhmm <> '' and (period_start_clock is null or substr(lpad(period_start_parts.hhmm, 5, '0'), 1, 2)::integer > 23)) then 'bad-date'
            when period_start_parts.utc_offset not in ('', 'Z') and substr(period_start_parts.utc_offset, 5, 2)::integer > 59 then 'bad-date'
            when period_start_offset_minutes > getvariable('max_offset_minutes') then 'offset-out-of-range'
            when period_start_day not between getvariable('earliest_day')::date - 1 and getvariable('latest_day')::date + 1 then 'date-out-of-range'
            when period_start_instant is null then 'bad-date'
            when period_start_on_change and period_start_parts.hhmm <> '' and timezone(tz, period_start_instant) <> period_start_clock then 'nonexistent-local-time'
            when period_start_day between getvariable('earliest_day')::date + 3 and getvariable('latest_day')::date - 3 then null
            when timezone(tz, period_start_instant)::date not between getvariable('earliest_day')::date and getvariable('latest_day')::date then 'date-out-of-range'
        end as period_start_problem,
        case
            when period_end is null then null
            when period_end_day is null or year(period_end_day) < 1 or (period_end_parts.hhmm <> '' and (period_end_clock is null or substr(lpad(period_end_parts.hhmm, 5, '0'), 1, 2)::integer > 23)) then 'bad-date'
            when period_end_parts.utc_offset not in ('', 'Z') and substr(period_end_parts.utc_offset, 5, 2)::integer > 59 then 'bad-date'
            when period_end_offset_minutes > getvariable('max_offset_minutes') then 'offset-out-of-range'
            when period_end_day not between getvariable('earliest_day')::date - 1 and getvariable('latest_day')::date + 1 then 'date-out-of-range'
            when period_end_instant is null then 'bad-date'
            when period_end_on_change and period_end_parts.hhmm <> '' and timezone(tz, period_end_instant) <> period_end_clock then 'nonexistent-local-time'
            when period_end_day between getvariable('earliest_day')::date + 3 and getvariable('latest_day')::date - 3 then null
            when timezone(tz, period_end_instant - interval 1 microsecond)::date not between getvariable('earliest_day')::date and getvariable('latest_day')::date then 'date-out-of-range'
        end as period_end_problem
    from instants
),

parsed as (
    select
        *,
        if(reported_at_problem is null, reported_at_instant, null) as reported_at_value,
        case reported_at_problem when 'offset-out-of-range' then reported_at_parts.utc_offset when 'bad-date' then null else tz end as reported_at_problem_other,
        if(period_start_problem is null, period_start_instant, null) as period_start_value,
        case period_start_problem when 'offset-out-of-range' then period_start_parts.utc_offset when 'bad-date' then null else tz end as period_start_problem_other,
        if(period_end_problem is null, period_end_instant, null) as period_end_value,
        case period_end_problem when 'offset-out-of-range' then period_end_parts.utc_offset when 'bad-date' then null else tz end as period_end_problem_other,
        if(regexp_full_match(violations, getvariable('integer_pattern')), try_cast(split_part(violations, '.', 1) as bigint), null) as violations_value,
        if(regexp_full_match(prohibited_weapons, getvariable('integer_pattern')), try_cast(split_part(prohibited_weapons, '.', 1) as bigint), null) as prohibited_weapons_value,
        if(regexp_full_match(explosions, getvariable('integer_pattern')), try_cast(split_part(explosions, '.', 1) as bigint), null) as explosions_value,
        if(regexp_full_match(killed, getvariable('integer_pattern')), try_cast(split_part(killed, '.', 1) as bigint), null) as killed_value,
        if(regexp_full_match(wounded, getvariable('integer_pattern')), try_cast(split_part(wounded, '.', 1) as bigint), null) as wounded_value,
        if(regexp_full_match(civilians_killed, getvariable('integer_pattern')), try_cast(split_part(civilians_killed, '.', 1) as bigint), null) as civilians_killed_value,
        if(regexp_full_match(civilians_wounded, getvariable('integer_pattern')), try_cast(split_part(civilians_wounded, '.', 1) as bigint), null) as civilians_wounded_value,
        if(regexp_full_match(settlements_shelled, getvariable('integer_pattern')), try_cast(split_part(settlements_shelled, '.', 1) as bigint), null) as settlements_shelled_value
    from moment_problems
),

final as (
    select * exclude (tz, reported_at_parts, reported_at_day, reported_at_clock, reported_at_offset_minutes, reported_at_local, reported_at_instant, reported_at_on_change, period_start_parts, period_start_day, period_start_clock, period_start_offset_minutes, period_start_local, period_start_instant, period_start_on_change, period_end_parts, period_end_day, period_end_clock, period_end_offset_minutes, period_end_local, period_end_instant, period_end_on_change)
    from parsed
)

select * from final
