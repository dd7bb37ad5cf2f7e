-- Save one internal._fetch_state entry (the watermark), in the same transaction as the rows it describes.
insert or replace into internal._fetch_state (key, value, updated_at) values ($key, $value, $updated_at);
