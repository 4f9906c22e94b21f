"""The web preview: what the form chose, reading the file by it, and what to ask the user."""

from dataclasses import dataclass, field, replace

from flask_babel import gettext as _

from ambassador.imports.importer import mappings_for
from ambassador.imports.models import ImportMapping
from ambassador.imports.parsing import FIELDS, FileInfo, ImportFileError, ParseOptions, inspect
from ambassador.imports.parsing.columns import FIRST_NAMES, LAST_NAMES, key

NOT_IN_FILE = ""
JOINED_NAME = "+"   # "first name + last name" in the name drop-down
DATE_ORDERS = ("dmy", "mdy")
PREVIEW_COLUMNS = 40   # columns shown in the preview table


@dataclass
class Choices:
    """The user's choices on the preview form; empty means "detect"."""

    encoding: str = ""
    delimiter: str = ""
    date_format: str = ""
    timezone: str = ""
    mapping: dict[str, str | None] = field(default_factory=dict)  # None: detect

    @classmethod
    def from_form(cls, form) -> "Choices":
        """Read the choices from the submitted preview form."""
        mapping = {}
        for f in FIELDS:
            value = form.get(f"map_{f}")
            if value is not None:
                mapping[f] = None if value == JOINED_NAME else value[:255]
        date_format = form.get("date_format", "")
        return cls(encoding=form.get("encoding", "")[:40],
                   delimiter=form.get("delimiter", "")[:10],
                   date_format=date_format if date_format in DATE_ORDERS else "",
                   timezone=form.get("timezone", "")[:64],
                   mapping=mapping)

    @classmethod
    def from_saved(cls, saved: ImportMapping) -> "Choices":
        """The choices a saved mapping stands for."""
        options = saved.options or {}
        return cls(encoding=options.get("encoding", ""), delimiter=options.get("delimiter", ""),
                   date_format=options.get("date_format", ""),
                   timezone=options.get("timezone", ""),
                   mapping={f: c for f, c in (saved.mapping or {}).items() if f in FIELDS})

    def options(self) -> ParseOptions:
        """ParseOptions for the parser ("" encoding etc. means detect)."""
        return ParseOptions(encoding=self.encoding or None, delimiter=self.delimiter or None,
                            date_format=self.date_format or None,
                            timezone=self.timezone or None, mapping=dict(self.mapping) or None)

    def saved_options(self, info: FileInfo) -> dict:
        """What a saved mapping keeps besides the columns: the explicit reading options."""
        date_format = self.date_format or (info.date_order if info.date_order in DATE_ORDERS
                                           else "")
        return {"encoding": self.encoding, "delimiter": self.delimiter,
                "date_format": date_format, "timezone": self.timezone}


@dataclass
class Preview:
    """A file read for the preview page, with the choices in effect and the open questions."""

    info: FileInfo
    choices: Choices
    problems: list[str] = field(default_factory=list)
    needs_date_order: bool = False
    score_candidates: list[str] = field(default_factory=list)
    saved: list[ImportMapping] = field(default_factory=list)

    def selected(self, f: str) -> str:
        """The value the drop-down of field `f` shows."""
        if f == "score" and self.score_candidates:
            return NOT_IN_FILE
        column = self.info.mapping.get(f)
        if column:
            return column
        if f == "name" and self.info.name_parts:
            return JOINED_NAME
        return NOT_IN_FILE

    def questions(self) -> list[str]:
        """Per column, its survey question when that says more than the column's name."""
        def squash(text: str) -> str:
            return "".join(text.split()).casefold()

        questions = list(self.info.questions) + [""] * len(self.info.columns)
        return [q if q and squash(q) != squash(c) else ""
                for c, q in zip(self.info.columns, questions, strict=False)]

    def column_fields(self) -> dict[str, list[str]]:
        """column -> the fields read from it, to label the preview table."""
        out: dict[str, list[str]] = {}
        for f in FIELDS:
            value = self.selected(f)
            if value == JOINED_NAME:
                for column in self.info.name_parts:
                    out.setdefault(column, []).append(f)
            elif value:
                out.setdefault(value, []).append(f)
        return out

    def shown_columns(self) -> list[int]:
        """Indexes of the columns the preview table shows: the mapped ones, then the first
        others, at most PREVIEW_COLUMNS in all (a 2,000-column file stays a small page)."""
        read_as = self.column_fields()
        columns = self.info.columns
        mapped = [i for i, c in enumerate(columns) if c in read_as]
        room = max(0, PREVIEW_COLUMNS - len(mapped))
        others = [i for i, c in enumerate(columns) if c not in read_as][:room]
        return sorted(mapped + others)

    def joined_name_choice(self) -> str | None:
        """The label of the "first + last name" option, when the file has both columns."""
        keys = [key(c) for c in self.info.columns]
        first = next((c for c, k in zip(self.info.columns, keys, strict=True)
                      if k in FIRST_NAMES), None)
        last = next((c for c, k in zip(self.info.columns, keys, strict=True)
                     if k in LAST_NAMES), None)
        return f"{first} + {last}" if first and last else None

    def mapping_to_save(self) -> dict[str, str | None]:
        """The effective mapping, as a saved mapping keeps it."""
        mapping = {f: self.info.mapping.get(f) or NOT_IN_FILE for f in FIELDS}
        if self.info.name_parts and not self.info.mapping.get("name"):
            mapping["name"] = None
        return mapping


def read_for_preview(data: bytes, choices: Choices) -> Preview:
    """Inspect the file by `choices`, relaxing them until it can be shown; say what to fix.

    Ambiguous dates and several possible score columns become questions on the page; a
    mapping or reading option that no longer fits is dropped with a message. Raises
    ImportFileError only when even detection cannot read the file.
    """
    attempt, problems = choices, []
    needs_date, candidates = False, []
    for _attempt in range(8):
        try:
            info = inspect(data, attempt.options())
        except ImportFileError as exc:
            if exc.needs_date_format:
                needs_date = True
                attempt = replace(attempt, date_format="dmy")
            elif exc.candidates:
                candidates = exc.candidates
                attempt = replace(attempt, mapping={**attempt.mapping, "score": exc.candidates[0]})
            elif attempt.mapping:
                problems.append(_("%(problem)s The columns were detected again.", problem=exc))
                attempt = replace(attempt, mapping={})
            elif attempt != Choices():
                problems.append(_("%(problem)s Encoding and delimiter were detected again.",
                                  problem=exc))
                attempt = Choices()
            else:
                raise
            continue
        if needs_date:
            attempt = replace(attempt, date_format="")
        if candidates:
            attempt = replace(attempt, mapping={**attempt.mapping, "score": NOT_IN_FILE})
        return Preview(info=info, choices=attempt, problems=problems,
                       needs_date_order=needs_date, score_candidates=candidates,
                       saved=mappings_for(info.columns))
    raise ImportFileError(_("The file could not be read with any of the options tried."))
