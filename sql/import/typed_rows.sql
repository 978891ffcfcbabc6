-- The rows of a checked file in the store's types, ready for new_reports.sql. Reads parsed_rows; only
-- used when check_rows.sql found no problem.
with rows as (
    select * from parsed_rows
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
        notes
    from rows
)

select * from final
