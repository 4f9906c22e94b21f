"""Static files under a fingerprint, so browsers keep them instead of asking on every page.

`url_for('static', filename=…)` adds `?v=` and the first 12 hex digits of the file's
SHA-256. The answer to such a URL may be kept for a year (`immutable`): no request at
all on the next pages. A changed file gets a new fingerprint, so nobody sees a stale
copy after an update. Without `v`, or with an old one (a bookmark, another site), the
file is served as before: the browser asks again each time (304 when unchanged).
"""

import hashlib
import os
from functools import lru_cache
from stat import S_ISREG

from flask import Flask, request
from werkzeug.security import safe_join

YEAR = 365 * 24 * 3600


@lru_cache(maxsize=512)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(65536), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def fingerprint(folder: str, filename: str) -> str | None:
    """The file's fingerprint (it changes with its content), or None if there is no file."""
    path = safe_join(folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if not S_ISREG(stat.st_mode):
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def install(app: Flask) -> None:
    """Fingerprint static URLs, and let browsers keep what they fetched by one."""
    folder = app.static_folder

    @app.url_defaults
    def add_fingerprint(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = fingerprint(folder, values["filename"])
            if version:
                values["v"] = version

    default_max_age = app.get_send_file_max_age

    def current(filename) -> bool:
        version = request.args.get("v")
        return bool(version) and version == fingerprint(folder, filename)

    def max_age(filename):
        return YEAR if current(filename) else default_max_age(filename)

    app.get_send_file_max_age = max_age

    @app.after_request
    def mark_immutable(response):
        # `max_age` above chose a year for the current fingerprint: mark that answer only.
        if (request.endpoint == "static" and response.status_code == 200
                and response.cache_control.max_age == YEAR):
            response.cache_control.immutable = True
        return response
