"""Login sessions: fresh at login, ended on the server at logout, closed when idle.

The session cookie holds the user's identity "id:session_token"; rotating the user's
session_token (logout, new password, disabled account) ends every copy of that cookie.
The cookie also carries, signed, when the session started and was last used, so an idle
or too old session is refused even when someone kept a copy of the cookie.
"""

import time

from flask import current_app, g, session
from flask_login import login_user, logout_user

STARTED, SEEN, REMEMBER = "login_at", "seen_at", "remember_me"
SEEN_PRECISION = 60  # seconds: refresh the "last used" stamp at most once a minute


def _now() -> int:
    return int(time.time())


def start_session(user, remember: bool = False) -> None:
    """Log a user in with a new session: nothing planted before login survives, CSRF included."""
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    now = _now()
    # "Remember me" keeps the cookie across browser restarts (at most 30 days).
    session.permanent = bool(remember)
    session.update({STARTED: now, SEEN: now, REMEMBER: bool(remember)})
    login_user(user, remember=False)  # Flask-Login's own remember cookie is never issued


def end_session() -> None:
    """Forget the session in this browser (the caller rotates the user's session token)."""
    logout_user()
    session.clear()


def idle_limit(user, remember: bool) -> int:
    """Seconds without a request after which a session ends: long only for remembered promoters."""
    config = current_app.config
    if remember and user.role == "promoter":
        return min(int(config["REMEMBER_ME_DAYS"]), 30) * 86400
    return int(config["SESSION_IDLE_MINUTES"]) * 60


def session_is_current(user) -> bool:
    """Whether this browser's session for `user` is still open; refreshes its last use."""
    started, seen = session.get(STARTED), session.get(SEEN)
    if not isinstance(started, int) or not isinstance(seen, int):
        return False
    now = _now()
    max_age = current_app.permanent_session_lifetime.total_seconds()
    if now - seen > idle_limit(user, session.get(REMEMBER) is True) or now - started > max_age:
        return False
    if now - seen >= SEEN_PRECISION:
        session[SEEN] = now
    return True
