"""Writing tables as CSV, XLSX, JSON or NDJSON, row by row, into a binary file.

CSV and XLSX cells go through safe_cell, and XLSX cells are written as text, so a spreadsheet
never evaluates what an export holds."""

import csv
import io
import shutil
import tempfile
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from governance.csv_export import safe_cell
from governance.tabular_read import TableError, cell_text

FORMATS_OUT = ("csv", "xlsx", "json", "ndjson")
SHEET_TITLE = "Sheet1"
COPY_BUFFER_BYTES = 1024 * 1024


class _Appender(io.RawIOBase):
    """The caller's binary file, appended to through io without ever being closed by it."""

    def __init__(self, file):
        self._file = file

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._file.write(bytes(data))
        return len(data)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # exact: a price stays "12.50", never 12.499999
    raise TypeError(f"{type(value).__name__} is not JSON")


class TableWriter:
    """A table written row by row to a binary file (csv, xlsx, json or ndjson); close() finishes it."""

    def __init__(self, file, format: str, header: list[str]):
        if format not in FORMATS_OUT:
            raise TableError(f"Tables are written as {', '.join(FORMATS_OUT)}, not {format}.")
        self._file = file
        self.format = format
        self.header = list(header)
        self._rows = 0
        self._closed = False
        if format == "csv":
            self._text = io.TextIOWrapper(
                io.BufferedWriter(_Appender(file)), encoding="utf-8", newline=""
            )
            self._csv = csv.writer(self._text)
            self._csv.writerow([safe_cell(name) for name in self.header])
        elif format == "xlsx":
            self._workbook = Workbook(write_only=True)  # rows go to a temporary file, not memory
            self._sheet = self._workbook.create_sheet(SHEET_TITLE)
            self._sheet.append(self._xlsx_cells(self.header))
        elif format == "json":
            file.write(b"[")

    def __enter__(self) -> "TableWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def rows_written(self) -> int:
        return self._rows

    def write(self, row: list | Mapping) -> None:
        """One row: a list of cells in header order or a dict by column name (either format)."""
        if self.format in ("csv", "xlsx"):
            cells = [row.get(name) for name in self.header] if isinstance(row, Mapping) else row
            if self.format == "csv":
                self._csv.writerow([safe_cell(_cell_value(cell)) for cell in cells])
            else:
                self._sheet.append(self._xlsx_cells(cells))
        else:
            document = (
                row if isinstance(row, Mapping) else dict(zip(self.header, row, strict=False))
            )
            data = orjson.dumps(document, default=_json_default)
            if self.format == "json":
                self._file.write((b"\n" if self._rows == 0 else b",\n") + data)
            else:
                self._file.write(data + b"\n")
        self._rows += 1

    def write_sparse(self, cells: Mapping[int, Any]) -> None:
        """One row given by its filled cells' positions (absent or "" is empty): for wide,
        sparse tables, whose work then follows the cells filled, not the header's width."""
        if self.format == "csv":
            row = [""] * len(self.header)
            for index, cell in cells.items():
                if cell != "":
                    row[index] = safe_cell(_cell_value(cell))
            self._csv.writerow(row)
            self._rows += 1
        elif self.format == "xlsx":
            row = [None] * len(self.header)  # an empty cell: nothing written for it
            for index, cell in cells.items():
                if cell != "":
                    row[index] = self._xlsx_cell(cell)
            self._sheet.append(row)
            self._rows += 1
        else:
            self.write([cells.get(index, "") for index in range(len(self.header))])

    def close(self) -> None:
        """Finish the file (closing bracket, workbook zip); the caller's file stays open."""
        if self._closed:
            return
        self._closed = True
        if self.format == "csv":
            self._text.close()  # flushes, then closes only the appender
        elif self.format == "xlsx":
            # A zip is finished by seeking back; the target (an S3 upload, say) may not allow
            # that, so the workbook is saved to a local temporary file and copied across.
            with tempfile.TemporaryFile() as workbook_file:
                self._workbook.save(workbook_file)
                workbook_file.seek(0)
                shutil.copyfileobj(workbook_file, self._file, COPY_BUFFER_BYTES)
        elif self.format == "json":
            self._file.write(b"\n]\n" if self._rows else b"]\n")

    def _xlsx_cells(self, values) -> list:
        return [self._xlsx_cell(value) for value in values]

    def _xlsx_cell(self, value) -> WriteOnlyCell:
        # XML cannot hold most control characters; openpyxl would refuse the whole row.
        text = ILLEGAL_CHARACTERS_RE.sub("", safe_cell(_cell_value(value)))
        cell = WriteOnlyCell(self._sheet, value=text)
        cell.data_type = "s"  # text, even "#N/A" or anything formula-like
        return cell


def _cell_value(value: Any) -> Any:
    """Scalars as the reader would give them back; dicts and lists left for safe_cell's JSON."""
    return value if isinstance(value, dict | list) else cell_text(value)
