"""`nps score` and `nps export` (`nps import` is the importer's, added in register_cli)."""

import click
from flask.cli import AppGroup

from ambassador.nps import export, scores

nps_cli = AppGroup("nps", help="NPS responses: import, export, score.")


def _quarter(_ctx, _param, value: str | None) -> str | None:
    """Validate --quarter; a bad value is a usage error (exit 2)."""
    if value is None:
        return None
    try:
        return scores.checked_quarter(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _period(quarter: str | None, all_time: bool) -> str | None:
    """The chosen quarter, the current one by default, or None for --all."""
    if quarter and all_time:
        raise click.UsageError("Use either --quarter or --all, not both.")
    return None if all_time else quarter or scores.current_quarter()


_quarter_option = click.option(
    "--quarter", metavar="2026-Q3", callback=_quarter,
    help="A calendar quarter (default: the current one).")
_all_option = click.option(
    "--all", "all_time", is_flag=True, help="Every response, not one quarter.")


@nps_cli.command("score")
@_quarter_option
@_all_option
def score_command(quarter: str | None, all_time: bool) -> None:
    """Print the NPS of a quarter (each person's latest answer in it) or of all time."""
    period = _period(quarter, all_time)
    result = scores.overall_score() if period is None else scores.quarter_score(period)
    click.echo(result.line())


@nps_cli.command("export")
@_quarter_option
@_all_option
def export_command(quarter: str | None, all_time: bool) -> None:
    """Write the responses of a quarter (default: the current one) or --all as UTF-8 CSV."""
    period = _period(quarter, all_time)
    for chunk in export.csv_chunks(export.export_rows(period)):
        click.echo(chunk.encode("utf-8"), nl=False)  # bytes: UTF-8 whatever the locale
