"""The one CSV writer: every export opens cleanly in Excel and cannot run as a formula.

Every CSV the application writes goes through `csv_chunks` (or `csv_download`, which wraps
it in a streamed response):

- the text starts with a UTF-8 byte order mark, so Excel on Windows reads "Hélène" and
  "Şükrü" correctly when the file is double-clicked;
- a text cell that a spreadsheet would run as a formula (one starting with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return, or their full-width forms) gets a leading
  apostrophe, as OWASP's CSV injection guidance says. A text cell that already starts
  with an apostrophe gets one more, so the change can be undone exactly (`restore`);
- numbers (int, float, Decimal values) are written as they are: a negative amount in a
  numeric column stays a number. Pass numbers as numbers, never as pre-formatted text.

`restore` is the exact inverse for one cell. Our importer applies it only to files that
are recognisably our own export (the header is exactly our template's columns), so a
third-party file whose comment starts with an apostrophe is read as written.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from flask import Response, stream_with_context

BOM = "\ufeff"
QUOTE = "'"
# What a spreadsheet may read as the start of a formula (OWASP), with the full-width
# forms some spreadsheets fold onto them, plus our own escape character.
TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20" + QUOTE)
CHUNK_ROWS = 1000


def neutralise(value: str) -> str:
    """The cell text for a string: a leading apostrophe when it could start a formula."""
    if value and value[0] in TRIGGERS:
        return QUOTE + value
    return value


def restore(cell: str) -> str:
    """Undo `neutralise` on one cell of our own export (anything else is left as it is)."""
    if len(cell) > 1 and cell[0] == QUOTE and cell[1] in TRIGGERS:
        return cell[1:]
    return cell


def cell(value) -> str | int | float | Decimal:
    """One value as the writer puts it in the file: numbers as numbers, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | Decimal):
        return value
    return neutralise(str(value))


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence],
               chunk_rows: int = CHUNK_ROWS) -> Iterator[str]:
    """The CSV text (BOM and header first, CRLF lines) in pieces of about `chunk_rows` rows."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell(name) for name in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow([cell(value) for value in row])
        if count % chunk_rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """The whole CSV file as UTF-8 bytes (for small exports and tests)."""
    return "".join(csv_chunks(header, rows)).encode("utf-8")


def ascii_filename(name: str) -> str:
    """A download name safe in a Content-Disposition header: ASCII letters, digits, -_. only."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._-]+", "-", plain).strip("-.")
    return plain[:120] or "export.csv"


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence]):
    """A streamed `text/csv` attachment response, written by `csv_chunks`."""
    name = ascii_filename(filename)
    return Response(
        stream_with_context(csv_chunks(header, rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "no-store"},
    )
