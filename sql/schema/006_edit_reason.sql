-- Why an edit was made (the dashboard asks for it on every edit; a withdrawal keeps its own
-- `withdraw_reason`). Null for a first version and for the edits stored before this migration. A plain
-- column at the end of the table, so the same migration runs on a DuckDB file and on DuckLake.
alter table reports add column edit_reason varchar;
