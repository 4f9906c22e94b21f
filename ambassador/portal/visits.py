"""Visits to the portal: each login remembers the one before, for "new since your last visit".

Recorded when a promoter logs in (a POST), never when a page is shown: no GET changes data.
"""

from datetime import datetime

from flask_login import user_logged_in

from ambassador.extensions import db
from ambassador.portal.models import PortalVisit
from ambassador.utils import utcnow


def record_visit(user, now: datetime | None = None) -> PortalVisit:
    """Remember this login and keep the previous one (flush, no commit)."""
    now = now or utcnow()
    visit = db.session.get(PortalVisit, user.id)
    if visit is None:
        visit = PortalVisit(user_id=user.id, previous_at=None, current_at=now)
        db.session.add(visit)
    else:
        visit.previous_at, visit.current_at = visit.current_at, now
    db.session.flush()
    return visit


def previous_visit(user) -> datetime | None:
    """When this person last logged in before this session (None: first time)."""
    visit = db.session.get(PortalVisit, user.id)
    return visit.previous_at if visit else None


def _on_login(_app, user, **_extra) -> None:
    if getattr(user, "role", None) != "promoter":
        return
    record_visit(user)
    db.session.commit()  # login_user runs after the login's own commit


def install(app) -> None:
    """Listen to logins of this app."""
    user_logged_in.connect(_on_login, app, weak=False)
