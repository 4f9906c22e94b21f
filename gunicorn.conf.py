"""gunicorn reads this file from the project folder: start-up checks for `gunicorn wsgi:app`.

Settings stay where gunicorn documents them (command line or GUNICORN_CMD_ARGS).
"""

import os

REDIS_WARNING = (
    "REDIS_URL is not set: rate limits (login, password mails, API) are counted in memory "
    "by each of the {workers} workers separately; set REDIS_URL=redis://HOST:6379/0 to share them."
)


def redis_warning(workers: int, environ=os.environ) -> str | None:
    """The one warning line for production with several workers and no REDIS_URL, or None."""
    production = environ.get("AMBASSADOR_ENV", "production") == "production"
    if production and workers > 1 and not environ.get("REDIS_URL"):
        return REDIS_WARNING.format(workers=workers)
    return None


def on_starting(server) -> None:
    """Once, in the master process, before the workers start."""
    message = redis_warning(server.cfg.workers)
    if message:
        server.log.warning(message)
