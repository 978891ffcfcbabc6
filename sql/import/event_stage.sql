-- The count reports of an event dataset in the shape of `stage_raw` (every canonical column as text,
-- plus line_no), so they go through the same checks and the same write path as a canonical CSV: the
-- reports of this release (event_reports.sql) and the zero reports of windows it no longer has
-- (vanished_reports.sql; numbered after the file's last line). `reported_at` is the release date.
-- Beside the canonical columns it keeps what goes into report_events and report_event_stats.
-- Parameters: profile_source, profile_label, profile_release (YYYY-MM-DD), profile_timezone,
-- profile_metrics (the metrics the dataset gives; a zero report has 0 for each), profile_estimates
-- (whether the dataset gives deaths of unknown status and low/high estimates: UCDP does).
with incoming as (
    select * from event_reports
),

vanished as (
    select * from vanished_reports
),

last_line as (
    select coalesce(max(line_no), 1) as line_no from event_rows
),

release_reports as (
    select
        line_no,
        strftime(first_day, '%Y-%m-%d') as period_start,
        strftime(last_day, '%Y-%m-%d') as period_end,
        getvariable('profile_timezone') as timezone,
        region,
        violations::varchar as violations,
        killed::varchar as killed,
        civilians_killed::varchar as civilians_killed,
        getvariable('profile_label') || ': ' || events || if(events = 1, ' event', ' events')
            || coalesce('; deaths of unknown status ' || deaths_unknown || ' (not in killed or civilians_killed)', '')
            || coalesce('; low estimate ' || best_low || ', high ' || best_high, '') as notes,
        events,
        deaths_unknown,
        best_low,
        best_high,
        event_ids
    from incoming
),

zero_reports as (
    select
        last_line.line_no + row_number() over (order by vanished.period_start, vanished.period_end, vanished.region)
            as line_no,
        strftime(timezone('UTC', vanished.period_start), '%Y-%m-%dT%H:%M:%SZ') as period_start,
        strftime(timezone('UTC', vanished.period_end), '%Y-%m-%dT%H:%M:%SZ') as period_end,
        vanished.timezone,
        vanished.region,
        if(list_contains(getvariable('profile_metrics'), 'violations'), '0', null) as violations,
        if(list_contains(getvariable('profile_metrics'), 'killed'), '0', null) as killed,
        if(list_contains(getvariable('profile_metrics'), 'civilians_killed'), '0', null) as civilians_killed,
        getvariable('profile_label') || ': no events in the release of ' || getvariable('profile_release')
            || '; an earlier release had some' as notes,
        0::bigint as events,
        if(getvariable('profile_estimates'), 0, null)::bigint as deaths_unknown,
        if(getvariable('profile_estimates'), 0, null)::bigint as best_low,
        if(getvariable('profile_estimates'), 0, null)::bigint as best_high,
        []::varchar[] as event_ids
    from vanished
    cross join last_line
),

reports as (
    select * from release_reports
    union all
    select * from zero_reports
),

final as (
    select
        line_no,
        getvariable('profile_source') as source,
        null::varchar as channel,
        getvariable('profile_release') as reported_at,
        period_start,
        period_end,
        timezone,
        region,
        null::varchar as area,
        null::varchar as accused_party,
        violations,
        null::varchar as prohibited_weapons,
        null::varchar as explosions,
        killed,
        null::varchar as wounded,
        civilians_killed,
        null::varchar as civilians_wounded,
        null::varchar as settlements_shelled,
        'exact' as qualifier,
        null::varchar as weapons,
        null::varchar as location,
        null::varchar as source_url,
        null::varchar as quote,
        notes,
        events,
        deaths_unknown,
        best_low,
        best_high,
        event_ids
    from reports
)

select * from final
