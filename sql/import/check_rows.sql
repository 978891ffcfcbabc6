-- Every problem of every staged row, as (line_no, column_name, code, value, other); the messages are
-- written from the codes by tracker/problems.py. Reads parsed_rows. Each check is one vectorised select.
-- Parameters: tracker_sources, tracker_regions, tracker_parties, tracker_qualifiers, negative_pattern,
-- decimal_pattern, url_pattern, max_window_years (values from tracker/vocab.py and tracker/schema.py).
with rows as (
    select * from parsed_rows
),

missing as (
    select line_no, 'source' as column_name, 'missing-value' as code, null as value, null as other
    from rows where source is null
    union all
    select line_no, 'period_start' as column_name, 'missing-value' as code, null as value, null as other
    from rows where period_start is null
    union all
    select line_no, 'period_end' as column_name, 'missing-value' as code, null as value, null as other
    from rows where period_end is null
),

vocabulary as (
    select line_no, 'source', 'unknown-source', source, null
    from rows where source is not null and not list_contains(getvariable('tracker_sources'), source)
    union all
    select line_no, 'timezone', 'bad-timezone', timezone, null
    from rows where timezone is not null and zone is null
    union all
    select line_no, 'region', 'unknown-region', region, null
    from rows where region is not null and not list_contains(getvariable('tracker_regions'), region)
    union all
    select line_no, 'accused_party', 'unknown-party', accused_party, null
    from rows where accused_party is not null and not list_contains(getvariable('tracker_parties'), accused_party)
    union all
    select line_no, 'qualifier', 'unknown-qualifier', qualifier, null
    from rows where qualifier is not null and not list_contains(getvariable('tracker_qualifiers'), qualifier)
),

dates as (
    -- bad-date, offset-out-of-range, nonexistent-local-time, date-out-of-range (parsed_rows.sql decides which)
    select line_no, 'reported_at', reported_at_problem, reported_at, reported_at_problem_other
    from rows where reported_at_problem is not null
    union all
    select line_no, 'period_start', period_start_problem, period_start, period_start_problem_other
    from rows where period_start_problem is not null
    union all
    select line_no, 'period_end', period_end_problem, period_end, period_end_problem_other
    from rows where period_end_problem is not null
    union all
    select line_no, 'period_end', 'window-order', period_end, period_start
    from rows where period_end_value <= period_start_value
    union all
    select line_no, 'period_end', 'window-too-long', period_end, period_start
    from rows where period_end_value > period_start_value + to_years(getvariable('max_window_years'))
),

counts as (
    select
        line_no, 'violations',
        case
            when regexp_full_match(violations, getvariable('integer_pattern')) then 'number-too-large'
            when regexp_full_match(violations, getvariable('negative_pattern')) then 'negative-count'
            when regexp_full_match(violations, getvariable('decimal_pattern')) then 'not-an-integer'
            else 'not-a-number'
        end,
        violations, null
    from rows where violations is not null and violations_value is null
    union all
    select
        line_no, 'prohibited_weapons',
        case
            when regexp_full_match(prohibited_weapons, getvariable('integer_pattern')) then 'number-too-large'
            when regexp_full_match(prohibited_weapons, getvariable('negative_pattern')) then 'negative-count'
            when regexp_full_match(prohibited_weapons, getvariable('decimal_pattern')) then 'not-an-integer'
            else 'not-a-number'
        end,
        prohibited_weapons, null
    from rows where prohibited_weapons is not null and prohibited_weapons_value is null
    union all
    select
        line_no, 'explosions',
        case
            when regexp_full_match(explosions, getvariable('integer_pattern')) then 'number-too-large'
            when regexp_full_match(explosions, getvariable('negative_pattern')) then 'negative-count'
            when regexp_full_match(explosions, getvariable('decimal_pattern')) then 'not-an-integer'
            else 'not-a-number'
        end,
        explosions, null
    from rows where explosions is not null and explosions_value is null
    union all
    select
        line_no, 'killed',
        case
            when regexp_full_match(killed, getvariable('integer_pattern')) then 'number-too-large'
            when regexp_full_match(killed, getvariable('negative_pattern')) then 'negative-count'
            when regexp_full_match(killed, getvariable('decimal_pattern')) then 'not-an-integer'
            else 'not-a-number'
        end,
        killed, null
    from rows where killed is not null and killed_value is null
    union all
    select
        line_no, 'wounded',
        case
            when regexp_full_match(wounded, getvariable('integer_pattern')) then 'number-too-large'
            when regexp_full_match(wounded, getvariable('negative_pattern')) then 'negative-count'
            when regexp_full_match(wounded, getvariable('decimal_pattern')) then 'not-an-integer'
            else 'not-a-number'
        end,
        wounded, null
    from rows where wounded is not null and wounded_value is null
    union all
    select
        line_no, 'civilians_killed',
        case
            when regexp_full_match(civilians_killed, getvariable('integer_pattern')) then 'number-too-large'
            when regexp_full_match(civilians_killed, getvariable('negative_pattern')) then 'negative-count'
            when regexp_full_match(civilians_killed, getvariable('decimal_pattern')) then 'not-an-integer'
            else 'not-a-number'
        end,
        civilians_killed, null
    from rows where civilians_killed is not null and civilians_killed_value is null
    union all
    select
        line_no, 'civilians_wounded',
        case
            when regexp_full_match(civilians_wounded, getvariable('integer_pattern')) then 'number-too-large'
            when regexp_full_match(civilians_wounded, getvariable('negative_pattern')) then 'negative-count'
            when regexp_full_match(civilians_wounded, getvariable('decimal_pattern')) then 'not-an-integer'
            else 'not-a-number'
        end,
        civilians_wounded, null
    from rows where civilians_wounded is not null and civilians_wounded_value is null
    union all
    select
        line_no, 'settlements_shelled',
        case
            when regexp_full_match(settlements_shelled, getvariable('integer_pattern')) then 'number-too-large'
            when regexp_full_match(settlements_shelled, getvariable('negative_pattern')) then 'negative-count'
            when regexp_full_match(settlements_shelled, getvariable('decimal_pattern')) then 'not-an-integer'
            else 'not-a-number'
        end,
        settlements_shelled, null
    from rows where settlements_shelled is not null and settlements_shelled_value is null
),

totals as (
    select line_no, 'prohibited_weapons', 'subset-exceeds-total', prohibited_weapons_value::varchar, violations_value::varchar
    from rows where prohibited_weapons_value > violations_value
    union all
    select line_no, 'explosions', 'subset-exceeds-total', explosions_value::varchar, violations_value::varchar
    from rows where explosions_value > violations_value
    union all
    select line_no, 'violations', 'no-metric', null, null
    from rows where violations is null and prohibited_weapons is null and explosions is null and killed is null and wounded is null and civilians_killed is null and civilians_wounded is null and settlements_shelled is null
),

texts as (
    select line_no, 'source_url', 'bad-url', source_url, null
    from rows where source_url is not null and not regexp_full_match(source_url, getvariable('url_pattern'), 'i')
),

lengths as (
    -- a free text longer than it may be (tracker.vocab.TEXT_LIMITS: text_limit_columns, text_limit_values)
    unpivot (select line_no, channel, area, weapons, location, source_url, quote, notes from rows)
    on channel, area, weapons, location, source_url, quote, notes
    into name column_name value text
),

limited as (
    select *, getvariable('text_limit_values')[list_position(getvariable('text_limit_columns'), column_name)]
        as text_limit
    from lengths
),

too_long as (
    select line_no, column_name, 'text-too-long' as code, length(text)::varchar as value,
           text_limit::varchar as other
    from limited
    where length(text) > text_limit
),

control_characters as (
    select line_no, 'source' as column_name, 'control-character' as code, null as value, null as other
    from rows where contains(source, chr(0))
    union all
    select line_no, 'channel', 'control-character', null, null from rows where contains(channel, chr(0))
    union all
    select line_no, 'reported_at', 'control-character', null, null from rows where contains(reported_at, chr(0))
    union all
    select line_no, 'period_start', 'control-character', null, null from rows where contains(period_start, chr(0))
    union all
    select line_no, 'period_end', 'control-character', null, null from rows where contains(period_end, chr(0))
    union all
    select line_no, 'timezone', 'control-character', null, null from rows where contains(timezone, chr(0))
    union all
    select line_no, 'region', 'control-character', null, null from rows where contains(region, chr(0))
    union all
    select line_no, 'area', 'control-character', null, null from rows where contains(area, chr(0))
    union all
    select line_no, 'accused_party', 'control-character', null, null from rows where contains(accused_party, chr(0))
    union all
    select line_no, 'violations', 'control-character', null, null from rows where contains(violations, chr(0))
    union all
    select line_no, 'prohibited_weapons', 'control-character', null, null from rows where contains(prohibited_weapons, chr(0))
    union all
    select line_no, 'explosions', 'control-character', null, null from rows where contains(explosions, chr(0))
    union all
    select line_no, 'killed', 'control-character', null, null from rows where contains(killed, chr(0))
    union all
    select line_no, 'wounded', 'control-character', null, null from rows where contains(wounded, chr(0))
    union all
    select line_no, 'civilians_killed', 'control-character', null, null from rows where contains(civilians_killed, chr(0))
    union all
    select line_no, 'civilians_wounded', 'control-character', null, null from rows where contains(civilians_wounded, chr(0))
    union all
    select line_no, 'settlements_shelled', 'control-character', null, null from rows where contains(settlements_shelled, chr(0))
    union all
    select line_no, 'qualifier', 'control-character', null, null from rows where contains(qualifier, chr(0))
    union all
    select line_no, 'weapons', 'control-character', null, null from rows where contains(weapons, chr(0))
    union all
    select line_no, 'location', 'control-character', null, null from rows where contains(location, chr(0))
    union all
    select line_no, 'source_url', 'control-character', null, null from rows where contains(source_url, chr(0))
    union all
    select line_no, 'quote', 'control-character', null, null from rows where contains(quote, chr(0))
    union all
    select line_no, 'notes', 'control-character', null, null from rows where contains(notes, chr(0))
),

found as (
    select * from missing
    union all select * from vocabulary
    union all select * from dates
    union all select * from counts
    union all select * from totals
    union all select * from texts
    union all select * from too_long
),

final as (
    -- a cell with a NUL byte is reported for that alone
    select found.*
    from found
    anti join control_characters using (line_no, column_name)
    union all
    select * from control_characters
)

select * from final
