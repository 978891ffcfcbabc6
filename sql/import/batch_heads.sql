-- The current version of every report that one import batch (parameter: its batch_seq) first stored:
-- the head of each edit chain rooted in that batch, not withdrawn. Withdrawing them undoes the import
-- (`tracker withdraw --batch`); a later edit of one of its reports is withdrawn with it.
with rooted as (
    select distinct id as root_id
    from reports
    where batch_seq = ? and replaces is null
),

final as (
    select current_reports.*
    from current_reports
    semi join rooted using (root_id)
)

select * from final
