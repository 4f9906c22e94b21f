"""Invitations on the worker: invite new active ambassadors once a day."""

from ambassador.jobs import daily, periodic
from ambassador.portal.invitations import send_invitations


@periodic(daily(hour=9))
def send_daily_invitations() -> None:
    """Invite every active ambassador with no account yet (as `invitations send`)."""
    send_invitations()
