-- The current reports: each edit chain's winning head, withdrawn ones left out. Every count, export
-- and duplicate check reads this.
with heads as (
    select * from int_report_heads
),

final as (
    select * exclude (heads_in_chain, is_winner)
    from heads
    where is_winner and not withdrawn
)

select * from final
