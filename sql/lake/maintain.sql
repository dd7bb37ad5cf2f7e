-- Lake upkeep: merge the small Parquet files publishes leave, forget snapshots older than
-- {keep} (a literal interval set by quint_reports.warehouse.lake), then delete the files no snapshot needs.
call ducklake_merge_adjacent_files('lake');
call ducklake_expire_snapshots('lake', older_than => now() - interval {keep});
call ducklake_cleanup_old_files('lake', cleanup_all => true);
call ducklake_delete_orphaned_files('lake', cleanup_all => true);
