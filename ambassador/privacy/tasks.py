"""Retention on the worker: once a day, when RESPONSE_RETENTION_YEARS is set."""

from flask import current_app

import ambassador.privacy.erasure  # noqa: F401  (registers the erasure steps)
from ambassador.extensions import db
from ambassador.jobs import daily, periodic
from ambassador.privacy.services import apply_retention


@periodic(daily(hour=3, minute=40))
def response_retention() -> None:
    """Anonymise responses past the retention period (as `privacy retention` does)."""
    years = current_app.config.get("RESPONSE_RETENTION_YEARS")
    if years:
        count = apply_retention(years)
        db.session.commit()
        current_app.logger.info("retention: anonymised %d responses", count)
