-- Which layer files the lake's views were last built from: the signature the publish recorded in
-- staging._views_signature (NULL before the first publish that recorded one). A publish that copied no
-- row and finds the current signature here leaves the views as they are: rebuilt, they would be the same.
create table if not exists staging._views_signature (signature varchar);
select max(signature) from staging._views_signature;
