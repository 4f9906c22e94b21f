"""Reading NPS survey exports (CSV from our template, Qualtrics, SurveyMonkey, forms).

Pure Python, no Flask and no database: `inspect()` makes a first pass over the file and
decides how to read it (encoding, delimiter, header rows, column mapping, score column,
date order); `iter_rows()` makes the second pass and yields one validated `Row` per record.
Both stream from a path with flat memory.
"""

from ambassador.imports.parsing.base import (
    FIELDS,
    FileInfo,
    ImportFileError,
    ParseOptions,
    Row,
)
from ambassador.imports.parsing.reader import inspect, iter_rows

__all__ = ["FIELDS", "FileInfo", "ImportFileError", "ParseOptions", "Row", "inspect",
           "iter_rows"]
