-- Record which published file the lake's tables were just copied from (see source_file.sql); $1 the identity.
create or replace table internal._lake_source as select $1::varchar as identity;
