"""The outbox has no pages; its blueprint carries the `outbox` commands."""

import time

import click
from flask import Blueprint

from ambassador.mail.delivery import deliver_due

bp = Blueprint("outbox", __name__, cli_group="outbox")


@bp.cli.command("deliver")
@click.option("--once", is_flag=True, help="One pass over the due mail, then exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
def deliver_command(once: bool, interval: float) -> None:
    """Deliver queued mail with retries and backoff (safe to run on several workers)."""
    while True:
        report = deliver_due()
        if once:
            click.echo(str(report))
            return
        if report.sent or report.retried or report.failed:
            click.echo(str(report))
        time.sleep(interval)
