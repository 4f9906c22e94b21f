"""The forum on the worker: the daily digest of replies and quotes."""

from ambassador.forum.digest import send_digests
from ambassador.jobs import daily, periodic


@periodic(daily(hour=8))
def send_daily_digest() -> None:
    """Queue each person's forum digest (as `forum digest`; safe on several workers)."""
    send_digests()
