-- The head of each edit chain: the version that no other version replaces. Two heads of one chain
-- (two edits of the same version that raced) are a conflict: the later stored wins (`is_winner`).
-- Most reports were never edited: each is its own chain's one head, and only the chains with an edit
-- are resolved from their edits (few), so the view costs a scan, not a sort of every report.
with edits as (
    -- read three times, so materialised by DuckDB: the edits alone
    select * from stg_report_edits
),

edited as (
    select distinct root_id from edits
),

replaced as (
    select distinct replaces as id from edits
),

unedited as (
    -- a first version is never withdrawn (a withdrawal is an edit, sql/schema/001_reports.sql): saying
    -- so spares current_reports a test of every row
    select * replace (false as withdrawn), 1::bigint as heads_in_chain, true as is_winner
    from stg_reports
    anti join edited using (root_id)
),

heads as (
    -- an edited chain's head is one of its edits (its first edit replaces its first version); an edit
    -- that two racing writers both stored counts once, as in stg_reports
    select *
    from edits
    anti join replaced using (id)
    qualify row_number() over (partition by id order by batch_seq, row_no) = 1
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
