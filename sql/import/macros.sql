-- The rules for one cell of an import, each written once as a macro (tracker.validate.define_macros creates
-- them on the connection before a check). checked_rows.sql applies them column by column; the event
-- profiles (ucdp_events.sql, acled_events.sql) use the count rules too. The same rules, in the same order,
-- as tracker/schema.py (tests/test_agreement.py proves that they agree).
-- Parameters: integer_pattern, negative_pattern, decimal_pattern, datetime_pattern, tracker_timezones,
-- default_tz, earliest_day, latest_day, max_offset_minutes (tracker.validate.set_check_variables).

-- Blank is null ("not reported"); surrounding whitespace (RE2's \s: space, tab, CR, LF, FF) is dropped. The
-- comparisons find the few cells that start or end with such a character without running a regexp on
-- every cell.
create or replace temp macro import_cell(cell) as
    nullif(
        if(cell < '!' or ends_with(cell, ' ') or ends_with(cell, chr(9)) or ends_with(cell, chr(10))
               or ends_with(cell, chr(13)) or ends_with(cell, chr(12)),
           regexp_replace(cell, '^\s+|\s+$', '', 'g'), cell),
        '');

-- A controlled value by key or alias, any case (CONTRACT §2): its key when it spells one, else as written
-- (the check reports it). `keys` and `spellings` go position by position (tracker.sources.lexicon).
create or replace temp macro import_key(cell, keys, spellings) as
    if(cell is null or list_contains(keys, cell), cell,
       coalesce(list_extract(keys, list_position(spellings, lower(regexp_replace(cell, '\s+', ' ', 'g')))), cell));

-- The zone a row's date-times without an offset are read in: the default for a blank timezone, null for
-- one that is not an IANA name.
create or replace temp macro import_zone(cell) as
    case
        when cell is null then getvariable('default_tz')
        when cell in (select unnest(getvariable('tracker_timezones'))) then cell
    end;

-- Spreadsheet safety (CONTRACT §2): one leading ' before a formula character is removed, and so is the '
-- after a ; before one.
create or replace temp macro import_unescaped_start(cell) as
    if(starts_with(cell, '''') and regexp_matches(cell, '^''[=+\-@\t\r\n'']'), substr(cell, 2), cell);

create or replace temp macro import_unescaped_separators(cell) as
    if(contains(cell, ';'''), regexp_replace(cell, ';''([=+\-@\t\r\n''])', ';\1', 'g'), cell);

-- A count: a whole number (2.0 is 2), else null; and when it is not one, why.
create or replace temp macro import_count(cell) as
    if(regexp_full_match(cell, getvariable('integer_pattern')), try_cast(split_part(cell, '.', 1) as bigint), null);

create or replace temp macro import_count_problem(cell, value) as
    case
        when cell is null or value is not null then null
        when regexp_full_match(cell, getvariable('integer_pattern')) then 'number-too-large'
        when regexp_full_match(cell, getvariable('negative_pattern')) then 'negative-count'
        when regexp_full_match(cell, getvariable('decimal_pattern')) then 'not-an-integer'
        else 'not-a-number'
    end;

-- A free text longer than tracker.vocab.TEXT_LIMITS allows: its length (the byte count is a cheap bound).
create or replace temp macro import_text_limit(column_name) as
    getvariable('text_limit_values')[list_position(getvariable('text_limit_columns'), column_name)];

create or replace temp macro import_too_long(cell, column_name) as
    strlen(cell) > import_text_limit(column_name) and length(cell) > import_text_limit(column_name);

-- A date-time cell, read in steps (each a column of its own; tracker.schema.read_moment decides the same):
-- whether it has the allowed form, and the offset it is written with ('' for none, 'Z', '+HH:MM') ...
create or replace temp macro import_moment_valid(cell) as regexp_full_match(cell, getvariable('datetime_pattern'));

create or replace temp macro import_moment_offset(cell) as
    case
        when cell is null then null
        when ends_with(cell, 'Z') then 'Z'
        when strlen(cell) > 10 and substr(cell, strlen(cell) - 5, 1) in ('+', '-') then right(cell, 6)
        else ''
    end;

create or replace temp macro import_offset_minutes(utc_offset) as
    if(utc_offset in ('', 'Z'), 0,
       try_cast(substr(utc_offset, 2, 2) as integer) * 60 + try_cast(substr(utc_offset, 5, 2) as integer));

-- ... the day written, and the clock (one try_strptime over the allowed forms, the separator read as T) ...
create or replace temp macro import_moment_day(cell, valid) as if(valid, try_cast(left(cell, 10) as date), null);

create or replace temp macro import_moment_clock(cell, valid, utc_offset) as
    if(valid and strlen(cell) > 10,
       try_strptime(replace(left(cell, strlen(cell) - strlen(utc_offset)), ' ', 'T'),
                    ['%Y-%m-%dT%H:%M', '%Y-%m-%dT%H:%M:%S']),
       null);

-- ... the local time meant (a date-only end: the next midnight) ...
create or replace temp macro import_moment_local(cell, day, clock, is_end) as
    if(strlen(cell) > 10, clock, day::timestamp + if(is_end, interval 1 day, interval 0 day));

-- ... and the instant. A local time without an offset is read in the row's zone: its day's offset away from
-- UTC (`day_offset`, zone_days.sql), but on a day its clocks change (`on_change`) one by one, and in an
-- autumn fold as the first occurrence (DuckDB takes the second: the instant with the offset of a day
-- earlier is tried first).
create or replace temp macro import_moment_instant(day, clock, local, utc_offset, tz, day_offset, on_change) as
    case
        when day is null then null
        when utc_offset = '' and not on_change then timezone('UTC', local - day_offset)
        when utc_offset = '' then if(
            timezone(tz, timezone(tz, local - interval 1 day) + interval 1 day) = local,
            least(timezone(tz, local - interval 1 day) + interval 1 day, timezone(tz, local)),
            timezone(tz, local))
        when utc_offset = 'Z' then timezone('UTC', clock)
        when starts_with(utc_offset, '+') then timezone('UTC', clock - to_minutes(import_offset_minutes(utc_offset)))
        else timezone('UTC', clock + to_minutes(import_offset_minutes(utc_offset)))
    end;

-- Why a moment cannot be used (null when it can): bad-date, offset-out-of-range, date-out-of-range,
-- nonexistent-local-time. The local day is read only near the ends of the range (elsewhere no zone or
-- offset can move it out).
create or replace temp macro import_moment_problem(cell, day, clock, utc_offset, instant, tz, is_end, on_change) as
    case
        when cell is null then null
        when day is null or year(day) < 1 or (strlen(cell) > 10 and clock is null) then 'bad-date'
        when utc_offset not in ('', 'Z') and substr(utc_offset, 5, 2)::integer > 59 then 'bad-date'
        when import_offset_minutes(utc_offset) > getvariable('max_offset_minutes') then 'offset-out-of-range'
        when day not between getvariable('earliest_day')::date - 1 and getvariable('latest_day')::date + 1
            then 'date-out-of-range'
        when instant is null then 'bad-date'
        when on_change and strlen(cell) > 10 and timezone(tz, instant) <> clock then 'nonexistent-local-time'
        when day between getvariable('earliest_day')::date + 3 and getvariable('latest_day')::date - 3 then null
        when timezone(tz, instant - if(is_end, interval 1 microsecond, interval 0 microsecond))::date
             not between getvariable('earliest_day')::date and getvariable('latest_day')::date
            then 'date-out-of-range'
    end;

-- The `other` of a moment problem's message: the offset written, the zone, or nothing.
create or replace temp macro import_moment_other(utc_offset, problem, tz) as
    case problem when 'offset-out-of-range' then utc_offset when 'bad-date' then null else tz end;

-- One entry of a row's problem list, or null: a cell with a NUL byte is reported for that alone.
create or replace temp macro import_problem(column_name, cell, code, value, other) as
    case
        when contains(cell, chr(0)) then
            {'column_name': column_name, 'code': 'control-character', 'value': null::varchar, 'other': null::varchar}
        when code is not null then
            {'column_name': column_name, 'code': code, 'value': value::varchar, 'other': other::varchar}
    end;

-- The registered region of an event dataset's oblast (UCDP adm_1, ACLED admin1): by key or alias, any case,
-- a trailing "oblast"/"region" ignored (`oblast_names` → `oblast_regions`, lowercase); null when none.
create or replace temp macro import_oblast_region(admin) as
    coalesce(
        getvariable('oblast_regions')[list_position(getvariable('oblast_names'), lower(regexp_replace(admin, '\s+', ' ', 'g')))],
        getvariable('oblast_regions')[list_position(getvariable('oblast_names'),
            regexp_replace(lower(regexp_replace(admin, '\s+', ' ', 'g')), ' (oblast|region)$', ''))]);
