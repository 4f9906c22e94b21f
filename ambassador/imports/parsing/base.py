"""The public types of the parser: fields, options, file summary, rows and the file error."""

from __future__ import annotations

from dataclasses import dataclass, field

FIELDS = ("email", "score", "responded_at", "comment", "name", "company",
          "external_id", "touchpoint", "contact_ref", "language")

SAMPLE_BYTES = 1 << 20          # bytes read to decide the encoding
FIELD_SIZE_LIMIT = 1 << 20      # largest cell the CSV reader accepts (characters)
PREVIEW_ROWS = 10
MAX_COLUMNS = 2000              # columns a file may have (more is refused, clearly)


class ImportFileError(Exception):
    """The file as a whole is unusable; str(exc) is one clear user-facing sentence."""

    def __init__(self, message: str, *, candidates: list[str] | None = None,
                 needs_date_format: bool = False):
        super().__init__(message)
        self.candidates: list[str] = list(candidates or [])
        self.needs_date_format: bool = needs_date_format


@dataclass
class ParseOptions:
    """What the user chose to override: encoding, delimiter, mapping, date format, zone."""

    encoding: str | None = None
    delimiter: str | None = None
    mapping: dict[str, str] | None = None
    date_format: str | None = None
    timezone: str | None = None


@dataclass
class FileInfo:
    """What the first pass learned about the file; the second pass reads by it."""

    encoding: str
    encoding_source: str
    delimiter: str
    header_rows: int
    columns: list[str]
    mapping: dict[str, str | None]
    score_candidates: list[str]
    date_order: str | None
    timezone: str | None
    preview: list[list[str]]
    data_rows: int
    skipped: dict[str, int]
    # Additions (not in the original contract):
    questions: list[str] = field(default_factory=list)   # Qualtrics row-2 text, else ""
    name_parts: tuple[str, str] | None = None   # (first, last) columns joined into "name"
    source_format: str = "csv"                  # "csv", "qualtrics" or "surveymonkey"
    own_export: bool = False    # our template's exact header: undo the export's neutralising
    # How the comment column was found when no column is named for it: "asks why" (its
    # header asks why), "after the score" (the one free-text column right after the
    # score), or None; and the columns that could each be it when the guess is ambiguous.
    comment_guess: str | None = None
    comment_candidates: list[str] = field(default_factory=list)
    # Data rows with filled cells beyond the header's last column (ignored), and the
    # first one's line: often a misplaced quote, which also shifts the row's other cells.
    overflow_rows: int = 0
    overflow_line: int | None = None


@dataclass
class Row:
    """One data record: validated values, or the reason it was rejected or skipped."""

    line: int
    values: dict | None
    error: str | None
    skipped: str | None = None
