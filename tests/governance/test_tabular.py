"""Streaming tables: format sniffing, CSV/XLSX reading, writing in four formats, formula cells."""

import csv
import datetime
import io
import random
import re
import tracemalloc
import zipfile
from decimal import Decimal

import openpyxl
import orjson
import pytest
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from governance.csv_export import safe_cell
from governance.tabular import (
    TableError,
    TableReader,
    TableWriter,
    cell_text,
    cell_unquote,
    table_format,
)

FORMULAS = ["=1+2", '=HYPERLINK("http://evil.example","x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]


def xlsx_bytes(*rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


def local(*parts) -> datetime.datetime:
    """A spreadsheet's date-time: it has no time zone."""
    return datetime.datetime(*parts)  # noqa: DTZ001


def png_bytes() -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(data, format="PNG")
    return data.getvalue()


def read(data: bytes, format: str | None = None) -> tuple[list[str], list[tuple[int, list[str]]]]:
    with TableReader(io.BytesIO(data), format) as reader:
        return reader.header, list(reader.rows())


# --- format --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"sku,name\n1,a\n", "csv"),
        ("sku;name\n1;café\n".encode("cp1252"), "csv"),
        ("sku\tname\n1\tx\n".encode("utf-16"), "csv"),
        (b"sku", "csv"),
        (xlsx_bytes(["sku"], ["1"]), "xlsx"),
    ],
)
def test_the_format_is_told_from_the_bytes(data, expected):
    file = io.BytesIO(data)
    file.read(3)
    assert table_format(file) == expected
    assert file.tell() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (png_bytes(), "neither CSV nor XLSX (it looks like image/png)"),
        # Fixed bytes: about 1 % of random blocks look like some format to libmagic.
        (random.Random(7).randbytes(4096), "neither CSV nor XLSX (it looks like binary data)"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "neither CSV nor XLSX (it looks like application/pdf)"),
        (b"", "empty"),
        (b"PK\x03\x04 not really a zip", "damaged"),
    ],
)
def test_other_files_are_refused_with_a_clear_message(data, message):
    file = io.BytesIO(data)
    with pytest.raises(TableError, match=re.escape(message)):
        table_format(file)
    assert file.tell() == 0


def test_a_zip_that_is_not_a_workbook_is_refused():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(TableError, match="ZIP archive, neither CSV nor XLSX") as caught:
        table_format(data)
    assert caught.value.code == "table_format"


def test_the_name_does_not_matter():
    named = ContentFile(b"sku,name\n1,a\n", name="products.xlsx")
    assert table_format(named) == "csv"
    with TableReader(named) as reader:
        assert reader.format == "csv" and list(reader.rows()) == [(2, ["1", "a"])]


# --- CSV ---------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed(delimiter):
    others = "".join(d for d in ",;\t|" if d != delimiter)
    rows = [["sku", "name", "note"], ["1", "Chair", f"a{others}b"], ["2", "Table", ""]]
    data = "\n".join(delimiter.join(row) for row in rows).encode()
    assert read(data) == (rows[0], [(2, rows[1]), (3, rows[2])])


def test_a_single_column_file_is_read():
    assert read(b"sku\n1\n2\n") == (["sku"], [(2, ["1"]), (3, ["2"])])


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_with_or_without_bom(bom):
    header, rows = read(bom + "sku,name\n1,Crème brûlée\n".encode())
    assert header == ["sku", "name"] and rows == [(2, ["1", "Crème brûlée"])]


def test_windows_1252_is_read_with_a_note():
    with TableReader(io.BytesIO("sku;name\r\n1;Crème – €5\r\n".encode("cp1252"))) as reader:
        assert list(reader.rows()) == [(2, ["1", "Crème – €5"])]
        assert reader.encoding == "cp1252" and "Windows-1252" in reader.notes[0]


def test_a_windows_1252_byte_far_into_an_ascii_file_is_still_read():
    data = b"sku,name\n" + b"".join(b"%d,plain\n" % n for n in range(10_000)) + b"x,caf\xe9\n"
    with TableReader(io.BytesIO(data)) as reader:
        assert reader.encoding == "utf-8"
        assert list(reader.rows())[-1] == (10_002, ["x", "café"])


def test_utf16_from_excel_unicode_text():
    assert read("sku\tname\r\n1\tÄpfel\r\n".encode("utf-16")) == (
        ["sku", "name"],
        [(2, ["1", "Äpfel"])],
    )


def test_a_quoted_newline_stays_in_its_cell_and_counts_as_one_row():
    data = b'sku,description\n1,"two\nlines, and ""quotes"""\n2,next\n'
    assert read(data)[1] == [(2, ["1", 'two\nlines, and "quotes"']), (3, ["2", "next"])]


def test_rows_are_padded_blank_rows_skipped_and_numbered_as_a_spreadsheet_does():
    data = b"\n sku , name ,note,,\n1,a\n\n,,\n  ,\t\n2,b,c\n3,b,c,d,,\n"
    header, rows = read(data)
    assert header == ["sku", "name", "note"]
    assert rows == [(3, ["1", "a", ""]), (7, ["2", "b", "c"]), (8, ["3", "b", "c", "d"])]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"sku,,name\n1,2,3\n", "Column B of the header row (row 1) has no name"),
        (b"sku,name,sku\n", 'The column "sku" appears twice in the header row (columns A and C)'),
        (b"\n\nsku, name,name \n", 'The column "name" appears twice .*columns B and C'),
        (b"\n,,\n", "no header row"),
    ],
)
def test_header_problems_name_the_column(data, message):
    with pytest.raises(TableError, match=re.escape(message).replace(r"\.\*", ".*")) as caught:
        read(data)
    assert caught.value.code in ("table_header", "table_empty")


def test_count_is_exact_for_csv_and_does_not_disturb_reading():
    data = b'sku,note\n1,"a\nb"\n\n2,x\n3,y\n'
    with TableReader(io.BytesIO(data)) as reader:
        rows = reader.rows()
        assert next(rows) == (2, ["1", "a\nb"])
        assert reader.count() == 3
        assert list(rows) == [(4, ["2", "x"]), (5, ["3", "y"])]
        assert next(reader.rows())[0] == 2  # each rows() reads from the top


def test_an_oversized_cell_is_a_table_error_with_its_row():
    data = b"sku,note\n1,ok\n2," + b"x" * (csv.field_size_limit() + 10) + b"\n"
    with TableReader(io.BytesIO(data)) as reader, pytest.raises(TableError, match="Row 3"):
        list(reader.rows())


def test_a_large_csv_is_streamed_with_flat_memory(tmp_path):
    path = tmp_path / "large.csv"
    description = "a fairly ordinary line " * 3
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["sku", "name", "price", "description"])
        writer.writerows(
            [f"SKU-{n}", f"Product {n}", f"{n}.50", description] for n in range(100_000)
        )
    assert path.stat().st_size > 10_000_000
    with path.open("rb") as raw, TableReader(File(raw)) as reader:
        assert reader.count() == 100_000
        tracemalloc.start()  # slows Python down a lot: only around the rows
        try:
            last = None
            for last in reader.rows():  # noqa: B007
                pass
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert last == (100_001, ["SKU-99999", "Product 99999", "99999.50", description])
    assert peak < 1024 * 1024  # the file is 10 MB; a few kB of buffers are read at a time


# --- Django files --------------------------------------------------------------------------


def test_storage_files_and_content_files_are_read(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("imports/products.csv", ContentFile(b"sku;name\n1;a\n"))
    with storage.open(name, "rb") as stored:
        assert table_format(stored) == "csv"
        with TableReader(stored, "csv") as reader:
            assert list(reader.rows()) == [(2, ["1", "a"])]
        assert not stored.closed  # the caller's file stays the caller's
    workbook = ContentFile(xlsx_bytes(["sku"], [7]), name="products.xlsx")
    with TableReader(workbook, table_format(workbook)) as reader:
        assert list(reader.rows()) == [(2, ["7"])]


# --- XLSX --------------------------------------------------------------------------------


XLSX_CELLS = [  # (value written by openpyxl, text read back)
    (12, "12"),
    (12.0, "12"),
    (-3, "-3"),
    (0.1 + 0.2, "0.3"),
    (1e-7, "0.0000001"),
    (2.5e15, "2500000000000000"),
    (-0.0, "0"),
    (Decimal("19.90"), "19.9"),
    (datetime.date(2024, 5, 1), "2024-05-01"),
    (local(2024, 5, 1), "2024-05-01"),
    (local(2024, 5, 1, 13, 5), "2024-05-01T13:05:00"),
    (True, "1"),
    (False, "0"),
    (None, ""),
    ("  text  ", "  text  "),
]


def test_xlsx_cells_read_as_the_text_a_spreadsheet_shows():
    header = [f" c{n} " for n in range(len(XLSX_CELLS))]
    values = [value for value, _ in XLSX_CELLS]
    texts = [text for _, text in XLSX_CELLS]
    data = xlsx_bytes(header, values, [], values[::-1])
    assert read(data, "xlsx") == (
        [name.strip() for name in header],
        [(2, texts), (4, texts[::-1])],
    )


def test_xlsx_header_problems_and_counts():
    with pytest.raises(TableError, match='"sku" appears twice'):
        read(xlsx_bytes(["sku", "name", "sku"]), "xlsx")
    with TableReader(
        io.BytesIO(xlsx_bytes(["sku", None], [1], [2, None, "extra"])), "xlsx"
    ) as reader:
        assert reader.header == ["sku"] and reader.count() == 2
        assert list(reader.rows()) == [(2, ["1"]), (3, ["2", "", "extra"])]


def test_an_empty_workbook_has_no_header_row():
    with pytest.raises(TableError, match="no header row"):
        read(xlsx_bytes(), "xlsx")


def test_a_damaged_workbook_is_a_table_error():
    data = xlsx_bytes(["sku"], [1])
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            if info.filename != "xl/workbook.xml":
                target.writestr(info, source.read(info))
    assert table_format(broken) == "xlsx"
    with pytest.raises(TableError, match="could not be opened"):
        TableReader(broken, "xlsx")


def test_cell_text():
    assert [cell_text(v) for v in (None, "x", True, 3, 3.0, 1.5, Decimal("2.50"), Decimal("1E+2"))] == [
        "", "x", "1", "3", "3", "1.5", "2.5", "100",
    ]  # fmt: skip
    assert cell_text(datetime.time(8, 30)) == "08:30:00"


# --- writing -----------------------------------------------------------------------------

HEADER = ["sku", "name", "price"]
ROWS = [["1", "Chair, oak", "12.50"], ["2", 'A "quoted"\nline', ""], ["3", "Crème", "0"]]


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_csv_and_xlsx_round_trip_through_the_reader(format):
    out = io.BytesIO()
    with TableWriter(out, format, HEADER) as writer:
        for row in ROWS:
            writer.write(row)
        writer.write({"sku": "4", "price": Decimal("1.0"), "unknown": "dropped"})
    assert writer.rows_written == 4
    assert table_format(out) == format
    with TableReader(out, format) as reader:
        assert reader.count() == 4
    header, rows = read(out.getvalue(), format)
    assert header == HEADER
    assert rows == [(n, row) for n, row in enumerate([*ROWS, ["4", "", "1"]], start=2)]


@pytest.mark.parametrize("format", ["csv", "xlsx", "ndjson"])
def test_a_sparse_row_is_the_row_its_filled_cells_make(format):
    dense, sparse = io.BytesIO(), io.BytesIO()
    header = [f"c{n}" for n in range(6)]
    cells = {4: "=SUM(A1)", 1: Decimal("2.50"), 0: "x", 2: ""}
    with TableWriter(dense, format, header) as writer:
        writer.write(["x", Decimal("2.50"), "", "", "=SUM(A1)", ""])
    with TableWriter(sparse, format, header) as writer:
        writer.write_sparse(cells)
        writer.write_sparse({})
    assert writer.rows_written == 2
    if format == "ndjson":
        assert sparse.getvalue().startswith(dense.getvalue())
        return
    _, dense_rows = read(dense.getvalue(), format)
    _, sparse_rows = read(sparse.getvalue(), format)
    assert sparse_rows[0] == dense_rows[0] == (2, ["x", "2.5", "", "", "'=SUM(A1)", ""])
    if format == "csv":  # the reader skips a blank row; the file has it
        assert sparse.getvalue().decode().splitlines()[2] == ",,,,,"


def test_json_is_one_array_and_ndjson_one_document_a_line():
    documents = [
        {"sku": "1", "price": Decimal("12.50"), "tags": ["a"]},
        {"sku": "2", "price": None},
    ]
    for format in ("json", "ndjson"):
        out = io.BytesIO()
        with TableWriter(out, format, HEADER) as writer:
            for document in documents:
                writer.write(document)
            writer.write(["3", "Lamp", "9"])
        expected = [
            {**documents[0], "price": "12.50"},
            documents[1],
            dict(zip(HEADER, ["3", "Lamp", "9"], strict=True)),
        ]
        text = out.getvalue()
        if format == "json":
            assert text.startswith(b"[\n{") and orjson.loads(text) == expected
        else:
            assert [orjson.loads(line) for line in text.splitlines()] == expected


def test_an_empty_json_export_is_an_empty_array():
    out = io.BytesIO()
    TableWriter(out, "json", HEADER).close()
    assert orjson.loads(out.getvalue()) == []


def test_the_caller_keeps_its_file_and_unknown_formats_are_refused():
    out = io.BytesIO()
    with TableWriter(out, "csv", HEADER):
        pass
    assert not out.closed and out.getvalue() == b"sku,name,price\r\n"
    with pytest.raises(TableError, match="not xml"):
        TableWriter(out, "xml", HEADER)


@pytest.mark.parametrize("formula", FORMULAS)
def test_csv_cells_that_start_like_formulas_are_neutralised(formula):
    out = io.BytesIO()
    with TableWriter(out, "csv", ["=ref", "value"]) as writer:
        writer.write([formula, "plain"])
    lines = list(csv.reader(io.StringIO(out.getvalue().decode(), newline="")))
    assert lines == [["'=ref", "value"], ["'" + formula, "plain"]]


@pytest.mark.parametrize("formula", [*FORMULAS, "#N/A"])
def test_xlsx_cells_are_text_that_never_evaluates(formula):
    out = io.BytesIO()
    with TableWriter(out, "xlsx", ["=ref", "value"]) as writer:
        writer.write([formula, 3])
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type == "s" for cell in cells)
    # XML reads a carriage return back as a line feed; the cell is still quoted text.
    written = safe_cell(formula).replace("\r", "\n")
    assert [cell.value for cell in cells] == ["'=ref", "value", written, "3"]
    assert cells[2].value.startswith("'") or formula == "#N/A"


def test_xlsx_drops_characters_xml_cannot_hold():
    out = io.BytesIO()
    with TableWriter(out, "xlsx", ["a"]) as writer:
        writer.write(["bell\x07 and\ttab"])
    assert read(out.getvalue(), "xlsx")[1] == [(2, ["bell and\ttab"])]


# --- quoting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quoted"),
    [("=x", "'=x"), ("'x", "''x"), ("''", "'''"), ("'", "''"), ("x'", "x'"), ("", ""), ("-", "'-")],
)
def test_cell_unquote_undoes_safe_cell(text, quoted):
    assert safe_cell(text) == quoted
    assert cell_unquote(quoted) == text


def test_cell_unquote_leaves_a_foreign_quote_alone():
    assert cell_unquote("'plain") == "'plain"


@given(st.text())
def test_cell_unquote_is_the_exact_inverse_of_safe_cell(text):
    assert cell_unquote(safe_cell(text)) == text


TRICKY = st.characters(
    blacklist_categories=("Cs", "Cc"), whitelist_characters="\t\r\n'=+-@;,|\"\u00a0"
)


@given(st.lists(st.text(TRICKY), min_size=1, max_size=4))
def test_any_text_survives_a_csv_round_trip(cells):
    out = io.BytesIO()
    with TableWriter(out, "csv", [f"c{n}" for n in range(len(cells))]) as writer:
        writer.write(cells)
    with TableReader(io.BytesIO(out.getvalue()), "csv") as reader:
        rows = list(reader.rows())
    if all(not safe_cell(cell).strip() for cell in cells):
        assert rows == []  # a blank row is skipped
    else:
        assert rows == [(2, [safe_cell(cell) for cell in cells])]
        assert [cell_unquote(cell) for cell in rows[0][1]] == cells
