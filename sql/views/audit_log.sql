-- The audit trail: one row per write and report version, in the order stored. Each write is a batch
-- (`kind`: import, form, cli, edit, withdraw, ...) with who made it (`recorded_by`: the login, or "cli")
-- and when; each version it stored has `before_id` (the version it replaces; null for a new report) and
-- `after_id`, whose full content is in `report_history`. `changed_columns` names the canonical columns
-- an edit changed; a withdrawal keeps the content and gives its `withdraw_reason`. Replaying the rows in
-- order (`batch_seq`, `row_no`) rebuilds `current_reports` (tests/test_reliability_audit.py does).
-- A change of a registry (a source, region or accused party added, the zone or the calendar zone set) is
-- a write of kind `registry` with no version; `registry_change` says what changed.
with writes as (
    select * from batches
),

versions as (
    select * from stg_reports
),

registry as (
    select * from registry_changes
),

changes as (
    select
        after.id,
        list_filter([
            if(after.source is distinct from before.source, 'source', null),
            if(after.channel is distinct from before.channel, 'channel', null),
            if(after.reported_at is distinct from before.reported_at, 'reported_at', null),
            if(after.period_start is distinct from before.period_start, 'period_start', null),
            if(after.period_end is distinct from before.period_end, 'period_end', null),
            if(after.timezone is distinct from before.timezone, 'timezone', null),
            if(after.region is distinct from before.region, 'region', null),
            if(after.area is distinct from before.area, 'area', null),
            if(after.accused_party is distinct from before.accused_party, 'accused_party', null),
            if(after.violations is distinct from before.violations, 'violations', null),
            if(after.prohibited_weapons is distinct from before.prohibited_weapons, 'prohibited_weapons', null),
            if(after.explosions is distinct from before.explosions, 'explosions', null),
            if(after.killed is distinct from before.killed, 'killed', null),
            if(after.wounded is distinct from before.wounded, 'wounded', null),
            if(after.civilians_killed is distinct from before.civilians_killed, 'civilians_killed', null),
            if(after.civilians_wounded is distinct from before.civilians_wounded, 'civilians_wounded', null),
            if(after.settlements_shelled is distinct from before.settlements_shelled, 'settlements_shelled', null),
            if(after.qualifier is distinct from before.qualifier, 'qualifier', null),
            if(after.weapons is distinct from before.weapons, 'weapons', null),
            if(after.location is distinct from before.location, 'location', null),
            if(after.source_url is distinct from before.source_url, 'source_url', null),
            if(after.quote is distinct from before.quote, 'quote', null),
            if(after.notes is distinct from before.notes, 'notes', null)
        ], lambda column_name: column_name is not null) as changed_columns
    from versions as after
    join versions as before on before.id = after.replaces
),

final as (
    select
        writes.batch_seq,
        writes.kind,
        writes.stored_at,
        writes.recorded_by,
        writes.file_name,
        writes.file_sha256,
        versions.row_no,
        case
            when versions.id is null then null
            when versions.withdrawn then 'withdraw'
            when versions.replaces is not null then 'edit'
            else 'add'
        end as action,
        versions.root_id,
        versions.replaces as before_id,
        versions.id as after_id,
        changes.changed_columns,
        versions.withdraw_reason,
        registry.detail as registry_change
    from writes
    -- a version belongs to the write with its batch number, time and author (two writers racing on a
    -- shared store may number their batches alike; CONTRACT §6)
    left join versions
        on versions.batch_seq = writes.batch_seq
        and versions.stored_at = writes.stored_at
        and versions.recorded_by is not distinct from writes.recorded_by
    left join changes on changes.id = versions.id
    left join registry
        on registry.batch_seq = writes.batch_seq
        and registry.stored_at = writes.stored_at
    order by writes.batch_seq, versions.row_no
)

select * from final
