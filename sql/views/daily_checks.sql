-- What `tracker check` lists (CONTRACT §3 precise readings, §6): every figure the daily series could not
-- use as reported, with the reports involved. One row per problem:
-- * conflict: a window overlaps a later-reported window of the same series without one containing the
--   other; it is dropped whole for that metric.
-- * negative-difference: a running total below the figures inside it (a snapshot that went down);
--   the piece is left blank on the days in `days`.
-- * overdrawn: a long window whose finer windows inside it add up to more than its figure; blank on
--   the days in `days` that would have taken a share.
-- * unplaced-remainder: a long window whose every day has a figure of its own, so its remainder has
--   nowhere to go; it is not stored.
-- * no-hours-left: the windows inside a window cover it whole but add up to less than its figure.
-- * edit-conflict: two edits of the same version were stored; the later stored one counts.
-- `report_ids` lists the report that gave the window its figure first, then the window's other
-- revisions, then the reports of the other windows involved (those inside it, or those that beat it).
-- Parameters: tz (for the days and the times in `message`), daily_sources.
with pieces as (
    select * from int_series_pieces
),

problems as (
    -- the windows that went wrong, one row each, with the days their blank pieces would have gone to
    select
        window_id,
        any_value(source) as source,
        any_value(if(area is null, coalesce(region, 'all'), coalesce(region, 'all') || ':' || area)) as region,
        any_value(accused_party) as accused_party,
        any_value(metric) as metric,
        any_value(period_start) as period_start,
        any_value(period_end) as period_end,
        any_value(figure) as figure,
        any_value(children) as children,
        any_value(inside_value) as inside_value,
        any_value(remainder) as remainder,
        any_value(remainder_us) as remainder_us,
        any_value(dropped) as dropped,
        any_value(conflict_with) as conflict_with,
        any_value(report_id) as report_id,
        any_value(report_ids) as report_ids,
        coalesce(list(day order by day) filter (where day is not null), []) as days
    from pieces
    where dropped or bad or (day is null and remainder <> 0)
    group by window_id
),

windows_involved as (
    -- the windows inside a problem window, and the windows that beat a dropped one
    select distinct on (pieces.window_id)
        pieces.window_id, pieces.parent_id, pieces.period_start, pieces.period_end, pieces.figure,
        pieces.report_ids
    from pieces
    where pieces.parent_id in (select window_id from problems)
       or pieces.window_id in (select unnest(conflict_with) from problems where dropped)
),

inside as (
    select parent_id as window_id, flatten(list(report_ids order by period_start)) as inside_report_ids
    from windows_involved
    where parent_id is not null
    group by parent_id
),

winners as (
    select
        beaten.window_id,
        flatten(list(winner.report_ids order by winner.period_start)) as winner_report_ids,
        string_agg(
            strftime(timezone(coalesce(getvariable('tz'), getvariable('calendar_tz'), 'Europe/Kyiv'), winner.period_start), '%Y-%m-%d %H:%M')
            || ' → ' || strftime(timezone(coalesce(getvariable('tz'), getvariable('calendar_tz'), 'Europe/Kyiv'), winner.period_end), '%Y-%m-%d %H:%M')
            || ' (' || winner.figure || ')',
            ', ' order by winner.period_start
        ) as winner_windows
    from (select window_id, unnest(conflict_with) as winner_id from problems where dropped) as beaten
    join windows_involved as winner on winner.window_id = beaten.winner_id
    group by beaten.window_id
),

conflicts as (
    select
        'conflict' as kind,
        source, region, accused_party, metric, period_start, period_end, figure,
        null::hugeint as inside, []::date[] as days,
        [report_id] || list_filter(report_ids, lambda id: id <> report_id) || winner_report_ids as report_ids,
        printf('%s %s %s: the window %s → %s (%s) overlaps %s without one containing the other; the later '
               || 'reported window wins and this one is left out for %s; check which window is right',
               source, region, metric,
               strftime(timezone(coalesce(getvariable('tz'), getvariable('calendar_tz'), 'Europe/Kyiv'), period_start), '%Y-%m-%d %H:%M'),
               strftime(timezone(coalesce(getvariable('tz'), getvariable('calendar_tz'), 'Europe/Kyiv'), period_end), '%Y-%m-%d %H:%M'),
               figure::varchar, winner_windows, metric) as message
    from problems
    join winners using (window_id)
    where problems.dropped
),

remainders as (
    select
        case
            when remainder < 0 and remainder_us > 86400000000 then 'overdrawn'
            when remainder < 0 then 'negative-difference'
            when remainder_us = 0 then 'no-hours-left'
            else 'unplaced-remainder'
        end as kind,
        problems.*,
        coalesce(inside.inside_report_ids, []) as inside_report_ids
    from problems
    left join inside using (window_id)
    where not problems.dropped
),

remainder_problems as (
    select
        kind, source, region, accused_party, metric, period_start, period_end,
        figure, inside_value as inside, days,
        [report_id] || list_filter(report_ids, lambda id: id <> report_id) || inside_report_ids as report_ids,
        printf('%s %s %s: the window %s → %s gives %s; %s',
               source, region, metric,
               strftime(timezone(coalesce(getvariable('tz'), getvariable('calendar_tz'), 'Europe/Kyiv'), period_start), '%Y-%m-%d %H:%M'),
               strftime(timezone(coalesce(getvariable('tz'), getvariable('calendar_tz'), 'Europe/Kyiv'), period_end), '%Y-%m-%d %H:%M'),
               figure::varchar,
               case kind
                   when 'negative-difference' then if(children = 1, 'the window inside it gives ', 'the ' || children || ' windows inside it add up to ')
                        || inside_value || ', more; a running total cannot go down, so '
                        || metric || ' is left blank on ' || coalesce(nullif(array_to_string(days, ', '), ''), 'no day')
                        || '; check these figures'
                   when 'overdrawn' then if(children = 1, 'the window inside it gives ', 'the ' || children || ' windows inside it add up to ')
                        || inside_value || ', more; nothing is left to spread, so '
                        || metric || ' is left blank on ' || coalesce(nullif(array_to_string(days, ', '), ''), 'no day')
                        || '; check these figures'
                   when 'no-hours-left' then if(children = 1, 'the window inside it covers it whole but gives ',
                           'the ' || children || ' windows inside it cover it whole but add up to ') || inside_value
                        || '; the difference of ' || remainder || ' has no hours to go to and is not counted; check these figures'
                   else 'every day it covers has a figure of its own, so its remainder of ' || remainder
                        || ' (after the ' || inside_value || ' inside it) has nowhere to go and is not counted'
               end) as message
    from remainders
),

edit_conflicts as (
    select
        'edit-conflict' as kind,
        any_value(source) filter (where is_winner) as source,
        any_value(coalesce(region, 'all')) filter (where is_winner) as region,
        any_value(accused_party) filter (where is_winner) as accused_party,
        null as metric,
        any_value(period_start) filter (where is_winner) as period_start,
        any_value(period_end) filter (where is_winner) as period_end,
        null::hugeint as figure,
        null::hugeint as inside,
        []::date[] as days,
        list(id order by is_winner desc, batch_seq desc, row_no desc) as report_ids,
        printf('report %s was edited twice from the same version; the later stored edit (%s) counts, '
               || 'the other (%s) does not; open the report and keep the right version',
               substr(root_id, 1, 12),
               substr(any_value(id) filter (where is_winner), 1, 12),
               array_to_string(list(substr(id, 1, 12)) filter (where not is_winner), ', ')) as message
    from int_report_heads
    where heads_in_chain > 1
      and (getvariable('daily_sources') is null or list_contains(getvariable('daily_sources'), source))
    group by root_id
),

final as (
    select * from conflicts
    union all by name
    select * from remainder_problems
    union all by name
    select * from edit_conflicts
)

select * from final
