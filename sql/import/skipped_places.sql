-- The counted events of a dataset (`event_rows`) that are in no registered region, by place: their
-- oblast (adm_1, admin1), or their country when they name no oblast. The import report lists them
-- (CONTRACT §5: skipped, not an error). The same rule as event_reports.sql (import_oblast_region).
with events as (
    select * from event_rows where counted
),

outside as (
    select coalesce(admin, country) as place
    from events
    where (admin is not null and import_oblast_region(admin) is null)
       or (admin is null and country is not null and lower(country) <> 'ukraine')
),

final as (
    select place, count(*) as events
    from outside
    group by place
)

select * from final
