"""What a request gets while the database or Redis is away: a 503, never a stack trace.

A lost database connection (PostgreSQL restarted, a closed port, a locked or missing
SQLite file, a full pool) or an unreachable Redis (the job queue) ends the request with
a 503 page in the reader's language, or `{"error": …}` with 503 under /api/, and a
Retry-After header. The broken connection is thrown away and the pool checks each
connection before use (`pool_pre_ping`), so the first request after the database is back
works. Rate limits survive a Redis outage on their own (see `auth/throttle.py` and the
README's "When Redis is down"). This module knows no feature.
"""

from flask import Flask, g, render_template, request
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from ambassador.extensions import db, login_manager

RETRY_AFTER_SECONDS = 5
# The errors that mean "a backing service is away", not "our code is wrong".
OUTAGES = (OperationalError, InterfaceError, PoolTimeoutError, RedisConnectionError,
           RedisTimeoutError)


def unavailable(exc: BaseException):
    """The 503 answer: JSON for the API, else the error page drawn without the database."""
    from flask import current_app

    current_app.logger.error("Service unavailable on %s: %s", request.path,
                             str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    try:
        db.session.rollback()
    except Exception:  # nosec B110  # the connection is already gone: nothing to undo
        pass
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if request.path.startswith("/api/"):
        return {"error": "The service is briefly unavailable: try again shortly."}, 503, headers
    # The page must not ask the database who is logged in: it is drawn as for a visitor.
    g._login_user = login_manager.anonymous_user()
    return render_template("errors/error.html", code=503, description=None), 503, headers


def install(app: Flask) -> None:
    """Answer every database or Redis outage with `unavailable` (also under TESTING)."""
    for kind in OUTAGES:
        app.register_error_handler(kind, unavailable)
