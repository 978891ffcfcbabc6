-- The head of each edit chain: the version that no other version replaces. Two heads of one chain
-- (two edits of the same version that raced) are a conflict: the later stored wins (`is_winner`).
with versions as (
    select * from stg_reports
),

replaced as (
    select distinct replaces as id
    from versions
    where replaces is not null
),

heads as (
    select versions.*
    from versions
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
    select * from ranked
)

select * from final
