-- Every stored version of every report, one row per id (a row that two racing writers both inserted
-- counts once), as stored before `as_of` when that variable is set (CONTRACT §6).
-- The daily series of some sources (`daily_sources` set, tracker/series.py) reads only their versions
-- (inside the span `daily_from`-`daily_to` when that is set) and the later versions of the same edit
-- chains: a version edited into another source or span is then still replaced, and a head of its chain
-- that raced it still competes with it (int_report_heads).
with touched as not materialized (
    select *
    from reports
    where getvariable('daily_sources') is null
       or (list_contains(getvariable('daily_sources'), source)
           and (getvariable('daily_from') is null
                or (period_end > getvariable('daily_from') and period_start < getvariable('daily_to'))))
),

edits as not materialized (
    select *
    from reports
    where getvariable('daily_sources') is not null
      and replaces is not null
      and root_id in (select root_id from touched)
),

stored as not materialized (
    select *
    from (select * from touched union all select * from edits)
    where getvariable('as_of') is null or stored_at < cast(getvariable('as_of') as timestamptz)
),

repeated as (
    -- ids stored twice (none, but for two writers that raced): only they need a choice
    select id from stored group by id having count(*) > 1
),

one_per_id as (
    select * from stored anti join repeated using (id)
    union all
    select *
    from (select * from stored semi join repeated using (id))
    qualify row_number() over (partition by id order by batch_seq, row_no) = 1
),

final as (
    select * from one_per_id
)

select * from final
