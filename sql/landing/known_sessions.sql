-- Sessions whose detail has landed (200 or 404): references to them need no new fetch. One row per session id.
select session_id from raw.raw_session_bodies where kind = 'detail';
