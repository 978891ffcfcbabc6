-- Windows that an earlier release of the dataset had and this release lacks (CONTRACT §5): each gets a
-- report with zero figures dated this release, so the old figure stops counting (rule 3 takes the latest
-- `reported_at`). A window qualifies when the latest current report of this source for it (same window
-- and region, no area, no accused party) is older than this release and not itself such a zero report,
-- and the window lies inside the days this file covers (a file of one year says nothing about another).
-- Reads current_reports, stg_report_event_stats, event_rows and event_reports.
-- Parameters: profile_source, profile_release_at (the release as a timestamptz), profile_timezone.
with stored as (
    select *
    from current_reports
    where source = getvariable('profile_source') and area is null and accused_party is null
),

latest as (
    select *
    from stored
    qualify row_number() over (
        partition by period_start, period_end, region
        order by reported_at desc nulls last, batch_seq desc, row_no desc
    ) = 1
),

covered as (
    select
        timezone(getvariable('profile_timezone'), min(first_day)::timestamp) as covered_start,
        timezone(getvariable('profile_timezone'), (max(last_day) + 1)::timestamp) as covered_end
    from event_rows
),

candidates as (
    select latest.*
    from latest
    cross join covered
    left join stg_report_event_stats as stats on stats.report_id = latest.root_id
    where (latest.reported_at is null or latest.reported_at < getvariable('profile_release_at'))
      and coalesce(stats.events, -1) <> 0
      and latest.period_start >= covered.covered_start
      and latest.period_end <= covered.covered_end
),

final as (
    select candidates.*
    from candidates
    anti join event_reports as incoming
        on incoming.period_start_value = candidates.period_start
       and incoming.period_end_value = candidates.period_end
       and coalesce(incoming.region, '') = coalesce(candidates.region, '')
)

select * from final
