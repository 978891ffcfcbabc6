-- How the windows of one series fit together (CONTRACT §3 rule 4 and the conflict reading).
-- For a cumulative source, two windows of a series that overlap either nest (one contains the other:
-- the larger figure is a running total over the larger window) or cross (overlap without nesting: a
-- conflict). In a conflict the window with the later revision order (reported_at, then the order stored)
-- wins and the other is `dropped` whole for that metric; `conflict_with` names the windows that beat it.
-- Among the windows kept, each window's `parent_id` is the smallest kept window containing it, and its
-- `remainder` is its figure minus the figures of its children (the outermost windows inside it): the
-- count for the part of the window outside them, `remainder_us` that part's length. An additive source (event counts) neither nests nor
-- conflicts: every window is its own remainder.
-- Overlapping windows are found through UTC-day buckets (two overlapping windows share one), so the
-- join stays small however many windows a series has.
with windows as (
    select * from int_series_figures
),

cumulative as (
    select * from windows where counting <> 'additive'
),

buckets as (
    select
        series,
        window_id,
        period_start,
        period_end,
        revision_order,
        unnest(range(
            epoch_us(period_start) // 86400000000,
            (epoch_us(period_end) - 1) // 86400000000 + 1
        )) as bucket
    from cumulative
),

pairs as (
    -- every ordered pair of overlapping windows of one series
    select distinct
        a.series,
        a.window_id as a_id,
        b.window_id as b_id,
        a.period_start <= b.period_start and a.period_end >= b.period_end as a_contains_b,
        b.period_start <= a.period_start and b.period_end >= a.period_end as b_contains_a,
        a.revision_order > b.revision_order as a_is_later
    from buckets as a
    join buckets as b
        on a.series = b.series
        and a.bucket = b.bucket
        and a.window_id <> b.window_id
    where a.period_start < b.period_end
      and b.period_start < a.period_end
),

conflicts as (
    select b_id as window_id, list(a_id) as conflict_with
    from pairs
    where not a_contains_b and not b_contains_a and a_is_later
    group by b_id
),

kept as (
    select cumulative.*
    from cumulative
    anti join conflicts using (window_id)
),

parents as (
    select
        pairs.b_id as window_id,
        arg_min(pairs.a_id, container.window_us) as parent_id
    from pairs
    join kept as container on container.window_id = pairs.a_id
    semi join kept as child on child.window_id = pairs.b_id
    where pairs.a_contains_b
    group by pairs.b_id
),

children as (
    select
        parents.parent_id as window_id,
        sum(kept.value) as inside_value,
        sum(kept.window_us) as inside_us,
        count(*) as children
    from parents
    join kept using (window_id)
    group by parents.parent_id
),

final as (
    select
        windows.*,
        conflicts.window_id is not null as dropped,
        conflicts.conflict_with,
        parents.parent_id,
        coalesce(children.children, 0) as children,
        coalesce(children.inside_value, 0) as inside_value,
        windows.value - coalesce(children.inside_value, 0) as remainder,
        windows.window_us - coalesce(children.inside_us, 0) as remainder_us
    from windows
    left join conflicts using (window_id)
    left join parents using (window_id)
    left join children using (window_id)
)

select * from final
