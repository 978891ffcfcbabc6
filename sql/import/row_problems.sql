-- Every problem of a checked file, one row each: (line_no, column_name, code, value, other), from the rows'
-- problem lists (checked_rows.sql). Reads the relation named by `checked_relation`.
with checked as (
    select line_no, problems
    from query_table(getvariable('checked_relation'))
    where problems is not null
),

final as (
    select line_no, unnest(problems, recursive := true)
    from checked
)

select * from final
