-- Edit chains with more than one head: two edits of the same version were stored (a race). The later
-- stored wins; `tracker check` lists the others here.
with heads as (
    select * from int_report_heads
),

final as (
    select root_id, id, replaces, is_winner, batch_seq, row_no, stored_at, recorded_by
    from heads
    where heads_in_chain > 1
)

select * from final
