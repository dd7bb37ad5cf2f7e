-- Read one _fetch_state entry.
select value from _fetch_state where key = $key;
