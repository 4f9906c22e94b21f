"""Brute-force limits keyed on the account, not the address: failed logins per email.

Counted in the rate limiter's storage (memory, or Redis with REDIS_URL), under a hash of
the normalised email, so an unknown address is counted exactly like a real account and
the answer never tells which is which.
"""

import math
import time

from flask import current_app, render_template
from limits import parse_many

from ambassador.extensions import limiter
from ambassador.utils import hash_token

SCOPE = "login-account"


def _active() -> bool:
    return bool(limiter.enabled and limiter.initialized)


def _limits():
    return parse_many(current_app.config["RATELIMIT_LOGIN_ACCOUNT"])


def _key(email: str) -> str:
    return hash_token((email or "").strip().lower())


def login_blocked(email: str) -> bool:
    """Whether this account had too many failed logins in the current window."""
    if not _active():
        return False
    return any(not limiter.limiter.test(item, SCOPE, _key(email)) for item in _limits())


def record_login_failure(email: str) -> None:
    """Count one wrong password (or unknown account) for this email."""
    if _active():
        for item in _limits():
            limiter.limiter.hit(item, SCOPE, _key(email))


def forget_login_failures(email: str) -> None:
    """A successful login starts the count again."""
    if _active():
        for item in _limits():
            limiter.limiter.clear(item, SCOPE, _key(email))


def too_many_attempts(email: str):
    """The same "Too many attempts" page the per-address limit shows, with Retry-After."""
    wait = 60
    if _active():
        resets = [limiter.limiter.get_window_stats(item, SCOPE, _key(email)).reset_time
                  for item in _limits()]
        wait = max(1, math.ceil(max(resets) - time.time()))
    page = render_template("errors/error.html", code=429, description=None,
                           retry_minutes=math.ceil(wait / 60))
    return page, 429, {"Retry-After": str(wait)}
