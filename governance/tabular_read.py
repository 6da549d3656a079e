"""Reading CSV and XLSX tables as a stream of rows of text, whatever the file's size.

The format is told from the bytes, never the file name; the rows come out as the text a
spreadsheet shows, numbered as the spreadsheet numbers them, so an import can point at "row 12"."""

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import ParseError

import magic
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

FORMATS_IN = ("csv", "xlsx")
SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
ZIP_MIMES = {"application/zip", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
OLD_EXCEL_MIMES = {"application/vnd.ms-excel", "application/x-ole-storage", "application/CDFV2"}
BINARY_MIME_FAMILIES = ("image/", "audio/", "video/", "font/", "application/pdf")
# openpyxl holds the shared-strings table in memory: a small compressed file must not expand
# into gigabytes of strings.
MAX_SHARED_STRINGS_BYTES = 256 * 1024 * 1024
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f]")
# What openpyxl raises for a damaged workbook (defusedxml's refusals are ValueErrors).
XLSX_ERRORS = (
    zipfile.BadZipFile,
    InvalidFileException,
    KeyError,
    ValueError,
    TypeError,
    OSError,
    ParseError,
)


class TableError(ValueError):
    """A table that cannot be read, with a message for the person who sent it."""

    def __init__(self, message: str, *, code: str = "table_invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


# A byte that is not UTF-8 is almost always Windows-1252 (Excel's "CSV" on Western systems);
# the five bytes cp1252 leaves undefined map to the same-numbered code points, as Windows does.
_CP1252 = [bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256)]


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return "".join(_CP1252[b] for b in error.object[error.start : error.end]), error.end


codecs.register_error("tessera.cp1252", _cp1252_fallback)
DECODE_ERRORS = "tessera.cp1252"


def _text_encoding(head: bytes) -> str | None:
    """The encoding the sample reads as, or None when it is not text."""
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
    text = codecs.getincrementaldecoder(encoding)(errors=DECODE_ERRORS).decode(head, final=False)
    if "\x00" in text or len(CONTROL_CHARACTERS.findall(text)) * 100 > len(text):
        return None
    return encoding


def table_format(file) -> str:
    """The table's format, "csv" or "xlsx", told from its bytes; the file is rewound either way."""
    file.seek(0)
    try:
        head = file.read(SAMPLE_BYTES)
        if not head:
            raise TableError("The file is empty.", code="table_empty")
        mime = magic.from_buffer(head, mime=True)
        if head.startswith(ZIP_SIGNATURES) or mime in ZIP_MIMES:
            file.seek(0)
            return _zip_format(file)
        if mime in OLD_EXCEL_MIMES:
            raise TableError(
                "The file is an old Excel workbook (.xls); save it as XLSX or CSV.",
                code="table_format",
            )
        if mime.startswith(BINARY_MIME_FAMILIES) or _text_encoding(head) is None:
            looks_like = "binary data" if mime == "application/octet-stream" else mime
            raise TableError(
                f"The file is neither CSV nor XLSX (it looks like {looks_like}).",
                code="table_format",
            )
        return "csv"
    finally:
        file.seek(0)


def _zip_format(file) -> str:
    try:
        with zipfile.ZipFile(file) as archive:
            is_workbook = any(name.startswith("xl/") for name in archive.namelist())
    except (zipfile.BadZipFile, OSError) as error:
        raise TableError(
            "The file looks like an XLSX workbook or ZIP archive but is damaged.",
            code="table_format",
        ) from error
    if not is_workbook:
        raise TableError(
            "The file is a ZIP archive, neither CSV nor XLSX; save the sheet as XLSX or CSV.",
            code="table_format",
        )
    return "xlsx"


def _number_text(value: float | Decimal) -> str:
    # What a spreadsheet shows: at most 15 significant digits, never an exponent, no "12.0".
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        value = Decimal(f"{value:.15g}")
    if not value.is_finite():
        return str(value)
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def cell_text(value: Any) -> str:
    """A cell's value as the text an import reads: 12 not 12.0, ISO dates, 1/0 for booleans."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return _number_text(value)
    if isinstance(value, datetime.datetime):
        # A spreadsheet stores every date as a date-time; midnight means "just a date".
        if value.time() == datetime.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _is_blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def _column_name(index: int) -> str:
    return get_column_letter(index + 1)


def _header(cells: list[str], number: int) -> list[str]:
    names = [cell.strip() for cell in cells]
    while names and not names[-1]:  # formatted-but-empty columns at the right are noise
        names.pop()
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if not name:
            raise TableError(
                f"Column {_column_name(index)} of the header row (row {number}) has no name.",
                code="table_header",
            )
        if name in seen:
            raise TableError(
                f'The column "{name}" appears twice in the header row (columns '
                f"{_column_name(seen[name])} and {_column_name(index)}).",
                code="table_header",
            )
        seen[name] = index
    return names


class _FileView(io.RawIOBase):
    """The caller's binary file, seen through io without ever being closed by it."""

    def __init__(self, file):
        self._file = file

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._file.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()


def _sniff_delimiter(sample: str) -> str:
    """The candidate that splits the sample's lines most consistently into the most columns."""
    end = sample.rfind("\n")
    text = sample[: end + 1] if end > 0 else sample  # the sample probably cut the last line short
    best, best_score = ",", (0.0, 1)
    for delimiter in DELIMITERS:
        try:
            records = [
                r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if r
            ]
        except csv.Error:  # the cut landed inside a quoted cell, say: judge by the others
            continue
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        score = (sum(len(r) == width for r in records) / len(records), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


class TableReader:
    """The rows of a CSV or XLSX file (header first), read as a stream: memory stays flat."""

    def __init__(self, file, format: str | None = None):
        self._file = file
        self.format = format or table_format(file)
        if self.format not in FORMATS_IN:
            raise TableError(f"Tables are read from {' or '.join(FORMATS_IN)}, not {self.format}.")
        self.notes: list[str] = []
        self._workbook = None
        self._counted: int | None = None
        if self.format == "csv":
            self._open_csv()
        else:
            self._open_xlsx()
        self.header_row, self.header = self._find_header()

    # --- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> "TableReader":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Release the workbook; the caller's file stays open."""
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None

    # --- the public reading ----------------------------------------------------------------

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number as a spreadsheet shows it, cells padded to the header), blank rows skipped.

        Each call reads from the top again; cells beyond the header are kept when not empty."""
        width = len(self.header)
        for number, cells in self._records():
            if number <= self.header_row or _is_blank(cells):
                continue
            if len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            while len(cells) > width and not cells[-1].strip():
                cells.pop()
            yield number, cells

    def count(self) -> int | None:
        """How many data rows, for progress: exact for CSV (one streaming pass); for XLSX the
        sheet's recorded size, or its row elements counted when no size is recorded (write-only
        producers, ours included) — either may include blank rows."""
        if self.format == "xlsx":
            if self._dimension_rows is None:
                self._dimension_rows = self._xlsx_row_elements()
            return max(self._dimension_rows - self.header_row, 0)
        if self._counted is None:
            position = self._file.tell()  # a rows() pass may be under way: put it back after
            try:
                self._counted = sum(
                    1
                    for number, cells in self._records()
                    if number > self.header_row and not _is_blank(cells)
                )
            finally:
                self._file.seek(position)
        return self._counted

    # --- CSV -------------------------------------------------------------------------------

    def _open_csv(self) -> None:
        self._file.seek(0)
        head = self._file.read(SAMPLE_BYTES)
        self._file.seek(0)
        self.encoding = _text_encoding(head)
        if self.encoding is None:
            raise TableError("The file is not CSV text.", code="table_format")
        if self.encoding == "cp1252":
            self.notes.append(
                "The file is not UTF-8; it was read as Windows-1252 (Western European)."
            )
        sample = codecs.getincrementaldecoder(self.encoding)(errors=DECODE_ERRORS).decode(head)
        self.delimiter = _sniff_delimiter(sample)

    def _csv_records(self) -> Iterator[tuple[int, list[str]]]:
        self._file.seek(0)
        text = io.TextIOWrapper(
            io.BufferedReader(_FileView(self._file)),
            encoding=self.encoding,
            errors=DECODE_ERRORS,
            newline="",
        )
        number = 0
        try:
            records = csv.reader(text, delimiter=self.delimiter)
            while True:
                try:
                    cells = next(records)
                except StopIteration:
                    return
                except csv.Error as error:
                    raise TableError(
                        f"Row {number + 1} could not be read: {error}.", code="table_row"
                    ) from error
                number += 1
                yield number, cells
        finally:
            text.close()  # closes only the view, never the caller's file

    # --- XLSX ------------------------------------------------------------------------------

    def _open_xlsx(self) -> None:
        self._file.seek(0)
        self.encoding = None
        self.delimiter = None
        try:
            with zipfile.ZipFile(self._file) as archive:
                strings = sum(
                    info.file_size
                    for info in archive.infolist()
                    if info.filename.lower().startswith("xl/sharedstrings")
                )
            if strings > MAX_SHARED_STRINGS_BYTES:
                raise TableError(
                    "The workbook holds too much text to read; save the sheet as CSV instead.",
                    code="table_too_large",
                )
            self._file.seek(0)
            self._workbook = load_workbook(self._file, read_only=True, data_only=True)
        except XLSX_ERRORS as error:
            if isinstance(error, TableError):
                raise
            raise TableError(
                f"The XLSX workbook could not be opened ({error}).", code="table_format"
            ) from error
        if not self._workbook.worksheets:
            raise TableError("The workbook has no worksheet.", code="table_empty")
        self._sheet = self._workbook.worksheets[0]
        self._dimension_rows = self._sheet.max_row
        # Some producers record a wrong size; read what is there rather than what is claimed.
        self._sheet.reset_dimensions()

    def _xlsx_records(self) -> Iterator[tuple[int, list[str]]]:
        try:
            # openpyxl fills in rows missing from the sheet, so counting gives the row number.
            for number, values in enumerate(self._sheet.iter_rows(values_only=True), start=1):
                yield number, [cell_text(value) for value in values]
        except XLSX_ERRORS as error:
            raise TableError(
                f"The XLSX workbook could not be read ({error}).", code="table_row"
            ) from error

    def _xlsx_row_elements(self) -> int:
        # Counting "<row" in the decompressed sheet is far cheaper than parsing it. openpyxl
        # offers no public way to the sheet's raw XML, hence _get_source.
        found, tail = 0, b""
        with self._sheet._get_source() as source:
            while chunk := source.read(1024 * 1024):
                data = tail + chunk
                found += data.count(b"<row ") + data.count(b"<row>")
                tail = data[-4:]  # shorter than a match: none is counted twice
        return found

    # --- both ------------------------------------------------------------------------------

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        return self._csv_records() if self.format == "csv" else self._xlsx_records()

    def _find_header(self) -> tuple[int, list[str]]:
        records = self._records()
        try:
            for number, cells in records:
                if not _is_blank(cells):
                    return number, _header(cells, number)
        finally:
            records.close()
        raise TableError("The table is empty: it has no header row.", code="table_empty")
