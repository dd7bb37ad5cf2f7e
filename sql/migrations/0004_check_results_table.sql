-- Migration 4: staging.chk_results becomes a table, built once per sync, instead of a view.
-- Planning the union of every check costs about 0.15 s whatever the data's size, paid again by
-- every `check` and report that read check_findings; the data changes only when a sync publishes.
drop view if exists staging.chk_results;
