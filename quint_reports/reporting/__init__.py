"""Report stage: gather from the marts, the report's data model, pages, plots and safe text."""
