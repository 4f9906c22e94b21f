"""`flask --app ambassador checkins send-due`: queue the due check-ins (for cron, or by hand)."""

import sys
from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from ambassador.checkins import services
from ambassador.extensions import db
from ambassador.utils import utcnow

checkins_cli = AppGroup("checkins", help="Check-ins and closing the loop.")


def parse_now(value: str | None) -> datetime:
    """--now as an aware UTC datetime (ISO 8601; without an offset it is UTC)."""
    if not value:
        return utcnow()
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date or date-time") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@checkins_cli.command("send-due")
@click.option("--now", "now_text", metavar="ISO-8601",
              help="Decide what is due as of this moment (default: now).")
def send_due_command(now_text: str | None) -> None:
    """Queue the due check-ins and reminders once each; print what was queued and held back."""
    now = parse_now(now_text)
    if services.is_paused():
        click.echo("check-ins are paused (resume them on /dashboard/checkins)", err=True)
    total = services.count_due(now) + services.count_reminders_due(now)
    result = services.RoundResult()
    show = sys.stdout.isatty() and total > 0
    with click.progressbar(length=total, label="check-ins", file=sys.stderr,
                           hidden=not show) as bar:
        for part in services.send_due(now):
            db.session.commit()
            result.add(part)
            bar.update(part.people)
    click.echo(result.summary())
