-- Classify the sessions of a batch against what is already landed, before the batch is upserted.
-- Grain: one row per session in the batch: is_new (no detail landed yet), is_changed (some body differs
-- from the landed one of its kind, by md5). Input: the registered batch table batch_bodies, whose body_md5
-- the landing computed; the landed side reads the stored body_md5 (migration 5), never the body's text.
with incoming as (
    select kind, session_id, body_md5
    from batch_bodies
    qualify row_number() over (partition by kind, session_id order by seq desc) = 1
),

landed as (
    select kind, session_id, body_md5
    from raw.raw_session_bodies
    where session_id in (select session_id from incoming)
),

compared as (
    select
        incoming.session_id,
        incoming.body_md5 is distinct from landed.body_md5 as is_changed,
        incoming.session_id not in (
            select session_id from raw.raw_session_bodies where kind = 'detail'
        ) as is_new
    from incoming
    left join landed on landed.kind = incoming.kind and landed.session_id = incoming.session_id
),

final as (
    select session_id, bool_or(is_new) as is_new, bool_or(is_changed) as is_changed
    from compared
    group by session_id
)

select * from final;
