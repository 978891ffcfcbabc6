-- The stored rows of the reports a read is about, as stored before `as_of` when that variable is set
-- (CONTRACT §6): every report, or, for the daily series of some sources (`daily_sources` set,
-- tracker/series.py), those sources' reports, inside the span `daily_from`-`daily_to` when that is set.
-- A row that two racing writers both inserted is here twice (stg_reports keeps one).
with final as (
    select *
    from reports
    where (getvariable('daily_sources') is null
           or (list_contains(getvariable('daily_sources'), source)
               and (getvariable('daily_from') is null
                    or (period_end > getvariable('daily_from') and period_start < getvariable('daily_to')))))
      and (getvariable('as_of') is null or stored_at < cast(getvariable('as_of') as timestamptz))
)

select * from final
