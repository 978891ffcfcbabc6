-- The pieces of each series placed on calendar days (CONTRACT §3 rules 1, 5, 6 and the precise readings).
-- A kept window's piece is what differencing leaves of it: its `remainder` over its `segments`, the
-- stretches of the window outside its children. A piece of up to 24 hours goes whole to the day that
-- holds most of it (a tie goes to the later day). A longer piece is spread over the days it covers
-- that have no figure of their own for that metric from a piece of up to 24 hours, in proportion to its
-- hours in each, and is `estimated` there; an additive source's long window is spread over every day
-- it covers. "Up to 24 hours" is measured in real hours, or by the clock of the report's own time zone,
-- so a calendar day of 25 hours when summer time ends is still one day's window.
-- A negative remainder (a running total that went down, or an overdrawn long window) is `bad`: it gives
-- no value, and the daily series leaves that metric blank on the days it would have gone to.
-- One row per window and day it goes to, with the `spans` of time the piece represents on that day
-- (the whole piece when placed whole, its part inside the day when spread), for coverage; and one row
-- with no day for a window that goes nowhere (what `tracker check` lists, with the window's figures).
-- Parameter: tz (the calendar's IANA time zone; unset = calendar_tz, the store's, else Europe/Kyiv).
with every_window as (
    select * from int_series_nesting
),

windows as (
    select * from every_window where not dropped
),

child_edges as (
    select
        children.parent_id as window_id,
        children.period_start as child_start,
        children.period_end as child_end,
        lag(children.period_end) over (partition by children.parent_id order by children.period_start)
            as previous_child_end,
        row_number() over (partition by children.parent_id order by children.period_start desc) = 1
            as is_last
    from windows as children
    where children.parent_id is not null
),

segments as (
    -- a window without children is one segment
    select window_id, period_start as segment_start, period_end as segment_end
    from windows
    where children = 0
    union all
    -- before each child, from the previous child's end or the window's start
    select child_edges.window_id, coalesce(child_edges.previous_child_end, windows.period_start), child_edges.child_start
    from child_edges
    join windows using (window_id)
    union all
    -- after the last child
    select child_edges.window_id, child_edges.child_end, windows.period_end
    from child_edges
    join windows using (window_id)
    where child_edges.is_last
),

timed_segments as (
    select *, epoch_us(segment_end) - epoch_us(segment_start) as segment_us
    from segments
    where segment_start < segment_end
),

piece_lengths as (
    select
        window_id,
        sum(segment_us) as piece_us,
        list({'span_start': segment_start, 'span_end': segment_end}) as piece_spans
    from timed_segments
    group by window_id
),

clock_lengths as (
    -- a piece a little over 24 hours may be one calendar day of its report's own time zone (25 hours
    -- when summer time ends): measured by that zone's clock, it is 24 hours
    select
        timed_segments.window_id,
        sum(epoch_us(timezone(windows.timezone, timed_segments.segment_end))
            - epoch_us(timezone(windows.timezone, timed_segments.segment_start))) as clock_us
    from timed_segments
    join piece_lengths using (window_id)
    join windows using (window_id)
    where piece_lengths.piece_us > 86400000000
      and piece_lengths.piece_us <= 90000000000
    group by timed_segments.window_id
),

pieces as (
    select
        windows.*,
        piece_lengths.piece_us <= 86400000000 or coalesce(clock_lengths.clock_us <= 86400000000, false) as short,
        piece_lengths.piece_spans
    from windows
    join piece_lengths using (window_id)
    left join clock_lengths using (window_id)
),

bounds as (
    select min(period_start) as first_start, max(period_end) as last_end
    from windows
),

calendar as (
    -- the calendar days from the first window to the last: the one place where day boundaries are
    -- computed in the time zone (DST-aware: a day lasts 23, 24 or 25 hours)
    select
        day,
        timezone(coalesce(getvariable('tz'), getvariable('calendar_tz'), 'Europe/Kyiv'), day::timestamp) as day_start,
        timezone(coalesce(getvariable('tz'), getvariable('calendar_tz'), 'Europe/Kyiv'), (day + 1)::timestamp) as day_end
    from (
        select cast(unnest(generate_series(
            cast(timezone(coalesce(getvariable('tz'), getvariable('calendar_tz'), 'Europe/Kyiv'), first_start) as date) - 1,
            cast(timezone(coalesce(getvariable('tz'), getvariable('calendar_tz'), 'Europe/Kyiv'), last_end) as date) + 1,
            interval 1 day
        )) as date) as day
        from bounds
    )
),

segment_days as (
    -- the days a segment may touch: its UTC days and one more on each side (no zone is 24 hours off UTC)
    select window_id, segment_start, segment_end, date '1970-01-01' + day_number::integer as day
    from (
        select
            window_id,
            segment_start,
            segment_end,
            unnest(range(
                epoch_us(segment_start) // 86400000000 - 1,
                (epoch_us(segment_end) - 1) // 86400000000 + 2
            )) as day_number
        from timed_segments
    )
),

window_days as (
    -- the hours of each piece inside each day it touches
    select
        segment_days.window_id,
        segment_days.day,
        any_value(epoch_us(calendar.day_end) - epoch_us(calendar.day_start)) as day_us,
        sum(epoch_us(least(segment_days.segment_end, calendar.day_end))
            - epoch_us(greatest(segment_days.segment_start, calendar.day_start))) as us,
        list({
            'span_start': greatest(segment_days.segment_start, calendar.day_start),
            'span_end': least(segment_days.segment_end, calendar.day_end)
        }) as day_spans
    from segment_days
    join calendar using (day)
    where calendar.day_start < segment_days.segment_end
      and calendar.day_end > segment_days.segment_start
    group by segment_days.window_id, segment_days.day
),

whole as (
    -- rule 5: a short piece goes whole to the day holding most of it; a tie goes to the later day
    select
        pieces.window_id,
        arg_max(window_days.day, (window_days.us, window_days.day)) as day,
        arg_max(window_days.day_us, (window_days.us, window_days.day)) as day_us
    from pieces
    join window_days using (window_id)
    where pieces.short
    group by pieces.window_id
),

finer_days as (
    -- days with a figure of their own (from a piece of up to 24 hours), per series
    select distinct pieces.series, whole.day
    from whole
    join pieces using (window_id)
),

long_days as (
    select pieces.window_id, pieces.series, pieces.counting, window_days.day, window_days.day_us, window_days.us,
           window_days.day_spans
    from pieces
    join window_days using (window_id)
    where not pieces.short
),

eligible as (
    -- rule 6: the days of a long piece that take a share of it
    select * from long_days where counting = 'additive'
    union all
    select *
    from long_days
    anti join finer_days using (series, day)
    where long_days.counting <> 'additive'
),

shares as (
    select
        *,
        us / sum(us) over (partition by window_id) as share
    from eligible
),

placed as (
    select
        pieces.window_id,
        whole.day,
        whole.day_us,
        pieces.remainder::double as amount,
        false as estimated,
        pieces.piece_spans as spans
    from pieces
    join whole using (window_id)
    union all
    select
        shares.window_id,
        shares.day,
        shares.day_us,
        pieces.remainder * shares.share as amount,
        true as estimated,
        shares.day_spans as spans
    from shares
    join pieces using (window_id)
),

final as (
    -- every window of every series: one row per day its piece goes to, or one row with no day when it
    -- goes nowhere (dropped in a conflict, no hours left, or no day to take a long remainder)
    select
        every_window.window_id,
        every_window.parent_id,
        every_window.series,
        every_window.source,
        every_window.counting,
        every_window.region,
        every_window.area,
        every_window.accused_party,
        every_window.metric,
        every_window.period_start,
        every_window.period_end,
        every_window.value as figure,
        every_window.children,
        every_window.inside_value,
        every_window.remainder,
        every_window.remainder_us,
        every_window.dropped,
        every_window.conflict_with,
        every_window.report_id,
        every_window.report_ids,
        placed.day,
        placed.day_us,
        not every_window.dropped and every_window.remainder < 0 as bad,
        if(every_window.remainder < 0, null, placed.amount) as value,
        coalesce(placed.estimated, false) as estimated,
        placed.spans
    from every_window
    left join placed using (window_id)
)

select * from final
