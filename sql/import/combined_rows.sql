-- Rows that are the same report in everything but their figures (source, channel, reported_at, window,
-- time zone, region, area, accused party), added up into one report: a mapping's `combine = "sum"`,
-- `tracker import --combine sum`. Their figures are added up (blank + blank stays blank), the qualifier is
-- the loosest of theirs (about, else at_least, else exact), their distinct texts are joined with "; ", and
-- the notes name the file rows it came from; its line_no is the first of them. A row alone is kept as it is.
-- Reads the relation named by `typed_relation` (checked rows: line_no and the canonical columns, typed).
with typed as (
    select * from query_table(getvariable('typed_relation'))
),

final as (
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
)

select * from final
