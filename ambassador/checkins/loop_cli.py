"""`checkins digest`: the weekly digest from the command line (for cron, or to try it)."""

from datetime import UTC, datetime

import click

from ambassador.checkins.digest import send_digests
from ambassador.extensions import db


def parse_now(value: str | None) -> datetime | None:
    """--now as an aware datetime (ISO 8601; without an offset it is UTC)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date or date-time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@click.command("digest")
@click.option("--now", "now", metavar="ISO-8601",
              help="Send as if it were this moment (decides the week and who is due).")
def digest_command(now: str | None) -> None:
    """Queue the weekly digest for every marketer who opted in and had none this week."""
    sent = send_digests(parse_now(now))
    db.session.commit()
    click.echo(f"sent {sent} digests")
