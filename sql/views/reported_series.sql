-- The series that exist anywhere in the store (CONTRACT §7: pairs are formed among the sources that report
-- a metric in a region anywhere in the store): one row per source, region and metric with a figure in any
-- stored report (before `as_of` when set). Region `all` exists for every source that reports the metric
-- in any region. Area rows are their own series and never paired here. Read from the stored versions
-- directly: a distinct list needs no deduplication, and superseded versions were reported too. One
-- aggregate pass over the reports, then the few (source, region) rows are unpivoted.
with places as (
    select
        source,
        coalesce(region, 'all') as region,
        bool_or(violations is not null) as violations,
        bool_or(prohibited_weapons is not null) as prohibited_weapons,
        bool_or(explosions is not null) as explosions,
        bool_or(killed is not null) as killed,
        bool_or(wounded is not null) as wounded,
        bool_or(civilians_killed is not null) as civilians_killed,
        bool_or(civilians_wounded is not null) as civilians_wounded,
        bool_or(settlements_shelled is not null) as settlements_shelled
    from reports
    where (area is null or area = '')
      and (getvariable('as_of') is null or stored_at < cast(getvariable('as_of') as timestamptz))
    group by source, coalesce(region, 'all')
),

figures as (
    unpivot places
    on violations, prohibited_weapons, explosions, killed, wounded, civilians_killed, civilians_wounded,
       settlements_shelled
    into name metric value reported
),

final as (
    select distinct source, region, metric from figures where reported
    union
    select distinct source, 'all' as region, metric from figures where reported
)

select * from final
