"""CSV that is safe to open in a spreadsheet: a cell that a spreadsheet would read as a formula
(OWASP "CSV injection") is prefixed with a single quote, so it shows as the text it is. A cell
that already starts with a quote gets one more, so governance.tabular.cell_unquote undoes
the quoting exactly."""

import csv
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
QUOTED_STARTS = (*FORMULA_STARTS, QUOTE)


def safe_cell(value: Any) -> str:
    """The cell's text, quoted out of formula territory when it starts like one."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    else:
        text = str(value)
    return QUOTE + text if text.startswith(QUOTED_STARTS) else text


class _Line:
    """A file-like object that hands back what csv.writer writes, one row at a time."""

    def write(self, text: str) -> str:
        return text


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The header and each row as CSV lines with safe cells, lazily (for streaming)."""
    writer = csv.writer(_Line())
    yield writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])
