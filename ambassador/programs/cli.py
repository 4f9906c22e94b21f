"""`flask --app ambassador programs …`: the reminder mail the day before each event."""

from datetime import datetime

import click
from flask.cli import AppGroup

from ambassador.extensions import db
from ambassador.programs.notices import remind_due

programs_cli = AppGroup("programs", help="Early-access programs and events.")


def _aware(value: str | None) -> datetime | None:
    if value is None:
        return None
    from datetime import UTC

    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 date-time: {value}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@programs_cli.command("remind")
@click.option("--now", "now", default=None, metavar="ISO-8601",
              help="Pretend it is this moment (default: now; without an offset, UTC).")
def remind_command(now: str | None) -> None:
    """Queue the reminder of tomorrow's events to their enrollees, once each."""
    reminded = remind_due(_aware(now))
    db.session.commit()
    click.echo(f"reminded {reminded}")
