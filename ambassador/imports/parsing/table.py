"""The table layer: CSV records, delimiter sniffing, and one- to three-row headers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain

from flask_babel import gettext as _

from ambassador.imports.parsing.base import FIELD_SIZE_LIMIT, MAX_COLUMNS, ImportFileError

DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "tsv": "\t"}
_SNIFF_CHARS = 64 * 1024
_SNIFF_RECORDS = 60


def check_delimiter(value: str) -> str:
    """The delimiter character for a user-given value (",", ";", "\\t", "tab"...)."""
    delimiter = _DELIMITER_NAMES.get(value.strip().lower(), value) if value.strip() else value
    if len(delimiter) != 1 or delimiter in "\"\r\n":
        raise ImportFileError(f"Unsupported delimiter {value!r}; use comma, semicolon or tab.")
    return delimiter


def is_blank(cells: list[str]) -> bool:
    """True for a record with no cell holding anything but whitespace."""
    return not cells or not "".join(cells).strip()


def records(text: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(record number, cells) for each CSV record, blank ones included and counted."""
    # A C-level iterator for speed: callers wrap their loop in `except csv.Error`.
    if csv.field_size_limit() < FIELD_SIZE_LIMIT:
        csv.field_size_limit(FIELD_SIZE_LIMIT)
    return enumerate(csv.reader(text, delimiter=delimiter, strict=False), 1)


def csv_problem(exc: csv.Error, last_line: int) -> ImportFileError:
    """The ImportFileError for a record the CSV reader could not read."""
    if "field larger than field limit" in str(exc):
        return ImportFileError(
            _("Line %(line)d has a cell over 1 MB; the file probably has an unmatched"
              " quote (\") near there.", line=last_line + 1))
    return ImportFileError(_("Line %(line)d could not be read as CSV (%(reason)s).",
                             line=last_line + 1, reason=exc))


def sniff_delimiter(sample_text: str, truncated: bool) -> str | None:
    """The delimiter among comma, semicolon and tab that gives the steadiest table."""
    text = sample_text[:_SNIFF_CHARS]
    truncated = truncated or len(sample_text) > _SNIFF_CHARS
    best, best_score = None, None
    for delimiter in DELIMITERS:
        rows = []
        try:
            for _, cells in records(io.StringIO(text, newline=""), delimiter):
                if not is_blank(cells):
                    rows.append(cells)
                if len(rows) > _SNIFF_RECORDS:
                    break
        except csv.Error:
            continue
        if truncated and len(rows) > 1 and len(rows) <= _SNIFF_RECORDS:
            rows.pop()  # the last record may be cut in half
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        steady = sum(1 for r in rows if len(r) == width) / len(rows)
        score = (round(steady, 2), width)
        if best_score is None or score > best_score:
            best, best_score = delimiter, score
    return best


@dataclass
class Header:
    """Column names and what the header rows tell about the export's origin."""

    columns: list[str]
    rows: int = 1
    source_format: str = "csv"
    questions: list[str] = field(default_factory=list)
    zones: dict[int, str] = field(default_factory=dict)   # column index -> stated zone
    first_line: int = 1


def read_header(recs: Iterator[tuple[int, list[str]]]) -> tuple[Header, Iterator]:
    """Consume the header row(s) from `recs`; return it and the iterator of data records."""
    try:
        return _read_header(recs)
    except csv.Error as exc:
        raise csv_problem(exc, 0) from None


def _read_header(recs: Iterator[tuple[int, list[str]]]) -> tuple[Header, Iterator]:
    first = None
    for line, cells in recs:
        if not is_blank(cells):
            first = (line, cells)
            break
    if first is None:
        raise ImportFileError("The file is empty.")
    line, row1 = first
    if len(row1) > MAX_COLUMNS:
        raise ImportFileError(
            f"The header row has {len(row1):,} columns; at most {MAX_COLUMNS:,} can be read."
            " Remove the columns you do not need (or check the delimiter) and try again.")
    row1 = [row1[0].lstrip("\ufeff"), *row1[1:]]
    peeked = []
    for rec in recs:
        peeked.append(rec)
        if len(peeked) == 2:
            break
    row2 = peeked[0][1] if peeked else None
    row3 = peeked[1][1] if len(peeked) > 1 else None
    if row3 is not None and _is_qualtrics_import_row(row3):
        header = _qualtrics(row1, row2, row3)
        rest = recs
    elif row2 is not None and _is_surveymonkey(row1, row2):
        header = _surveymonkey(row1, row2)
        rest = chain(peeked[1:], recs)
    else:
        header = Header(columns=_names(row1))
        rest = chain(peeked, recs)
    header.columns = unique(header.columns)
    header.first_line = line
    if not header.questions:
        header.questions = [""] * len(header.columns)
    return header, rest


def _names(cells: list[str]) -> list[str]:
    return [" ".join(c.replace("\ufeff", "").split()) for c in cells]


def unique(names: list[str]) -> list[str]:
    """Names made non-empty ("Column 3") and unique, case-insensitively, by " (2)" suffixes."""
    seen: set[str] = set()
    tried: dict[str, int] = {}   # name -> last suffix tried: each suffix is tried once (linear)
    out = []
    for i, name in enumerate(names):
        name = name or f"Column {i + 1}"
        folded = name.casefold()
        candidate, n = name, tried.get(folded, 1)
        if n > 1 or folded in seen:
            while candidate.casefold() in seen:
                n += 1
                candidate = f"{name} ({n})"
            tried[folded] = n
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


def _is_qualtrics_import_row(cells: list[str]) -> bool:
    filled = [c.strip() for c in cells if c.strip()]
    if not filled or not filled[0].startswith('{"ImportId"'):
        return False
    return sum(c.startswith('{"ImportId"') for c in filled) * 2 >= len(filled)


def _qualtrics(row1: list[str], row2: list[str], row3: list[str]) -> Header:
    columns = _names(row1)
    questions = _names(row2) + [""] * (len(columns) - len(row2))
    zones = {}
    for i, cell in enumerate(row3[: len(columns)]):
        try:
            meta = json.loads(cell)
        except ValueError:
            continue
        if isinstance(meta, dict) and isinstance(meta.get("timeZone"), str):
            zones[i] = meta["timeZone"].strip()
    return Header(columns=columns, rows=3, source_format="qualtrics",
                  questions=questions[: len(columns)], zones=zones)


def _is_surveymonkey(row1: list[str], row2: list[str]) -> bool:
    top = {c.strip().casefold() for c in row1}
    subs = {c.strip().casefold() for c in row2}
    return "respondent id" in top and bool(subs & {"response", "open-ended response"})


def _surveymonkey(row1: list[str], row2: list[str]) -> Header:
    top = _names(row1)
    subs = _names(row2) + [""] * (len(top) - len(row2))
    questions, current = [], ""
    for cell in top:
        current = cell or current
        questions.append(current)
    columns = []
    for i, (question, sub) in enumerate(zip(questions, subs, strict=False)):
        alone = (i + 1 >= len(top) or bool(top[i + 1])) and bool(top[i])
        plain = sub.casefold() in ("", "response") or (
            alone and sub.casefold() == "open-ended response")
        if plain or not question:
            columns.append(question or sub)
        else:
            columns.append(f"{question} - {sub}")
    return Header(columns=columns, rows=2, source_format="surveymonkey")
