"""`flask --app ambassador privacy retention`: anonymise responses past the retention period."""

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

import ambassador.privacy.erasure  # noqa: F401  (registers the erasure steps)
from ambassador.extensions import db
from ambassador.privacy.services import apply_retention

privacy_cli = AppGroup("privacy", help="Personal data: retention.")


def _aware(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 date-time: {value}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@privacy_cli.command("retention")
@click.option("--now", "now", default=None, metavar="ISO-8601",
              help="Pretend it is this moment (default: now; without an offset, UTC).")
def retention_command(now: str | None) -> None:
    """Anonymise responses older than RESPONSE_RETENTION_YEARS (unset: keep everything)."""
    years = current_app.config.get("RESPONSE_RETENTION_YEARS")
    count = apply_retention(years, _aware(now))
    db.session.commit()
    if not years:
        click.echo("RESPONSE_RETENTION_YEARS is not set: responses are kept for ever")
    click.echo(f"anonymised {count} responses")
