-- The daily rows of every source, before the choice of accused party: one row per `accused_filter`
-- ('' = every party, as `tracker daily` shows by default; one named party, for `--accused P`; or
-- `*accusations`, a party source's accusations of the other side, which the analysis reads), day,
-- source and region (CONTRACT §3 rules 7-9 and the precise readings).
-- * Accused parties (rule 8): on a day, for each metric, a figure with a blank accused party is the
--   source's total and wins; named parties are added up only when there is none.
-- * A metric is blank on a day when a bad piece (a negative difference, an overdrawn window) goes there.
-- * Region `all` (rule 7): a cumulative source's own whole-zone figure when it gives one for that metric
--   on that day, else the sum of its figures for the zone's regions (table `regions`, `in_zone`; a new
--   store's zone is Donetsk and Luhansk), `partial` when fewer than all of them give it. An additive
--   source's `all` is the sum of every region of the zone, including figures with no region. A region
--   outside the zone has its own rows and is never summed into `all`.
--   Area rows are their own series, labelled REGION:AREA (`all:AREA` for an area with no region), and
--   never added to a region.
-- * Coverage (rule 9): the hours the pieces placed on the day represent (any metric), capped at the
--   day's length (23 or 25 hours on a DST day), over the day's length. Region `all` built from regions
--   takes the smaller coverage of the regions that report (or the own figure's, when larger and used).
-- * `estimated` and `partial` list metrics, space-separated, in the canonical order; `reports` counts
--   the distinct stored reports whose windows gave the row a figure, superseded revisions included;
--   `qualifiers` lists the non-exact qualifiers (at_least, about) of the reports whose figures the row
--   shows (each window's winning revision), space-separated, blank when all are exact.
with pieces as materialized (
    -- the pieces placed on a day, read four times below
    select series, day, source, counting, region, area, accused_party, metric, day_us, bad, value, estimated,
        report_id, report_ids, spans
    from int_series_pieces
    where day is not null
),

qualified as (
    -- the reports that are not exact (few): a row names the qualifiers of the winning reports behind it
    select distinct id as report_id, qualifier from reports where qualifier <> 'exact'
),

series_days as (
    -- the pieces of one series on one day (a day's snapshots: several pieces, one figure); narrow: the
    -- reports, spans and qualifiers behind it are the three relations below, by (series, day)
    select
        series,
        day,
        any_value(source) as source,
        any_value(counting) as counting,
        coalesce(any_value(region), '') as region,
        coalesce(any_value(area), '') as area,
        any_value(hash(source, region, area)) as place,
        any_value(accused_party) as accused_party,
        any_value(metric) as metric,
        any_value(day_us) as day_us,
        bool_or(bad) as bad,
        sum(value) as value,
        bool_or(estimated) as estimated
    from pieces
    group by series, day
),

series_day_reports as (
    -- every stored report whose window gave the series a figure on the day (superseded revisions too)
    select series, day, unnest(report_ids) as report_id from pieces
),

series_day_spans as (
    -- the stretches of time the pieces of the series represent on the day (for coverage)
    select series, day, span.span_start, span.span_end
    from (select series, day, unnest(spans) as span from pieces)
),

series_day_qualifiers as (
    -- the non-exact qualifiers of the winning reports (each window's)
    select pieces.series, pieces.day, qualified.qualifier
    from pieces
    join qualified using (report_id)
),

totals as (
    -- the days on which a source gives, for a region, area and metric, a figure with a blank accused
    -- party: that figure is its total
    select distinct place, metric, day
    from series_days
    where accused_party is null
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
    select '' as accused_filter, *
    from series_days
    where accused_party is null
    union all
    select '' as accused_filter, *
    from series_days
    anti join totals using (place, metric, day)
    where series_days.accused_party is not null
    union all
    select accused_party as accused_filter, *
    from series_days
    where accused_party is not null
    union all
    -- a party's accusations (CONTRACT §7), as `*accusations`: its blank-party total when it gives one,
    -- else its figures against parties of another side (never its own side, never `unknown`)
    select '*accusations' as accused_filter, series_days.*
    from series_days
    semi join party_sides using (source)
    where series_days.accused_party is null
    union all
    select '*accusations' as accused_filter, series_days.*
    from series_days
    join party_sides using (source)
    join accused_sides using (accused_party)
    anti join totals using (place, metric, day)
    where accused_sides.accused_side <> party_sides.own_side
),

metric_values as (
    select
        accused_filter, day, place, metric,
        any_value(source) as source,
        any_value(counting) as counting,
        any_value(region) as region,
        any_value(area) as area,
        if(bool_or(bad), null, sum(value)) as value,
        bool_or(estimated) and not bool_or(bad) as estimated
    from variants
    group by accused_filter, day, place, metric
),

spans as (
    -- the time each row's pieces represent; the same span given by several metrics counts once
    select distinct variants.accused_filter, variants.day, variants.place, variants.day_us,
        series_day_spans.span_start, series_day_spans.span_end
    from variants
    join series_day_spans using (series, day)
),

span_gains as (
    -- the union of the spans of a row: each span adds what lies after every span that starts before it
    select
        *,
        greatest(0, epoch_us(span_end) - epoch_us(greatest(span_start, max(span_end) over (
            partition by accused_filter, day, place
            order by span_start, span_end
            rows between unbounded preceding and 1 preceding
        )))) as gain_us
    from spans
),

place_coverage as (
    select accused_filter, day, place, any_value(day_us) as day_us, sum(gain_us) as covered_us
    from span_gains
    group by accused_filter, day, place
),

place_reports as (
    select
        accused_filter, day, place,
        any_value(source) as source, any_value(region) as region, any_value(area) as area,
        count(distinct series_day_reports.report_id) as reports
    from variants
    join series_day_reports using (series, day)
    group by accused_filter, day, place
),

place_qualifiers as (
    -- the non-exact qualifiers of the winning reports (each window's) behind a row's figures
    select accused_filter, day, place, list_sort(list(distinct series_day_qualifiers.qualifier)) as qualifiers
    from variants
    join series_day_qualifiers using (series, day)
    group by accused_filter, day, place
),

places as (
    select place_coverage.*, place_reports.* exclude (accused_filter, day, place),
        coalesce(place_qualifiers.qualifiers, []) as qualifiers
    from place_coverage
    join place_reports using (accused_filter, day, place)
    left join place_qualifiers using (accused_filter, day, place)
),

zone_regions as (
    -- the regions whose sum is region `all` (`tracker regions zone`); blank is the whole zone itself
    select key as region from regions where in_zone
    union all
    select ''
),

zone_size as (
    select count(*) as regions from regions where in_zone
),

own_flags as (
    select accused_filter, day, source, metric, bool_or(region = '') as has_own
    from metric_values
    where area = ''
    group by accused_filter, day, source, metric
),

all_parts as (
    -- a region outside the zone is its own row, never part of `all`
    select
        metric_values.*,
        own_flags.has_own,
        metric_values.counting = 'additive' or (metric_values.region = '') = own_flags.has_own as used
    from metric_values
    semi join zone_regions using (region)
    join own_flags using (accused_filter, day, source, metric)
    where metric_values.area = ''
),

all_metrics as (
    select
        accused_filter, day, source, 'all' as region, metric,
        if(bool_or(value is null) filter (where used), null, sum(value) filter (where used)) as value,
        coalesce(bool_or(estimated) filter (where used), false) as estimated,
        any_value(counting) <> 'additive' and not bool_or(has_own)
            and count(*) filter (where used) < any_value(zone_size.regions) as partial
    from all_parts
    cross join zone_size
    group by accused_filter, day, source, metric
),

used_places as (
    select accused_filter, day, source, region, any_value(counting) as counting
    from all_parts
    where used
    group by accused_filter, day, source, region
),

all_places as (
    select
        places.accused_filter, places.day, places.source, 'all' as region,
        any_value(places.day_us) as day_us,
        if(any_value(used_places.counting) = 'additive',
           max(places.covered_us),
           greatest(max(places.covered_us) filter (where places.region = ''),
                    min(places.covered_us) filter (where places.region <> ''))) as covered_us,
        sum(places.reports)::bigint as reports,
        list_sort(list_distinct(flatten(list(places.qualifiers)))) as qualifiers
    from places
    join used_places using (accused_filter, day, source, region)
    where places.area = ''
    group by places.accused_filter, places.day, places.source
),

labelled_metrics as (
    select
        accused_filter, day, source,
        if(area = '', region, coalesce(nullif(region, ''), 'all') || ':' || area) as region,
        metric, value, estimated, false as partial
    from metric_values
    where region <> '' or area <> ''
    union all
    select accused_filter, day, source, region, metric, value, estimated, partial
    from all_metrics
),

labelled_places as (
    select
        accused_filter, day, source,
        if(area = '', region, coalesce(nullif(region, ''), 'all') || ':' || area) as region,
        day_us, covered_us, reports, qualifiers
    from places
    where region <> '' or area <> ''
    union all
    select accused_filter, day, source, region, day_us, covered_us, reports, qualifiers
    from all_places
),

metrics as (
    select ['violations', 'prohibited_weapons', 'explosions', 'killed', 'wounded', 'civilians_killed',
            'civilians_wounded', 'settlements_shelled'] as names
),

pivoted as (
    select
        accused_filter, day, source, region,
        any_value(value) filter (where metric = 'violations') as violations,
        any_value(value) filter (where metric = 'prohibited_weapons') as prohibited_weapons,
        any_value(value) filter (where metric = 'explosions') as explosions,
        any_value(value) filter (where metric = 'killed') as killed,
        any_value(value) filter (where metric = 'wounded') as wounded,
        any_value(value) filter (where metric = 'civilians_killed') as civilians_killed,
        any_value(value) filter (where metric = 'civilians_wounded') as civilians_wounded,
        any_value(value) filter (where metric = 'settlements_shelled') as settlements_shelled,
        list(metric) filter (where estimated) as estimated_metrics,
        list(metric) filter (where partial) as partial_metrics
    from labelled_metrics
    group by accused_filter, day, source, region
),

final as (
    select
        pivoted.accused_filter,
        pivoted.day,
        pivoted.source,
        pivoted.region,
        pivoted.violations,
        pivoted.prohibited_weapons,
        pivoted.explosions,
        pivoted.killed,
        pivoted.wounded,
        pivoted.civilians_killed,
        pivoted.civilians_wounded,
        pivoted.settlements_shelled,
        least(labelled_places.covered_us, labelled_places.day_us) / labelled_places.day_us as coverage,
        -- the metrics, space-separated, in the canonical order
        array_to_string(list_filter(metrics.names, lambda name: list_contains(pivoted.estimated_metrics, name)), ' ')
            as estimated,
        array_to_string(list_filter(metrics.names, lambda name: list_contains(pivoted.partial_metrics, name)), ' ')
            as partial,
        labelled_places.reports,
        array_to_string(labelled_places.qualifiers, ' ') as qualifiers
    from pivoted
    join labelled_places using (accused_filter, day, source, region)
    cross join metrics
)

select * from final
