-- The daily rows of int_series_rows, computed one wide row per window (all eight metrics side by side)
-- for a span whose windows are all simple (sql/refresh/simple_span.sql says whether they are):
-- * every window lasts more than nothing and at most 24 real hours;
-- * no two different windows of one series (source, region, area, accused party) overlap;
-- * no region or area of a source has both a figure with a blank accused party and one with a named
--   party.
-- Then no window nests in or crosses another and none is long (CONTRACT §3 rules 4 and 6 have nothing
-- to do): each window is its own piece, placed whole on the day holding most of it (rule 5, a tie to the
-- later day); and no blank-party total ever hides a named party's figure (rule 8). What is left is
-- rules 2, 3, 7 and 9, the same as int_series_rows, whose every column and row this gives (a hypothesis
-- test in tests/test_simple_rows.py holds the two equal on simple spans). A figure is never negative
-- (the import refuses one), so no piece is bad, and no figure is estimated.
-- The metrics a report or window gives are a bit mask in the canonical order (violations = 1, then 2,
-- 4, ...), so that the reports, qualifiers and hours behind a row are counted once per window rather
-- than once per metric.
-- Parameters: those of int_series_rows (tz, calendar_tz, daily_sources, daily_from, daily_to, as_of).
with given as (
    -- the current reports of the span that give a figure, with the metrics they give; as in
    -- int_series_figures, a chain's head is kept only when it is itself of the sources and span read (an
    -- edit may have moved a report read there to another source or span, stg_report_edits)
    select *
    from (
        select
            *,
            hash(source, region, area, accused_party) as series,
            hash(source, region, area) as place,
            -- reported_at (none = oldest), then batch_seq, then row_no, as int_series_figures
            coalesce(epoch_us(reported_at), -4611686018427387904)::hugeint * 18446744073709551616
                + batch_seq::hugeint * 4294967296 + row_no as revision_order,
            (violations is not null)::integer
                + (prohibited_weapons is not null)::integer * 2
                + (explosions is not null)::integer * 4
                + (killed is not null)::integer * 8
                + (wounded is not null)::integer * 16
                + (civilians_killed is not null)::integer * 32
                + (civilians_wounded is not null)::integer * 64
                + (settlements_shelled is not null)::integer * 128 as given_mask
        from current_reports
        where (getvariable('daily_sources') is null or list_contains(getvariable('daily_sources'), source))
          and (getvariable('daily_from') is null
               or (period_end > getvariable('daily_from') and period_start < getvariable('daily_to')))
    )
    where given_mask <> 0
),

revised as (
    -- rule 3: of a window's reports, each metric goes to the latest that gives it (arg_max skips blanks),
    -- with that report's qualifier (`won_` METRIC)
    select
        series, period_start, period_end,
        any_value(place) as place,
        any_value(source) as source,
        any_value(region) as region,
        any_value(area) as area,
        any_value(accused_party) as accused_party,
        bit_or(given_mask) as given_mask,
        count(*) as reports,
        arg_max(columns(['violations', 'prohibited_weapons', 'explosions', 'killed', 'wounded',
                         'civilians_killed', 'civilians_wounded', 'settlements_shelled']), revision_order),
        arg_max(if(columns(['violations', 'prohibited_weapons', 'explosions', 'killed', 'wounded',
                            'civilians_killed', 'civilians_wounded', 'settlements_shelled']) is null, null, qualifier),
                revision_order) as "won_\0"
    from given
    group by series, period_start, period_end
),

windows as (
    -- a row names the qualifiers of the reports whose figures it shows, when not exact
    select
        columns(lambda name: not starts_with(name, 'won_')),
        list_distinct(list_filter(list_value(*columns('^won_')), lambda qualifier: qualifier <> 'exact'))
            as qualifiers
    from revised
),

bounds as (
    select min(period_start) as first_start, max(period_end) as last_end
    from windows
),

calendar as (
    -- the calendar days of the span, as int_series_pieces computes them (DST-aware)
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

window_days as (
    -- the days a window may touch: its UTC days and one more on each side (no zone is 24 hours off UTC)
    select series, period_start, period_end, date '1970-01-01' + day_number::integer as day
    from (
        select
            series, period_start, period_end,
            unnest(range(
                epoch_us(period_start) // 86400000000 - 1,
                (epoch_us(period_end) - 1) // 86400000000 + 2
            )) as day_number
        from windows
    )
),

day_hours as (
    select
        window_days.series, window_days.period_start, window_days.period_end, window_days.day,
        epoch_us(calendar.day_end) - epoch_us(calendar.day_start) as day_us,
        epoch_us(least(window_days.period_end, calendar.day_end))
            - epoch_us(greatest(window_days.period_start, calendar.day_start)) as us
    from window_days
    join calendar using (day)
    where calendar.day_start < window_days.period_end
      and calendar.day_end > window_days.period_start
),

placed as (
    -- rule 5: the day holding most of the window; a tie goes to the later day
    select
        series, period_start, period_end,
        arg_max(day, (us, day)) as day,
        arg_max(day_us, (us, day)) as day_us
    from day_hours
    group by series, period_start, period_end
),

pieces as (
    select windows.*, placed.day, placed.day_us
    from windows
    join placed using (series, period_start, period_end)
),

series_days as (
    -- the windows of one series placed on one day (a day's snapshots: several windows, one figure each)
    select
        series, day,
        any_value(place) as place,
        any_value(source) as source,
        any_value(region) as region,
        any_value(area) as area,
        any_value(accused_party) as accused_party,
        any_value(day_us) as day_us,
        sum(columns(['violations', 'prohibited_weapons', 'explosions', 'killed', 'wounded',
                     'civilians_killed', 'civilians_wounded', 'settlements_shelled']))::double,
        bit_or(given_mask) as given_mask
    from pieces
    group by series, day
),

party_sides as (
    select key as source, side as own_side
    from sources
    where role = 'party' and side is not null
),

accused_sides as (
    select key as accused_party, side as accused_side
    from accused_parties
    where side is not null
),

variants as (
    -- rule 8 with no blank-party total beside a named party: '' takes every series, a party's filter its
    -- own, `*accusations` a party source's blank-party figures and those against another side
    select '' as accused_filter, series, day from series_days
    union all
    select accused_party, series, day from series_days where accused_party is not null
    union all
    select '*accusations', series_days.series, series_days.day
    from series_days
    semi join party_sides using (source)
    where series_days.accused_party is null
    union all
    select '*accusations', series_days.series, series_days.day
    from series_days
    join party_sides using (source)
    join accused_sides using (accused_party)
    where accused_sides.accused_side <> party_sides.own_side
),

spans as (
    -- the windows behind each row (for coverage); the same window given twice counts once
    select distinct variants.accused_filter, pieces.day, pieces.place, pieces.period_start, pieces.period_end
    from variants
    join pieces using (series, day)
),

span_gains as (
    -- the union of the spans of a row: each span adds what lies after every span that starts before it
    select
        *,
        greatest(0, epoch_us(period_end) - epoch_us(greatest(period_start, max(period_end) over (
            partition by accused_filter, day, place
            order by period_start, period_end
            rows between unbounded preceding and 1 preceding
        )))) as gain_us
    from spans
),

place_coverage as (
    select accused_filter, day, place, sum(gain_us) as covered_us
    from span_gains
    group by accused_filter, day, place
),

places as (
    -- one row per accused filter, day and place: its figures, and the reports and qualifiers behind them
    -- (a report belongs to one window, and a window to one series: they add up without repeats)
    select
        variants.accused_filter, variants.day, series_days.place,
        any_value(series_days.source) as source,
        coalesce(any_value(series_days.region), '') as region,
        coalesce(any_value(series_days.area), '') as area,
        any_value(series_days.day_us) as day_us,
        sum(columns(['violations', 'prohibited_weapons', 'explosions', 'killed', 'wounded',
                     'civilians_killed', 'civilians_wounded', 'settlements_shelled'])),
        bit_or(series_days.given_mask) as given_mask
    from variants
    join series_days using (series, day)
    group by variants.accused_filter, variants.day, series_days.place
),

place_reports as (
    select
        variants.accused_filter, variants.day, pieces.place,
        sum(pieces.reports)::bigint as reports,
        list_sort(list_distinct(flatten(list(pieces.qualifiers)))) as qualifiers
    from variants
    join pieces using (series, day)
    group by variants.accused_filter, variants.day, pieces.place
),

place_rows as (
    select places.*, place_coverage.covered_us, place_reports.reports, place_reports.qualifiers
    from places
    join place_coverage using (accused_filter, day, place)
    join place_reports using (accused_filter, day, place)
),

counting as (
    select key as source, any_value(counting) = 'additive' as additive
    from sources
    group by key
),

own_rows as (
    -- the metrics of the whole zone's own row (region and area blank) of each accused filter, day and source
    select accused_filter, day, source, bit_or(given_mask) as own_mask
    from place_rows
    where region = '' and area = ''
    group by accused_filter, day, source
),

zone_parts as (
    -- rule 7: the rows that region `all` is made of (the zone's regions and the whole zone itself, no
    -- area); a cumulative source's own whole-zone figure of a metric wins over the sum of its regions
    select
        place_rows.*,
        coalesce(counting.additive, false) as additive,
        own_rows.own_mask
    from place_rows
    semi join (select key as region from regions where in_zone union all select '') using (region)
    left join counting using (source)
    left join own_rows using (accused_filter, day, source)
    where place_rows.area = ''
),

used_parts as (
    -- a region's row counts towards `all` when it gives a metric the whole zone's own row does not
    select
        *,
        if(additive or region = '', given_mask, given_mask & ~coalesce(own_mask, 0)) as used_mask
    from zone_parts
),

zone_size as (
    select count(*) as regions from regions where in_zone
),

all_rows as (
    select
        accused_filter, day, source, 'all' as region,
        -- an additive source's `all` adds up every part; a cumulative one's is the zone's own figure of a
        -- metric when it gives one, else the sum of its regions
        if(any_value(additive),
           sum(columns(['violations', 'prohibited_weapons', 'explosions', 'killed', 'wounded',
                        'civilians_killed', 'civilians_wounded', 'settlements_shelled'])),
           coalesce(sum(columns(['violations', 'prohibited_weapons', 'explosions', 'killed', 'wounded',
                                 'civilians_killed', 'civilians_wounded', 'settlements_shelled']))
                        filter (where region = ''),
                    sum(columns(['violations', 'prohibited_weapons', 'explosions', 'killed', 'wounded',
                                 'civilians_killed', 'civilians_wounded', 'settlements_shelled'])))),
        any_value(additive) as additive,
        coalesce(bit_or(own_mask), 0) as own_mask,
        list(given_mask) filter (where region <> '') as region_masks,
        any_value(day_us) as day_us,
        if(any_value(additive), max(covered_us),
           greatest(max(covered_us) filter (where region = ''), min(covered_us) filter (where region <> '')))
            as covered_us,
        sum(reports)::bigint as reports,
        list_sort(list_distinct(flatten(list(qualifiers)))) as qualifiers
    from used_parts
    where used_mask <> 0
    group by accused_filter, day, source
),

all_partial as (
    -- `partial`: each metric of a cumulative source that the zone's own row does not give, given by fewer
    -- than all the zone's regions (in the canonical order, space-separated)
    select
        all_rows.* exclude (additive, own_mask, region_masks),
        if(additive, '', array_to_string(list_filter(
            ['violations', 'prohibited_weapons', 'explosions', 'killed', 'wounded', 'civilians_killed',
             'civilians_wounded', 'settlements_shelled'],
            lambda name, i: (own_mask >> (i - 1)) & 1 = 0
                and len(list_filter(coalesce(region_masks, []), lambda mask: (mask >> (i - 1)) & 1 = 1))
                    between 1 and zone_size.regions - 1), ' ')) as partial
    from all_rows
    cross join zone_size
),

labelled as (
    select
        accused_filter, day, source,
        if(area = '', region, coalesce(nullif(region, ''), 'all') || ':' || area) as region,
        violations, prohibited_weapons, explosions, killed, wounded, civilians_killed, civilians_wounded,
        settlements_shelled, '' as partial, day_us, covered_us, reports, qualifiers
    from place_rows
    where region <> '' or area <> ''
    union all
    select
        accused_filter, day, source, region,
        violations, prohibited_weapons, explosions, killed, wounded, civilians_killed, civilians_wounded,
        settlements_shelled, partial, day_us, covered_us, reports, qualifiers
    from all_partial
),

final as (
    select
        accused_filter, day, source, region,
        violations, prohibited_weapons, explosions, killed, wounded, civilians_killed, civilians_wounded,
        settlements_shelled,
        least(covered_us, day_us) / day_us as coverage,
        '' as estimated,
        partial,
        reports,
        array_to_string(qualifiers, ' ') as qualifiers
    from labelled
)

select * from final
