-- Every stored version of every report a read is about (stg_scoped_reports), one row per id: a row that
-- two racing writers both inserted counts once (CONTRACT §6).
-- A reader that has checked that no id is stored twice (tracker/queries.py, once per store version)
-- sets `ids_unique`: the rows are then taken as they are, and the search for repeated ids (an aggregate
-- over every row) is not in the plan: the branches are chosen when it is made. Unset, every id is checked.
-- The rows are read from a view, not from a CTE: DuckDB materialises a CTE read more than once (every
-- column of every row), and keeps no `not materialized` in a stored view.
with repeated as (
    -- ids stored twice (none, but for two writers that raced): only they need a choice
    select id from stg_scoped_reports group by id having count(*) > 1
),

one_per_id as (
    select * from stg_scoped_reports
    where coalesce(getvariable('ids_unique'), false)
    union all
    select * from stg_scoped_reports anti join repeated using (id)
    where not coalesce(getvariable('ids_unique'), false)
    union all
    select *
    from (select * from stg_scoped_reports semi join repeated using (id))
    where not coalesce(getvariable('ids_unique'), false)
    qualify row_number() over (partition by id order by batch_seq, row_no) = 1
),

final as (
    select * from one_per_id
)

select * from final
