-- Read one internal._fetch_state entry.
select value from internal._fetch_state where key = $key;
