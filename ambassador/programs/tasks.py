"""Periodic work of programs: the reminder mail the day before each event."""

from ambassador.jobs import hourly, periodic
from ambassador.programs.notices import remind_due


@periodic(hourly(minute=5))
def remind_events() -> int:
    """Queue the event reminders that are due (claimed once each, safe to run twice)."""
    return remind_due()
