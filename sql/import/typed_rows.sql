-- The rows of a checked file in the store's types, ready for new_reports.sql. Reads parsed_rows; only
-- used when check_rows.sql found no problem.
-- With `import_combine` set (a mapping's `combine = "sum"`, `tracker import --combine sum`), rows that are
-- the same report in everything but their figures (source, channel, reported_at, window, time zone,
-- region, area, accused party) are one report: their figures are added up (blank + blank stays blank), the
-- qualifier is the loosest of theirs (about, else at_least, else exact), their distinct texts are joined
-- with "; ", and the notes name the file rows it came from; its line_no is the first of them.
-- Parameters: default_tz, import_combine.
with rows as (
    select * from parsed_rows
),

typed as (
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
        notes
    from rows
),

combined as (
    select
        min(line_no) as line_no,
        source,
        channel,
        reported_at,
        period_start,
        period_end,
        timezone,
        region,
        area,
        accused_party,
        sum(violations)::bigint as violations,
        sum(prohibited_weapons)::bigint as prohibited_weapons,
        sum(explosions)::bigint as explosions,
        sum(killed)::bigint as killed,
        sum(wounded)::bigint as wounded,
        sum(civilians_killed)::bigint as civilians_killed,
        sum(civilians_wounded)::bigint as civilians_wounded,
        sum(settlements_shelled)::bigint as settlements_shelled,
        case
            when bool_or(qualifier = 'about') then 'about'
            when bool_or(qualifier = 'at_least') then 'at_least'
            else 'exact'
        end as qualifier,
        string_agg(distinct weapons, '; ' order by weapons) as weapons,
        string_agg(distinct location, '; ' order by location) as location,
        string_agg(distinct source_url, '; ' order by source_url) as source_url,
        string_agg(distinct quote, '; ' order by quote) as quote,
        if(count(*) = 1, any_value(notes),
           concat_ws('; ', string_agg(distinct notes, '; ' order by notes),
                     'the sum of file rows ' || string_agg(line_no::varchar, ', ' order by line_no)
                     || ' (combine = sum)')) as notes
    from typed
    group by source, channel, reported_at, period_start, period_end, timezone, region, area, accused_party
),

final as (
    select * from typed where not coalesce(getvariable('import_combine'), false)
    union all
    select * from combined where coalesce(getvariable('import_combine'), false)
)

select * from final
