-- Which published file the lake's raw and internal tables were last copied from: the identity the publish
-- recorded in internal._lake_source (host, path, device, inode, size, modification time; NULL before the
-- first). A publish of the same file finds it here and compares no table: every write to the published file
-- replaces it (a new inode) or, done in place against the house rules, changes its modification time.
create table if not exists internal._lake_source (identity varchar);
select max(identity) from internal._lake_source;
