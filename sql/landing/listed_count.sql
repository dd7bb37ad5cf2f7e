-- How many distinct sessions the session list has landed: a --full run whose listing holds far
-- fewer is refused before it prunes (see sync.SHRINK_LIMIT).
select count(distinct session_id) from raw.raw_session_list where session_id is not null;
