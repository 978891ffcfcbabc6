-- The daily series as a derived table (CONTRACT §6 allows one, for speed): the rows of the view
-- int_series_rows for the default calendar (Europe/Kyiv), every accused filter, from every current
-- report. tracker.series.refresh_daily() refreshes it inside each write's transaction, recomputing only
-- the sources the write touched; `daily_state` records what the rows were computed from, so a reader
-- can tell whether they are behind the reports (then it refreshes them, or computes from the views).
-- Plain tables only, as 001 (DuckLake has no keys or constraints).

create table if not exists daily_rows (
    accused_filter varchar,  -- '' = every party (the default); else the one accused party kept
    day date,                -- calendar day in Europe/Kyiv
    source varchar,
    region varchar,          -- all, donetsk, luhansk, or REGION:AREA for an area row
    violations double,       -- the metrics: blank = not reported; a share of a long window is fractional
    prohibited_weapons double,
    explosions double,
    killed double,
    wounded double,
    civilians_killed double,
    civilians_wounded double,
    settlements_shelled double,
    coverage double,         -- share of the day the figures represent, 0-1
    estimated varchar,       -- metrics that include a share of a long window, space-separated
    partial varchar,         -- metrics of a region-all row summed from one region only
    reports bigint           -- distinct stored reports that gave the row a figure
);

create table if not exists daily_state (
    reports bigint,          -- rows in `reports` when the daily rows were refreshed
    last_batch bigint,       -- their largest batch_seq
    views_sha256 varchar,    -- the digest of the views (schema_migrations 'views') they were computed with
    refreshed_at timestamptz
);
