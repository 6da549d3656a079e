"""Streaming tables in and out: CSV and XLSX read as rows of text, CSV/XLSX/JSON/NDJSON written
row by row. Imports and exports of every app go through here, so files behave the same
everywhere (format told from the bytes, formula cells neutralised, memory flat)."""

from governance.csv_export import QUOTE, QUOTED_STARTS
from governance.tabular_read import FORMATS_IN, TableError, TableReader, cell_text, table_format
from governance.tabular_write import FORMATS_OUT, TableWriter

__all__ = [
    "FORMATS_IN",
    "FORMATS_OUT",
    "TableError",
    "TableReader",
    "TableWriter",
    "cell_text",
    "cell_unquote",
    "table_format",
]


def cell_unquote(text: str) -> str:
    """The cell as it was before governance.csv_export.safe_cell quoted it ("'=x" -> "=x")."""
    if text[:1] == QUOTE and text[1:2] in QUOTED_STARTS:
        return text[1:]
    return text
