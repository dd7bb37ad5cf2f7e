-- sync.incomplete_session: the snapshot lacks a session's detail or events list.
-- Severity: error
-- Grain: one row per missing resource of a session.
-- Inputs: incomplete_sessions.
-- About the snapshot, not about what the API said: a sync that could not fetch a session (the
-- API died mid-run, a response over the size limit) must not look clean. The next sync retries it.
select
    session_id,
    resource as item,
    'the snapshot lacks the ' || resource || ' (' || reason || ')' as detail,
    resource || ' landed' as expected,
    reason as actual
from incomplete_sessions
