-- Roles and sides (CONTRACT §7): each source is a party (with a side), a monitor, an event dataset, or
-- other; accused parties belong to sides. The built-in sources get their roles and sides from
-- tracker.vocab when migrate() seeds them; sources registered before roles existed become `other`.

alter table sources add column role varchar;    -- party, monitor, dataset or other
alter table sources add column side varchar;    -- a party's side (a side of accused_parties); else null

update sources set role = 'other' where not builtin;

create table if not exists accused_parties (
    key varchar,            -- the accused_party key used in reports, e.g. separatists
    name varchar,           -- display name
    side varchar,           -- the side of the conflict it belongs to; null for `unknown`
    builtin boolean,
    added_at timestamptz
);
