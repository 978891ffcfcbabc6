-- The rows of a UCDP GED file as events (CONTRACT §5). Reads `profile_text`: the file's columns as text
-- (a column the file lacks is null), plus line_no. Keeps each raw value for ucdp_problems.sql
-- (deaths_unknown as deaths_unknown_text) and adds the parsed columns every event dataset shares (see
-- event_reports.sql): the window of days the event may fall on (date_start..date_end; one day when
-- date_prec is 1), its oblast, and its deaths by `best`: killed = deaths_a + deaths_b (the two sides'
-- deaths), civilians_killed = deaths_civilians; deaths_unknown, low and high are kept beside the report,
-- never added to those.
-- Counts are read by macros.sql's import_count (its parameters).
with raw as (
    select * from profile_text
),

cleaned as (
    select
        line_no,
        nullif(trim(id), '') as id,
        nullif(trim(date_start), '') as date_start,
        nullif(trim(date_end), '') as date_end,
        nullif(trim(adm_1), '') as adm_1,
        nullif(trim(country), '') as country,
        nullif(trim(deaths_a), '') as deaths_a,
        nullif(trim(deaths_b), '') as deaths_b,
        nullif(trim(deaths_civilians), '') as deaths_civilians,
        nullif(trim(deaths_unknown), '') as deaths_unknown,
        nullif(trim(low), '') as low,
        nullif(trim(high), '') as high
    from raw
),

parsed as (
    -- UCDP writes dates as YYYY-MM-DD (some exports add a time of 00:00:00)
    select
        *,
        try_strptime(date_start, ['%Y-%m-%d', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%g'])::date as first_day,
        try_strptime(date_end, ['%Y-%m-%d', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%g'])::date as last_day,
        import_count(deaths_a) as deaths_a_value,
        import_count(deaths_b) as deaths_b_value,
        import_count(deaths_civilians) as deaths_civilians_value,
        import_count(deaths_unknown) as deaths_unknown_value,
        import_count(low) as low_value,
        import_count(high) as high_value
    from cleaned
),

final as (
    select
        * exclude (deaths_unknown),
        deaths_unknown as deaths_unknown_text,
        id as event_id,
        adm_1 as admin,
        null::varchar as kind,
        true as counted,
        null::bigint as violations,
        deaths_a_value + deaths_b_value as killed,
        deaths_civilians_value as civilians_killed,
        deaths_unknown_value as deaths_unknown,
        low_value as best_low,
        high_value as best_high
    from parsed
)

select * from final
