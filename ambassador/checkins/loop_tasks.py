"""Closing the loop on the worker: webhook deliveries every minute, the weekly digest."""

from ambassador.checkins import digest, webhooks
from ambassador.jobs import every_minute, periodic, stopping, weekly


@periodic(every_minute())
def deliver_webhooks() -> None:
    """POST the due webhook deliveries, with retries and backoff (safe on several workers)."""
    webhooks.deliver_due(stop=stopping)


@periodic(weekly(weekday=1, hour=7))
def send_weekly_digest() -> None:
    """Queue the weekly digest for the marketers who opted in (as `checkins digest`)."""
    digest.send_digests()
