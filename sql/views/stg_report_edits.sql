-- The stored edits (versions that replace another) of the edit chains a read is about, as stored before
-- `as_of` when that variable is set: every edit, or, with `daily_sources`, the edits of every chain that
-- has a row in stg_scoped_reports, whatever their own source or span: a version edited into another
-- source or span is then still replaced, and a head of its chain that raced it still competes with it
-- (int_report_heads).
with final as (
    select *
    from reports
    where replaces is not null
      and (getvariable('as_of') is null or stored_at < cast(getvariable('as_of') as timestamptz))
      and (getvariable('daily_sources') is null
           -- (the inner condition is for the plan: no chain to look up when every report is read)
           or root_id in (select root_id from stg_scoped_reports where getvariable('daily_sources') is not null))
)

select * from final
