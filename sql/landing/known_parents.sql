-- Session ids named as parent_id by a landed list record or detail: these sessions get /children fetched.
with records as (
    select record as doc from raw.raw_session_list
    union all
    select body as doc from raw.raw_session_bodies where kind = 'detail' and http_status = 200
)

select distinct json_extract_string(doc, '$.parent_id') as parent_id
from records
where json_valid(doc) and json_type(doc, '$.parent_id') = 'VARCHAR';
