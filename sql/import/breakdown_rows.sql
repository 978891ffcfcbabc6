-- Rows of one file that are the same report in everything but their figures (same source, channel,
-- reported_at, window, region, area and accused party, and not equal in every column): parts of one
-- total, such as one row per weapon model of a night, which are read as revisions of one window unless
-- the import combines them (combined_rows.sql). One row per such group, its file lines in order. Rows
-- that differ in channel or reported_at are ordinary revisions and are not listed.
-- Reads the relation named by `checked_relation` (checked_rows.sql: a file without problems).
with typed as (
    select * from query_table(getvariable('checked_relation'))
),

shared as (
    -- the few windows that more than one row reports, found by a narrow aggregate of one hash a row
    select hash(source, channel, reported_at, period_start, period_end, region, area, accused_party) as window_key
    from typed
    group by window_key
    having count(*) > 1
),

candidates as (
    select *
    from typed
    where hash(source, channel, reported_at, period_start, period_end, region, area, accused_party)
        in (select window_key from shared)
),

groups as (
    select
        list(line_no order by line_no) as lines,
        count(distinct md5(concat_ws(chr(31),
            coalesce(violations::varchar, ''), coalesce(prohibited_weapons::varchar, ''),
            coalesce(explosions::varchar, ''), coalesce(killed::varchar, ''),
            coalesce(wounded::varchar, ''), coalesce(civilians_killed::varchar, ''),
            coalesce(civilians_wounded::varchar, ''), coalesce(settlements_shelled::varchar, ''),
            qualifier, timezone, coalesce(weapons, ''), coalesce(location, ''),
            coalesce(source_url, ''), coalesce(quote, ''), coalesce(notes, '')))) as versions
    from candidates
    group by source, channel, reported_at, period_start, period_end, region, area, accused_party
),

final as (
    select lines from groups where versions > 1
)

select * from final order by lines[1]
