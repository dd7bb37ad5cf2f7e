-- Which snapshot is the lake's newest: a reader pins it, so every query on its connection sees one publish.
select max(snapshot_id) from ducklake_snapshots('quint');
