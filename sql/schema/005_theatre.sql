-- Registries for a theatre (issue 15): the regions (and which of them are the zone, whose sum is region
-- `all`, CONTRACT §3 rule 7), the aliases of every controlled value (source, region, accused party,
-- qualifier; CONTRACT §2), and the store's settings (its calendar time zone). migrate() seeds the
-- built-in regions and aliases from tracker.vocab, and the calendar zone Europe/Kyiv, in every store.
-- Plain tables only, as 001 (DuckLake has no keys or constraints); tracker/transfer.py copies them.

create table if not exists regions (
    key varchar,            -- the region key used in reports, e.g. donetsk
    name varchar,           -- display name
    in_zone boolean,        -- summed into region `all`
    builtin boolean,
    added_at timestamptz
);

create table if not exists aliases (
    registry varchar,       -- source, region, accused_party or qualifier (the report's column)
    alias varchar,          -- another spelling, e.g. Донецька; compared case-blind
    key varchar,            -- the key it stands for, e.g. donetsk
    builtin boolean,
    added_at timestamptz
);

create table if not exists store_settings (
    name varchar,           -- calendar_tz
    value varchar,
    changed_at timestamptz
);

create table if not exists registry_changes (
    batch_seq bigint,       -- the write (a batch of kind `registry`) that made the change
    registry varchar,       -- sources, regions, parties, zone, settings
    action varchar,         -- add, zone, calendar_tz
    key varchar,            -- what was added or set (for the zone: its regions, space-separated)
    detail varchar,         -- the change in words, as the audit log shows it
    stored_at timestamptz,
    recorded_by varchar
);

-- the daily series names the non-exact qualifiers behind each row's figures (issue 15, point 5)
alter table daily_rows add column qualifiers varchar;
