-- The rows of one import batch that are revisions of reports stored before it: another current report of
-- the same source and window (region, area, accused party, period) from an earlier batch. Rule 3 then
-- decides which figure counts. One row per revising row: its line in the file. Reads the relation named by
-- `candidates_relation` (revision_candidates.sql: the earlier versions of the batch's windows).
with candidates as (
    select * from query_table(getvariable('candidates_relation'))
),

current as (
    select id from current_reports where id in (select id from candidates)
),

final as (
    select distinct line_no
    from candidates
    semi join current using (id)
)

select * from final order by line_no
