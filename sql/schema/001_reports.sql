-- The store: plain tables only (no keys, constraints, sequences or enums), so the same schema runs on a
-- DuckDB file and on DuckLake (CONTRACT §6). Identity and order are kept by the writer:
-- `id` is a hash of the canonical columns (plus `replaces` for an edit), and (`batch_seq`, `row_no`)
-- is the order of storing.

create table if not exists sources (
    key varchar,            -- the source key used in reports, e.g. ua_mod
    name varchar,           -- display name
    counting varchar,       -- cumulative (windows nest as running totals) or additive (event counts)
    builtin boolean,
    added_at timestamptz
);

create table if not exists batches (
    batch_seq bigint,       -- numbered by the writer: max + 1 inside the write's transaction
    kind varchar,           -- import, form, cli, edit, withdraw
    file_name varchar,
    file_sha256 varchar,
    rows bigint,            -- rows offered
    inserted bigint,        -- reports stored by this batch
    duplicates bigint,      -- rows already stored
    stored_at timestamptz,
    recorded_by varchar     -- the login, or "cli"
);

create table if not exists reports (
    id varchar,             -- hash of the canonical columns (an edit's: also of replaces and withdrawal)
    content_hash varchar,   -- hash of the canonical columns only: equal content, equal hash
    replaces varchar,       -- the version this edit replaces; null for a first version
    root_id varchar,        -- the first version of this report's edit chain
    withdrawn boolean,      -- an edit that withdraws the report: it then counts nowhere
    withdraw_reason varchar,
    source varchar,
    channel varchar,
    reported_at timestamptz,
    period_start timestamptz,
    period_end timestamptz, -- exclusive
    timezone varchar,
    region varchar,
    area varchar,
    accused_party varchar,
    violations bigint,
    prohibited_weapons bigint,
    explosions bigint,
    killed bigint,
    wounded bigint,
    civilians_killed bigint,
    civilians_wounded bigint,
    settlements_shelled bigint,
    qualifier varchar,
    weapons varchar,
    location varchar,
    source_url varchar,
    quote varchar,
    notes varchar,
    batch_seq bigint,
    row_no bigint,          -- the file line on which the row starts (1 for a form entry)
    stored_at timestamptz,
    recorded_by varchar
);
