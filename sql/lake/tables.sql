-- The tables a publish copies into the lake: landing (raw) and bookkeeping (internal), with their keys: the
-- primary key, or the key declared below for a table kept without one (its index cost every checkpoint dearly).
-- The view layers (staging, main) are rebuilt in the lake from these by the same sql/ files.
with declared (schema_name, table_name, key_columns) as (
    values ('raw', 'raw_session_bodies', ['kind', 'session_id'])  -- migration 7; the landing merges on it
)

select t.schema_name, t.table_name,
       coalesce((select c.constraint_column_names from duckdb_constraints() c
                 where c.database_name = t.database_name and c.schema_name = t.schema_name
                   and c.table_name = t.table_name and c.constraint_type = 'PRIMARY KEY' limit 1),
                (select d.key_columns from declared d
                 where d.schema_name = t.schema_name and d.table_name = t.table_name),
                []) as key_columns,
       (select list(col.column_name order by col.column_index) from duckdb_columns() col
        where col.database_name = t.database_name and col.schema_name = t.schema_name
          and col.table_name = t.table_name) as columns
from duckdb_tables() t
where t.database_name = 'src' and t.schema_name in ('raw', 'internal')
order by t.schema_name, t.table_name;
