-- Whether every window of a span is simple (sql/views/int_simple_rows.sql), so that its daily rows can
-- be computed one wide row per window: each window lasts more than nothing and at most 24 real hours; no
-- two different windows of one series overlap; and no region or area of a source has figures with a blank
-- accused party beside figures with a named one. Every stored version of the span counts (edited, withdrawn,
-- giving no figure): the answer is only ever more careful than needed, and the versions are read without
-- resolving their edits.
-- Parameters: those of int_series_rows (daily_sources, daily_from, daily_to, as_of).
with windows as (
    select distinct source, region, area, accused_party, period_start, period_end
    from stg_scoped_reports
),

ordered as (
    select
        *,
        max(period_end) over (
            partition by source, region, area, accused_party
            order by period_start, period_end
            rows between unbounded preceding and 1 preceding
        ) as previous_end
    from windows
),

mixed_places as (
    select source, region, area
    from windows
    group by source, region, area
    having bool_or(accused_party is null) and bool_or(accused_party is not null)
)

select
    coalesce(bool_and(epoch_us(period_end) - epoch_us(period_start) between 1 and 86400000000
                      and (previous_end is null or previous_end <= period_start)), true)
    and not exists (select 1 from mixed_places) as simple
from ordered
