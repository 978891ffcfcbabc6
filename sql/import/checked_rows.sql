-- A staged file (every canonical column as text, plus line_no) → each row's typed values and its problem
-- list, in one pass: `line_no`, the canonical columns in the store's types, and `problems`, a list of
-- (column_name, code, value, other) that is null for a row without problems (tracker/problems.py writes the
-- messages from the codes). The typed values of a row with problems are never stored.
-- Every rule is a macro of macros.sql, applied column by column; tracker/schema.py has the same rules.
-- Reads the relation named by `staged_relation`. Parameters: those of macros.sql, and tracker_sources,
-- tracker_regions, tracker_parties, tracker_qualifiers, url_pattern, max_window_years, zone_days_relation
-- (the table zone_days.sql makes), staged_nul (whether the file holds a NUL byte), and for each controlled column C C_keys and C_spellings.
with staged as (
    select * from query_table(getvariable('staged_relation'))
),

zone_days as (
    select * from query_table(getvariable('zone_days_relation'))
),

cells as (
    select
        line_no,
        import_cell(source) as source,
        import_cell(channel) as channel,
        import_cell(reported_at) as reported_at,
        import_cell(period_start) as period_start,
        import_cell(period_end) as period_end,
        import_cell(timezone) as timezone,
        import_cell(region) as region,
        import_cell(area) as area,
        import_cell(accused_party) as accused_party,
        import_cell(violations) as violations,
        import_cell(prohibited_weapons) as prohibited_weapons,
        import_cell(explosions) as explosions,
        import_cell(killed) as killed,
        import_cell(wounded) as wounded,
        import_cell(civilians_killed) as civilians_killed,
        import_cell(civilians_wounded) as civilians_wounded,
        import_cell(settlements_shelled) as settlements_shelled,
        import_cell(qualifier) as qualifier,
        import_cell(weapons) as weapons,
        import_cell(location) as location,
        import_cell(source_url) as source_url,
        import_cell(quote) as quote,
        import_cell(notes) as notes
    from staged
),

resolved as (
    select
        * replace (
            import_key(source, getvariable('source_keys'), getvariable('source_spellings')) as source,
            import_key(region, getvariable('region_keys'), getvariable('region_spellings')) as region,
            import_key(accused_party, getvariable('accused_party_keys'), getvariable('accused_party_spellings'))
                as accused_party,
            import_key(qualifier, getvariable('qualifier_keys'), getvariable('qualifier_spellings')) as qualifier,
            import_unescaped_start(channel) as channel,
            import_unescaped_start(area) as area,
            import_unescaped_start(weapons) as weapons,
            import_unescaped_start(location) as location,
            import_unescaped_start(source_url) as source_url,
            import_unescaped_start(quote) as quote,
            import_unescaped_start(notes) as notes
        ),
        import_zone(timezone) as zone
    from cells
),

unescaped as (
    select
        * replace (
            import_unescaped_separators(channel) as channel,
            import_unescaped_separators(area) as area,
            import_unescaped_separators(weapons) as weapons,
            import_unescaped_separators(location) as location,
            import_unescaped_separators(source_url) as source_url,
            import_unescaped_separators(quote) as quote,
            import_unescaped_separators(notes) as notes
        ),
        coalesce(zone, 'UTC') as tz,  -- a bad zone: the date is read in UTC, its form and order still checked
        import_moment_valid(reported_at) as reported_at_valid,
        import_moment_offset(reported_at) as reported_at_offset,
        import_moment_valid(period_start) as period_start_valid,
        import_moment_offset(period_start) as period_start_offset,
        import_moment_valid(period_end) as period_end_valid,
        import_moment_offset(period_end) as period_end_offset
    from resolved
),

read as (
    select
        *,
        import_moment_day(reported_at, reported_at_valid) as reported_at_day,
        import_moment_clock(reported_at, reported_at_valid, reported_at_offset) as reported_at_clock,
        import_moment_day(period_start, period_start_valid) as period_start_day,
        import_moment_clock(period_start, period_start_valid, period_start_offset) as period_start_clock,
        import_moment_day(period_end, period_end_valid) as period_end_day,
        import_moment_clock(period_end, period_end_valid, period_end_offset) as period_end_clock,
        import_count(violations) as violations_value,
        import_count(prohibited_weapons) as prohibited_weapons_value,
        import_count(explosions) as explosions_value,
        import_count(killed) as killed_value,
        import_count(wounded) as wounded_value,
        import_count(civilians_killed) as civilians_killed_value,
        import_count(civilians_wounded) as civilians_wounded_value,
        import_count(settlements_shelled) as settlements_shelled_value
    from unescaped
),

located as (
    select
        *,
        import_moment_local(reported_at, reported_at_day, reported_at_clock, false) as reported_at_local,
        import_moment_local(period_start, period_start_day, period_start_clock, false) as period_start_local,
        import_moment_local(period_end, period_end_day, period_end_clock, true) as period_end_local
    from read
),

zoned as (
    -- a local time without an offset: its day's offset from UTC, and whether its zone's clocks change that
    -- day (zone_days.sql; a day it does not list is read the slow way)
    select
        located.*,
        reported_at_zone_day.utc_offset as reported_at_day_offset,
        reported_at_offset = '' and coalesce(reported_at_zone_day.changes, true) as reported_at_on_change,
        period_start_zone_day.utc_offset as period_start_day_offset,
        period_start_offset = '' and coalesce(period_start_zone_day.changes, true) as period_start_on_change,
        period_end_zone_day.utc_offset as period_end_day_offset,
        period_end_offset = '' and coalesce(period_end_zone_day.changes, true) as period_end_on_change
    from located
    left join zone_days as reported_at_zone_day
        on reported_at_zone_day.tz = located.tz and reported_at_zone_day.day = located.reported_at_local::date
    left join zone_days as period_start_zone_day
        on period_start_zone_day.tz = located.tz and period_start_zone_day.day = located.period_start_local::date
    left join zone_days as period_end_zone_day
        on period_end_zone_day.tz = located.tz and period_end_zone_day.day = located.period_end_local::date
),

instants as (
    select
        *,
        import_moment_instant(reported_at_day, reported_at_clock, reported_at_local, reported_at_offset, tz,
                              reported_at_day_offset, reported_at_on_change) as reported_at_instant,
        import_moment_instant(period_start_day, period_start_clock, period_start_local, period_start_offset, tz,
                              period_start_day_offset, period_start_on_change) as period_start_instant,
        import_moment_instant(period_end_day, period_end_clock, period_end_local, period_end_offset, tz,
                              period_end_day_offset, period_end_on_change) as period_end_instant
    from zoned
),

moments as (
    select
        *,
        import_moment_problem(reported_at, reported_at_day, reported_at_clock, reported_at_offset,
                              reported_at_instant, tz, false, reported_at_on_change) as reported_at_problem,
        import_moment_problem(period_start, period_start_day, period_start_clock, period_start_offset,
                              period_start_instant, tz, false, period_start_on_change) as period_start_problem,
        import_moment_problem(period_end, period_end_day, period_end_clock, period_end_offset,
                              period_end_instant, tz, true, period_end_on_change) as period_end_problem
    from instants
),

valued as (
    select
        *,
        if(reported_at_problem is null, reported_at_instant, null) as reported_at_value,
        if(period_start_problem is null, period_start_instant, null) as period_start_value,
        if(period_end_problem is null, period_end_instant, null) as period_end_value
    from moments
),

verdicts as (
    -- each cell's problem code, null when it has none (at most one a cell, but two for source_url)
    select
        *,
        case
            when source is null then 'missing-value'
            when not list_contains(getvariable('tracker_sources'), source) then 'unknown-source'
        end as source_code,
        if(period_start is null, 'missing-value', period_start_problem) as period_start_code,
        case
            when period_end is null then 'missing-value'
            when period_end_problem is not null then period_end_problem
            when period_end_value <= period_start_value then 'window-order'
            when period_end_value > period_start_value + to_years(getvariable('max_window_years'))
                then 'window-too-long'
        end as period_end_code,
        if(timezone is not null and zone is null, 'bad-timezone', null) as timezone_code,
        if(region is not null and not list_contains(getvariable('tracker_regions'), region),
           'unknown-region', null) as region_code,
        if(accused_party is not null and not list_contains(getvariable('tracker_parties'), accused_party),
           'unknown-party', null) as accused_party_code,
        if(qualifier is not null and not list_contains(getvariable('tracker_qualifiers'), qualifier),
           'unknown-qualifier', null) as qualifier_code,
        case
            when coalesce(violations, prohibited_weapons, explosions, killed, wounded, civilians_killed,
                          civilians_wounded, settlements_shelled) is null then 'no-metric'
            else import_count_problem(violations, violations_value)
        end as violations_code,
        coalesce(import_count_problem(prohibited_weapons, prohibited_weapons_value),
                 if(prohibited_weapons_value > violations_value, 'subset-exceeds-total', null)) as prohibited_weapons_code,
        coalesce(import_count_problem(explosions, explosions_value),
                 if(explosions_value > violations_value, 'subset-exceeds-total', null)) as explosions_code,
        import_count_problem(killed, killed_value) as killed_code,
        import_count_problem(wounded, wounded_value) as wounded_code,
        import_count_problem(civilians_killed, civilians_killed_value) as civilians_killed_code,
        import_count_problem(civilians_wounded, civilians_wounded_value) as civilians_wounded_code,
        import_count_problem(settlements_shelled, settlements_shelled_value) as settlements_shelled_code,
        if(import_too_long(channel, 'channel'), 'text-too-long', null) as channel_code,
        if(import_too_long(area, 'area'), 'text-too-long', null) as area_code,
        if(import_too_long(weapons, 'weapons'), 'text-too-long', null) as weapons_code,
        if(import_too_long(location, 'location'), 'text-too-long', null) as location_code,
        if(import_too_long(quote, 'quote'), 'text-too-long', null) as quote_code,
        if(import_too_long(notes, 'notes'), 'text-too-long', null) as notes_code,
        if(import_too_long(source_url, 'source_url'), 'text-too-long', null) as source_url_length_code,
        if(source_url is not null and not regexp_full_match(source_url, getvariable('url_pattern'), 'i'),
           'bad-url', null) as source_url_code
    from valued
),

final as (
    select
        line_no,
        source,
        channel,
        reported_at_value as reported_at,
        period_start_value as period_start,
        period_end_value as period_end,
        coalesce(timezone, getvariable('default_tz')) as timezone,
        region,
        area,
        accused_party,
        violations_value as violations,
        prohibited_weapons_value as prohibited_weapons,
        explosions_value as explosions,
        killed_value as killed,
        wounded_value as wounded,
        civilians_killed_value as civilians_killed,
        civilians_wounded_value as civilians_wounded,
        settlements_shelled_value as settlements_shelled,
        coalesce(qualifier, 'exact') as qualifier,
        weapons,
        location,
        source_url,
        quote,
        notes,
        case
            -- a NUL byte in a free text is the one problem no other rule notices (`staged_nul`: the file
            -- has a NUL byte somewhere)
            when coalesce(source_code, period_start_code, period_end_code, timezone_code, region_code,
                          accused_party_code, qualifier_code, violations_code, prohibited_weapons_code,
                          explosions_code, killed_code, wounded_code, civilians_killed_code, civilians_wounded_code,
                          settlements_shelled_code, channel_code, area_code, weapons_code, location_code,
                          quote_code, notes_code, source_url_length_code, source_url_code,
                          reported_at_problem) is not null
                or (getvariable('staged_nul') and (contains(channel, chr(0)) or contains(area, chr(0))
                    or contains(weapons, chr(0)) or contains(location, chr(0)) or contains(source_url, chr(0))
                    or contains(quote, chr(0)) or contains(notes, chr(0))))
            then list_filter([
                import_problem('source', source, source_code, source, null),
                import_problem('channel', channel, channel_code, length(channel), import_text_limit('channel')),
                import_problem('reported_at', reported_at, reported_at_problem, reported_at,
                               import_moment_other(reported_at_offset, reported_at_problem, tz)),
                import_problem('period_start', period_start, period_start_code, period_start,
                               import_moment_other(period_start_offset, period_start_problem, tz)),
                import_problem('period_end', period_end, period_end_code, period_end,
                               if(period_end_code in ('window-order', 'window-too-long'), period_start,
                                  import_moment_other(period_end_offset, period_end_problem, tz))),
                import_problem('timezone', timezone, timezone_code, timezone, null),
                import_problem('region', region, region_code, region, null),
                import_problem('area', area, area_code, length(area), import_text_limit('area')),
                import_problem('accused_party', accused_party, accused_party_code, accused_party, null),
                import_problem('violations', violations, violations_code, violations, null),
                import_problem('prohibited_weapons', prohibited_weapons, prohibited_weapons_code,
                               if(prohibited_weapons_code = 'subset-exceeds-total', prohibited_weapons_value::varchar,
                                  prohibited_weapons),
                               if(prohibited_weapons_code = 'subset-exceeds-total', violations_value, null)),
                import_problem('explosions', explosions, explosions_code,
                               if(explosions_code = 'subset-exceeds-total', explosions_value::varchar, explosions),
                               if(explosions_code = 'subset-exceeds-total', violations_value, null)),
                import_problem('killed', killed, killed_code, killed, null),
                import_problem('wounded', wounded, wounded_code, wounded, null),
                import_problem('civilians_killed', civilians_killed, civilians_killed_code, civilians_killed, null),
                import_problem('civilians_wounded', civilians_wounded, civilians_wounded_code, civilians_wounded, null),
                import_problem('settlements_shelled', settlements_shelled, settlements_shelled_code,
                               settlements_shelled, null),
                import_problem('qualifier', qualifier, qualifier_code, qualifier, null),
                import_problem('weapons', weapons, weapons_code, length(weapons), import_text_limit('weapons')),
                import_problem('location', location, location_code, length(location), import_text_limit('location')),
                import_problem('source_url', source_url, source_url_code, source_url, null),
                if(contains(source_url, chr(0)), null,
                   import_problem('source_url', source_url, source_url_length_code, length(source_url),
                                  import_text_limit('source_url'))),
                import_problem('quote', quote, quote_code, length(quote), import_text_limit('quote')),
                import_problem('notes', notes, notes_code, length(notes), import_text_limit('notes'))
            ], lambda entry: entry is not null)
        end as problems
    from verdicts
)

select * from final
