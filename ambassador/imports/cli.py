"""`nps import FILE`: the command-line importer."""

import sys
import tempfile
from pathlib import Path

import click
from flask.cli import with_appcontext

from ambassador.extensions import db
from ambassador.imports.importer import (
    COMMIT_EVERY,
    FIELDS,
    ImportFileError,
    ImportReport,
    ParseOptions,
    import_file,
    inspect_file,
    mapping_named,
    options_from_mapping,
    record_run,
)
from ambassador.text import CLEAN_TEXT
from ambassador.utils import ServiceError

EXIT_REJECTED = 3
EXIT_UNUSABLE = 2
# How the encoding was found, as `nps import` prints it.
ENCODING_FOUND = {"bom": "BOM", "utf-8": "detected", "detected": "detected", "given": "given"}
DELIMITER_SHOWN = {",": "','", ";": "';'", "\t": "tab"}


def _parse_map(_ctx, _param, values: tuple[str, ...]) -> dict[str, str]:
    """FIELD=COLUMN pairs into a mapping; bad syntax or an unknown field is a usage error."""
    mapping = {}
    for value in values:
        name, sep, column = value.partition("=")
        name = name.strip().lower()
        if not sep or not name:
            raise click.BadParameter(f"'{value}' is not FIELD=COLUMN (for example score=Q1).")
        if name not in FIELDS:
            raise click.BadParameter(
                f"unknown field '{name}'; fields are {', '.join(FIELDS)}.")
        mapping[name] = column
    return mapping


def _fail(message: str) -> None:
    """Print the one clear message on stderr and exit 2 (nothing was imported)."""
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_UNUSABLE)


def _hint(exc: ImportFileError) -> str:
    """The parser's message, plus the option that fixes it on the command line."""
    message = str(exc)
    if exc.needs_date_format:
        message += " Use --date-format dmy or mdy."
    elif exc.candidates:
        message += " Use --map score=COLUMN."
    elif message.startswith("No email column"):
        message += " Use --map email=COLUMN."
    elif message.startswith("No score column"):
        message += " Use --map score=COLUMN."
    return message


def describe(report: ImportReport) -> list[str]:
    """The lines printed before the summary: how the file was read, what was skipped."""
    info = report.info
    found = ENCODING_FOUND.get(info.encoding_source, info.encoding_source)
    line = (f"encoding {info.encoding} ({found}),"
            f" delimiter {DELIMITER_SHOWN.get(info.delimiter, repr(info.delimiter))}")
    if info.source_format != "csv":
        line += f", {info.source_format} export ({info.header_rows} header rows)"
    if info.comment_guess:
        line += f", comment {info.mapping['comment']!r} ({info.comment_guess})"
    elif info.comment_candidates:
        shown = ", ".join(repr(c) for c in info.comment_candidates)
        line += f", comment not guessed ({shown} could be it: use --map comment=COLUMN)"
    lines = [line]
    if report.skipped_total:
        parts = ", ".join(f"{reason} {n}" for reason, n in sorted(report.skipped.items()))
        lines.append(f"skipped {report.skipped_total} ({parts})")
    return lines


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--map", "mapping", multiple=True, type=CLEAN_TEXT, callback=_parse_map,
              metavar="FIELD=COLUMN",
              help="Read FIELD from COLUMN (repeatable), e.g. --map score=Q1.")
@click.option("--encoding", type=CLEAN_TEXT,
              help="The file's encoding (default: BOM, UTF-8, or detected).")
@click.option("--delimiter", type=CLEAN_TEXT,
              help="comma, semicolon or tab (default: detected).")
@click.option("--date-format", type=CLEAN_TEXT,
              help="dmy, mdy or a strptime pattern like %d.%m.%Y %H:%M.")
@click.option("--timezone", type=CLEAN_TEXT,
              help="Zone of dates without an offset (default UTC).")
@click.option("--mapping", "saved", type=CLEAN_TEXT, metavar="NAME",
              help="Use a mapping saved in the web import.")
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@with_appcontext
def import_command(file: Path, mapping: dict, encoding: str | None, delimiter: str | None,
                   date_format: str | None, timezone: str | None, saved: str | None,
                   dry_run: bool) -> None:
    """Import NPS responses from FILE (CSV in our template or a survey tool's export).

    Exit status: 0 all rows imported (or duplicates), 3 some rows rejected (the valid
    ones are imported), 2 the file is unusable (nothing imported).
    """
    given = {"encoding": encoding, "delimiter": delimiter, "date_format": date_format,
             "timezone": timezone}
    if saved:
        try:
            options = options_from_mapping(mapping_named(saved), mapping=mapping, **given)
        except ServiceError as exc:
            _fail(str(exc))
    else:
        options = ParseOptions(mapping=mapping or None, **given)
    try:
        info = inspect_file(file, options)
    except ImportFileError as exc:
        _fail(_hint(exc))
    with tempfile.TemporaryFile("w+", encoding="utf-8") as rejected:
        report = _run(file, options, info, dry_run, rejected)
        for line in describe(report):
            click.echo(line)
        click.echo(report.summary)
        rejected.seek(0)
        for line in rejected:
            click.echo(line, nl=False)
    if dry_run:
        click.echo("dry run: nothing was written", err=True)
    sys.exit(EXIT_REJECTED if report.rejected else 0)


def _stderr_is_tty() -> bool:
    """True when a person watches stderr (scripts get no progress bar)."""
    return sys.stderr.isatty()


def _run(file: Path, options: ParseOptions, info, dry_run: bool, spool) -> ImportReport:
    """Import (or dry-run) with a progress bar on a terminal; record and commit the run."""
    def on_reject(line: int, reason: str) -> None:
        spool.write(f"line {line}: {reason}\n")

    def go(on_progress=None) -> ImportReport:
        return import_file(file, options, info=info, dry_run=dry_run,
                           commit_every=COMMIT_EVERY, on_progress=on_progress,
                           on_reject=on_reject)

    try:
        if _stderr_is_tty():
            with click.progressbar(length=info.data_rows, label="importing",
                                   file=sys.stderr) as bar:
                report = go(bar.update)
        else:
            report = go()
    except ImportFileError as exc:
        _fail(_hint(exc))
    except BaseException:
        db.session.rollback()
        raise
    if dry_run:
        db.session.rollback()
    else:
        record_run(report, file.name)
        db.session.commit()
    return report
