-- Records of this listing whose text is the one already landed under their record_key, each with whether its
-- session's detail landed whole (HTTP 200, not rejected). An incremental run lands none of them again (the landed
-- copy keeps the run and time that first landed that text, so the views see no change), and refetches none of
-- those sessions that are settled (see quint_reports.ingest.sync: the open ones are refetched whatever their record).
-- Input: the registered table listing_records (record_key, session_id, record).
select
    listed.record_key,
    listed.session_id,
    listed.session_id in (
        select session_id from raw.raw_session_bodies
        where kind = 'detail' and http_status = 200 and rejected is null
    ) as detail_landed
from listing_records as listed
join raw.raw_session_list as landed
    on landed.record_key = listed.record_key and landed.record = listed.record;
