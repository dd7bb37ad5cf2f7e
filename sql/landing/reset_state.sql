-- Forget the watermark, so that the next run lists every session again.
delete from internal._fetch_state;
