-- The figures of the current reports as windows of one series, rules 2 and 3 of CONTRACT §3.
-- A series is one source, region, area, accused party and metric; each metric is resolved on its own,
-- and a blank metric gives no row ("not reported", never 0). Reports of the same window are revisions:
-- for each metric the latest `reported_at` that gives it wins (a report without one is older than any
-- dated one; a tie goes to the later stored), and every report that gave the window this metric is kept
-- in `report_ids` (the daily series counts them in `reports`).
-- Parameters: daily_sources (a list of source keys; unset = every source); daily_from, daily_to (the
-- span whose windows are read, set with daily_sources; unset = all time).
with current as (
    select *
    from current_reports
    where (getvariable('daily_sources') is null or list_contains(getvariable('daily_sources'), source))
      and (getvariable('daily_from') is null
           or (period_end > getvariable('daily_from') and period_start < getvariable('daily_to')))
),

counting as (
    select key as source, any_value(counting) as counting
    from sources
    group by key
),

figures as (
    unpivot (
        select
            id, source, region, area, accused_party, timezone, reported_at, period_start, period_end,
            batch_seq, row_no, violations, prohibited_weapons, explosions, killed, wounded,
            civilians_killed, civilians_wounded, settlements_shelled
        from current
    )
    on violations, prohibited_weapons, explosions, killed, wounded, civilians_killed, civilians_wounded,
       settlements_shelled
    into name metric value value
),

ordered as (
    select
        *,
        hash(source, region, area, accused_party, metric) as series,
        -- one sortable number: reported_at (none = oldest), then batch_seq, then row_no
        coalesce(epoch_us(reported_at), -4611686018427387904)::hugeint * 18446744073709551616
            + batch_seq::hugeint * 4294967296 + row_no as revision_order
    from figures
),

windows as (
    select
        series,
        period_start,
        period_end,
        any_value(source) as source,
        any_value(region) as region,
        any_value(area) as area,
        any_value(accused_party) as accused_party,
        any_value(metric) as metric,
        arg_max(value, revision_order) as value,
        arg_max(id, revision_order) as report_id,
        arg_max(timezone, revision_order) as timezone,
        max(revision_order) as revision_order,
        list(id) as report_ids
    from ordered
    group by series, period_start, period_end
),

final as (
    select
        hash(windows.series, windows.period_start, windows.period_end) as window_id,
        windows.series,
        windows.source,
        windows.region,
        windows.area,
        windows.accused_party,
        windows.metric,
        windows.period_start,
        windows.period_end,
        windows.value,
        windows.report_id,
        windows.timezone,
        windows.revision_order,
        windows.report_ids,
        coalesce(counting.counting, 'cumulative') as counting,
        epoch_us(windows.period_end) - epoch_us(windows.period_start) as window_us
    from windows
    left join counting using (source)
)

select * from final
