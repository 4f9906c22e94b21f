"""The outbox on the worker: deliver queued mail all the time, purge delivered bodies daily."""

import time

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from ambassador.extensions import db
from ambassador.jobs import daily, every_minute, periodic, stopping
from ambassador.mail.delivery import deliver_due
from ambassador.mail.services import purge_delivered

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


@periodic(daily(hour=3, minute=30))
def purge_delivered_mail() -> None:
    """Remove the bodies of mail delivered OUTBOX_PURGE_DAYS ago (as `outbox purge`)."""
    purged = purge_delivered(current_app.config["OUTBOX_PURGE_DAYS"])
    db.session.commit()
    current_app.logger.info("outbox: purged the bodies of %d delivered messages", purged)
