"""Periodic work of check-ins: queue the due check-ins and reminders every hour."""

from ambassador.checkins import services
from ambassador.extensions import db
from ambassador.jobs import hourly, periodic, stopping


@periodic(hourly(minute=20))
def send_due_checkins() -> None:
    """Queue what is due, committing chunk by chunk (safe to run twice at once)."""
    for _part in services.send_due():
        db.session.commit()
        if stopping():
            return
