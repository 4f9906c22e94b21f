"""The outbox on the worker: deliver queued mail all the time."""

import time

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from ambassador.extensions import db
from ambassador.jobs import every_minute, periodic, stopping
from ambassador.mail.delivery import deliver_due

PASS_EVERY = 5.0     # seconds between passes over the due mail
RUN_FOR = 55.0       # then the next minute's run takes over


@periodic(every_minute())
def deliver_outbox() -> None:
    """Deliver due mail every few seconds for a minute (as `outbox deliver` does)."""
    deadline = time.monotonic() + RUN_FOR
    while not stopping():
        try:
            deliver_due(stop=stopping)
        except SQLAlchemyError:  # database restarting: try again on the next pass
            db.session.rollback()
            current_app.logger.exception("delivering the outbox failed")
        if time.monotonic() + PASS_EVERY > deadline:
            return
        current_app.extensions["jobs"].stop.wait(PASS_EVERY)
