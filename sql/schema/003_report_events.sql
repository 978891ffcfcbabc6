-- What the count reports of an event dataset (UCDP GED, ACLED; CONTRACT §5) are made of, so every daily
-- figure can be traced to its events. Written by the import profiles in the import's transaction, for
-- the reports that import stored. `report_id` is the report's first version (an edit keeps it as
-- `root_id`). Plain tables only, as 001 (DuckLake has no keys or constraints): a row that two racing
-- writers both inserted is read once by the staging views.

create table if not exists report_events (
    report_id varchar,       -- the count report the event went into
    dataset varchar,         -- the dataset's source key: ucdp_ged, acled
    event_id varchar         -- the dataset's own id of the event (UCDP `id`, ACLED `event_id_cnty`)
);

create table if not exists report_event_stats (
    report_id varchar,
    dataset varchar,
    events bigint,           -- events that went into the report; 0 for a window an earlier release had
                             -- and this release lacks (the report then has zero figures)
    deaths_unknown bigint,   -- UCDP: deaths of unknown status, in neither killed nor civilians_killed
    best_low bigint,         -- UCDP: sum of the events' low estimates of all deaths
    best_high bigint         -- UCDP: sum of the events' high estimates of all deaths
);
