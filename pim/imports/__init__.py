"""Spreadsheet rows in and out of the catalog (issue #8): column conventions and mappings
(columns), cell conversion (cells), batched import through the product services (run) and the
catalog export in the same layout (export)."""

from pim.imports.columns import CellError, ColumnTarget, header_resolve
from pim.imports.export import catalog_export
from pim.imports.run import ImportCounts, products_import

__all__ = [
    "CellError",
    "ColumnTarget",
    "ImportCounts",
    "catalog_export",
    "header_resolve",
    "products_import",
]
