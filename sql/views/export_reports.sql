-- Every current report in the canonical CSV format (CONTRACT §2), in the order stored, so a re-import
-- keeps the order that breaks revision ties. Date-times are written in the row's own time zone with its
-- offset; an edge at local midnight is written as a date (a date-only end means the end of that day).
-- Text is not escaped here: tracker/export.py escapes formula-like cells for CSV only.
with current as (
    select * from current_reports
),

final as (
    select
        source,
        channel,
        case
            when reported_at is null then null
            when timezone(timezone, reported_at) = date_trunc('day', timezone(timezone, reported_at)) then strftime(timezone(timezone, reported_at), '%Y-%m-%d')
            else strftime(timezone(timezone, reported_at), '%Y-%m-%dT%H:%M:%S')
                || if(date_diff('minute', timezone('UTC', reported_at), timezone(timezone, reported_at)) < 0, '-', '+')
                || lpad((abs(date_diff('minute', timezone('UTC', reported_at), timezone(timezone, reported_at))) // 60)::varchar, 2, '0') || ':' || lpad((abs(date_diff('minute', timezone('UTC', reported_at), timezone(timezone, reported_at))) % 60)::varchar, 2, '0')
        end as reported_at,
        case
            when period_start is null then null
            when timezone(timezone, period_start) = date_trunc('day', timezone(timezone, period_start)) then strftime(timezone(timezone, period_start), '%Y-%m-%d')
            else strftime(timezone(timezone, period_start), '%Y-%m-%dT%H:%M:%S')
                || if(date_diff('minute', timezone('UTC', period_start), timezone(timezone, period_start)) < 0, '-', '+')
                || lpad((abs(date_diff('minute', timezone('UTC', period_start), timezone(timezone, period_start))) // 60)::varchar, 2, '0') || ':' || lpad((abs(date_diff('minute', timezone('UTC', period_start), timezone(timezone, period_start))) % 60)::varchar, 2, '0')
        end as period_start,
        case
            when period_end is null then null
            when timezone(timezone, period_end) = date_trunc('day', timezone(timezone, period_end)) then strftime(timezone(timezone, period_end) - interval 1 day, '%Y-%m-%d')
            else strftime(timezone(timezone, period_end), '%Y-%m-%dT%H:%M:%S')
                || if(date_diff('minute', timezone('UTC', period_end), timezone(timezone, period_end)) < 0, '-', '+')
                || lpad((abs(date_diff('minute', timezone('UTC', period_end), timezone(timezone, period_end))) // 60)::varchar, 2, '0') || ':' || lpad((abs(date_diff('minute', timezone('UTC', period_end), timezone(timezone, period_end))) % 60)::varchar, 2, '0')
        end as period_end,
        timezone,
        region,
        area,
        accused_party,
        violations,
        prohibited_weapons,
        explosions,
        killed,
        wounded,
        civilians_killed,
        civilians_wounded,
        settlements_shelled,
        qualifier,
        weapons,
        location,
        source_url,
        quote,
        notes
    from current
    order by batch_seq, row_no
)

select * from final
