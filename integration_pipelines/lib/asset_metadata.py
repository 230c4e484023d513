"""Materialization metadata every table-shaped asset reports the same way (sync, feedback, export)."""

from __future__ import annotations

import dagster as dg
import pyarrow as pa


def column_schema(schema: pa.Schema) -> dg.TableSchema:
    """Dagster's column list for the catalog, from the Arrow schema actually written."""
    return dg.TableSchema(columns=[dg.TableColumn(field.name, str(field.type)) for field in schema])


def table_metadata(table_name: str, schema: pa.Schema) -> dict[str, object]:
    """``dagster/table_name`` and ``dagster/column_schema``, as the UI's catalog reads them."""
    return {"dagster/table_name": table_name, "dagster/column_schema": column_schema(schema)}


def rates(rows: int, seconds: float) -> dict[str, float]:
    """``seconds`` and ``rows_per_second`` of a step's work."""
    return {"seconds": round(seconds, 3), "rows_per_second": round(rows / seconds, 1) if seconds > 0 else 0.0}
