-- The table of applied schema migrations (quint_reports.warehouse.migrations), made before the first one runs.
create schema if not exists internal;
create table if not exists internal._schema_migrations (
    version integer primary key,     -- the number of sql/migrations/<NNNN>_<name>.sql
    name varchar not null,
    applied_at timestamptz not null
);
