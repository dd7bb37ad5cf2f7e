-- staging._built_inputs after an incremental build: the rows of the sessions in staging._changed replaced by their
-- inputs as they are now; the others were equal already.
-- Grain: one row per (kind, key), as staging._inputs.
delete from staging._built_inputs as built
using staging._changed as changed
where changed.kind = built.kind and changed.session_id = built.session_id;

insert into staging._built_inputs
select now.*
from staging._inputs as now
semi join staging._changed as changed on changed.kind = now.kind and changed.session_id = now.session_id;
