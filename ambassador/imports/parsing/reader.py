"""The two passes: inspect() decides how to read the file, iter_rows() reads it."""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterator
from datetime import UTC

from flask_babel import gettext as _

from ambassador.csvfile import QUOTE, restore
from ambassador.imports.parsing.base import (
    FIELDS,
    PREVIEW_ROWS,
    SAMPLE_BYTES,
    FileInfo,
    ImportFileError,
    ParseOptions,
    Row,
)
from ambassador.imports.parsing.columns import (
    apply_overrides,
    guess_comment,
    guess_score,
    key,
    may_be_score,
    resolve_mapping,
)
from ambassador.imports.parsing.dates import check_format, classify, decide_order, zone
from ambassador.imports.parsing.encoding import (
    check_binary,
    decide_encoding,
    detect_legacy,
    open_binary,
    scan_non_ascii,
)
from ambassador.imports.parsing.rows import row_builder
from ambassador.imports.parsing.table import (
    check_delimiter,
    csv_problem,
    is_blank,
    read_header,
    records,
    sniff_delimiter,
)
from ambassador.imports.parsing.values import (
    is_score,
)

_PREVIEW_STATUS = frozenset({"survey preview", "survey test", "spam", "1", "2", "8", "9", "12",
                             "17"})
_UNFINISHED = frozenset({"0", "false"})


def inspect(source, options: ParseOptions | None = None) -> FileInfo:
    """First pass: encoding, delimiter, header, column mapping, score column, date order."""
    options = options or ParseOptions()
    delimiter = check_delimiter(options.delimiter) if options.delimiter else None
    if options.date_format:
        check_format(options.date_format)
    zone(options.timezone)
    with open_binary(source) as fh:
        sample = fh.read(SAMPLE_BYTES)
        complete = len(sample) < SAMPLE_BYTES
        check_binary(sample)
        codec, how = decide_encoding(sample, complete, options.encoding)
        try:
            return _first_pass(fh, sample, complete, codec, how, delimiter, options)
        except UnicodeError:
            if how != "utf-8":
                raise _undecodable(codec) from None
        codec, how = detect_legacy(scan_non_ascii(fh)), "detected"
        try:
            return _first_pass(fh, sample, complete, codec, how, delimiter, options)
        except UnicodeError:
            raise _undecodable(codec) from None


def _undecodable(codec: str) -> ImportFileError:
    return ImportFileError(
        _("The file could not be read as %(codec)s text; choose its encoding (for example"
          " utf-8, cp1252 or cp1254).", codec=codec))


def _first_pass(fh, sample, complete, codec, how, delimiter, options) -> FileInfo:
    if delimiter is None:
        decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        sample_text = decoder.decode(sample, final=complete)
        delimiter = sniff_delimiter(sample_text, not complete)
        if delimiter is None and complete and not sample_text.strip(" \t\r\n,;\ufeff"):
            raise ImportFileError(_("The file is empty."))
        if delimiter is None:
            raise ImportFileError(
                _("This doesn't look like a CSV table: no comma, semicolon or tab separates"
                  " the columns of the header row."))
    fh.seek(0)
    text = io.TextIOWrapper(fh, encoding=codec, newline="", errors="strict")
    try:
        return _scan(text, codec, how, delimiter, options)
    finally:
        text.detach()


def _scan(text, codec, how, delimiter, options) -> FileInfo:
    header, rest = read_header(records(text, delimiter))
    columns = header.columns
    mapping, parts = resolve_mapping(columns, options.mapping)
    if mapping["email"] is None:
        raise ImportFileError(
            _("No email column found: add a column named 'email' (or 'Email Address',"
              " 'E-mail'...), or choose the column."))
    width = len(columns)
    candidates = [i for i, c in enumerate(columns) if may_be_score(c)]
    filled = [0] * width
    bad = [0] * width  # non-empty cells that are not a 0-10 score
    date_at = columns.index(mapping["responded_at"]) if mapping["responded_at"] else None
    counts: dict[str, int] = {}
    examples: dict[str, str] = {}
    skip = _skipper(header.source_format, columns)
    own = is_own_export(header.source_format, columns)
    preview, skipped, data_rows = [], {}, 0
    overflow, overflow_line = 0, None
    # Per column, in the first rows: non-empty cells, cells of words, of several words.
    texty, nonempty, spaced = [0] * width, [0] * width, [0] * width
    line = header.first_line + header.rows - 1
    try:
        for line, cells in rest:  # noqa: B007 - `line` is read by the except below
            if not cells or (not cells[0].strip() and is_blank(cells)):
                continue
            data_rows += 1
            if len(preview) < PREVIEW_ROWS:
                shown = [restore(c) for c in cells] if own else cells
                preview.append((shown + [""] * (width - len(shown)))[:width])
            reason = skip(cells) if skip else None
            if reason:
                skipped[reason] = skipped.get(reason, 0) + 1
                continue
            n = len(cells)
            if n > width and not is_blank(cells[width:]):
                overflow += 1
                overflow_line = overflow_line or line
            if data_rows <= _TEXT_SAMPLE:
                _count_text(cells, texty, nonempty, spaced)
            drop = None
            for i in candidates:
                if i < n and cells[i] and not cells[i].isspace():
                    if is_score(cells[i]):
                        filled[i] += 1
                    else:
                        bad[i] += 1
                        if bad[i] > filled[i] and bad[i] > 20:  # clearly not a score column
                            drop = drop or []
                            drop.append(i)
            if drop:
                candidates = [i for i in candidates if i not in drop]
            if date_at is not None and date_at < n and cells[date_at]:
                kind = classify(cells[date_at])
                if kind:
                    counts[kind] = counts.get(kind, 0) + 1
                    examples.setdefault(kind, cells[date_at])
    except csv.Error as exc:
        raise csv_problem(exc, line) from None
    if not data_rows:
        raise ImportFileError(_("The file has a header row but no data rows."))
    score_candidates = [columns[i] for i in candidates if filled[i] and not bad[i]]
    labels = {c: f"{c} {q}" for c, q in zip(columns, header.questions, strict=False)}
    if mapping["score"] is None:
        # Columns mostly of 0-10 scores: an out-of-range answer is a rejected row, not a
        # reason to miss the score column.
        mostly = [columns[i] for i in candidates if filled[i] > bad[i] > 0]
        mapping["score"] = guess_score(score_candidates, labels, mostly)
    comment_guess, comment_candidates = None, []
    if mapping["comment"] is None and (options.mapping or {}).get("comment") is None:
        free_text = {columns[i] for i in range(width)
                     if texty[i] and 2 * texty[i] >= nonempty[i] and 3 * spaced[i] >= texty[i]}
        mapping["comment"], comment_guess, comment_candidates = guess_comment(
            columns, labels, mapping, free_text)
    if date_at is None:
        date_order = None
    elif options.date_format:
        date_order = check_format(options.date_format)
    else:
        date_order = decide_order(counts, examples)
    return FileInfo(
        encoding=codec, encoding_source=how, delimiter=delimiter, header_rows=header.rows,
        columns=columns, mapping=mapping, score_candidates=score_candidates,
        date_order=date_order, timezone=_stated_zone(header.zones, date_at), preview=preview,
        data_rows=data_rows, skipped=skipped, questions=header.questions, name_parts=parts,
        source_format=header.source_format, own_export=own, comment_guess=comment_guess,
        comment_candidates=comment_candidates, overflow_rows=overflow,
        overflow_line=overflow_line)


_TEXT_SAMPLE = 2000  # data rows looked at to tell free-text columns


def _count_text(cells: list[str], texty: list[int], nonempty: list[int],
                spaced: list[int]) -> None:
    """Count, per column, the non-empty cells, those of words (not numbers, not addresses)
    and those of several words: a free-text answer has words, and often several."""
    for i, cell in enumerate(cells[: len(texty)]):
        if cell and not cell.isspace():
            nonempty[i] += 1
            if "@" not in cell and any(ch.isalpha() for ch in cell) and not is_score(cell):
                texty[i] += 1
                if " " in cell.strip():
                    spaced[i] += 1


def is_own_export(source_format: str, columns: list[str]) -> bool:
    """True for a file with exactly our export's header, whose cells `restore` may undo."""
    return source_format == "csv" and tuple(columns) == FIELDS


def _stated_zone(zones: dict[int, str], date_at: int | None) -> str | None:
    name = zones.get(date_at) if date_at is not None else None
    name = name or next(iter(zones.values()), None)
    try:
        return name if zone(name) else None
    except ImportFileError:
        return None


def _skipper(source_format: str, columns: list[str]):
    """For Qualtrics: a function telling why a record is skipped (or None)."""
    if source_format != "qualtrics":
        return None
    keys = [key(c) for c in columns]
    status = keys.index("status") if "status" in keys else None
    finished = keys.index("finished") if "finished" in keys else None

    def reason(cells: list[str]) -> str | None:
        """Why one record is skipped ("survey preview", "unfinished"), else None."""
        if status is not None and status < len(cells):
            if cells[status].strip().casefold() in _PREVIEW_STATUS:
                return "survey preview"
        if finished is not None and finished < len(cells):
            if cells[finished].strip().casefold() in _UNFINISHED:
                return "unfinished"
        return None

    return reason


def iter_rows(source, info: FileInfo, options: ParseOptions | None = None) -> Iterator[Row]:
    """Second pass: one Row per non-blank data record, validated against `info`."""
    # Options are checked at once (ImportFileError); the file is read lazily as rows are taken.
    options = options or ParseOptions()
    order = check_format(options.date_format) if options.date_format else info.date_order
    default_zone = zone(options.timezone) or _zone_or_utc(info.timezone)
    mapping = apply_overrides(info.columns, info.mapping, options.mapping)
    parts = None if (options.mapping or {}).get("name") is not None else info.name_parts
    for required in ("email", "score"):
        if not mapping.get(required):
            raise ImportFileError(f"No {required} column is chosen.")
    build = row_builder(info.columns, mapping, parts, order, default_zone)
    skip = _skipper(info.source_format, info.columns)
    if not isinstance(source, bytes | bytearray | memoryview | str | os.PathLike):
        raise TypeError("source must be bytes or a path")
    return _second_pass(source, info, build, skip)


def _second_pass(source, info: FileInfo, build, skip) -> Iterator[Row]:
    with open_binary(source) as fh:
        text = io.TextIOWrapper(fh, encoding=info.encoding, newline="", errors="strict")
        try:
            header, rest = read_header(records(text, info.delimiter))
            if header.columns != info.columns:
                raise ImportFileError(
                    "The file's columns are not those it had when inspected; inspect it again.")
            line = header.first_line + header.rows - 1
            try:
                for line, cells in rest:
                    if not cells or (not cells[0].strip() and is_blank(cells)):
                        continue
                    if info.own_export:
                        cells = [restore(c) if c[:1] == QUOTE else c for c in cells]
                    if skip:
                        reason = skip(cells)
                        if reason:
                            yield Row(line, None, None, reason)
                            continue
                    yield build(line, cells)
            except csv.Error as exc:
                raise csv_problem(exc, line) from None
        except UnicodeError:
            raise _undecodable(info.encoding) from None
        finally:
            text.detach()


def _zone_or_utc(name: str | None):
    try:
        return zone(name) or UTC
    except ImportFileError:
        return UTC


