-- Rows of one file that are the same report in everything but their figures (same source, channel,
-- reported_at, window, region, area and accused party, and not equal in every column): parts of one
-- total, such as one row per weapon model of a night, which are read as revisions of one window unless
-- the import combines them (typed_rows.sql, `import_combine`). One row per such group, its file lines in
-- order. Rows that differ in channel or reported_at are ordinary revisions and are not listed.
-- Reads parsed_rows (the checked file). Parameter: default_tz.
with typed as (
    select * from parsed_rows
),

groups as (
    select
        list(line_no order by line_no) as lines,
        count(distinct md5(concat_ws(chr(31),
            coalesce(violations_value::varchar, ''), coalesce(prohibited_weapons_value::varchar, ''),
            coalesce(explosions_value::varchar, ''), coalesce(killed_value::varchar, ''),
            coalesce(wounded_value::varchar, ''), coalesce(civilians_killed_value::varchar, ''),
            coalesce(civilians_wounded_value::varchar, ''), coalesce(settlements_shelled_value::varchar, ''),
            coalesce(qualifier, ''), coalesce(timezone, ''), coalesce(weapons, ''), coalesce(location, ''),
            coalesce(source_url, ''), coalesce(quote, ''), coalesce(notes, '')))) as versions
    from typed
    group by source, channel, reported_at_value, period_start_value, period_end_value, region, area, accused_party
),

final as (
    select lines from groups where versions > 1
)

select * from final order by lines[1]
