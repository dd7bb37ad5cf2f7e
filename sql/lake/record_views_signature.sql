-- Record which layer files the lake's views were just built from (see views_signature.sql); $1 the signature.
create or replace table staging._views_signature as select $1::varchar as signature;
