"""Runs the parameterised queries of ``sql/queries/`` and returns DataFrames.

Only file names from a fixed set reach this module; values always travel as
bound parameters, never as SQL text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from quint_reports.warehouse.sqlfiles import read_sql


def run_query(con: duckdb.DuckDBPyConnection, name: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """Run ``sql/queries/<name>.sql`` with bound ``params`` and return the rows as a DataFrame.

    Args:
        con: an open connection to a database with the views applied.
        name: the query's file name without ``.sql`` (a fixed name from this package).
        params: values for the query's ``?`` placeholders.

    Returns:
        The result, columns in query order.
    """
    # Through Arrow: DuckDB's own .df() trips a pandas 3.1 deprecation warning.
    return con.execute(read_sql(f"queries/{name}.sql"), list(params)).to_arrow_table().to_pandas()
