-- Typed rows (a checked file, or one form entry) with `content_hash`: a hash of the canonical columns
-- (blank and zero kept apart), so equal content gets the same hash on every machine. A first version's id
-- is this hash (CONTRACT §6). Reads the relation named by `typed_relation`.
with incoming as (
    select * from query_table(getvariable('typed_relation'))
),

hashed as (
    select
        *,
        md5(concat_ws(chr(31),
            source,
            coalesce(channel, chr(0)),
            coalesce(epoch_us(reported_at)::varchar, chr(0)),
            epoch_us(period_start)::varchar,
            epoch_us(period_end)::varchar,
            timezone,
            coalesce(region, chr(0)),
            coalesce(area, chr(0)),
            coalesce(accused_party, chr(0)),
            coalesce(violations::varchar, chr(0)),
            coalesce(prohibited_weapons::varchar, chr(0)),
            coalesce(explosions::varchar, chr(0)),
            coalesce(killed::varchar, chr(0)),
            coalesce(wounded::varchar, chr(0)),
            coalesce(civilians_killed::varchar, chr(0)),
            coalesce(civilians_wounded::varchar, chr(0)),
            coalesce(settlements_shelled::varchar, chr(0)),
            qualifier,
            coalesce(weapons, chr(0)),
            coalesce(location, chr(0)),
            coalesce(source_url, chr(0)),
            coalesce(quote, chr(0)),
            coalesce(notes, chr(0))
        )) as content_hash
    from incoming
),

final as (
    select * from hashed
)

select * from final
