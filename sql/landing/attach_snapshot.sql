-- Open the published snapshot read-only inside a fresh in-memory connection, and make it the default.
-- A fresh ATTACH opens the file anew, so a reconnect sees the newest snapshot: duckdb.connect(path)
-- would reuse the process's cached instance, still bound to the replaced file.
-- {path} is filled in by quint_reports.warehouse.publish, quoted as a SQL string literal (ATTACH takes no parameters).
attach {path} as quint (read_only);
use quint;
