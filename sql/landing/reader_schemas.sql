-- The schemas of the attached snapshot that a reader's search_path lists, main first: unqualified
-- names then reach the raw, staging and internal objects too (each view resolves its own names
-- without it). A file of an earlier release that no sync has upgraded yet has main only.
select schema_name
from duckdb_schemas()
where database_name = 'quint' and schema_name in ('main', 'raw', 'staging', 'internal')
order by schema_name <> 'main', schema_name;
