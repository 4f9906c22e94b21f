"""Brute-force limits keyed on the account, not the address: failed logins per email.

Counted in the rate limiter's storage (memory, or Redis with REDIS_URL), under a hash of
the normalised email, so an unknown address is counted exactly like a real account and
the answer never tells which is which. When that storage is unreachable (Redis down) the
counts go on in this process's memory, with a logged warning: login stays limited.
"""

import math
import time

from flask import current_app, render_template
from limits import parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage
from redis.exceptions import RedisError

from ambassador.extensions import limiter
from ambassador.utils import hash_token

SCOPE = "login-account"
_fallback = {}  # strategy class -> the same strategy on this process's memory


def _call(operation):
    """operation(rate limiter): on the shared storage, or in memory when it is unreachable."""
    try:
        return operation(limiter.limiter)
    except (RedisError, StorageError, OSError) as exc:
        current_app.logger.warning("Rate limit storage unreachable (%s): counting failed "
                                   "logins in this process's memory", exc)
        strategy = type(limiter.limiter)
        if strategy not in _fallback:
            _fallback[strategy] = strategy(MemoryStorage())
        return operation(_fallback[strategy])


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
    key = _key(email)
    return _call(lambda rates: any(not rates.test(item, SCOPE, key) for item in _limits()))


def record_login_failure(email: str) -> None:
    """Count one wrong password (or unknown account) for this email."""
    if _active():
        key = _key(email)
        _call(lambda rates: [rates.hit(item, SCOPE, key) for item in _limits()])


def forget_login_failures(email: str) -> None:
    """A successful login starts the count again."""
    if _active():
        key = _key(email)
        _call(lambda rates: [rates.clear(item, SCOPE, key) for item in _limits()])


def too_many_attempts(email: str):
    """The same "Too many attempts" page the per-address limit shows, with Retry-After."""
    wait = 60
    if _active():
        key = _key(email)
        resets = _call(lambda rates: [rates.get_window_stats(item, SCOPE, key).reset_time
                                      for item in _limits()])
        wait = max(1, math.ceil(max(resets) - time.time()))
    page = render_template("errors/error.html", code=429, description=None,
                           retry_minutes=math.ceil(wait / 60))
    return page, 429, {"Retry-After": str(wait)}
