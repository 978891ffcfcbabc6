-- Every version of every report, numbered within its edit chain in the order stored, with the batch
-- (who stored it, when, from which file) it came from.
with versions as (
    select * from stg_reports
),

batches as (
    select batch_seq, kind, file_name from batches
),

final as (
    select
        versions.*,
        row_number() over (partition by versions.root_id order by versions.batch_seq, versions.row_no)
            as version,
        batches.kind as batch_kind,
        batches.file_name as batch_file
    from versions
    left join batches using (batch_seq)
)

select * from final
