"""Warehouse stage: the SQL files, views, migrations, the published snapshot and its readers."""
