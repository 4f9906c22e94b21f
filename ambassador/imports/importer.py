"""Importing a file of NPS responses: inspect it, stream its rows into the database, report.

The parser (`ambassador.imports.parsing`) decides how to read the file and validates each row;
this module feeds the valid rows to `record_responses` in batches, counts what was
imported, duplicated, rejected and skipped, and records the outcome as an ImportRun.
A dry run does the same reading and de-duplication lookups but writes nothing.
"""

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from flask_babel import gettext as _
from sqlalchemy import select

from ambassador.extensions import db
from ambassador.imports.models import ImportMapping, ImportRun
from ambassador.imports.parsing import (
    FIELDS,
    FileInfo,
    ImportFileError,
    ParseOptions,
    inspect,
    iter_rows,
)
from ambassador.imports.parsing.columns import key as header_key
from ambassador.imports.readahead import Block, ReadAhead
from ambassador.nps.bulk import record_staged_chunk
from ambassador.nps.models import Response
from ambassador.nps.services import dedupe_key, record_responses
from ambassador.utils import ServiceError, utcnow

# Re-exported for the CLI and the views, which need no other parser names.
__all__ = ["FIELDS", "ImportFileError", "ImportReport", "ParseOptions", "import_file",
           "inspect_file", "record_run"]

MAX_STORED_ERRORS = 10_000
BATCH = 5_000               # rows per record_responses call (one set of statements each)
# Rows per chunk of the PostgreSQL COPY path. Large: every chunk writes each of its people
# and quarter scores once, so fewer chunks mean fewer repeated writes (1,000,000 rows:
# 90 s in one chunk, 142 s in five). Rows stream to the database in batches and their
# ids are announced as a range, so memory does not grow with the chunk.
COPY_BATCH = 1_000_000
COMMIT_EVERY = 25_000       # rows between commits when the caller asks for batch commits
# The widths of the import run columns that keep what the file was read as.
RUN_COLUMN_WIDTHS = {"filename": 255, "encoding": 40, "delimiter": 4}


@dataclass
class ImportReport:
    """What one import did (or, for a dry run, would do): exact counts, the first errors."""

    info: FileInfo
    dry_run: bool = False
    imported: int = 0
    duplicates: int = 0
    rejected: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[int, str]] = field(default_factory=list)  # capped at MAX_STORED_ERRORS

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def rows_read(self) -> int:
        return self.imported + self.duplicates + self.rejected + self.skipped_total

    @property
    def summary(self) -> str:
        return (f"imported {self.imported}, duplicates {self.duplicates},"
                f" rejected {self.rejected}")


def inspect_file(source, options: ParseOptions | None = None) -> FileInfo:
    """First look at a file (bytes or path); ImportFileError when it is unusable as a whole."""
    return inspect(source, options or ParseOptions())


def header_signature(columns: Iterable[str]) -> str:
    """sha256 of the normalised header names, to recognise files of the same export."""
    return hashlib.sha256("\x1f".join(header_key(c) for c in columns).encode()).hexdigest()


def import_file(
    source,
    options: ParseOptions | None = None,
    *,
    info: FileInfo | None = None,
    dry_run: bool = False,
    commit_every: int | None = None,
    now=None,
    on_progress: Callable[[int], None] | None = None,
    on_reject: Callable[[int, str], None] | None = None,
    on_commit: Callable[["ImportReport"], None] | None = None,
    by_copy: bool | None = None,
    copy_batch: int | None = None,
) -> ImportReport:
    """Read every row of `source` and store the valid ones; return the counts.

    `commit_every` commits after about that many rows (for huge files: flat memory, and an
    interrupted import resumes as duplicates); None leaves committing to the caller.
    Undated rows are stamped `now` (default: the current time; a re-run passes the first
    run's so that they are duplicates, not new answers). `on_progress(n)` is told how
    many more records were read; `on_reject(line, reason)` hears of every rejected row,
    including those past the stored cap; `on_commit(report)` runs just before each
    commit, inside the transaction. On PostgreSQL the rows are written through COPY and
    set-based statements (`nps.bulk`; `by_copy=False` forces the generic path, which
    SQLite, dry runs and the API use), `copy_batch` rows at a time (default
    COPY_BATCH). Raises ImportFileError before writing anything when the file is
    unusable.
    """
    options = options or ParseOptions()
    info = info or inspect(source, options)
    report = ImportReport(info=info, dry_run=dry_run)
    now = now or utcnow()

    def reject(line: int, reason: str) -> None:
        report.rejected += 1
        if len(report.errors) < MAX_STORED_ERRORS:
            report.errors.append((line, reason))
        if on_reject:
            on_reject(line, reason)

    def skip(reason: str) -> None:
        report.skipped[reason] = report.skipped.get(reason, 0) + 1

    def valid_rows() -> Iterator[dict]:
        for row in iter_rows(source, info, options):
            if row.skipped:
                skip(row.skipped)
            elif row.error:
                reject(row.line, row.error)
            else:
                values = row.values
                if values.get("responded_at") is None:
                    values["responded_at"] = now
                yield values

    def staged(blocks: Iterator[Block]) -> Iterator[bytes]:
        for block in blocks:
            for reason in block.skipped:
                skip(reason)
            for line, reason in block.rejected:
                reject(line, reason)
            yield block.data

    since_commit, seen_rows = 0, 0

    def chunk_done(created: int, duplicates: int) -> None:
        nonlocal since_commit, seen_rows
        report.imported += created
        report.duplicates += duplicates
        since_commit += created + duplicates
        if commit_every and not dry_run and since_commit >= commit_every:
            if on_commit:
                on_commit(report)
            db.session.commit()
            since_commit = 0
        if on_progress:
            on_progress(report.rows_read - seen_rows)
            seen_rows = report.rows_read

    if by_copy is None:
        by_copy = db.session.get_bind().dialect.name == "postgresql"
    if by_copy and not dry_run:  # parsed ahead in a thread, streamed to the database
        with ReadAhead(iter_rows(source, info, options), copy_batch or COPY_BATCH,
                       now) as feed:
            while not feed.finished:
                result = record_staged_chunk(staged(feed.chunk()), "import")
                chunk_done(result.created, result.duplicates)
    else:
        store = _DryRun() if dry_run else None
        rows = valid_rows()
        while chunk := list(islice(rows, BATCH)):
            if store is not None:
                created, duplicates = store.count(chunk)
            else:
                result = record_responses(chunk, "import", batch_size=BATCH)
                created, duplicates = result.created, result.duplicates
            chunk_done(created, duplicates)
    if on_progress and report.rows_read > seen_rows:  # rejected or skipped after the last batch
        on_progress(report.rows_read - seen_rows)
    return report


class _DryRun:
    """Counts new and duplicate responses exactly as record_responses would, writing nothing."""

    def __init__(self):
        self.seen: set[str] = set()

    def count(self, chunk: list[dict]) -> tuple[int, int]:
        keys = []
        for values in chunk:
            k = dedupe_key(values)
            if k not in self.seen:
                self.seen.add(k)
                keys.append(k)
        known = set(db.session.scalars(
            select(Response.dedupe_key).where(Response.dedupe_key.in_(keys)))) if keys else set()
        created = len(keys) - len(known)
        return created, len(chunk) - created


def record_run(report: ImportReport, filename: str, user_id: int | None = None) -> ImportRun:
    """Store the outcome of an import (counts exact, errors capped); flushes, never commits."""
    run = ImportRun(
        user_id=user_id,
        filename=(filename or "upload.csv")[: RUN_COLUMN_WIDTHS["filename"]],
        encoding=report.info.encoding[: RUN_COLUMN_WIDTHS["encoding"]],
        delimiter=report.info.delimiter[: RUN_COLUMN_WIDTHS["delimiter"]],
        imported=report.imported,
        duplicates=report.duplicates,
        rejected=report.rejected,
        skipped=report.skipped_total,
        errors=[[line, reason] for line, reason in report.errors[:MAX_STORED_ERRORS]],
        dry_run=report.dry_run,
    )
    db.session.add(run)
    db.session.flush()
    return run


def recent_runs(limit: int = 10) -> list[ImportRun]:
    """The latest imports, newest first, for the upload page."""
    return list(db.session.scalars(
        select(ImportRun).order_by(ImportRun.created_at.desc(), ImportRun.id.desc()).limit(limit)))


def mappings_for(columns: list[str]) -> list[ImportMapping]:
    """Saved mappings made for files with these same headers, newest first."""
    return list(db.session.scalars(
        select(ImportMapping)
        .where(ImportMapping.header_signature == header_signature(columns))
        .order_by(ImportMapping.created_at.desc(), ImportMapping.id.desc())))


def mapping_named(name: str) -> ImportMapping:
    """The saved mapping called `name`, or ServiceError."""
    mapping = db.session.scalar(select(ImportMapping).where(ImportMapping.name == name.strip()))
    if mapping is None:
        raise ServiceError(_("There is no saved mapping named '%(name)s'.", name=name.strip()))
    return mapping


def save_mapping(name: str, columns: list[str], mapping: dict, options: dict) -> ImportMapping:
    """Save (or replace) the mapping called `name` for files with these headers."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ServiceError(_("Give the mapping a name of 1 to 100 characters."))
    unknown = set(mapping) - set(FIELDS)
    if unknown:
        raise ServiceError(_("Unknown field '%(field)s' in the mapping.",
                             field=sorted(unknown)[0]))
    saved = db.session.scalar(select(ImportMapping).where(ImportMapping.name == name))
    if saved is None:
        saved = ImportMapping(name=name)
        db.session.add(saved)
    saved.header_signature = header_signature(columns)
    saved.mapping = {f: mapping.get(f, "") for f in FIELDS}  # None: detect
    saved.options = {k: v for k, v in options.items() if v}
    saved.created_at = utcnow()
    db.session.flush()
    return saved


def options_from_mapping(saved: ImportMapping, **overrides) -> ParseOptions:
    """ParseOptions from a saved mapping; explicit non-empty overrides win."""
    stored = saved.options or {}
    chosen = {k: overrides.get(k) or stored.get(k) for k in ("encoding", "delimiter",
                                                          "date_format", "timezone")}
    mapping = {f: c for f, c in (saved.mapping or {}).items() if f in FIELDS}
    mapping.update(overrides.get("mapping") or {})
    return ParseOptions(mapping=mapping, **chosen)
