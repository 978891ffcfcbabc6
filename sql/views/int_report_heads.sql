-- The head of each edit chain: the version that no other version replaces. Two heads of one chain
-- (two edits of the same version that raced) are a conflict: the later stored wins (`is_winner`).
-- Most reports were never edited: each is its own chain's one head, and only the chains with an edit
-- are resolved (their versions are few), so the view costs a scan, not a sort of every report.
with versions as not materialized (
    select * from stg_reports
),

edited as (
    select distinct root_id from versions where replaces is not null
),

replaced as (
    select distinct replaces as id from versions where replaces is not null
),

unedited as (
    select *, 1::bigint as heads_in_chain, true as is_winner
    from versions
    anti join edited using (root_id)
),

heads as (
    select versions.*
    from versions
    semi join edited using (root_id)
    anti join replaced on versions.id = replaced.id
),

ranked as (
    select
        *,
        count(*) over (partition by root_id) as heads_in_chain,
        row_number() over (partition by root_id order by batch_seq desc, row_no desc) = 1 as is_winner
    from heads
),

final as (
    select * from unedited
    union all
    select * from ranked
)

select * from final
