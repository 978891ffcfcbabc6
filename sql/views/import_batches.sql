-- The imports that stored reports, newest first, with how many of their reports are still current (an
-- import can be undone as a whole: `tracker withdraw --batch N`, the Reports page's imports list).
with imports as (
    select batch_seq, file_name, stored_at, inserted, recorded_by
    from batches
    where kind = 'import' and inserted > 0
),

current_roots as (
    select firsts.batch_seq, count(*) as current
    from current_reports
    join reports as firsts on firsts.id = current_reports.root_id
    group by firsts.batch_seq
),

final as (
    select imports.*, coalesce(current_roots.current, 0) as current
    from imports
    left join current_roots using (batch_seq)
)

select * from final order by batch_seq desc
