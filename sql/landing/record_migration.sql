-- Record one applied schema migration, in the transaction that applied it.
insert into internal._schema_migrations (version, name, applied_at) values ($version, $name, $applied_at);
