-- The lake's writer guard: every publish deletes and re-inserts this one row inside its transaction,
-- so two publishes that overlap touch the same rows and DuckLake's conflict check lets only one commit.
create table if not exists internal._lake_writer (host varchar, pid integer, started_at timestamptz);
delete from internal._lake_writer;
insert into internal._lake_writer values (?, ?, ?);
