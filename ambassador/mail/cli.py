"""`outbox deliver`: deliver queued mail with retries (the outbox has no pages)."""

import signal
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from ambassador.extensions import db
from ambassador.mail.backends import get_backend
from ambassador.mail.compose import parse_sender
from ambassador.mail.delivery import deliver_due
from ambassador.mail.services import purge_delivered

outbox_cli = AppGroup("outbox", help="The outbox: deliver queued mail, purge delivered bodies.")


@outbox_cli.command("deliver")
@click.option("--once", is_flag=True, help="One pass over the due mail, then exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
def deliver_command(once: bool, interval: float) -> None:
    """Deliver queued mail with retries and backoff (safe to run on several workers)."""
    try:
        get_backend(current_app.config)
        parse_sender(current_app.config["MAIL_FROM"])
    except ValueError as exc:  # an unusable setting: say so before touching the queue
        raise click.ClickException(str(exc)) from exc
    if once:
        click.echo(str(deliver_due()))
        return
    stopping = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.append(True))
    click.echo(f"delivering the outbox every {interval:g}s; stop with Ctrl-C or SIGTERM")
    while not stopping:
        try:
            report = deliver_due(stop=lambda: bool(stopping))
        except SQLAlchemyError as exc:  # database restarting: keep the worker alive
            db.session.rollback()
            click.echo(f"database error, retrying in {interval:g}s: {exc}", err=True)
        else:
            if report.sent or report.retried or report.failed:
                click.echo(str(report))
        deadline = time.monotonic() + interval
        while not stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, interval))
    click.echo("stopped")


@outbox_cli.command("purge")
@click.option("--days", type=click.IntRange(0, 36_500), default=30, show_default=True,
              help="Keep the bodies of mail delivered in the last N days.")
def purge_command(days: int) -> None:
    """Remove the bodies (and their one-time links) of mail delivered over N days ago."""
    purged = purge_delivered(days)
    db.session.commit()
    click.echo(f"purged {purged}")
