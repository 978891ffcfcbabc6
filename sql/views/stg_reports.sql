-- Every stored version of every report, one row per id (a row that two racing writers both inserted
-- counts once), as stored before `as_of` when that variable is set (CONTRACT §6).
with stored as (
    select *
    from reports
    where getvariable('as_of') is null
       or stored_at < cast(getvariable('as_of') as timestamptz)
),

one_per_id as (
    select *
    from stored
    qualify row_number() over (partition by id order by batch_seq, row_no) = 1
),

final as (
    select * from one_per_id
)

select * from final
