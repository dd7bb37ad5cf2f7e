-- The schema migrations applied to this database, one row per version, in order.
select version from internal._schema_migrations order by version;
