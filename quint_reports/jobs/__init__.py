"""Jobs that tie the stages together: ``nightly`` (cron) and ``demo``."""
