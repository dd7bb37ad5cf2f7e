-- Forget the watermark, so that the next run lists every session again.
delete from _fetch_state;
