-- For every stored version of a report made from an event dataset: the events it was made of and the
-- figures kept beside it (CONTRACT §5), for the report's detail. An edit shows the events of the report
-- it edits (they are kept under the chain's first version, `root_id`).
with versions as (
    select id, root_id from stg_reports
),

stats as (
    select * from stg_report_event_stats
),

events as (
    select report_id, list(event_id order by length(event_id), event_id) as event_ids
    from stg_report_events
    group by report_id
),

final as (
    select
        versions.id as report_id,
        stats.dataset,
        stats.events,
        coalesce(events.event_ids, []) as event_ids,
        stats.deaths_unknown,
        stats.best_low,
        stats.best_high
    from versions
    join stats on stats.report_id = versions.root_id
    left join events on events.report_id = versions.root_id
)

select * from final
