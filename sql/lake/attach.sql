-- Attach the team's DuckLake (catalog + data folder) as `lake`, read-write, for a publish.
-- {url} and {options} (empty, or a parenthesised list) are filled in by quint_reports.warehouse.lake, quoted
-- as SQL literals (ATTACH takes no parameters); the catalog's password never appears here (libpq reads PGPASSWORD
-- or the password file).
attach {url} as lake {options};
