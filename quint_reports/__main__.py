"""Lets ``python -m quint_reports`` start the CLI."""

from quint_reports.cli import main

raise SystemExit(main())
